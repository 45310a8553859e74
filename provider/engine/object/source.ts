import {
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  RestoreObjectCommand,
} from "@aws-sdk/client-s3";

import { ARCHIVED_STORAGE_CLASSES, RESTORE_POLL_MS } from "../constants";
import { httpStatus, isNotFound, ObjectCopyError, wrapAwsError } from "../errors";
import type { SourceContext } from "./context";
import { type CustomerKey, customerKeyFields } from "./encryption";

/* Reading the source of one copy: HeadObject, the version to pin, restores, tags. */

export const sourceUri = (ctx: Pick<SourceContext, "src">, versionId = ctx.src.versionId) =>
  `s3://${ctx.src.bucket}/${ctx.src.key}${versionId ? `?versionId=${versionId}` : ""}`;

export interface HeadOptions {
  /** The source must still have this ETag (the listing's): a 412 means it changed since. */
  ifMatch?: string;
  signal?: AbortSignal;
}

/** HeadObject on the source, with its SSE-C key when it has one. */
export async function headSource(
  ctx: SourceContext,
  versionId = ctx.src.versionId,
  key: CustomerKey | undefined = ctx.sourceKey,
  options: HeadOptions = {},
): Promise<HeadObjectCommandOutput> {
  try {
    return await ctx.source.send(
      new HeadObjectCommand({
        Bucket: ctx.src.bucket,
        Key: ctx.src.key,
        VersionId: versionId,
        IfMatch: options.ifMatch,
        ExpectedBucketOwner: ctx.inputs.expectedSourceBucketOwner,
        RequestPayer: ctx.inputs.requestPayer,
        ...customerKeyFields(key),
      }),
      options.signal ? { abortSignal: options.signal } : undefined,
    );
  } catch (err) {
    if (isNotFound(err)) {
      throw new ObjectCopyError(
        "SOURCE_NOT_FOUND",
        `the source ${sourceUri(ctx, versionId)} does not exist (or is a delete marker)`,
      );
    }
    if (options.ifMatch && httpStatus(err) === 412) {
      throw new ObjectCopyError(
        "SOURCE_CHANGED_DURING_COPY",
        `the source ${sourceUri(ctx, versionId)} no longer has the ETag ${options.ifMatch} it was listed with ` +
          `(412); run up again to copy the new source`,
      );
    }
    // A bare 400 on an unpinned HEAD without a key is S3's answer for an SSE-C object.
    if (httpStatus(err) === 400 && !key && !versionId) {
      throw new ObjectCopyError(
        "SOURCE_NEEDS_CUSTOMER_KEY",
        `HeadObject on ${sourceUri(ctx, versionId)} answered 400; an object encrypted with SSE-C can only be read ` +
          `with its key, so set sourceCustomerKey`,
      );
    }
    throw (
      sourceKeyFailure("HeadObject", sourceUri(ctx, versionId), err, Boolean(key)) ??
      wrapAwsError("HeadObject", sourceUri(ctx, versionId), err)
    );
  }
}

/**
 * A read of the source refused because of its SSE-C key, as the user should read it. S3 answers
 * 403 (HEAD) or 400 when `sourceCustomerKey` is not the key the object was written with, 400 when
 * it is given for an object that is not SSE-C, and 400 naming "Server Side Encryption" when an
 * SSE-C object is read without it. Without this the 403 would read as a missing IAM permission.
 * Undefined for any other failure. The key itself is never shown.
 */
export function sourceKeyFailure(
  operation: string,
  target: string,
  err: unknown,
  keySent: boolean,
): ObjectCopyError | undefined {
  const status = httpStatus(err);
  const raw = (err as { message?: unknown })?.message;
  const message = typeof raw === "string" ? raw : "";
  // A HEAD answer has no body, so its status is all there is; a copy's says what it is about.
  const bodiless = operation === "HeadObject";
  if (!keySent) {
    // "…stored using a form of Server Side Encryption. The correct parameters must be provided…";
    // not "…must be made over a secure connection", which is about the destination's key.
    if (status !== 400 || !/stored using a form of server side encryption/i.test(message)) return;
    return new ObjectCopyError(
      "SOURCE_NEEDS_CUSTOMER_KEY",
      `${operation} on ${target} answered 400 (${message}); an object encrypted with SSE-C can only be read ` +
        `with its key, so set sourceCustomerKey`,
    );
  }
  if (status !== 400 && status !== 403) return;
  if (status === 403 && !bodiless) {
    // A copy's 403 may as well be about the destination: keep the permission hint, add the key's.
    const wrapped = wrapAwsError(operation, target, err);
    return new ObjectCopyError(
      wrapped.code,
      `${operation} on ${target} answered 403 while sourceCustomerKey was sent: either sourceCustomerKey is not ` +
        `the key the source was written with, or a permission is missing: ` +
        wrapped.detail.slice(`${operation} on ${target} `.length),
    );
  }
  // A copy's 400 about something else (a storage class, a copy onto itself) keeps its own error.
  if (
    !bodiless &&
    (/secure connection/i.test(message) || !/encryption parameters|customer[- ]provided|SSE-C/i.test(message))
  )
    return;
  return new ObjectCopyError(
    "SOURCE_CUSTOMER_KEY_REFUSED",
    `${operation} on ${target} answered ${status}${message && !bodiless ? ` (${message})` : ""} while ` +
      `sourceCustomerKey was sent: either it is not the key the source was written with, or the source is not ` +
      `encrypted with SSE-C (then remove sourceCustomerKey)` +
      (status === 403 ? `; if the key is right, the caller lacks s3:GetObject on the source` : ""),
  );
}

/** Whether a storage class (from HeadObject or a listing) needs a restore before S3 can copy it. */
export const isArchivedClass = (storageClass: string | undefined) =>
  (ARCHIVED_STORAGE_CLASSES as readonly string[]).includes(storageClass ?? "");

const isArchived = (head: HeadObjectCommandOutput) =>
  isArchivedClass(head.StorageClass) || Boolean(head.ArchiveStatus);
const restoreDone = (head: HeadObjectCommandOutput) => /ongoing-request="false"/.test(head.Restore ?? "");
const restoreRunning = (head: HeadObjectCommandOutput) => /ongoing-request="true"/.test(head.Restore ?? "");

/**
 * An archived source cannot be copied until restored. Without `restoreArchivedSource` that is an
 * error that says how to restore; with it, the restore is started and waited for up to
 * `restoreWaitMinutes` (default 0: fail at once, telling the user to run up again later).
 */
export async function ensureRestored(
  ctx: SourceContext,
  head: HeadObjectCommandOutput,
  versionId: string | undefined,
): Promise<HeadObjectCommandOutput> {
  if (!isArchived(head) || restoreDone(head)) return head;
  const cls = head.ArchiveStatus ? `INTELLIGENT_TIERING (${head.ArchiveStatus})` : head.StorageClass;
  const where = sourceUri(ctx, versionId);
  const request = ctx.inputs.restoreArchivedSource;
  if (!request) {
    throw new ObjectCopyError(
      "SOURCE_ARCHIVED",
      `the source ${where} is in storage class ${cls} and has not been restored, so S3 cannot copy it; ` +
        `restore it with RestoreObject (aws s3api restore-object) or set restoreArchivedSource: { days, tier }, then run up again`,
    );
  }
  if (!restoreRunning(head)) {
    try {
      await ctx.source.send(
        new RestoreObjectCommand({
          Bucket: ctx.src.bucket,
          Key: ctx.src.key,
          VersionId: versionId,
          ExpectedBucketOwner: ctx.inputs.expectedSourceBucketOwner,
          RequestPayer: ctx.inputs.requestPayer,
          // Intelligent-Tiering archive tiers take no Days: the object returns to its access tier.
          RestoreRequest: head.ArchiveStatus
            ? {}
            : { Days: request.days ?? 1, GlacierJobParameters: { Tier: request.tier ?? "Standard" } },
        }),
      );
      console.log(`started a ${request.tier ?? "Standard"} restore of ${where} (${cls})`);
    } catch (err) {
      if ((err as { name?: string }).name !== "RestoreAlreadyInProgress")
        throw wrapAwsError("RestoreObject", where, err);
    }
  }
  const deadline = Date.now() + (ctx.inputs.restoreWaitMinutes ?? 0) * 60_000;
  for (;;) {
    const now = await headSource(ctx, versionId);
    if (restoreDone(now)) return now;
    if (Date.now() >= deadline) {
      throw new ObjectCopyError(
        "SOURCE_RESTORE_IN_PROGRESS",
        `the restore of ${where} (${cls}) has started but not finished; it takes minutes (Expedited) to hours ` +
          `(Standard, Bulk); run up again when it completes, or raise restoreWaitMinutes`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(RESTORE_POLL_MS, Math.max(deadline - Date.now(), 0))));
  }
}

export const realVersion = (v: string | undefined) => (v && v !== "null" ? v : undefined);

/** The copy a re-copy replaces: the version it wrote and the source version it was made from. */
export interface PreviousCopy {
  versionId?: string;
  sourceVersionId?: string;
  /** Versions earlier re-copies superseded that are not deleted yet (a set deletes them in batches). */
  superseded?: string[];
}

/** Picks which version of the source to copy, pinning it so the copy cannot tear. */
export async function chooseSourceVersion(
  ctx: SourceContext,
  previous: PreviousCopy | undefined,
  options: HeadOptions = {},
): Promise<{ head: HeadObjectCommandOutput; key?: CustomerKey }> {
  if (!ctx.inPlace || !previous)
    return { head: await headSource(ctx, ctx.src.versionId, ctx.sourceKey, options), key: ctx.sourceKey };
  // In place, the current object is normally this resource's own copy, encrypted with the
  // destination key; an object uploaded since then is read with the source key.
  let key = ctx.destKey;
  const head = await headSource(ctx, ctx.src.versionId, key, options).catch(async (err) => {
    if (key === ctx.sourceKey) throw err;
    key = ctx.sourceKey;
    return headSource(ctx, ctx.src.versionId, key, options);
  });
  // An in-place copy on a versioned bucket re-reads the original it was made from, not its own
  // earlier output, so MERGE starts again from the original metadata.
  if (
    !ctx.src.versionId &&
    realVersion(previous.versionId) &&
    previous.sourceVersionId &&
    head.VersionId === previous.versionId
  ) {
    const original = await headSource(ctx, previous.sourceVersionId, ctx.sourceKey, {
      signal: options.signal,
    }).catch(() => undefined);
    if (original) return { head: original, key: ctx.sourceKey };
  }
  return { head, key };
}

/**
 * Starts GetObjectTagging beside the source's HeadObject. The answer is used only if it describes
 * the version HeadObject pinned (S3 returns the version id with the tags); otherwise, or if it
 * failed, the caller reads the tags again, pinned. A single CopyObject ignores the answer, so
 * a missing s3:GetObjectTagging permission costs it nothing.
 */
export function prefetchTags(
  ctx: SourceContext,
): (pinned: string | undefined) => Promise<Record<string, string> | undefined> {
  const early = readTags(ctx, ctx.src.versionId).catch(() => undefined);
  return async (pinned) => {
    const got = await early;
    if (!got) return undefined;
    return (got.versionId ?? undefined) === (pinned ?? undefined) ? got.tags : undefined;
  };
}

export async function sourceTags(
  ctx: SourceContext,
  versionId: string | undefined,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  return (await readTags(ctx, versionId, signal)).tags;
}

async function readTags(
  ctx: SourceContext,
  versionId: string | undefined,
  signal?: AbortSignal,
): Promise<{ tags: Record<string, string>; versionId?: string }> {
  try {
    const out = await ctx.source.send(
      new GetObjectTaggingCommand({
        Bucket: ctx.src.bucket,
        Key: ctx.src.key,
        VersionId: versionId,
        ExpectedBucketOwner: ctx.inputs.expectedSourceBucketOwner,
        RequestPayer: ctx.inputs.requestPayer,
      }),
      signal ? { abortSignal: signal } : undefined,
    );
    return {
      tags: Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
      versionId: out.VersionId,
    };
  } catch (err) {
    throw wrapAwsError("GetObjectTagging", sourceUri(ctx, versionId), err);
  }
}
