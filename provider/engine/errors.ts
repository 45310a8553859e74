/**
 * Every error the engine raises leads with a stable code, so users can search for it and tests can
 * match on it without depending on the wording.
 */
export class ObjectCopyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = "ObjectCopyError";
  }
}

interface AwsLikeError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
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

/**
 * Rethrows an SDK error with the operation and object it concerned, because the SDK's own message
 * ("Access Denied") does not say which of several calls failed.
 */
export function wrapAwsError(
  operation: string,
  target: string,
  err: unknown,
  service = "S3",
): ObjectCopyError {
  if (err instanceof ObjectCopyError) return err;
  const code = awsErrorCode(err) ?? "UnknownError";
  const status = httpStatus(err);
  const detail = (err as AwsLikeError | undefined)?.message ?? String(err);
  // Copies are pinned to a version, and S3 checks a different permission for that than for the
  // current object; "Access Denied" alone sends users to the wrong policy line.
  const hint =
    status === 403 && target.includes("versionId=")
      ? "; reading a specific version needs s3:GetObjectVersion (and s3:GetObjectVersionTagging for its tags), not only s3:GetObject"
      : "";
  return new ObjectCopyError(
    `${service}_${operation.toUpperCase()}_FAILED`,
    `${operation} on ${target} failed with ${code}${status ? ` (HTTP ${status})` : ""}: ${detail}${hint}`,
  );
}
