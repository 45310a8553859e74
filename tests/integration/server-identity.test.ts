import { SERVER } from "../helpers/server";

// Both projects run these same files; this proves each one talks to its own server, not to
// whichever server happened to start last.
it("talks to the server its project started", async () => {
  const endpoint = process.env.AWS_ENDPOINT_URL!;
  const probe = SERVER === "minio" ? "/minio/health/live" : "/moto-api/";
  expect(endpoint.startsWith(SERVER === "minio" ? "https://" : "http://")).toBe(true);
  expect((await fetch(endpoint + probe)).status).toBe(200);
  const other = SERVER === "minio" ? "/moto-api/" : "/minio/health/live";
  expect((await fetch(endpoint + other)).status).not.toBe(200);
});
