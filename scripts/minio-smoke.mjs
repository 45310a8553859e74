// Smoke check of the local MinIO test server against the S3 copy features the provider relies on.
// Not a jest test: run it by hand after changing the pinned MinIO or the server helper:
//
//   node_modules/.bin/node scripts/minio-smoke.mjs          (MINIO_BINARY=... to skip ensure-minio.sh)
//
// It starts the server through the real tests/servers/minio.ts (transpiled in memory with the
// repo's own `typescript`, since ts-node is not a dependency), runs each operation, prints what
// came back, and exits 1 when any result differs from what real S3 would do.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import * as https from "node:https";
import { createRequire, Module } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Loads a TypeScript file as CommonJS, so it sees the same __dirname and require as under jest. */
function loadTs(file) {
  const ts = require("typescript");
  const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
    fileName: file,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  });
  const mod = new Module(file);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  mod._compile(outputText, file);
  return mod.exports;
}

const { startMinio } = loadTs(path.join(repoRoot, "tests", "servers", "minio.ts"));
const {
  S3Client,
  CreateBucketCommand,
  PutObjectCommand,
  HeadObjectCommand,
  GetObjectCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  CompleteMultipartUploadCommand,
  AbortMultipartUploadCommand,
  GetObjectTaggingCommand,
} = require("@aws-sdk/client-s3");
let failures = 0;

function describeError(error) {
  const status = error?.$metadata?.httpStatusCode;
  return `${error?.name ?? "Error"} (HTTP ${status ?? "?"}): ${error?.message ?? String(error)}`;
}

function brief(output) {
  if (output === undefined || output === null) return output;
  const { $metadata: _metadata, Body: _body, ...rest } = output;
  return JSON.stringify(rest);
}

/**
 * Runs one step. `expect` is "ok" or the HTTP status code real S3 answers with; a mismatch is
 * reported and counted, but the remaining steps still run. `known`, when given, is MinIO's
 * documented divergence from S3 ("ok" or a status code): it is printed as KNOWN, not counted.
 */
async function step(name, expect, fn, known) {
  const verdict = (outcome) => {
    if (outcome === expect) return "PASS";
    if (known !== undefined && outcome === known) return "KNOWN";
    failures++;
    return "FAIL";
  };
  try {
    const result = await fn();
    console.log(`${verdict("ok")} ${name}: OK ${brief(result) ?? ""}`);
    return result;
  } catch (error) {
    console.log(`${verdict(error?.$metadata?.httpStatusCode ?? "error")} ${name}: ${describeError(error)}`);
    return undefined;
  }
}

async function bodyBytes(output) {
  return Buffer.from(await output.Body.transformToByteArray());
}

function md5b64(bytes) {
  return createHash("md5").update(bytes).digest("base64");
}

/** Runs a tiny S3 call in a fresh Node process, where NODE_EXTRA_CA_CERTS is read at startup. */
function childListBuckets(server, extraEnv) {
  const code = `
    const { S3Client, ListBucketsCommand } = require("@aws-sdk/client-s3");
    new S3Client({ endpoint: process.env.EP, region: process.env.RG, forcePathStyle: true,
      credentials: { accessKeyId: process.env.AK, secretAccessKey: process.env.SK } })
      .send(new ListBucketsCommand({}))
      .then((r) => console.log("buckets: " + r.Buckets.map((b) => b.Name).join(",")))
      .catch((e) => { console.log((e.code || e.name) + ": " + e.message); process.exit(3); });`;
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  Object.assign(env, extraEnv, {
    EP: server.endpoint,
    RG: server.region,
    AK: server.accessKeyId,
    SK: server.secretAccessKey,
  });
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["-e", code], { cwd: repoRoot, env }, (error, stdout, stderr) => {
      const out = (stdout + stderr).trim();
      if (error) reject(new Error(out || error.message));
      else resolve({ output: out });
    });
  });
}

async function main() {
  const started = Date.now();
  const server = await startMinio();
  console.log(`server: ${server.endpoint} (up in ${Date.now() - started} ms), CA ${server.caFile}`);
  try {
    const s3Config = {
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      // The SDK turns these options into its NodeHttpHandler, so @smithy/node-http-handler (not a
      // direct dependency) need not be imported.
      requestHandler: { httpsAgent: new https.Agent({ ca: readFileSync(server.caFile) }) },
    };
    const s3 = new S3Client(s3Config);
    const Bucket = "smoke";
    const body = Buffer.from("hello from the minio smoke test\n");
    const ssecKey = randomBytes(32);
    const ssec = {
      SSECustomerAlgorithm: "AES256",
      SSECustomerKey: ssecKey.toString("base64"),
      SSECustomerKeyMD5: md5b64(ssecKey),
    };
    const copySourceSsec = {
      CopySourceSSECustomerAlgorithm: "AES256",
      CopySourceSSECustomerKey: ssecKey.toString("base64"),
      CopySourceSSECustomerKeyMD5: md5b64(ssecKey),
    };
    const src = `${Bucket}/src.txt`;

    console.log("--- trust");
    await step("NODE_EXTRA_CA_CERTS=<caFile> in a child process", "ok", () =>
      childListBuckets(server, { NODE_EXTRA_CA_CERTS: server.caFile }),
    );
    // Control: without the CA the connection must be refused, i.e. verification is really on.
    const control = await childListBuckets(server, {}).then(
      (r) => `UNEXPECTED success ${r.output}`,
      (e) => e.message,
    );
    if (control.startsWith("UNEXPECTED")) failures++;
    console.log(`${control.startsWith("UNEXPECTED") ? "FAIL" : "PASS"} child without the CA: ${control}`);

    console.log("--- basics");
    await step("CreateBucket", "ok", () => s3.send(new CreateBucketCommand({ Bucket })));
    const put = await step("PutObject src.txt", "ok", () =>
      s3.send(new PutObjectCommand({ Bucket, Key: "src.txt", Body: body, Metadata: { origin: "smoke" } })),
    );
    const etag = put?.ETag;

    console.log("--- SSE-S3");
    await step("CopyObject ServerSideEncryption=AES256", "ok", () =>
      s3.send(
        new CopyObjectCommand({ Bucket, Key: "sse-s3.txt", CopySource: src, ServerSideEncryption: "AES256" }),
      ),
    );
    await step("HeadObject sse-s3.txt", "ok", () =>
      s3.send(new HeadObjectCommand({ Bucket, Key: "sse-s3.txt" })),
    );

    console.log("--- SSE-KMS (MinIO static key)");
    await step(`CopyObject aws:kms SSEKMSKeyId=${server.kmsKeyName}`, "ok", () =>
      s3.send(
        new CopyObjectCommand({
          Bucket,
          Key: "sse-kms.txt",
          CopySource: src,
          ServerSideEncryption: "aws:kms",
          SSEKMSKeyId: server.kmsKeyName,
        }),
      ),
    );
    await step("HeadObject sse-kms.txt", "ok", () =>
      s3.send(new HeadObjectCommand({ Bucket, Key: "sse-kms.txt" })),
    );
    await step("CopyObject aws:kms without SSEKMSKeyId", "ok", () =>
      s3.send(
        new CopyObjectCommand({
          Bucket,
          Key: "sse-kms-default.txt",
          CopySource: src,
          ServerSideEncryption: "aws:kms",
        }),
      ),
    );
    await step(
      "CopyObject aws:kms SSEKMSKeyId=no-such-key (S3: 400 KMS.NotFoundException)",
      400,
      () =>
        s3.send(
          new CopyObjectCommand({
            Bucket,
            Key: "sse-kms-bad.txt",
            CopySource: src,
            ServerSideEncryption: "aws:kms",
            SSEKMSKeyId: "no-such-key",
          }),
        ),
      404,
    );

    console.log("--- SSE-C");
    await step("CopyObject to SSE-C destination", "ok", () =>
      s3.send(new CopyObjectCommand({ Bucket, Key: "sse-c.txt", CopySource: src, ...ssec })),
    );
    await step("HeadObject sse-c.txt with key", "ok", () =>
      s3.send(new HeadObjectCommand({ Bucket, Key: "sse-c.txt", ...ssec })),
    );
    await step("HeadObject sse-c.txt without key (S3: 400)", 400, () =>
      s3.send(new HeadObjectCommand({ Bucket, Key: "sse-c.txt" })),
    );
    await step("CopyObject from SSE-C source with CopySourceSSECustomer* to plain", "ok", () =>
      s3.send(
        new CopyObjectCommand({
          Bucket,
          Key: "from-sse-c.txt",
          CopySource: `${Bucket}/sse-c.txt`,
          ...copySourceSsec,
        }),
      ),
    );
    await step("GetObject from-sse-c.txt equals source", "ok", async () => {
      const got = await bodyBytes(await s3.send(new GetObjectCommand({ Bucket, Key: "from-sse-c.txt" })));
      if (!got.equals(body)) throw new Error(`body differs: ${JSON.stringify(got.toString())}`);
      return { equal: true };
    });
    await step("CopyObject from SSE-C source without the key (S3: 400)", 400, () =>
      s3.send(
        new CopyObjectCommand({ Bucket, Key: "from-sse-c-nokey.txt", CopySource: `${Bucket}/sse-c.txt` }),
      ),
    );

    console.log("--- metadata / tagging directives");
    await step("CopyObject MetadataDirective=REPLACE", "ok", () =>
      s3.send(
        new CopyObjectCommand({
          Bucket,
          Key: "meta.txt",
          CopySource: src,
          MetadataDirective: "REPLACE",
          Metadata: { replaced: "yes" },
          ContentType: "text/plain",
        }),
      ),
    );
    await step("HeadObject meta.txt", "ok", () =>
      s3.send(new HeadObjectCommand({ Bucket, Key: "meta.txt" })),
    );
    await step("CopyObject TaggingDirective=REPLACE Tagging=a=1", "ok", () =>
      s3.send(
        new CopyObjectCommand({
          Bucket,
          Key: "tagged.txt",
          CopySource: src,
          TaggingDirective: "REPLACE",
          Tagging: "a=1",
        }),
      ),
    );
    await step("GetObjectTagging tagged.txt", "ok", () =>
      s3.send(new GetObjectTaggingCommand({ Bucket, Key: "tagged.txt" })),
    );

    console.log("--- checksum");
    await step("CopyObject ChecksumAlgorithm=CRC32", "ok", () =>
      s3.send(
        new CopyObjectCommand({ Bucket, Key: "crc32.txt", CopySource: src, ChecksumAlgorithm: "CRC32" }),
      ),
    );
    await step("HeadObject crc32.txt ChecksumMode=ENABLED", "ok", () =>
      s3.send(new HeadObjectCommand({ Bucket, Key: "crc32.txt", ChecksumMode: "ENABLED" })),
    );

    await step("CopyObject ChecksumAlgorithm=SHA256 (source stored with CRC32)", "ok", () =>
      s3.send(
        new CopyObjectCommand({ Bucket, Key: "sha256.txt", CopySource: src, ChecksumAlgorithm: "SHA256" }),
      ),
    );
    await step("HeadObject sha256.txt ChecksumMode=ENABLED", "ok", () =>
      s3.send(new HeadObjectCommand({ Bucket, Key: "sha256.txt", ChecksumMode: "ENABLED" })),
    );
    // A source without any stored checksum: the SDK adds CRC32 to PutObject unless told not to.
    const plainS3 = new S3Client({ ...s3Config, requestChecksumCalculation: "WHEN_REQUIRED" });
    await step("PutObject nock.txt without a checksum", "ok", () =>
      plainS3.send(new PutObjectCommand({ Bucket, Key: "nock.txt", Body: body })),
    );
    await step("HeadObject nock.txt ChecksumMode=ENABLED", "ok", () =>
      s3.send(new HeadObjectCommand({ Bucket, Key: "nock.txt", ChecksumMode: "ENABLED" })),
    );
    await step("CopyObject nock.txt ChecksumAlgorithm=CRC32", "ok", () =>
      s3.send(
        new CopyObjectCommand({
          Bucket,
          Key: "nock-crc32.txt",
          CopySource: `${Bucket}/nock.txt`,
          ChecksumAlgorithm: "CRC32",
        }),
      ),
    );
    await step("HeadObject nock-crc32.txt ChecksumMode=ENABLED", "ok", () =>
      s3.send(new HeadObjectCommand({ Bucket, Key: "nock-crc32.txt", ChecksumMode: "ENABLED" })),
    );

    console.log("--- copy preconditions");
    const past = new Date(Date.now() - 24 * 3600 * 1000);
    const future = new Date(Date.now() + 24 * 3600 * 1000);
    const pre = (label, expect, extra) =>
      step(`CopyObject ${label}`, expect, () =>
        s3.send(new CopyObjectCommand({ Bucket, Key: "pre.txt", CopySource: src, ...extra })),
      );
    await pre("CopySourceIfMatch=wrong etag (S3: 412)", 412, {
      CopySourceIfMatch: '"0123456789abcdef0123456789abcdef"',
    });
    await pre("CopySourceIfMatch=source etag", "ok", { CopySourceIfMatch: etag });
    await pre("CopySourceIfNoneMatch=source etag (S3: 412)", 412, { CopySourceIfNoneMatch: etag });
    await pre("CopySourceIfNoneMatch=other etag", "ok", {
      CopySourceIfNoneMatch: '"0123456789abcdef0123456789abcdef"',
    });
    await pre("CopySourceIfModifiedSince=tomorrow (S3: 412)", 412, { CopySourceIfModifiedSince: future });
    await pre("CopySourceIfModifiedSince=yesterday", "ok", { CopySourceIfModifiedSince: past });
    await pre("CopySourceIfUnmodifiedSince=yesterday (S3: 412)", 412, { CopySourceIfUnmodifiedSince: past });
    await pre("CopySourceIfUnmodifiedSince=tomorrow", "ok", { CopySourceIfUnmodifiedSince: future });

    console.log("--- multipart copy (12 MiB, 2 parts)");
    const big = randomBytes(12 * 1024 * 1024);
    const partSize = 8 * 1024 * 1024;
    const bigPut = await step("PutObject big.bin (12 MiB)", "ok", () =>
      s3.send(new PutObjectCommand({ Bucket, Key: "big.bin", Body: big })),
    );
    const ranges = [
      [0, partSize - 1],
      [partSize, big.length - 1],
    ];
    async function multipartCopy(label, destKey, createExtra, partExtra) {
      const created = await step(`${label}: CreateMultipartUpload`, "ok", () =>
        s3.send(new CreateMultipartUploadCommand({ Bucket, Key: destKey, ...createExtra })),
      );
      if (!created) return;
      const parts = [];
      for (const [i, [first, last]] of ranges.entries()) {
        const part = await step(`${label}: UploadPartCopy ${i + 1} bytes=${first}-${last}`, "ok", () =>
          s3.send(
            new UploadPartCopyCommand({
              Bucket,
              Key: destKey,
              UploadId: created.UploadId,
              PartNumber: i + 1,
              CopySource: `${Bucket}/${partExtra.sourceKey}`,
              CopySourceRange: `bytes=${first}-${last}`,
              CopySourceIfMatch: partExtra.ifMatch,
              ...partExtra.params,
            }),
          ),
        );
        if (!part) {
          await s3.send(
            new AbortMultipartUploadCommand({ Bucket, Key: destKey, UploadId: created.UploadId }),
          );
          return;
        }
        parts.push({ PartNumber: i + 1, ETag: part.CopyPartResult.ETag });
      }
      await step(`${label}: CompleteMultipartUpload`, "ok", () =>
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key: destKey,
            UploadId: created.UploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
      await step(`${label}: GetObject ${destKey} equals source`, "ok", async () => {
        const got = await s3.send(
          new GetObjectCommand({ Bucket, Key: destKey, ...(partExtra.readParams ?? {}) }),
        );
        const bytes = await bodyBytes(got);
        if (!bytes.equals(big)) throw new Error(`content differs (length ${bytes.length})`);
        return {
          ETag: got.ETag,
          ContentLength: got.ContentLength,
          ServerSideEncryption: got.ServerSideEncryption,
        };
      });
    }
    await multipartCopy(
      "plain",
      "big-copy.bin",
      {},
      { sourceKey: "big.bin", ifMatch: bigPut?.ETag, params: {} },
    );
    await step("UploadPartCopy CopySourceIfMatch=wrong etag (S3: 412)", 412, async () => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: "big-pre.bin" }));
      try {
        return await s3.send(
          new UploadPartCopyCommand({
            Bucket,
            Key: "big-pre.bin",
            UploadId,
            PartNumber: 1,
            CopySource: `${Bucket}/big.bin`,
            CopySourceRange: `bytes=0-${partSize - 1}`,
            CopySourceIfMatch: '"0123456789abcdef0123456789abcdef"',
          }),
        );
      } finally {
        await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: "big-pre.bin", UploadId }));
      }
    });
    await multipartCopy(
      "to SSE-S3",
      "big-sse-s3.bin",
      { ServerSideEncryption: "AES256" },
      { sourceKey: "big.bin", params: {} },
    );
    await multipartCopy("to SSE-C", "big-sse-c.bin", ssec, {
      sourceKey: "big.bin",
      params: ssec,
      readParams: ssec,
    });
    await multipartCopy(
      "SSE-C to plain",
      "big-from-sse-c.bin",
      {},
      {
        sourceKey: "big-sse-c.bin",
        params: copySourceSsec,
      },
    );
    await multipartCopy(
      "to SSE-KMS",
      "big-sse-kms.bin",
      { ServerSideEncryption: "aws:kms", SSEKMSKeyId: server.kmsKeyName },
      { sourceKey: "big.bin", params: {} },
    );
  } finally {
    await server.stop();
  }
  console.log(
    failures === 0
      ? "smoke: all steps behaved like S3 (or like MinIO is known to differ)"
      : `smoke: ${failures} step(s) differed from S3`,
  );
  process.exitCode = failures === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 2;
});
