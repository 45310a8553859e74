import {
  CANCEL_GRACE_MS,
  COMPLETE_TIMEOUT_MS,
  CONNECT_TIMEOUT_MS,
  COPY_MIN_BYTES_PER_SECOND,
  COPY_TIMEOUT_FLOOR_MS,
  MAX_PART_BYTES,
  REQUEST_TIMEOUT_MS,
  TIMEOUTS_ENV,
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

export { TIMEOUTS_ENV };
// Kept with the errors, which every failed request goes through; re-exported for the callers here.
export { isTimeout, timeoutError } from "./errors";

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
