import { KMSClient } from "@aws-sdk/client-kms";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  HeadBucketCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";

import { isThrottling } from "./concurrency/throttling";
import { ABORT_MAX_ATTEMPTS, CONTROL_SOCKETS, MAX_SINGLE_COPY_BYTES } from "./constants";
import { providerSettings } from "./settings";
import { Slots } from "./slots";
import { copyTimeoutMs, socketTimeoutMs, type Timeouts, timeouts } from "./timeouts";
import type { CopyInputs } from "./types";

/** Fallback when neither the resource, the stack config nor the environment names a region. */
export const DEFAULT_REGION = "us-east-1";
/** Part sockets per client; multipart copies raise it to their concurrency so parts never queue. */
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

/**
 * The timeout a request gets when its caller names none: copies by their bytes (a CopyObject, whose
 * size the request does not carry, as the largest one), Complete its own; everything else the
 * client's requestTimeout.
 */
export function defaultRequestTimeout(command: unknown, t: Timeouts = timeouts()): number | undefined {
  if (command instanceof UploadPartCopyCommand) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(command.input.CopySourceRange ?? "");
    return copyTimeoutMs(m ? Number(m[2]) - Number(m[1]) + 1 : MAX_SINGLE_COPY_BYTES, t);
  }
  if (command instanceof CopyObjectCommand) return copyTimeoutMs(MAX_SINGLE_COPY_BYTES, t);
  if (command instanceof CompleteMultipartUploadCommand) return t.completeMs;
  return undefined;
}

type SendOptions = { requestTimeout?: number; abortSignal?: AbortSignal };

/** An S3Client whose requests cannot wait forever: each gets the timeout its operation needs. */
class S3ClientWithTimeouts extends S3Client {
  // One untyped signature stands in for send's overloads; it only adds a default option.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override send(command: any, options?: any, cb?: any): any {
    if (typeof options === "function") return super.send(command, options);
    const requestTimeout =
      (options as SendOptions | undefined)?.requestTimeout ?? defaultRequestTimeout(command);
    return super.send(command, requestTimeout ? { ...options, requestTimeout } : options, cb);
  }
}

/**
 * Connection and request timeouts for a client's handler. `throwOnRequestTimeout` matters: without
 * it @smithy/node-http-handler 4.x only logs a warning when requestTimeout passes, and the request
 * goes on waiting.
 */
function timedHandler(sockets: number, t: Timeouts) {
  return {
    connectionTimeout: t.connectMs,
    requestTimeout: t.requestMs,
    throwOnRequestTimeout: true,
    socketTimeout: socketTimeoutMs(t),
    httpAgent: { maxSockets: sockets, keepAlive: true },
    httpsAgent: { maxSockets: sockets, keepAlive: true },
  };
}

/**
 * What s3Client keeps beside each pooled client: the part slots that mirror its sockets, the
 * config its twins are made from, and the twins once made (abortClientFor, selfThrottledClientFor).
 */
interface Pooled {
  slots: Slots;
  base: S3ClientConfig;
  timeouts: Timeouts;
  abort?: S3Client;
  selfThrottled?: S3Client;
}
const pooledOf = new WeakMap<S3Client, Pooled>();

export function s3Client(conn: Connection, region: string, maxSockets = BASE_MAX_SOCKETS): S3Client {
  // S3-compatible servers on a custom endpoint rarely resolve virtual-hosted bucket names.
  const forcePathStyle = conn.forcePathStyle ?? customEndpointConfigured(conn.endpoint);
  const sockets = Math.max(maxSockets, BASE_MAX_SOCKETS);
  const cacheKey = JSON.stringify([region, conn.endpoint, forcePathStyle, sockets]);
  let client = s3Clients.get(cacheKey);
  if (!client) {
    const t = timeouts();
    const base = { region, endpoint: conn.endpoint, forcePathStyle, followRegionRedirects: true };
    // Parts may take `sockets` sockets and no more (partSlots); the rest serve everything else.
    client = new S3ClientWithTimeouts({
      ...base,
      requestHandler: timedHandler(sockets + CONTROL_SOCKETS, t),
    });
    pooledOf.set(client, { slots: new Slots(sockets), base, timeouts: t });
    s3Clients.set(cacheKey, client);
  }
  return client;
}

/**
 * Slots for the parts of every multipart copy on this client together: many copies in one process
 * share a client, and a part waiting for a socket inside the agent would time out without being sent.
 * Undefined for a client not made by s3Client.
 */
export function partSlots(client: S3Client): Slots | undefined {
  return pooledOf.get(client)?.slots;
}

type RetryStrategy = Exclude<S3ClientConfig["retryStrategy"], undefined>;
type RetryStrategyV2 = Extract<RetryStrategy, { refreshRetryTokenForRetry: unknown }>;

/**
 * The SDK's retry strategy with one change: a throttled answer (503 SlowDown, throttling codes) is
 * not retried but handed straight to the caller. The SDK waits up to a second (more on later tries)
 * before it repeats a throttled request, inside `send`, so a caller that counts requests in flight
 * counts sleeping ones, and its controller hears of the throttling only after all the tries.
 * Every other retry (5xx, dropped connections) stays the SDK's.
 */
function withoutThrottleRetries(inner: () => Promise<RetryStrategyV2>): RetryStrategyV2 {
  let strategy: Promise<RetryStrategyV2> | undefined;
  const get = () => (strategy ??= inner());
  return {
    acquireInitialRetryToken: async (scope) => (await get()).acquireInitialRetryToken(scope),
    async refreshRetryTokenForRetry(token, info) {
      // The retry middleware answers a refusal here by throwing the request's own error. Refused
      // only when the caller will know it for throttling too (the SDK's list is longer), so no
      // error goes unretried by both.
      if (info.errorType === "THROTTLING" && isThrottling(info.error)) {
        throw new Error("throttling is retried by the caller");
      }
      return (await get()).refreshRetryTokenForRetry(token, info);
    },
    recordSuccess(token) {
      void get().then((s) => s.recordSuccess(token));
    },
  };
}

/**
 * The client for requests whose caller handles throttling itself (a multipart copy's parts): it
 * shares `client`'s sockets, credentials and region, but hands throttled answers back at once
 * (withoutThrottleRetries). The caller then tells its concurrency controller, frees the request's
 * place and tries again after a short wait of its own. A client not made by s3Client is its own.
 */
export function selfThrottledClientFor(client: S3Client): S3Client {
  const pooled = pooledOf.get(client);
  if (!pooled) return client;
  pooled.selfThrottled ??= new S3ClientWithTimeouts({
    ...pooled.base,
    // The pooled client's resolved (and cached) credentials, so no second credential chain runs.
    credentials: client.config.credentials,
    // The same handler, so the same sockets: partSlots still mirror the pool exactly.
    requestHandler: client.config.requestHandler,
    retryStrategy: withoutThrottleRetries(
      async () => (await client.config.retryStrategy()) as RetryStrategyV2,
    ),
  });
  return pooled.selfThrottled;
}

/**
 * The client that sends AbortMultipartUpload for uploads made through `client`: same endpoint and
 * region, its own sockets, so an abort never queues behind parts that fill the pool, and more
 * retries, because an abort that fails leaves parts billed. A client not made by s3Client is its
 * own.
 */
export function abortClientFor(client: S3Client): S3Client {
  const pooled = pooledOf.get(client);
  if (!pooled) return client;
  pooled.abort ??= new S3ClientWithTimeouts({
    ...pooled.base,
    maxAttempts: ABORT_MAX_ATTEMPTS,
    requestHandler: timedHandler(BASE_MAX_SOCKETS, pooled.timeouts),
  });
  return pooled.abort;
}

export function kmsClient(region: string): KMSClient {
  let client = kmsClients.get(region);
  if (!client) {
    client = new KMSClient({ region, requestHandler: timedHandler(BASE_MAX_SOCKETS, timeouts()) });
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
