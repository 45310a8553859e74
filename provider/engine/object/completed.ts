// After a CompleteMultipartUpload whose answer was lost but which S3 carried out: the version it
// wrote, found and removed, so no version is left that no state records.
import { createHash } from "node:crypto";

import type { CompletedPart, S3Client } from "@aws-sdk/client-s3";

import { ObjectCopyError } from "../errors";
import { type CopyWrite, removeStrayVersions } from "./stray-versions";

const MD5_ETAG = /^"?([0-9a-f]{32})"?$/;

/**
 * The ETag S3 gives an object assembled from these parts: the MD5 of the parts' MD5s, then
 * "-<count>". Undefined when a part's ETag is not an MD5 (SSE-KMS, SSE-C), so that only the size
 * and the time window identify the version.
 */
export function multipartEtag(parts: CompletedPart[]): string | undefined {
  const digests: Buffer[] = [];
  for (const p of parts) {
    const m = MD5_ETAG.exec(p.ETag ?? "");
    if (!m) return undefined;
    digests.push(Buffer.from(m[1], "hex"));
  }
  return `"${createHash("md5").update(Buffer.concat(digests)).digest("hex")}-${parts.length}"`;
}

export interface CompletedWrite extends Omit<CopyWrite, "etag" | "kept" | "older"> {
  parts: CompletedPart[];
}

/** Removes the version the unanswered Complete wrote and says so in the failure it returns. */
export async function completedVersionFailure(
  client: S3Client,
  failure: ObjectCopyError,
  w: CompletedWrite,
): Promise<ObjectCopyError> {
  const where = `s3://${w.bucket}/${w.key}`;
  let outcome: string;
  try {
    // Only versions dated since the upload began (S3 dates an assembled object so; moto and
    // MinIO by its completion, later still): every older one predates the copy.
    const { removed, failed } = await removeStrayVersions(client, {
      ...w,
      etag: multipartEtag(w.parts),
      older: [],
    });
    outcome = removed.length
      ? `removed the version(s) it wrote (${removed.join(", ")}), so it leaves nothing behind`
      : `no version it wrote was found on ${where} (on an unversioned bucket the object it assembled has ` +
        `replaced the one there, and the next up copies again)`;
    if (failed.length) outcome += `; could not delete ${failed.join("; ")}: delete them yourself`;
  } catch (err) {
    outcome =
      `listing the versions of ${where} to remove what it wrote failed (${(err as Error).message}); look for ` +
      `versions written since ${new Date(w.sentAt).toISOString()} that no resource records`;
  }
  return new ObjectCopyError(
    failure.code,
    `${failure.detail}; the upload is gone (NoSuchUpload), so S3 assembled ` +
      `the object anyway; ${outcome}`,
  );
}
