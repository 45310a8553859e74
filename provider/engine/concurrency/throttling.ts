import { awsErrorCode, httpStatus, ObjectCopyError } from "../errors";

const THROTTLE_CODES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequests",
  "TooManyRequestsException",
  "ServiceUnavailable",
]);
/**
 * The sentence errors.ts (wrapAwsError) writes for a 503 or a throttling code: the copy unit
 * wraps SDK errors, so by the time one reaches the set's scheduler only its message says so.
 */
const WRAPPED_THROTTLE = /\bis throttling or unavailable \(/;

/** Whether an error says "too fast, try later" rather than "this request cannot succeed". */
export function isThrottling(err: unknown): boolean {
  const code = awsErrorCode(err);
  const status = httpStatus(err);
  if (status === 503 || status === 429) return true;
  if (code && (THROTTLE_CODES.has(code) || code.startsWith("Throttling"))) return true;
  return err instanceof ObjectCopyError && WRAPPED_THROTTLE.test(err.message);
}
