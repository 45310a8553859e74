// The URL encoding of keys in Batch Operations manifests and completion reports. Keys may hold any
// character, commas and newlines included, and the CSV formats have no quoting for them: AWS
// requires the key column URL-encoded instead (user guide, batch-ops-create-job, "Manifest").

import { ObjectCopyError, showValue } from "../errors";

/**
 * Every UTF-8 byte outside A-Z a-z 0-9 - _ . ~ as %XX. Stricter than encodeURIComponent, which
 * leaves ! ' ( ) * bare, so that decoders of either style (+ as a space or not) read the same key:
 * no + and no space is ever left bare.
 */
export function encodeKey(key: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(key);
  } catch {
    // A lone UTF-16 surrogate has no UTF-8 form: S3 could not have listed such a key.
    throw new ObjectCopyError(
      "BATCH_MANIFEST_INVALID",
      `key ${showValue(key)} is not valid Unicode (it holds a lone surrogate), so it has no UTF-8 form for the manifest`,
    );
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The key an encoded field names, or undefined when its escapes are not valid UTF-8. A bare + reads
 * as a space, as in the keys of S3's event notifications; encodeKey never leaves a + bare, so no
 * key this package wrote can be misread either way.
 */
export function decodeKey(field: string): string | undefined {
  try {
    return decodeURIComponent(field.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}
