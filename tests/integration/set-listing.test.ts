import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

import { RESERVED_PREFIX } from "../../provider/engine/set/manifest";
import { listObjects } from "../../provider/engine/set/listing";
import { newBucket, verifier } from "../helpers/s3";
import { SERVER } from "../helpers/server";

/** A client that counts ListObjectsV2 requests by kind and the most in flight at once. */
function countingClient() {
  const client = new S3Client({
    region: "us-east-1",
    endpoint: process.env.TEST_S3_ENDPOINT ?? process.env.AWS_ENDPOINT_URL,
    forcePathStyle: true,
  });
  const seen = { delimited: 0, full: 0, inFlight: 0, maxInFlight: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "ListObjectsV2Command") {
        const input = args.input as { Delimiter?: string };
        if (input.Delimiter) seen.delimited += 1;
        else seen.full += 1;
        seen.inFlight += 1;
        seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
        try {
          return await next(args);
        } finally {
          seen.inFlight -= 1;
        }
      }
      return next(args);
    },
    { step: "initialize", name: "countLists" },
  );
  return { client, seen };
}

async function putAll(bucket: string, keys: string[]) {
  const { s3 } = verifier();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < keys.length) {
        const key = keys[next++];
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      }
    }),
  );
}

// MinIO stores objects as files and refuses a key with an empty path segment ("//").
const AWKWARD = [
  "src/with space.txt",
  "src/plus+sign",
  "src/per%25cent",
  "src/ünïcødé/ç.txt",
  "src/.hidden",
  ...(SERVER === "minio" ? [] : ["src//double"]),
];

describe("listObjects", () => {
  let bucket: string;
  let keys: string[];
  beforeAll(async () => {
    bucket = await newBucket();
    keys = [];
    // 2,500 keys across nested sub-prefixes of src/, a sibling src2/, root keys and the reserved prefix.
    for (let d = 0; d < 5; d += 1) for (let i = 0; i < 440; i += 1) keys.push(`src/d${d}/n${i % 4}/k${i}`);
    for (let i = 0; i < 150; i += 1) keys.push(`src/root-${i}`);
    for (let i = 0; i < 100; i += 1) keys.push(`src2/x${i}`);
    for (let i = 0; i < 40; i += 1) keys.push(`top-${i}`);
    keys.push("srcfile", ...AWKWARD);
    keys.push(`${RESERVED_PREFIX}p/s/n.json.gz`, `${RESERVED_PREFIX}p/s/n.json.gz.journal/00000001.json.gz`);
    while (keys.length < 2_500) keys.push(`src/d9/pad-${keys.length}`);
    await putAll(bucket, keys);
  }, 300_000);

  it("lists every key under a folder prefix, sorted, with sizes and ETags, in parallel across sub-prefixes", async () => {
    const { client, seen } = countingClient();
    const out = await listObjects({ client, bucket, prefix: "src/" });
    const expected = keys.filter((k) => k.startsWith("src/")).sort();
    expect(out.entries.map((e) => e.key)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(2_000);
    const byKey = new Map(out.entries.map((e) => [e.key, e]));
    expect(byKey.get("src/plus+sign")).toMatchObject({
      size: "src/plus+sign".length,
      etag: expect.stringMatching(/^".+"$/),
    });
    expect(Date.parse(byKey.get("src/plus+sign")!.lastModified)).not.toBeNaN();
    // Pages: at least one per 1,000 keys, each request counted.
    expect(out.requests).toBe(seen.delimited + seen.full);
    expect(out.requests).toBeGreaterThanOrEqual(Math.ceil(expected.length / 1_000));
    // The parallel path: one delimited level found the sub-prefixes, which were listed side by side.
    expect(seen.delimited).toBeGreaterThanOrEqual(1);
    expect(seen.full).toBeGreaterThanOrEqual(6);
    expect(seen.maxInFlight).toBeGreaterThan(1);
  });

  it("matches a prefix without a trailing slash as S3 does: src also lists src2/ and srcfile", async () => {
    const { client } = countingClient();
    const out = await listObjects({ client, bucket, prefix: "src" });
    expect(out.entries.map((e) => e.key)).toEqual(keys.filter((k) => k.startsWith("src")).sort());
    expect(out.entries.some((e) => e.key === "src2/x0")).toBe(true);
    expect(out.entries.some((e) => e.key === "srcfile")).toBe(true);
  });

  it("lists the whole bucket without the reserved prefix and without what skip names", async () => {
    const { client, seen } = countingClient();
    const out = await listObjects({ client, bucket, prefix: "", skip: (k) => k.startsWith("top-1") });
    const expected = keys.filter((k) => !k.startsWith(RESERVED_PREFIX) && !k.startsWith("top-1")).sort();
    expect(out.entries.map((e) => e.key)).toEqual(expected);
    expect(out.entries.filter((e) => e.key.startsWith(".pulumi"))).toEqual([]);
    expect(out.requests).toBe(seen.delimited + seen.full);
  });

  it("keeps awkward keys exactly", async () => {
    const { client } = countingClient();
    const out = await listObjects({ client, bucket, prefix: "src/" });
    const listed = new Set(out.entries.map((e) => e.key));
    for (const k of AWKWARD) expect(listed.has(k)).toBe(true);
  });

  it("lists a prefix of at most 1,000 keys with one plain request, without splitting it", async () => {
    const { client, seen } = countingClient();
    const out = await listObjects({ client, bucket, prefix: "src2/" });
    expect(out.entries).toHaveLength(100);
    expect(seen).toMatchObject({ delimited: 0, full: 1 });
    expect(out.requests).toBe(1);
    // Sub-prefixes do not matter while one page holds everything: src/d0/ has 440 keys in 4 folders.
    const { client: c2, seen: s2 } = countingClient();
    const d0 = await listObjects({ client: c2, bucket, prefix: "src/d0/" });
    expect(d0.entries.map((e) => e.key)).toEqual(keys.filter((k) => k.startsWith("src/d0/")).sort());
    expect(s2).toMatchObject({ delimited: 0, full: 1 });
  });

  it("lists nothing and sends nothing when the signal is already aborted", async () => {
    const { client, seen } = countingClient();
    const ac = new AbortController();
    ac.abort();
    await expect(listObjects({ client, bucket, prefix: "src/", signal: ac.signal })).rejects.toThrow(
      /^CANCELLED: /,
    );
    expect(seen.delimited + seen.full).toBe(0);
  });

  it("names the bucket and prefix when the listing fails", async () => {
    const { client } = countingClient();
    await expect(listObjects({ client, bucket: `${bucket}-missing`, prefix: "p/" })).rejects.toThrow(
      new RegExp(
        `^S3_LISTOBJECTSV2_FAILED: ListObjectsV2 on s3://${bucket}-missing/p/ failed with NoSuchBucket`,
      ),
    );
  });
});
