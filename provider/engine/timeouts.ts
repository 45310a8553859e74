import {
  CANCEL_GRACE_MS,
  COMPLETE_TIMEOUT_MS,
  CONNECT_TIMEOUT_MS,
  COPY_MIN_BYTES_PER_SECOND,
  COPY_TIMEOUT_FLOOR_MS,
  MAX_PART_BYTES,
  REQUEST_TIMEOUT_MS,
} from "./constants";
import { ObjectCopyError } from "./errors";

/** The timeouts in force: the constants, or what PULUMI_S3_COPY_TIMEOUTS overrides. */
export interface Timeouts {
  connectMs: number;
  requestMs: number;
  copyFloorMs: number;
  copyBytesPerSecond: number;
  completeMs: number;
  cancelGraceMs: number;
}

export const TIMEOUTS_ENV = "PULUMI_S3_COPY_TIMEOUTS";

const NAMES: Record<string, keyof Timeouts> = {
  connect: "connectMs",
  request: "requestMs",
  copyFloor: "copyFloorMs",
  copyRate: "copyBytesPerSecond",
  complete: "completeMs",
  cancelGrace: "cancelGraceMs",
};

/**
 * `PULUMI_S3_COPY_TIMEOUTS="request=60000,copyRate=1048576"`: milliseconds, except copyRate in
 * bytes per second. For servers slower than S3, and for tests that must not wait minutes.
 */
export function timeouts(env: NodeJS.ProcessEnv = process.env): Timeouts {
  const t: Timeouts = {
    connectMs: CONNECT_TIMEOUT_MS,
    requestMs: REQUEST_TIMEOUT_MS,
    copyFloorMs: COPY_TIMEOUT_FLOOR_MS,
    copyBytesPerSecond: COPY_MIN_BYTES_PER_SECOND,
    completeMs: COMPLETE_TIMEOUT_MS,
    cancelGraceMs: CANCEL_GRACE_MS,
  };
  for (const item of (env[TIMEOUTS_ENV] ?? "").split(",")) {
    if (!item.trim()) continue;
    const [name, value] = item.split("=").map((s) => s.trim());
    const field = NAMES[name];
    const n = Number(value);
    if (!field || !Number.isFinite(n) || n <= 0) {
      throw new ObjectCopyError(
        "INVALID_TIMEOUTS",
        `${TIMEOUTS_ENV} has "${item}"; expected name=positive number, names ${Object.keys(NAMES).join(", ")}`,
      );
    }
    t[field] = n;
  }
  return t;
}

/** A copy request's timeout: the floor plus its bytes at the slowest healthy rate. */
export function copyTimeoutMs(bytes: number, t: Timeouts = timeouts()): number {
  return t.copyFloorMs + Math.ceil((Math.max(bytes, 0) / t.copyBytesPerSecond) * 1000);
}

/**
 * The longest any request may go without a byte on its socket: a server that answers a copy only
 * when it is done (MinIO) is silent for the whole copy, so no less than the largest copy's timeout.
 * It catches a connection that dies after the answer's headers, which requestTimeout no longer covers.
 */
export const socketTimeoutMs = (t: Timeouts = timeouts()) => copyTimeoutMs(MAX_PART_BYTES, t);

/** The SDK's error for a request that ran out of time (not a reset, which it also names TimeoutError). */
export function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; code?: string; message?: string } | undefined;
  if (e?.name !== "TimeoutError") return false;
  return e.code === "ETIMEDOUT" || /timeout|timed out|within the configured/i.test(e.message ?? "");
}

/** A timeout as the user should read it: which request, how long, how often, what to do. */
export function timeoutError(
  operation: string,
  target: string,
  err: unknown,
  attempts?: number,
): ObjectCopyError {
  const sdkAttempts = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts;
  const tries = attempts ?? sdkAttempts;
  return new ObjectCopyError(
    `S3_${operation.toUpperCase()}_TIMED_OUT`,
    `${operation} on ${target} got no answer in time${tries ? ` (${tries} attempts)` : ""}: ` +
      `${(err as Error).message}; the server is slow or the connection is dead. If the server is just slow, ` +
      `raise the limits with ${TIMEOUTS_ENV} (README "Timeouts and cancels")`,
  );
}
