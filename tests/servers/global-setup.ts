import { localAwsEnv, startMoto } from "./moto";

/** One moto server for the integration project; test files isolate themselves by bucket name. */
export default async function globalSetup(): Promise<void> {
  const moto = await startMoto();
  (globalThis as { __moto?: typeof moto }).__moto = moto;
  Object.assign(process.env, localAwsEnv(moto.endpoint), {
    MOTO_ENDPOINT: moto.endpoint,
    TEST_SERVER: "moto",
  });
}
