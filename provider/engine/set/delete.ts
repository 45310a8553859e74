/**
 * Deletes exactly the objects a set wrote: DeleteObjects in batches of up to MAX_DELETE_BATCH keys,
 * naming the version on a versioned bucket so the version goes instead of a delete marker being
 * added on top of it. Per-key refusals come back in a 200 answer and are reported, not thrown.
 */
import { DeleteObjectsCommand, GetBucketVersioningCommand, type S3Client } from "@aws-sdk/client-s3";

import { awsErrorCode, wrapAwsError } from "../errors";
import { DELETE_CONCURRENCY, MAX_DELETE_BATCH } from "./limits";

export interface DeleteItem {
  key: string;
  versionId?: string;
}

export interface DeleteFailure {
  key: string;
  code: string;
  message: string;
}

export interface DeleteOptions {
  client: S3Client;
  bucket: string;
  items: DeleteItem[];
  owner?: { ExpectedBucketOwner?: string; RequestPayer?: "requester" };
  /**
   * Whether the bucket keeps versions (Enabled or Suspended), when the caller knows. Only asked of
   * S3 (GetBucketVersioning) when some item has no version id and this is not given.
   */
  versioned?: boolean;
  signal?: AbortSignal;
}

/** Already gone is what a delete wants: a re-run after a partial destroy must not fail on it. */
const GONE = new Set(["NoSuchKey", "NoSuchVersion"]);

export async function deleteObjects(
  opts: DeleteOptions,
): Promise<{ deleted: number; failures: DeleteFailure[] }> {
  const failures: DeleteFailure[] = [];
  const unique = new Map<string, DeleteItem>();
  for (const item of opts.items) unique.set(`${item.key}\u0000${item.versionId ?? ""}`, item);
  let items = [...unique.values()];

  // Without a version id, DeleteObjects on a versioned bucket only hides the object behind a delete
  // marker (and on a suspended one replaces the null version with one): nothing is deleted, and
  // the bucket grows. Such items are refused, and plain deletes happen only on unversioned buckets.
  const unpinned = items.filter((i) => i.versionId === undefined);
  if (unpinned.length > 0) {
    const versioned = opts.versioned ?? (await bucketKeepsVersions(opts));
    if (versioned !== false) {
      const why =
        versioned === true
          ? `the bucket keeps versions and no version id was recorded for it, so deleting it would only add a delete marker; left in place`
          : `whether bucket ${opts.bucket} keeps versions could not be read (${versioned.error}), and without a version id a delete could only add a delete marker; left in place`;
      for (const item of unpinned) {
        failures.push({ key: item.key, code: "DELETE_VERSION_UNKNOWN", message: `${item.key}: ${why}` });
      }
      items = items.filter((i) => i.versionId !== undefined);
    }
  }

  const batches: DeleteItem[][] = [];
  for (let i = 0; i < items.length; i += MAX_DELETE_BATCH) batches.push(items.slice(i, i + MAX_DELETE_BATCH));
  let deleted = 0;
  let nextBatch = 0;
  const worker = async () => {
    while (nextBatch < batches.length && !opts.signal?.aborted) {
      const batch = batches[nextBatch++];
      const result = await deleteBatch(opts, batch);
      deleted += result.deleted;
      failures.push(...result.failures);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, batches.length) }, worker));
  // Batches a cancel kept from being sent are not deleted: report them, so their records stay.
  for (const batch of batches.slice(nextBatch)) {
    for (const item of batch) {
      failures.push({
        key: item.key,
        code: "CANCELLED",
        message: `${item.key}: not deleted, the run was cancelled before its DeleteObjects was sent`,
      });
    }
  }
  return { deleted, failures };
}

async function deleteBatch(
  opts: DeleteOptions,
  batch: DeleteItem[],
): Promise<{ deleted: number; failures: DeleteFailure[] }> {
  try {
    const out = await opts.client.send(
      new DeleteObjectsCommand({
        Bucket: opts.bucket,
        // Quiet: the answer lists only the keys that failed, not 1,000 successes.
        Delete: { Objects: batch.map((i) => ({ Key: i.key, VersionId: i.versionId })), Quiet: true },
        ExpectedBucketOwner: opts.owner?.ExpectedBucketOwner,
        RequestPayer: opts.owner?.RequestPayer,
      }),
      { abortSignal: opts.signal },
    );
    const failures: DeleteFailure[] = [];
    // Some servers leave the version out of a per-key error; the request said which one it was.
    const asked = new Map<string, (string | undefined)[]>();
    for (const i of batch) asked.set(i.key, [...(asked.get(i.key) ?? []), i.versionId]);
    for (const e of out.Errors ?? []) {
      if (e.Code && GONE.has(e.Code)) continue;
      const code = e.Code ?? "DELETE_FAILED";
      const versions = asked.get(e.Key ?? "") ?? [];
      const versionId = e.VersionId ?? (versions.length === 1 ? versions[0] : undefined);
      const version = versionId ? ` (version ${versionId})` : "";
      failures.push({
        key: e.Key ?? "",
        code,
        message: `DeleteObjects on s3://${opts.bucket}/${e.Key ?? ""}${version} failed with ${code}${e.Message ? `: ${e.Message}` : ""}`,
      });
    }
    return { deleted: batch.length - failures.length, failures };
  } catch (err) {
    // The whole request failed: none of its keys is known to be deleted.
    const wrapped = wrapAwsError("DeleteObjects", `s3://${opts.bucket} (${batch.length} keys)`, err);
    const code = awsErrorCode(err) ?? wrapped.code;
    return { deleted: 0, failures: batch.map((i) => ({ key: i.key, code, message: wrapped.message })) };
  }
}

async function bucketKeepsVersions(opts: DeleteOptions): Promise<boolean | { error: string }> {
  try {
    const out = await opts.client.send(
      new GetBucketVersioningCommand({
        Bucket: opts.bucket,
        ExpectedBucketOwner: opts.owner?.ExpectedBucketOwner,
      }),
      { abortSignal: opts.signal },
    );
    return out.Status === "Enabled" || out.Status === "Suspended";
  } catch (err) {
    return { error: wrapAwsError("GetBucketVersioning", `s3://${opts.bucket}`, err).message };
  }
}
