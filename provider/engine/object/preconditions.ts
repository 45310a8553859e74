import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";

import { ObjectCopyError } from "../errors";
import type { ObjectSettings } from "../set/types";

const unquote = (etag: string | undefined) => etag?.replace(/^"|"$/g, "");
const seconds = (d: Date | string) => Math.floor(new Date(d).getTime() / 1000);

/**
 * Evaluates the user's copy preconditions against the source as HeadObject saw it, so a copy that
 * S3 would refuse with a bare 412 fails first with a message that shows both values. Each
 * condition must hold on its own (stricter than S3's rule that If-Match overrides
 * If-Unmodified-Since); the same headers still go to S3 so the check is atomic there too.
 */
export function checkPreconditions(
  inputs: ObjectSettings,
  head: HeadObjectCommandOutput,
  where: string,
): void {
  const etag = unquote(head.ETag);
  const modified = head.LastModified;
  const fail = (what: string) => {
    throw new ObjectCopyError("SOURCE_PRECONDITION_FAILED", `${where}: ${what}; nothing was copied`);
  };
  if (inputs.copyIfMatch !== undefined && unquote(inputs.copyIfMatch) !== etag) {
    fail(`copyIfMatch ${JSON.stringify(inputs.copyIfMatch)} does not match the source ETag "${etag}"`);
  }
  if (inputs.copyIfNoneMatch !== undefined && unquote(inputs.copyIfNoneMatch) === etag) {
    fail(`copyIfNoneMatch ${JSON.stringify(inputs.copyIfNoneMatch)} matches the source ETag`);
  }
  if (
    inputs.copyIfModifiedSince !== undefined &&
    modified &&
    seconds(modified) <= seconds(inputs.copyIfModifiedSince)
  ) {
    fail(
      `the source was last modified ${modified.toISOString()}, not after copyIfModifiedSince ${inputs.copyIfModifiedSince}`,
    );
  }
  if (
    inputs.copyIfUnmodifiedSince !== undefined &&
    modified &&
    seconds(modified) > seconds(inputs.copyIfUnmodifiedSince)
  ) {
    fail(
      `the source was modified ${modified.toISOString()}, after copyIfUnmodifiedSince ${inputs.copyIfUnmodifiedSince}`,
    );
  }
}

/** The precondition headers for CopyObject and UploadPartCopy: ours (the ETag pin) plus the user's. */
export function preconditionHeaders(inputs: ObjectSettings, head: HeadObjectCommandOutput) {
  return {
    CopySourceIfMatch: head.ETag,
    CopySourceIfNoneMatch: inputs.copyIfNoneMatch,
    CopySourceIfModifiedSince: inputs.copyIfModifiedSince ? new Date(inputs.copyIfModifiedSince) : undefined,
    CopySourceIfUnmodifiedSince: inputs.copyIfUnmodifiedSince
      ? new Date(inputs.copyIfUnmodifiedSince)
      : undefined,
  };
}
