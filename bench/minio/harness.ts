// What the MinIO benchmarks share: a MinIO server (tests/servers/minio.ts: TLS on 127.0.0.1, a
// self-signed certificate, a temporary data directory), an admin S3 client that trusts it, source
// objects made server-side, the environment for the tools, and a counting proxy.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as path from "node:path";

import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";

import { type MinioServer, startMinio } from "../../tests/servers/minio";
import { MiB, REPO_ROOT } from "../lib/common";
import { classify } from "../lib/s3ops";

export interface BenchMinio {
  server: MinioServer;
  admin: S3Client;
  /** Environment for child processes: credentials, region and the CA for Node, the aws cli and rclone. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** The MinIO executable tests/servers/minio.ts starts (for its version in the report). */
export function minioBinary(): string {
  if (process.env.MINIO_BINARY) return process.env.MINIO_BINARY;
  const out = execFileSync("bash", [path.join(REPO_ROOT, "scripts", "ensure-minio.sh")], {
    encoding: "utf8",
  });
  return out.trim().split("\n").pop() ?? "";
}

export async function startBenchMinio(): Promise<BenchMinio> {
  const server = await startMinio();
  const ca = readFileSync(server.caFile);
  const admin = new S3Client({
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    requestHandler: { httpsAgent: new https.Agent({ ca, keepAlive: true, maxSockets: 16 }) },
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_REGION: server.region,
    AWS_DEFAULT_REGION: server.region,
    NODE_EXTRA_CA_CERTS: server.caFile,
    AWS_CA_BUNDLE: server.caFile,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
  };
  for (const name of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"])
    delete env[name];
  return {
    server,
    admin,
    env,
    async stop() {
      admin.destroy();
      await server.stop();
    },
  };
}

export async function createBuckets(m: BenchMinio, ...names: string[]) {
  for (const Bucket of names) await m.admin.send(new CreateBucketCommand({ Bucket }));
}

const SEED_KEY = "seed-64MiB";

/**
 * Makes `bucket/key` of `size` bytes (below 64 MiB, or a multiple of it): a 64 MiB random seed object is put
 * once, larger objects are assembled from it server-side with UploadPartCopy (8 at a time).
 */
export async function makeSource(m: BenchMinio, bucket: string, key: string, size: number): Promise<void> {
  const seedSize = 64 * MiB;
  if (size < seedSize) {
    // Small sources are cheap to send whole; one PUT keeps them a plain (non-multipart) object.
    await m.admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: randomBytes(size) }));
    return;
  }
  if (size % seedSize !== 0) throw new Error(`makeSource: ${size} above 64 MiB is not a multiple of 64 MiB`);
  try {
    await m.admin.send(new HeadObjectCommand({ Bucket: bucket, Key: SEED_KEY }));
  } catch {
    await m.admin.send(new PutObjectCommand({ Bucket: bucket, Key: SEED_KEY, Body: randomBytes(seedSize) }));
  }
  const parts = size / seedSize;
  const { UploadId } = await m.admin.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const etags: string[] = new Array(parts);
  let next = 0;
  const worker = async () => {
    while (next < parts) {
      const i = next++;
      const out = await m.admin.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          PartNumber: i + 1,
          CopySource: `${bucket}/${SEED_KEY}`,
        }),
      );
      etags[i] = out.CopyPartResult?.ETag ?? "";
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  await m.admin.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
    }),
  );
}

export async function headSize(m: BenchMinio, bucket: string, key: string): Promise<number | undefined> {
  try {
    return (await m.admin.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength;
  } catch {
    return undefined;
  }
}

/**
 * MinIO's trash: DeleteObject only moves an object's data there and MinIO purges it in the
 * background, minutes later. Left alone, deleted 10 GiB copies pile up (they filled the disk in a
 * first attempt) and their purge writes to the disk while later runs are being timed. The data
 * directory is the sibling of the certificate directory tests/servers/minio.ts creates.
 */
function minioTrash(m: BenchMinio): string {
  return path.join(path.dirname(path.dirname(m.server.caFile)), "data", ".minio.sys", "tmp", ".trash");
}

/**
 * Deletes the destination, empties MinIO's trash and flushes dirty pages, so the next run starts
 * from a quiet disk with the space given back.
 */
export async function deleteAndSync(m: BenchMinio, bucket: string, key: string): Promise<void> {
  await m.admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  const trash = minioTrash(m);
  if (existsSync(trash)) {
    for (const entry of readdirSync(trash)) rmSync(path.join(trash, entry), { recursive: true, force: true });
  }
  execFileSync("sync");
}

export interface CountingProxy {
  /** http://127.0.0.1:<port>; requests are forwarded to MinIO over TLS with their Host header intact. */
  endpoint: string;
  counts(): Record<string, number>;
  /** HTTP status classes seen (2xx, 4xx, ...), to notice retries and errors. */
  statuses(): Record<string, number>;
  reset(): void;
  close(): Promise<void>;
}

/**
 * A plain-HTTP proxy in front of MinIO that counts requests by S3 operation. The Host header is
 * passed through unchanged, so SigV4 signatures made for the proxy's address still verify.
 * Used only in separate, untimed runs.
 */
export async function startCountingProxy(m: BenchMinio): Promise<CountingProxy> {
  const target = new URL(m.server.endpoint);
  const agent = new https.Agent({ ca: readFileSync(m.server.caFile), keepAlive: true, maxSockets: 512 });
  let counts: Record<string, number> = {};
  let statuses: Record<string, number> = {};
  const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, (req, res) => {
    const op = classify(req.method ?? "GET", req.url ?? "/", req.headers);
    counts[op] = (counts[op] ?? 0) + 1;
    const upstream = https.request(
      {
        host: target.hostname,
        port: Number(target.port),
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (up) => {
        const cls = `${String(up.statusCode).slice(0, 1)}xx`;
        statuses[cls] = (statuses[cls] ?? 0) + 1;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      statuses.proxyError = (statuses.proxyError ?? 0) + 1;
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ ...counts }),
    statuses: () => ({ ...statuses }),
    reset() {
      counts = {};
      statuses = {};
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      });
    },
  };
}
