import { STATUS_CODES } from "node:http";

import { TIMEOUTS_ENV } from "./constants";

/**
 * Every error the engine raises leads with a stable code, so users can search for it and tests can
 * match on it without depending on the wording.
 */
export class ObjectCopyError extends Error {
  constructor(
    /** What went wrong, as a stable code such as `SOURCE_NOT_FOUND`; the message leads with it. */
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = "ObjectCopyError";
  }

  /** The message without its leading code, for an error that repeats it with more said. */
  get detail(): string {
    return this.message.slice(this.code.length + 2);
  }
}

interface AwsLikeError {
  name?: string;
  Code?: string;
  /** Node's system error code on network failures ("ECONNRESET"). */
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

/** The S3/KMS error code of an SDK error ("NoSuchKey", "PreconditionFailed", ...). */
export function awsErrorCode(err: unknown): string | undefined {
  const e = err as AwsLikeError | undefined;
  return e?.Code ?? e?.name;
}

export function httpStatus(err: unknown): number | undefined {
  return (err as AwsLikeError | undefined)?.$metadata?.httpStatusCode;
}

export function isNotFound(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code === "NotFound" || code === "NoSuchKey" || code === "NoSuchVersion" || httpStatus(err) === 404;
}

/** The longest rendering of a user's value that a message repeats; longer ones are cut. */
export const MAX_SHOWN_VALUE_CHARS = 100;

/**
 * A value as a message should quote it: strings quoted, NaN and ±Infinity by name (JSON.stringify
 * would print `null`), nested maps and lists in JSON-like form, and anything longer than
 * `maxChars` cut, with its full length said. Never pass a secret: it would be quoted.
 */
export function showValue(value: unknown, maxChars = MAX_SHOWN_VALUE_CHARS): string {
  if (typeof value === "string") return cut(JSON.stringify(value), [...value].length, maxChars, true);
  const text = render(value, new Set());
  return cut(text, [...text].length, maxChars, false);
}

function cut(text: string, length: number, maxChars: number, quoted: boolean): string {
  const chars = [...text];
  // A quoted string is measured without its quotes, so the count is the user's own length.
  if (chars.length - (quoted ? 2 : 0) <= maxChars) return text;
  return `${chars.slice(0, maxChars).join("")}… (${length} characters)`;
}

function render(value: unknown, seen: Set<object>): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "[function]";
  if (value === null || typeof value !== "object") return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  const shown = Array.isArray(value)
    ? `[${value.map((v) => render(v, seen)).join(", ")}]`
    : `{${Object.entries(value)
        .map(([k, v]) => `${JSON.stringify(k)}: ${render(v, seen)}`)
        .join(", ")}}`;
  seen.delete(value);
  return shown;
}

/** One IAM action, or another one when the request names a version (S3 checks a different one then). */
const perVersion = (current: string, version: string) => (pinned: boolean) => (pinned ? version : current);
const readObject = perVersion("s3:GetObject", "s3:GetObjectVersion");

/**
 * What S3 and KMS check for each operation the engine sends, so a refusal can name the missing
 * permission instead of only "Access Denied". `pinned` is whether the request names a version.
 * Sources: the S3 API reference ("Permissions" of each operation) and "Required permissions for
 * Amazon S3 API operations"; the README's "Permissions (IAM)" section lists them by feature.
 */
const NEEDS: Record<string, (pinned: boolean) => string> = {
  HeadObject: (pinned) => `${readObject(pinned)} on the object`,
  GetObject: (pinned) => `${readObject(pinned)} on the object`,
  GetObjectTagging: (pinned) =>
    `${perVersion("s3:GetObjectTagging", "s3:GetObjectVersionTagging")(pinned)} on the source object`,
  CopyObject: (pinned) =>
    `${readObject(pinned)} on the source and s3:PutObject on the destination; copying or setting tags also ` +
    `needs s3:GetObjectTagging on the source and s3:PutObjectTagging on the destination, acl needs ` +
    `s3:PutObjectAcl, Object Lock settings need s3:PutObjectRetention / s3:PutObjectLegalHold, and SSE-KMS ` +
    `needs kms:GenerateDataKey on the destination key and kms:Decrypt on the source's key`,
  UploadPartCopy: () =>
    `s3:GetObject (s3:GetObjectVersion for a pinned version) on the source and s3:PutObject on the ` +
    `destination; with SSE-KMS also kms:Decrypt on the source's key and on the destination key`,
  CreateMultipartUpload: () =>
    `s3:PutObject on the destination (plus s3:PutObjectTagging to set tags, s3:PutObjectAcl for acl, and ` +
    `kms:GenerateDataKey on the destination key with SSE-KMS)`,
  CompleteMultipartUpload: () => `s3:PutObject on the destination`,
  AbortMultipartUpload: () => `s3:AbortMultipartUpload on the destination`,
  ListMultipartUploads: () => `s3:ListBucketMultipartUploads on the destination bucket`,
  ListObjectVersions: () => `s3:ListBucketVersions on the bucket`,
  ListObjectsV2: () => `s3:ListBucket on the bucket`,
  HeadBucket: () => `s3:ListBucket on the bucket`,
  PutObjectTagging: () =>
    `s3:PutObjectTagging on the destination (s3:PutObjectVersionTagging when a version is addressed, as on a versioned bucket)`,
  PutObjectAcl: () =>
    `s3:PutObjectAcl on the destination (s3:PutObjectVersionAcl when a version is addressed, as on a versioned bucket)`,
  PutObjectLegalHold: () => `s3:PutObjectLegalHold on the destination`,
  DeleteObject: perVersion("s3:DeleteObject on the destination", "s3:DeleteObjectVersion on the destination"),
  RestoreObject: () => `s3:RestoreObject on the source`,
  DescribeKey: () => `kms:DescribeKey on the key (kmsKeyId is resolved to its ARN with it)`,
};

/** Operations that read an object, where S3 hides a missing key behind 403 without s3:ListBucket. */
const READS = new Set(["HeadObject", "GetObject", "GetObjectTagging", "CopyObject", "UploadPartCopy"]);

const ACCESS_DENIED_CODES = new Set(["AccessDenied", "AccessDeniedException", "AllAccessDisabled"]);
const THROTTLE_CODES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "ServiceUnavailable",
  "TooManyRequestsException",
]);
/** Failures to open a connection at all, as opposed to one that broke with the request in flight. */
const CONNECT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
const NETWORK_CODES = new Set([...CONNECT_CODES, "ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED"]);

/**
 * Rethrows an SDK error with the operation and object it concerned, because the SDK's own message
 * ("Access Denied", or "UnknownError" for a HEAD, whose answer has no body) does not say which of
 * several calls failed, nor what to grant.
 */
export function wrapAwsError(
  operation: string,
  target: string,
  err: unknown,
  service = "S3",
): ObjectCopyError {
  if (err instanceof ObjectCopyError) return err;
  if (isTimeout(err)) return timeoutError(operation, target, err, undefined, service);
  return new ObjectCopyError(
    `${service}_${operation.toUpperCase()}_FAILED`,
    `${operation} on ${target} ${describeFailure(operation, target, err, service)}`,
  );
}

function describeFailure(operation: string, target: string, err: unknown, service: string): string {
  const e = (err ?? {}) as AwsLikeError;
  const status = httpStatus(err);
  const rawCode = awsErrorCode(err);
  const message = typeof e.message === "string" ? e.message : String(err);
  // An error body the SDK could not parse (a proxy's HTML page, XML where JSON was due) has no
  // code either: judge such an answer by its HTTP status alone.
  const unparsed = rawCode === "SyntaxError" && /Deserialization error/.test(message);
  // The SDK's stand-ins when the answer carried no error code (every HEAD answer has no body).
  const code =
    rawCode && !unparsed && !["Unknown", "UnknownError", "Error"].includes(rawCode) ? rawCode : undefined;
  const detail = unparsed
    ? "the body of the answer was not a readable error"
    : ["UnknownError", "Unknown", ""].includes(message)
      ? undefined
      : message;
  const attempts = e.$metadata?.attempts;
  const tried = attempts ? `, tried ${attempts} time${attempts === 1 ? "" : "s"}` : "";

  if (status === undefined && isNetworkError(e)) return networkFailure(e, service, attempts);

  if (status === 503 || (code && THROTTLE_CODES.has(code))) {
    return (
      `failed: ${service} is throttling or unavailable (${status ? `HTTP ${status}` : "throttled"}` +
      `${code ? ` ${code}` : ", likely SlowDown"}${tried}); run up again later${detail ? `: ${detail}` : ""}`
    );
  }

  let answer: string;
  if (code) answer = `failed with ${code}${status ? ` (HTTP ${status})` : ""}${detail ? `: ${detail}` : ""}`;
  else if (status) {
    answer =
      `failed with HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ""} and no error code` +
      (operation.startsWith("Head") ? " (S3 answers a HEAD request without a body)" : "") +
      (detail ? `: ${detail}` : "");
  } else answer = `failed: ${detail ?? "unknown error"}`;
  const denied = code ? ACCESS_DENIED_CODES.has(code) : status === 403;
  return denied ? `${answer}${permissionHint(operation, target)}` : answer;
}

function isNetworkError(e: AwsLikeError): boolean {
  return (
    (e.code !== undefined && NETWORK_CODES.has(e.code)) ||
    e.name === "TimeoutError" ||
    /socket hang up/i.test(e.message ?? "")
  );
}

function networkFailure(e: AwsLikeError, service: string, attempts: number | undefined): string {
  const what = `${e.message ?? "network error"}${e.code && !(e.message ?? "").includes(e.code) ? `, ${e.code}` : ""}`;
  const after = attempts ? ` (after ${attempts} attempt${attempts === 1 ? "" : "s"})` : "";
  if (e.code && CONNECT_CODES.has(e.code)) {
    // Only the last attempt is known not to have been sent; an earlier one may have been.
    const outcome =
      attempts && attempts > 1
        ? "an earlier attempt may have reached it, so whether the request took effect is unknown"
        : "the request was not sent";
    return `failed: could not connect to ${service} (${what})${after}; ${outcome}; check the endpoint, network and proxy settings`;
  }
  const happened =
    e.code === "ECONNRESET" || /socket hang up/i.test(e.message ?? "")
      ? `the connection was closed before ${service} answered`
      : e.code === "EPIPE"
        ? "the connection broke while the request was being sent"
        : `no answer arrived in time`;
  return `failed: ${happened} (${what})${after}; the request may or may not have taken effect, so its outcome is unknown`;
}

function permissionHint(operation: string, target: string): string {
  const needs = NEEDS[operation];
  if (!needs) return "";
  // CopyObject's target is "source -> destination"; the version pins the source.
  const pinned = /[?&]versionId=/.test(target.split(" -> ")[0]);
  const reads = READS.has(operation);
  const version =
    reads && pinned
      ? "; reading a specific version needs s3:GetObjectVersion for the object and s3:GetObjectVersionTagging for its tags, not only s3:GetObject"
      : "";
  const listing = reads
    ? "; S3 also answers 403 instead of 404 for a key that does not exist when the caller lacks s3:ListBucket on the bucket"
    : "";
  return `; ${operation} needs ${needs(pinned)}${version}${listing}`;
}

/** The SDK's error for a request that ran out of time (not a reset, which it also names TimeoutError). */
export function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; code?: string; message?: string } | undefined;
  if (e?.name !== "TimeoutError") return false;
  return e.code === "ETIMEDOUT" || /timeout|timed out|within the configured/i.test(e.message ?? "");
}

/**
 * A timeout as the user should read it: which request, how often, whether it may have taken
 * effect, and what to do. Every request's timeout ends here, so each reads `<SERVICE>_<OP>_TIMED_OUT`.
 */
export function timeoutError(
  operation: string,
  target: string,
  err: unknown,
  attempts?: number,
  service = "S3",
): ObjectCopyError {
  const sdkAttempts = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts;
  const tries = attempts ?? sdkAttempts;
  // A read changes nothing, and the copy paths say themselves what an unanswered copy left; any
  // other write that went unanswered may have been carried out all the same.
  const effect =
    /^(Head|Get|List|Describe)/.test(operation) ||
    operation === "CopyObject" ||
    operation === "UploadPartCopy"
      ? ""
      : "; whether it took effect is unknown";
  return new ObjectCopyError(
    `${service}_${operation.toUpperCase()}_TIMED_OUT`,
    `${operation} on ${target} got no answer in time${tries ? ` (${tries} attempt${tries === 1 ? "" : "s"})` : ""}: ` +
      `${(err as Error).message}${effect}; the server is slow or the connection is dead. If the server is just ` +
      `slow, raise the limits with ${TIMEOUTS_ENV} (README "Timeouts and cancels")`,
  );
}

/** The error with a hint appended to its message, or the error itself when there is none. */
export const withHint = (err: ObjectCopyError, hint: string | undefined) =>
  hint ? new ObjectCopyError(err.code, `${err.detail}${hint}`) : err;
