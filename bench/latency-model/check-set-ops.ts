// Checks the latency model's operations for the ObjectCopySet benchmark through the AWS SDK:
// ListObjectsV2 paging over a synthetic keyspace (with and without a delimiter), CopyObject,
// PutObject/GetObject, DeleteObjects, and the per-prefix write limit answering 503 SlowDown.
// Exits non-zero on the first wrong answer.
//
//   node bench/out/bench/latency-model/check-set-ops.js   (after tsc -p bench/tsconfig.json)

import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";

import { keyspaceKey, startLatencyModelServer } from "./server";

function expect(what: string, got: unknown, want: unknown) {
  const ok = JSON.stringify(got) === JSON.stringify(want);
  console.log(
    `${ok ? "ok  " : "FAIL"} ${what}: ${JSON.stringify(got)}${ok ? "" : ` (wanted ${JSON.stringify(want)})`}`,
  );
  if (!ok) process.exitCode = 1;
}

async function main() {
  const N = 2_500;
  const server = await startLatencyModelServer({
    latencyMs: 1,
    timeScale: 1,
    keyspace: N,
    sourceSize: 16 * 1024,
    writesPerSecond: 0,
  });
  const s3 = new S3Client({
    region: "us-east-1",
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
    maxAttempts: 1,
  });
  try {
    // Every key, 1,000 a page.
    const keys: string[] = [];
    const etags = new Map<string, string>();
    const pages: number[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: "src", Prefix: "data/", ContinuationToken: token }),
      );
      pages.push(page.KeyCount ?? -1);
      for (const o of page.Contents ?? []) {
        keys.push(o.Key ?? "");
        etags.set(o.Key ?? "", o.ETag ?? "");
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect("pages of a 2,500-key listing", pages, [1000, 1000, 500]);
    expect(
      "keys listed in order, none twice",
      [keys.length, new Set(keys).size, keys[0], keys[N - 1]],
      [N, N, keyspaceKey("data/", 0), keyspaceKey("data/", N - 1)],
    );
    const folders = await s3.send(
      new ListObjectsV2Command({ Bucket: "src", Prefix: "data/", Delimiter: "/" }),
    );
    expect(
      "common prefixes with Delimiter=/",
      (folders.CommonPrefixes ?? []).map((p) => p.Prefix),
      ["data/p000/", "data/p001/", "data/p002/"],
    );
    const small = await s3.send(
      new ListObjectsV2Command({ Bucket: "src", Prefix: "data/", Delimiter: "/", MaxKeys: 2 }),
    );
    const rest = await s3.send(
      new ListObjectsV2Command({
        Bucket: "src",
        Prefix: "data/",
        Delimiter: "/",
        ContinuationToken: small.NextContinuationToken,
      }),
    );
    expect(
      "common prefixes paged by MaxKeys=2",
      [
        small.IsTruncated,
        (small.CommonPrefixes ?? []).length,
        (rest.CommonPrefixes ?? []).map((p) => p.Prefix),
      ],
      [true, 2, ["data/p002/"]],
    );
    const after = await s3.send(
      new ListObjectsV2Command({ Bucket: "src", StartAfter: keyspaceKey("data/", N - 3) }),
    );
    expect("start-after", (after.Contents ?? []).length, 2);
    const head = await s3.send(new HeadObjectCommand({ Bucket: "src", Key: keys[7] }));
    expect(
      "HeadObject of a keyspace key",
      [head.ContentLength, head.ETag === etags.get(keys[7])],
      [16384, true],
    );
    const missing = await s3
      .send(new HeadObjectCommand({ Bucket: "src", Key: "data/nope" }))
      .catch((e: S3ServiceException) => e.$metadata.httpStatusCode);
    expect("HeadObject outside the keyspace", missing, 404);

    // Copies, and the destination listing.
    for (const k of keys.slice(0, 3)) {
      await s3.send(new CopyObjectCommand({ Bucket: "dst", Key: `copy/${k}`, CopySource: `src/${k}` }));
    }
    const dst = await s3.send(new ListObjectsV2Command({ Bucket: "dst", Prefix: "copy/" }));
    expect(
      "destination lists the 3 copies",
      (dst.Contents ?? []).map((o) => o.Size),
      [16384, 16384, 16384],
    );

    // A small object round trip (a manifest).
    await s3.send(
      new PutObjectCommand({ Bucket: "dst", Key: ".manifest/m.json.gz", Body: Buffer.from("hello") }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: "dst", Key: ".manifest/m.json.gz" }));
    expect("GetObject returns PutObject's body", await got.Body?.transformToString(), "hello");

    const del = await s3.send(
      new DeleteObjectsCommand({
        Bucket: "dst",
        Delete: { Objects: [{ Key: `copy/${keys[0]}` }, { Key: `copy/${keys[1]}` }] },
      }),
    );
    const left = await s3.send(new ListObjectsV2Command({ Bucket: "dst", Prefix: "copy/" }));
    expect("DeleteObjects", [(del.Deleted ?? []).length, (left.Contents ?? []).length], [2, 1]);

    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: "dst", Prefix: "copy/" }));
    expect(
      "ListObjectVersions: the one null version of what is left",
      (versions.Versions ?? []).map((v) => [v.Key, v.VersionId]),
      [[`copy/${keys[2]}`, "null"]],
    );

    // The write limit: 20 writes/s with a burst of 5 tokens; 30 copies at once -> 5 pass, 25 SlowDown.
    server.setConfig({ writesPerSecond: 20, burstSeconds: 0.25 });
    const before = server.stats().slowDowns;
    const results = await Promise.all(
      keys.slice(0, 30).map((k, i) =>
        s3
          .send(new CopyObjectCommand({ Bucket: "dst", Key: `limited/${i}`, CopySource: `src/${k}` }))
          .then(() => "ok")
          .catch((e: S3ServiceException) => `${e.$metadata.httpStatusCode} ${e.name}`),
      ),
    );
    const tally: Record<string, number> = {};
    for (const r of results) tally[r] = (tally[r] ?? 0) + 1;
    expect("30 copies at once under 20/s with 5 tokens", tally, { ok: 5, "503 SlowDown": 25 });
    expect("slowDowns counted", server.stats().slowDowns - before, 25);
    await new Promise((r) => setTimeout(r, 300));
    const again = await s3
      .send(new CopyObjectCommand({ Bucket: "dst", Key: "limited/again", CopySource: `src/${keys[0]}` }))
      .then(() => "ok")
      .catch((e: S3ServiceException) => e.name);
    expect("a write after the bucket refilled", again, "ok");
    const otherPrefix = await s3
      .send(new CopyObjectCommand({ Bucket: "dst", Key: "elsewhere/x", CopySource: `src/${keys[0]}` }))
      .then(() => "ok")
      .catch((e: S3ServiceException) => e.name);
    expect("another prefix has its own bucket", otherPrefix, "ok");
    console.log(`request counts: ${JSON.stringify(server.stats().counts)}`);
  } finally {
    s3.destroy();
    await server.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
