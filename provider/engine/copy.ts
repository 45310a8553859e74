import {
  CopyObjectCommand,
  type CopyObjectCommandInput,
  type CopyObjectCommandOutput,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type HeadObjectCommandInput,
  type HeadObjectCommandOutput,
  RestoreObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";

import { cachedBucketRegion, destinationRegion, discoverBucketRegion, s3Client } from "./clients";
import { copyTimeoutMs } from "./timeouts";
import {
  ARCHIVED_STORAGE_CLASSES,
  DEFAULT_CONCURRENCY,
  DEFAULT_MULTIPART_THRESHOLD,
  RESTORE_POLL_MS,
} from "./constants";
import { httpStatus, isNotFound, ObjectCopyError, wrapAwsError } from "./errors";
import { resolveKmsKey } from "./kms";
import { encodeTagging, resolveHeaders } from "./metadata";
import { multipartCopy } from "./multipart";
import { cleanUpStaleUploads, reportInPlaceUploads, type UploadTarget } from "./orphans";
import { planParts, useMultipart } from "./plan";
import { checkPreconditions, preconditionHeaders } from "./preconditions";
import { heartbeat, progressReporter } from "./progress";
import { copySourceHeader, isSameObject, type ParsedSource, parseSource } from "./source";
import { type CustomerKey, customerKey } from "./sse";
import { type CopyWrite, mayHaveWritten, removeStrayVersions } from "./stray-versions";
import type { CopyInputs, CopyOutputs, DeleteBehavior } from "./types";

/** The source side of a copy: everything that follows from the inputs but the destination's client. */
export interface SourceContext {
  inputs: CopyInputs;
  src: ParsedSource;
  source: S3Client;
  sourceRegion: string;
  inPlace: boolean;
  destKey?: CustomerKey;
  sourceKey?: CustomerKey;
}

/** The destination's region and a client for it. */
interface Destination {
  dest: S3Client;
  destRegion: string;
}

/** Everything a copy needs that follows from the inputs: clients, regions, parsed source, keys. */
export interface CopyContext extends SourceContext, Destination {}

export interface ContextOptions {
  /** Sockets for the destination client: a multipart copy raises it to its concurrency. */
  maxSockets?: number;
  /**
   * Ask the source bucket for its region (one HeadBucket, cached per process) when `sourceRegion`
   * is not given. A copy skips it: it reads the source twice at most, and the SDK follows S3's
   * 301 to the right region by itself, so the usual same-region copy pays nothing.
   * @default true
   */
  discoverSourceRegion?: boolean;
}

/**
 * The bucket's own region, so KMS keys are resolved where the bucket lives: `region`, else one
 * HeadBucket per bucket and process (cached), else the configured region.
 */
function destinationSide(inputs: CopyInputs, maxSockets?: number): Promise<Destination> {
  const fallback = destinationRegion(inputs);
  const region =
    inputs.region !== undefined
      ? Promise.resolve(inputs.region)
      : discoverBucketRegion(inputs, inputs.bucket, fallback).then((found) => found ?? fallback);
  return region.then((destRegion) => ({ destRegion, dest: s3Client(inputs, destRegion, maxSockets) }));
}

function sourceSide(inputs: CopyInputs, src: ParsedSource, sourceRegion: string): SourceContext {
  return {
    inputs,
    src,
    source: s3Client(inputs, sourceRegion),
    sourceRegion,
    inPlace: isSameObject(src, inputs.bucket, inputs.key),
    destKey: inputs.customerKey ? customerKey(inputs.customerKey, "customerKey") : undefined,
    sourceKey: inputs.sourceCustomerKey
      ? customerKey(inputs.sourceCustomerKey, "sourceCustomerKey")
      : undefined,
  };
}

export async function copyContext(inputs: CopyInputs, options: ContextOptions = {}): Promise<CopyContext> {
  const src = parseSource(inputs.source);
  const { dest, destRegion } = await destinationSide(inputs, options.maxSockets);
  const sourceRegion =
    inputs.sourceRegion ??
    src.accessPoint?.region ??
    (await (options.discoverSourceRegion === false
      ? cachedBucketRegion(inputs, src.bucket)
      : discoverBucketRegion(inputs, src.bucket, destRegion))) ??
    destRegion;
  return { ...sourceSide(inputs, src, sourceRegion), dest, destRegion };
}

const PENDING = Symbol("pending");

/** The value of a promise that has already settled, or PENDING, without waiting for it. */
const settledValue = <T>(p: Promise<T>): Promise<T | typeof PENDING> =>
  Promise.race([p, Promise.resolve(PENDING)]);

/**
 * A copy's context with the destination still being looked up: the source is read at once, beside
 * the destination's HeadBucket, instead of after it. Only KMS resolution and the requests to the
 * destination wait for its region. The source is addressed in a region already known for its
 * bucket, else the configured one (the SDK follows S3's 301 when that is wrong, a round trip that
 * the HeadBucket in line cost before).
 */
async function startCopyContext(
  inputs: CopyInputs,
  maxSockets: number,
): Promise<{ early: SourceContext; destination: Promise<Destination> }> {
  const src = parseSource(inputs.source);
  const known =
    inputs.sourceRegion ??
    src.accessPoint?.region ??
    // Asked before this copy's own HeadBucket starts, so an in-place copy does not wait for it.
    (await settledValue(cachedBucketRegion(inputs, src.bucket)));
  const destination = destinationSide(inputs, maxSockets);
  const sourceRegion = known === PENDING || known === undefined ? destinationRegion(inputs) : known;
  return { early: sourceSide(inputs, src, sourceRegion), destination };
}

export const sourceUri = (ctx: Pick<CopyContext, "src">, versionId = ctx.src.versionId) =>
  `s3://${ctx.src.bucket}/${ctx.src.key}${versionId ? `?versionId=${versionId}` : ""}`;

/** HeadObject on the source, with its SSE-C key when it has one. */
export async function headSource(
  ctx: SourceContext,
  versionId = ctx.src.versionId,
  key: CustomerKey | undefined = ctx.sourceKey,
): Promise<HeadObjectCommandOutput> {
  try {
    return await ctx.source.send(
      new HeadObjectCommand({
        Bucket: ctx.src.bucket,
        Key: ctx.src.key,
        VersionId: versionId,
        ExpectedBucketOwner: ctx.inputs.expectedSourceBucketOwner,
        RequestPayer: ctx.inputs.requestPayer,
        SSECustomerAlgorithm: key ? "AES256" : undefined,
        SSECustomerKey: key?.keyBase64,
        SSECustomerKeyMD5: key?.md5,
      }),
    );
  } catch (err) {
    if (isNotFound(err)) {
      throw new ObjectCopyError(
        "SOURCE_NOT_FOUND",
        `the source ${sourceUri(ctx, versionId)} does not exist (or is a delete marker)`,
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
    throw wrapAwsError("HeadObject", sourceUri(ctx, versionId), err);
  }
}

const isArchived = (head: HeadObjectCommandOutput) =>
  (ARCHIVED_STORAGE_CLASSES as readonly string[]).includes(head.StorageClass ?? "") ||
  Boolean(head.ArchiveStatus);
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

/** Picks which version of the source to copy, pinning it so the copy cannot tear. */
async function chooseSourceVersion(
  ctx: SourceContext,
  previous?: CopyOutputs,
): Promise<{ head: HeadObjectCommandOutput; key?: CustomerKey }> {
  if (!ctx.inPlace || !previous) return { head: await headSource(ctx), key: ctx.sourceKey };
  // In place, the current object is normally this resource's own copy, encrypted with the
  // destination key; an object uploaded since then is read with the source key.
  let key = ctx.destKey;
  const head = await headSource(ctx, ctx.src.versionId, key).catch(async (err) => {
    if (key === ctx.sourceKey) throw err;
    key = ctx.sourceKey;
    return headSource(ctx, ctx.src.versionId, key);
  });
  // An in-place copy on a versioned bucket re-reads the original it was made from, not its own
  // earlier output, so MERGE starts again from the original metadata.
  if (
    ctx.inPlace &&
    !ctx.src.versionId &&
    previous?.deleteBehavior === "delete-version" &&
    previous.sourceVersionId &&
    head.VersionId === previous.versionId
  ) {
    const original = await headSource(ctx, previous.sourceVersionId, ctx.sourceKey).catch(() => undefined);
    if (original) return { head: original, key: ctx.sourceKey };
  }
  return { head, key };
}

const realVersion = (v: string | undefined) => (v && v !== "null" ? v : undefined);

export function deleteBehavior(inPlace: boolean, versionId: string | undefined): DeleteBehavior {
  if (realVersion(versionId)) return "delete-version";
  return inPlace ? "retain-object" : "delete-object";
}

export function stripSecrets(inputs: CopyInputs): Omit<CopyInputs, "customerKey" | "sourceCustomerKey"> {
  const { customerKey: _k, sourceCustomerKey: _s, ...rest } = inputs;
  return rest;
}

/**
 * Copies the source to the destination (create, or an update that must re-copy) and returns the
 * new state. `previous` is the state of the copy this one replaces in place, whose now-superseded
 * version is removed afterwards; the original object of an in-place copy is never touched.
 */
export async function performCopy(inputs: CopyInputs, previous?: CopyOutputs): Promise<CopyOutputs> {
  const startedAt = new Date();
  const concurrency = inputs.concurrency ?? DEFAULT_CONCURRENCY;
  const { early, destination } = await startCopyContext(inputs, concurrency);
  // Off the critical path: the orphan scan runs beside the copy, and the source's tags (needed
  // only by a multipart copy) are read beside its HeadObject.
  let ownUpload: (uploadId?: string) => void = () => undefined;
  const ownUploadId = new Promise<string | undefined>((resolve) => (ownUpload = resolve));
  const uploads = (d: Destination): UploadTarget => ({
    client: d.dest,
    bucket: inputs.bucket,
    key: inputs.key,
    owner: ownerOf(inputs),
    startedAt,
    ownUpload: ownUploadId,
  });
  // On its own key, ObjectCopy aborts what an earlier attempt left. In place, the key is the
  // user's object and an open upload there may be theirs: a multipart copy only lists and warns.
  let stale: Promise<string[]> = early.inPlace
    ? Promise.resolve([])
    : destination.then((d) => cleanUpStaleUploads(uploads(d)));
  const onMultipart = () => {
    if (early.inPlace) stale = destination.then((d) => reportInPlaceUploads(uploads(d)));
  };
  const earlyTags = inputs.taggingDirective === "REPLACE" ? undefined : prefetchTags(early);

  try {
    return await copyPinned(early, destination, previous, {
      concurrency,
      earlyTags,
      onCreated: ownUpload,
      onMultipart,
    });
  } finally {
    ownUpload(undefined);
    const aborted = await stale;
    if (aborted.length && !early.inPlace)
      console.log(
        `aborted ${aborted.length} multipart upload(s) an earlier attempt left on ${destUriOf(inputs)}`,
      );
  }
}

const destUriOf = (i: Pick<CopyInputs, "bucket" | "key">) => `s3://${i.bucket}/${i.key}`;
const ownerOf = (i: Pick<CopyInputs, "expectedBucketOwner" | "requestPayer">) => ({
  ExpectedBucketOwner: i.expectedBucketOwner,
  RequestPayer: i.requestPayer,
});

/** What performCopy runs beside the copy and hands to it. */
interface SideTasks {
  concurrency: number;
  /** Tags read beside HeadObject, undefined when tags are replaced. */
  earlyTags?: (pinned: string | undefined) => Promise<Record<string, string> | undefined>;
  /** Settles the stale-upload scan's wait: this attempt's upload id, or undefined for none. */
  onCreated: (uploadId?: string) => void;
  /** Told that the copy goes multipart, before its upload is created. */
  onMultipart: () => void;
}

/** Reads the source, pins it, and copies it by CopyObject or multipart. */
async function copyPinned(
  early: SourceContext,
  destinationSideReady: Promise<Destination>,
  previous: CopyOutputs | undefined,
  side: SideTasks,
): Promise<CopyOutputs> {
  const { inputs } = early;
  const { concurrency, earlyTags } = side;
  const destUri = destUriOf(inputs);
  const owner = ownerOf(inputs);
  const replaceTags = inputs.taggingDirective === "REPLACE";
  const chosen = await chooseSourceVersion(early, previous);
  let head = chosen.head;
  const readKey = chosen.key;
  // "null" is a real version id (objects written before versioning was enabled); pin it too.
  const pinnedVersion = head.VersionId ?? early.src.versionId;
  head = await ensureRestored(early, head, pinnedVersion);
  checkPreconditions(inputs, head, sourceUri(early, pinnedVersion));
  const size = head.ContentLength ?? 0;
  const ctx: CopyContext = { ...early, ...(await destinationSideReady) };
  const kmsKeyArn = inputs.kmsKeyId ? await resolveKmsKey(inputs.kmsKeyId, ctx.destRegion) : undefined;

  const destination = {
    Bucket: inputs.bucket,
    Key: inputs.key,
    StorageClass: inputs.storageClass,
    ACL: inputs.acl,
    // S3 never copies the redirect; MERGE promises to keep what is not declared, so resend it.
    WebsiteRedirectLocation:
      inputs.websiteRedirect ??
      (inputs.metadataDirective === "MERGE" ? head.WebsiteRedirectLocation : undefined),
    ObjectLockMode: inputs.objectLockMode,
    ObjectLockRetainUntilDate: inputs.objectLockRetainUntilDate
      ? new Date(inputs.objectLockRetainUntilDate)
      : undefined,
    ObjectLockLegalHoldStatus: inputs.objectLockLegalHoldStatus,
    ChecksumAlgorithm: inputs.checksumAlgorithm,
    ServerSideEncryption: inputs.serverSideEncryption,
    SSEKMSKeyId: kmsKeyArn,
    BucketKeyEnabled: inputs.bucketKeyEnabled,
    SSEKMSEncryptionContext: inputs.kmsEncryptionContext
      ? Buffer.from(JSON.stringify(inputs.kmsEncryptionContext)).toString("base64")
      : undefined,
    SSECustomerAlgorithm: ctx.destKey ? "AES256" : undefined,
    SSECustomerKey: ctx.destKey?.keyBase64,
    SSECustomerKeyMD5: ctx.destKey?.md5,
    ...owner,
  } as const;
  const sourceRead = {
    CopySource: copySourceHeader(ctx.src, pinnedVersion),
    // Pinning by ETag as well as version: a source overwritten mid-copy fails with 412 instead of tearing.
    ...preconditionHeaders(inputs, head),
    ExpectedSourceBucketOwner: inputs.expectedSourceBucketOwner,
    CopySourceSSECustomerAlgorithm: readKey ? "AES256" : undefined,
    CopySourceSSECustomerKey: readKey?.keyBase64,
    CopySourceSSECustomerKeyMD5: readKey?.md5,
  };

  let result: { etag?: string; versionId?: string; lastModified?: Date; sse?: string; kmsArn?: string };
  let copyMethod: CopyOutputs["copyMethod"];
  let partCount: number | undefined;
  const headers = resolveHeaders(inputs, head);

  if (useMultipart(size, inputs.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD)) {
    const plan = planParts(size, inputs.partSize, concurrency);
    side.onMultipart();
    // CreateMultipartUpload has no directives: metadata and tags must be resent explicitly.
    const tags = replaceTags
      ? (inputs.tags ?? {})
      : ((await earlyTags?.(head.VersionId)) ?? (await sourceTags(ctx, pinnedVersion)));
    const { output } = await multipartCopy({
      client: ctx.dest,
      create: {
        ...destination,
        ...headers,
        Tagging: Object.keys(tags).length ? encodeTagging(tags) : undefined,
      },
      part: {
        ...sourceRead,
        Bucket: inputs.bucket,
        Key: inputs.key,
        SSECustomerAlgorithm: destination.SSECustomerAlgorithm,
        SSECustomerKey: destination.SSECustomerKey,
        SSECustomerKeyMD5: destination.SSECustomerKeyMD5,
        ...owner,
      },
      plan,
      concurrency,
      onCreated: side.onCreated,
      onPart: progressReporter(destUri, size, plan.partCount),
    });
    result = {
      etag: output.ETag,
      versionId: output.VersionId,
      // CompleteMultipartUpload does not say when the object was written. In place, the time
      // is what tells our own copy from a later rewrite of the same bytes, so ask; elsewhere the
      // next refresh records it (ETag and version id already identify the copy).
      lastModified: ctx.inPlace
        ? await destinationLastModified(ctx, output.VersionId, destination)
        : undefined,
      sse: output.ServerSideEncryption,
      kmsArn: output.SSEKMSKeyId,
    };
    copyMethod = "UploadPartCopy";
    partCount = plan.partCount;
  } else {
    const request: CopyObjectCommandInput = {
      ...destination,
      ...sourceRead,
      MetadataDirective: inputs.metadataDirective === "COPY" ? "COPY" : "REPLACE",
      ...(inputs.metadataDirective === "COPY" ? {} : headers),
      TaggingDirective: replaceTags ? "REPLACE" : "COPY",
      Tagging: replaceTags ? encodeTagging(inputs.tags ?? {}) : undefined,
    };
    side.onCreated(undefined);
    // What tells the versions a retried CopyObject wrote from everyone else's (stray-versions.ts).
    const write: CopyWrite = {
      bucket: inputs.bucket,
      key: inputs.key,
      owner,
      sentAt: Date.now(),
      size,
      older: [ctx.inPlace ? pinnedVersion : undefined, previous?.versionId, previous?.sourceVersionId],
    };
    const stopHeartbeat = heartbeat(destUri, size);
    let out: CopyObjectCommandOutput;
    try {
      // Sized by the bytes: the client's default for a CopyObject assumes the largest (5 GiB).
      out = await ctx.dest.send(new CopyObjectCommand(request), { requestTimeout: copyTimeoutMs(size) });
      stopHeartbeat("done");
    } catch (err) {
      stopHeartbeat("failed");
      // Had S3 written it, every attempt's copy would carry the source's bytes: its MD5 as ETag,
      // unless either side is encrypted with KMS or a customer key (a new ETag per write).
      const predictable =
        !readKey &&
        !ctx.destKey &&
        !kmsKeyArn &&
        !isKms(inputs.serverSideEncryption) &&
        !isKms(head.ServerSideEncryption) &&
        /^"[0-9a-f]{32}"$/i.test(head.ETag ?? "");
      throw await copyObjectFailure(
        ctx,
        err,
        { ...write, etag: predictable ? head.ETag : undefined },
        {
          source: sourceUri(ctx, pinnedVersion),
          destUri,
        },
      );
    }
    if ((out.$metadata?.attempts ?? 1) > 1) {
      await removeRetriedCopies(ctx, {
        ...write,
        kept: out.VersionId,
        etag: isKms(out.ServerSideEncryption) || ctx.destKey ? undefined : out.CopyObjectResult?.ETag,
      });
    }
    result = {
      etag: out.CopyObjectResult?.ETag,
      versionId: out.VersionId,
      lastModified: out.CopyObjectResult?.LastModified,
      sse: out.ServerSideEncryption,
      kmsArn: out.SSEKMSKeyId,
    };
    copyMethod = "CopyObject";
  }

  const outputs: CopyOutputs = {
    ...stripSecrets(inputs),
    etag: result.etag,
    versionId: result.versionId,
    lastModified: result.lastModified?.toISOString(),
    contentLength: size,
    sourceEtag: head.ETag,
    sourceVersionId: head.VersionId,
    sourceLastModified: head.LastModified?.toISOString(),
    kmsKeyArn: result.kmsArn ?? kmsKeyArn,
    serverSideEncryption: (result.sse ?? inputs.serverSideEncryption) as CopyOutputs["serverSideEncryption"],
    storageClass: inputs.storageClass ?? "STANDARD",
    customerKeyMd5: ctx.destKey?.md5,
    copyMethod,
    partCount,
    inPlace: ctx.inPlace,
    deleteBehavior: deleteBehavior(ctx.inPlace, result.versionId),
    uri: objectUri(inputs, result.versionId),
  };
  await removeSupersededVersion(ctx, previous, outputs);
  return outputs;
}

const isKms = (sse: string | undefined) => sse?.startsWith("aws:kms") ?? false;

/**
 * Where the copy is, as another ObjectCopy's `source` takes it: pinned to the version this copy
 * wrote on a versioned bucket. It is an output, not an input, so a preview in which this copy will
 * write again shows it as unknown, and a copy chained to it shows a change too.
 */
export const objectUri = (at: Pick<CopyInputs, "bucket" | "key">, versionId: string | undefined) =>
  `s3://${at.bucket}/${at.key}${realVersion(versionId) ? `?versionId=${versionId}` : ""}`;

/**
 * After a CopyObject that took more than one attempt: an earlier attempt may have been written
 * though its answer was lost, leaving a version no state records. Removes such versions; the
 * copy itself has succeeded, so a failure here is reported, not raised.
 */
async function removeRetriedCopies(ctx: CopyContext, write: CopyWrite): Promise<void> {
  const where = `s3://${write.bucket}/${write.key}`;
  try {
    const { removed, failed } = await removeStrayVersions(ctx.dest, write);
    if (removed.length)
      console.log(
        `removed ${removed.length} extra version(s) of ${where} that earlier attempts of this CopyObject wrote ` +
          `before their answers were lost: ${removed.join(", ")}`,
      );
    if (failed.length)
      console.warn(
        `warning: could not delete extra version(s) of ${where} a retried CopyObject wrote: ${failed.join("; ")}`,
      );
  } catch (err) {
    console.warn(
      `warning: CopyObject onto ${where} took more than one attempt, and the versions an earlier attempt may have ` +
        `written could not be listed (${(err as Error).message}); look for versions of it written since ` +
        `${new Date(write.sentAt).toISOString()} other than ${write.kept ?? "the current one"}`,
    );
  }
}

/**
 * The error for a failed CopyObject. When the request may have been carried out all the same
 * (its answer lost, or S3 failing on its side), the versions it wrote are removed first and the
 * message says so, instead of a bare "socket hang up" for a copy that was in fact written.
 */
async function copyObjectFailure(
  ctx: CopyContext,
  err: unknown,
  write: CopyWrite,
  names: { source: string; destUri: string },
): Promise<ObjectCopyError> {
  const base =
    httpStatus(err) === 412
      ? new ObjectCopyError(
          "SOURCE_CHANGED_DURING_COPY",
          `the source ${names.source} changed between HeadObject and CopyObject (412); run up again`,
        )
      : wrapAwsError("CopyObject", `${names.source} -> ${names.destUri}`, err);
  if (!mayHaveWritten(err)) return base;
  const attempts = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
  const status = httpStatus(err);
  const what =
    status === undefined
      ? `no answer arrived for ${attempts} attempt(s): the connection was lost or timed out after the request was sent`
      : `S3 answered HTTP ${status} after ${attempts} attempt(s)`;
  let outcome: string;
  try {
    const { removed, failed } = await removeStrayVersions(ctx.dest, write);
    outcome = removed.length
      ? `removed the ${removed.length} version(s) of ${names.destUri} it wrote (${removed.join(", ")}), so it leaves nothing behind`
      : `no version it wrote was found on ${names.destUri} (on an unversioned bucket a copy that was written has ` +
        `replaced the object, and the next up copies again)`;
    if (failed.length) outcome += `; could not delete ${failed.join("; ")}: delete them yourself`;
  } catch (cleanupErr) {
    outcome =
      `listing the versions of ${names.destUri} to remove what it wrote failed (${(cleanupErr as Error).message}); ` +
      `look for versions written since ${new Date(write.sentAt).toISOString()} that no resource records`;
  }
  return new ObjectCopyError(
    base.code,
    `${base.message.slice(base.code.length + 2)}; ${what}, so S3 may have written the copy anyway; ${outcome}`,
  );
}

/** Last-Modified of the object a multipart copy just completed. */
async function destinationLastModified(
  ctx: CopyContext,
  versionId: string | undefined,
  destination: Pick<
    HeadObjectCommandInput,
    | "Bucket"
    | "Key"
    | "SSECustomerAlgorithm"
    | "SSECustomerKey"
    | "SSECustomerKeyMD5"
    | "ExpectedBucketOwner"
    | "RequestPayer"
  >,
): Promise<Date | undefined> {
  const { Bucket, Key, SSECustomerAlgorithm, SSECustomerKey, SSECustomerKeyMD5 } = destination;
  try {
    const after = await ctx.dest.send(
      new HeadObjectCommand({
        Bucket,
        Key,
        VersionId: realVersion(versionId),
        SSECustomerAlgorithm,
        SSECustomerKey,
        SSECustomerKeyMD5,
        ExpectedBucketOwner: destination.ExpectedBucketOwner,
        RequestPayer: destination.RequestPayer,
      }),
    );
    return after.LastModified;
  } catch (err) {
    throw wrapAwsError("HeadObject", `s3://${Bucket}/${Key}`, err);
  }
}

/**
 * Starts GetObjectTagging beside the source's HeadObject. The answer is used only if it describes
 * the version HeadObject pinned (S3 returns the version id with the tags); otherwise, or if it
 * failed, the caller reads the tags again, pinned. A single CopyObject ignores the answer, so
 * a missing s3:GetObjectTagging permission costs it nothing.
 */
function prefetchTags(ctx: SourceContext): NonNullable<SideTasks["earlyTags"]> {
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
): Promise<Record<string, string>> {
  return (await readTags(ctx, versionId)).tags;
}

async function readTags(
  ctx: SourceContext,
  versionId: string | undefined,
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
    );
    return {
      tags: Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
      versionId: out.VersionId,
    };
  } catch (err) {
    throw wrapAwsError("GetObjectTagging", sourceUri(ctx, versionId), err);
  }
}

/**
 * After an update re-copied onto a versioned destination, the version this resource wrote before
 * is superseded: remove it so re-copies do not pile up versions. Never the original of an in-place
 * copy, and never the version just copied from.
 */
async function removeSupersededVersion(
  ctx: CopyContext,
  previous: CopyOutputs | undefined,
  now: CopyOutputs,
) {
  const old = realVersion(previous?.versionId);
  if (!previous || previous.deleteBehavior !== "delete-version" || !old) return;
  if (old === now.versionId || old === now.sourceVersionId || old === previous.sourceVersionId) return;
  if (previous.bucket !== now.bucket || previous.key !== now.key) return;
  try {
    await ctx.dest.send(
      new DeleteObjectCommand({
        Bucket: now.bucket,
        Key: now.key,
        VersionId: old,
        ExpectedBucketOwner: now.expectedBucketOwner,
        RequestPayer: now.requestPayer,
      }),
    );
  } catch (err) {
    // The new copy is in place; a locked or already-removed old version is not worth failing for.
    console.log(`kept superseded version ${old} of s3://${now.bucket}/${now.key}: ${(err as Error).message}`);
  }
}
