// Checks that the latency-model server enforces S3's part rules: each broken rule must get a 400 with
// the expected S3 error code, and a valid upload must complete. Exits 1 on any difference.
//
//   node bench/out/bench/latency-model/check-rules.js      (after tsc -p bench/tsconfig.json)

import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";

import { GiB, MiB } from "../lib/common";
import { startLatencyModelServer } from "./server";

async function main() {
  const server = await startLatencyModelServer({ latencyMs: 0, sourceSize: 6 * GiB });
  const s3 = new S3Client({
    region: "us-east-1",
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "bench", secretAccessKey: "bench-secret" },
    maxAttempts: 1,
  });
  let failures = 0;
  const expect = async (what: string, want: string, fn: () => Promise<unknown>) => {
    let got = "OK";
    try {
      await fn();
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      got = `${e.$metadata?.httpStatusCode} ${e.name}`;
    }
    const ok = got === want;
    if (!ok) failures += 1;
    console.log(`${ok ? "ok  " : "FAIL"} ${what}: ${got}${ok ? "" : ` (expected ${want})`}`);
  };
  const upload = async () =>
    (await s3.send(new CreateMultipartUploadCommand({ Bucket: "dst", Key: "k" }))).UploadId as string;
  const part = async (UploadId: string, PartNumber: number, first: number, last: number) =>
    (
      await s3.send(
        new UploadPartCopyCommand({
          Bucket: "dst",
          Key: "k",
          UploadId,
          PartNumber,
          CopySource: "src/object",
          CopySourceRange: `bytes=${first}-${last}`,
        }),
      )
    ).CopyPartResult?.ETag as string;
  const complete = (UploadId: string, parts: [number, string][]) =>
    s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "dst",
        Key: "k",
        UploadId,
        MultipartUpload: { Parts: parts.map(([PartNumber, ETag]) => ({ PartNumber, ETag })) },
      }),
    );

  try {
    let u = await upload();
    await expect("part number 0", "400 InvalidArgument", () => part(u, 0, 0, 5 * MiB - 1));
    await expect("part number 10001", "400 InvalidArgument", () => part(u, 10_001, 0, 5 * MiB - 1));
    await expect("part range over 5 GiB", "400 InvalidRequest", () => part(u, 1, 0, 5 * GiB));
    await expect("range past the source's end", "400 InvalidRange", () => part(u, 1, 0, 6 * GiB));
    await expect("CopyObject of a 6 GiB source", "400 InvalidRequest", () =>
      s3.send(new CopyObjectCommand({ Bucket: "dst", Key: "x", CopySource: "src/object" })),
    );
    let a = await part(u, 1, 0, 4 * MiB - 1);
    let b = await part(u, 2, 4 * MiB, 6 * GiB - 1 - GiB);
    await expect("a 4 MiB part that is not the last", "400 EntityTooSmall", () =>
      complete(u, [
        [1, a],
        [2, b],
      ]),
    );
    u = await upload();
    a = await part(u, 1, 0, 3 * GiB - 1);
    b = await part(u, 2, 3 * GiB + 1, 6 * GiB - 1);
    await expect("a gap between ranges", "400 InvalidPart", () =>
      complete(u, [
        [1, a],
        [2, b],
      ]),
    );
    await expect("parts out of order", "400 InvalidPartOrder", () =>
      complete(u, [
        [2, b],
        [1, a],
      ]),
    );
    await expect("a wrong ETag", "400 InvalidPart", () =>
      complete(u, [
        [1, '"nope"'],
        [2, b],
      ]),
    );
    u = await upload();
    a = await part(u, 1, 0, 3 * GiB - 1);
    await expect("parts short of the source's end", "400 InvalidPart", () => complete(u, [[1, a]]));
    b = await part(u, 2, 3 * GiB, 6 * GiB - 1);
    await expect("a valid upload of 2 x 3 GiB", "OK", () =>
      complete(u, [
        [1, a],
        [2, b],
      ]),
    );
  } finally {
    s3.destroy();
    await server.close();
  }
  console.log(failures ? `${failures} check(s) failed` : "all rules enforced");
  process.exit(failures ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
