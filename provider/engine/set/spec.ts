/**
 * Where a set reads and writes: parsing its `source`, and mapping a source key to its key relative
 * to the source prefix and on to its destination key. Prefixes are raw S3 key prefixes, exactly as
 * ListObjectsV2 matches them: `src` also matches `src2/x`; a folder is written `src/`.
 */
import { MAX_KEY_BYTES } from "../constants";
import { ObjectCopyError, showValue } from "../errors";
import type { SourceLocation } from "./types";

const SCHEME = "s3://";

/**
 * Accepts `bucket/prefix`, `s3://bucket/prefix`, `bucket` and `bucket/` (the whole bucket). The
 * prefix is taken literally: everything after the first `/`, including further slashes, spaces,
 * `?` and `%`.
 */
export function parseSetSource(source: string): SourceLocation {
  if (typeof source !== "string" || source.length === 0) {
    throw new ObjectCopyError(
      "INVALID_SOURCE",
      `source must be a non-empty string, got ${showValue(source)}`,
    );
  }
  const rest = source.startsWith(SCHEME) ? source.slice(SCHEME.length) : source;
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? "" : rest.slice(slash + 1);
  if (bucket.length === 0 || /\s/.test(bucket) || bucket.startsWith("arn:")) {
    throw new ObjectCopyError(
      "INVALID_SOURCE",
      `source ${showValue(source)} must be "bucket/prefix", "s3://bucket/prefix" or "bucket" (the whole bucket)`,
    );
  }
  if (Buffer.byteLength(prefix, "utf8") > MAX_KEY_BYTES) {
    throw new ObjectCopyError(
      "INVALID_SOURCE",
      `the prefix of source ${showValue(source)} is longer than S3's ${MAX_KEY_BYTES}-byte key limit`,
    );
  }
  return { bucket, prefix };
}

/**
 * Whether a set copies its prefix onto itself (metadata, class or encryption changed in place):
 * its records are then versions of the user's own objects, which destroy leaves (or restores).
 */
export function isInPlace(inputs: { source: string; bucket: string; prefix: string }): boolean {
  const source = parseSetSource(inputs.source);
  return source.bucket === inputs.bucket && source.prefix === inputs.prefix;
}

/** The source key without the source prefix; the listing only yields keys under the prefix. */
export function relativeKey(sourceKey: string, sourcePrefix: string): string {
  if (!sourceKey.startsWith(sourcePrefix)) {
    throw new ObjectCopyError(
      "KEY_OUTSIDE_PREFIX",
      `key ${showValue(sourceKey)} does not start with the source prefix ${showValue(sourcePrefix)}`,
    );
  }
  return sourceKey.slice(sourcePrefix.length);
}

/**
 * Destination prefix + relative key. Fails when the result is no valid S3 key: empty (a source key
 * equal to the source prefix, copied to the bucket root) or over S3's 1,024-byte limit.
 */
export function destinationKey(relative: string, destPrefix: string): string {
  const key = destPrefix + relative;
  if (key.length === 0) {
    throw new ObjectCopyError(
      "DESTINATION_KEY_EMPTY",
      `the source key equal to the source prefix would be copied to an empty destination key; set a destination prefix or narrow the selection`,
    );
  }
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes > MAX_KEY_BYTES) {
    throw new ObjectCopyError(
      "DESTINATION_KEY_TOO_LONG",
      `destination key ${showValue(key)} is ${bytes} bytes in UTF-8, over S3's ${MAX_KEY_BYTES}-byte limit ` +
        `(destination prefix ${showValue(destPrefix)} + relative key ${showValue(relative)})`,
    );
  }
  return key;
}
