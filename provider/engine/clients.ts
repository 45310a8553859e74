import { KMSClient } from "@aws-sdk/client-kms";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";

import { providerSettings } from "./settings";
import type { CopyInputs } from "./types";

/** Fallback when neither the resource, the stack config nor the environment names a region. */
export const DEFAULT_REGION = "us-east-1";
/** Sockets per client; multipart copies raise it to their concurrency so parts never queue. */
const BASE_MAX_SOCKETS = 50;

type Connection = Pick<CopyInputs, "region" | "endpoint" | "forcePathStyle">;

/** Resource input, then the stack's aws:region, then the SDK's usual environment variables. */
export function destinationRegion(inputs: Pick<CopyInputs, "region">): string {
  return (
    inputs.region ??
    providerSettings().region ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION ??
    DEFAULT_REGION
  );
}

function customEndpointConfigured(endpoint: string | undefined): boolean {
  return Boolean(endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
}

// Clients are cached for the life of the provider process: a preview diffs every resource, and
// reusing a client reuses its credentials and connections.
const s3Clients = new Map<string, S3Client>();
const kmsClients = new Map<string, KMSClient>();

export function s3Client(conn: Connection, region: string, maxSockets = BASE_MAX_SOCKETS): S3Client {
  // S3-compatible servers on a custom endpoint rarely resolve virtual-hosted bucket names.
  const forcePathStyle = conn.forcePathStyle ?? customEndpointConfigured(conn.endpoint);
  const sockets = Math.max(maxSockets, BASE_MAX_SOCKETS);
  const cacheKey = JSON.stringify([region, conn.endpoint, forcePathStyle, sockets]);
  let client = s3Clients.get(cacheKey);
  if (!client) {
    client = new S3Client({
      region,
      endpoint: conn.endpoint,
      forcePathStyle,
      followRegionRedirects: true,
      requestHandler: {
        httpAgent: { maxSockets: sockets, keepAlive: true },
        httpsAgent: { maxSockets: sockets, keepAlive: true },
      },
    });
    s3Clients.set(cacheKey, client);
  }
  return client;
}

export function kmsClient(region: string): KMSClient {
  let client = kmsClients.get(region);
  if (!client) {
    client = new KMSClient({ region });
    kmsClients.set(region, client);
  }
  return client;
}

const bucketRegions = new Map<string, Promise<string | undefined>>();

/**
 * The region a bucket lives in, from HeadBucket's x-amz-bucket-region (present on success and on
 * the 301/403 answers S3 gives for other regions). Undefined when the server does not say.
 */
export function discoverBucketRegion(
  conn: Connection,
  bucket: string,
  probeRegion: string,
): Promise<string | undefined> {
  const cacheKey = JSON.stringify([conn.endpoint, bucket]);
  let found = bucketRegions.get(cacheKey);
  if (!found) {
    found = s3Client(conn, probeRegion)
      .send(new HeadBucketCommand({ Bucket: bucket }))
      .then(
        (out) => out.BucketRegion,
        (err: { $response?: { headers?: Record<string, string> } }) =>
          err?.$response?.headers?.["x-amz-bucket-region"],
      );
    bucketRegions.set(cacheKey, found);
  }
  return found;
}

/** A region discoverBucketRegion already found (or is finding), without asking the server. */
export function cachedBucketRegion(conn: Connection, bucket: string): Promise<string | undefined> {
  return bucketRegions.get(JSON.stringify([conn.endpoint, bucket])) ?? Promise.resolve(undefined);
}

/** Forgets cached clients and regions (tests switch servers between suites). */
export function resetClientCaches(): void {
  s3Clients.clear();
  kmsClients.clear();
  bucketRegions.clear();
}
