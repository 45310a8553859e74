// The job's manifest: the list of objects a Batch Operations job copies, in AWS's
// S3BatchOperations_CSV_20180820 format (no header row; Bucket,Key[,VersionId]; keys URL-encoded).

import { ObjectCopyError, showValue } from "../errors";
import { decodeKey, encodeKey } from "./url-key";

export interface ManifestRow {
  bucket: string;
  key: string;
  versionId?: string;
}

/** The one manifest format this package writes and reads. */
export const MANIFEST_CSV_FORMAT = "S3BatchOperations_CSV_20180820";

// Bucket names are not encoded in the manifest; legacy names may hold capitals and underscores.
const BUCKET = /^[A-Za-z0-9._-]+$/;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The manifest's bytes: one row per line, each ending "\n", sorted by bucket, key and version so
 * that the same plan always gives the same bytes (and so the same ETag and job token).
 * The job's Fields name a VersionId column for every row or for none, so rows must agree.
 */
export function manifestCsv(rows: ManifestRow[]): string {
  const versioned = rows.filter((r) => r.versionId !== undefined).length;
  if (versioned !== 0 && versioned !== rows.length) {
    const bare = rows.find((r) => r.versionId === undefined)!;
    throw new ObjectCopyError(
      "BATCH_MANIFEST_INVALID",
      `${versioned} of ${rows.length} rows name a version id but key ${showValue(bare.key)} does not; a job's ` +
        `manifest lists a version for every object or for none, so give each row one (or none)`,
    );
  }
  const sorted = [...rows].sort(
    (a, b) =>
      compare(a.bucket, b.bucket) || compare(a.key, b.key) || compare(a.versionId ?? "", b.versionId ?? ""),
  );
  return sorted.map(row).join("");
}

function row(r: ManifestRow): string {
  if (!BUCKET.test(r.bucket)) {
    throw new ObjectCopyError(
      "BATCH_MANIFEST_INVALID",
      `bucket ${showValue(r.bucket)} is not an S3 bucket name (letters, digits, dots, hyphens and underscores only)`,
    );
  }
  if (r.key === "")
    throw new ObjectCopyError(
      "BATCH_MANIFEST_INVALID",
      `an object key is empty in bucket ${showValue(r.bucket)}`,
    );
  const fields = [r.bucket, encodeKey(r.key)];
  if (r.versionId !== undefined) {
    // Only keys are URL-encoded (as in S3 Inventory CSVs); a version id goes as S3 gave it, and
    // can hold a "+" that decoding would turn into a space.
    if (r.versionId === "" || /[,\r\n]/.test(r.versionId)) {
      throw new ObjectCopyError(
        "BATCH_MANIFEST_INVALID",
        `version id ${showValue(r.versionId)} of key ${showValue(r.key)} is empty or holds a comma or line break; S3 version ids never do`,
      );
    }
    fields.push(r.versionId);
  }
  return `${fields.join(",")}\n`;
}

/**
 * The rows of a manifest as S3 reads them: 2 or 3 columns, keys URL-decoded (version ids are not
 * encoded), "\r\n" line ends accepted. Fields are not CSV-quoted: a quote is a literal character.
 */
export function parseManifestCsv(text: string): ManifestRow[] {
  const lines = text.split("\n");
  // The final "\n" ends the last row; it does not start an empty one.
  if (lines.at(-1) === "") lines.pop();
  return lines.map((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const where = `manifest line ${i + 1} (${showValue(line)})`;
    const fields = line.split(",");
    if (fields.length < 2 || fields.length > 3) {
      throw new ObjectCopyError(
        "BATCH_MANIFEST_INVALID",
        `${where} has ${fields.length} column${fields.length === 1 ? "" : "s"}; expected Bucket,Key or Bucket,Key,VersionId ` +
          `with commas in keys written as %2C`,
      );
    }
    const [bucket, keyField, versionField] = fields;
    const key = decodeKey(keyField);
    if (!bucket || !key) {
      throw new ObjectCopyError(
        "BATCH_MANIFEST_INVALID",
        `${where} has ${!bucket ? "no bucket" : key === undefined ? "a key whose %-escapes are not UTF-8" : "no key"}; ` +
          `each row needs a bucket and a URL-encoded key`,
      );
    }
    if (versionField === undefined) return { bucket, key };
    if (versionField === "") {
      throw new ObjectCopyError(
        "BATCH_MANIFEST_INVALID",
        `${where} has an empty version id; leave the column out for an unversioned object`,
      );
    }
    return { bucket, key, versionId: versionField };
  });
}
