import type { CopyObjectCommandInput, HeadObjectCommandOutput } from "@aws-sdk/client-s3";

import { DEFAULT_MULTIPART_THRESHOLD } from "../constants";
import { progressReporter } from "../progress";
import type { SourceEntry } from "../set/types";
import type { CopyOutputs } from "../types";
import { copySourceHeader, type ParsedSource } from "./address";
import { type CopyContext, type Resolved, sourceContext } from "./context";
import { destinationFields } from "./destination";
import { copySourceKeyFields, isKms } from "./encryption";
import { destinationLastModified } from "./live";
import { encodeTagging, resolveHeaders } from "./metadata";
import { multipartCopy } from "./multipart";
import { planParts, useMultipart } from "./parts";
import { checkPreconditions, preconditionHeaders } from "./preconditions";
import { singleCopy } from "./single";
import {
  chooseSourceVersion,
  ensureRestored,
  isArchivedClass,
  prefetchTags,
  type PreviousCopy,
  realVersion,
  sourceTags,
  sourceUri,
} from "./source";

/*
 * WHERE A COPY HAPPENS. One object, from resolved settings (context.ts) to what was written:
 * read and pin the source (or trust a listing entry when nothing needs the head), then one
 * CopyObject (single.ts) or a multipart copy (multipart.ts), carrying metadata, tags and
 * encryption. ObjectCopy (resource.ts) and ObjectCopySet (set-copier.ts) both copy through here.
 */

export interface CopyRequest {
  src: ParsedSource;
  /** Destination bucket and key. */
  bucket: string;
  key: string;
  /** The source's listing entry (a set): the copy is pinned to its ETag. */
  listed?: SourceEntry;
  /** The copy this one replaces on the same key (a re-copy). */
  previous?: PreviousCopy;
  signal?: AbortSignal;
  /** Read the source's tags beside HeadObject (ObjectCopy), in case the copy goes multipart. */
  prefetchTags?: boolean;
  /** Told that the copy goes multipart, before its upload is created. */
  onMultipart?: () => void;
  /** This copy's upload id once it exists, or undefined when it makes none. */
  onCreated?: (uploadId?: string) => void;
  /**
   * The caller sends a throttled copy again itself (a set's scheduler, which also lowers its
   * objects in flight): a CopyObject answered 503 SlowDown comes back at once instead of after
   * the SDK's own waits of up to a second, each spent holding one of the caller's places.
   */
  callerRetriesThrottling?: boolean;
}

export interface CopyResult {
  /** The source as the copy read it (HeadObject, or the listing entry plus CopyObject's answer). */
  source: { etag?: string; versionId?: string; lastModified?: Date; size: number };
  written: { etag?: string; versionId?: string; lastModified?: Date; sse?: string; kmsArn?: string };
  copyMethod: NonNullable<CopyOutputs["copyMethod"]>;
  partCount?: number;
  kmsKeyArn?: string;
  inPlace: boolean;
  /** Versions this resource wrote earlier that this copy superseded: the caller deletes them. */
  superseded: string[];
}

/**
 * Whether the listing entry is all this copy needs to know of the source: one CopyObject whose
 * directives carry (COPY) or replace (REPLACE) the headers, no precondition to check against the
 * head, no archive to restore, no in-place re-copy that must pick between versions.
 */
function listingSuffices(resolved: Resolved, request: CopyRequest, inPlace: boolean): boolean {
  const s = resolved.settings;
  const entry = request.listed;
  if (!entry || request.src.versionId) return false;
  return (
    // Explicit only: without a directive the headers come from the head (resolveHeaders).
    (s.metadataDirective === "COPY" || s.metadataDirective === "REPLACE") &&
    !useMultipart(entry.size, s.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD) &&
    !isArchivedClass(entry.storageClass) &&
    s.copyIfMatch === undefined &&
    s.copyIfNoneMatch === undefined &&
    s.copyIfModifiedSince === undefined &&
    s.copyIfUnmodifiedSince === undefined &&
    !(inPlace && request.previous)
  );
}

/** Copies one object as `resolved` says and reports what it read and wrote. */
export async function copyObject(resolved: Resolved, request: CopyRequest): Promise<CopyResult> {
  const inputs = resolved.settings;
  const early = sourceContext(resolved, request.src, request);
  const { signal } = request;
  const destUri = `s3://${request.bucket}/${request.key}`;
  const replaceTags = inputs.taggingDirective === "REPLACE";
  const earlyTags = request.prefetchTags && !replaceTags ? prefetchTags(early) : undefined;

  const fromListing = listingSuffices(resolved, request, early.inPlace);
  let head: HeadObjectCommandOutput;
  let readKey = early.sourceKey;
  let pinnedVersion: string | undefined;
  if (fromListing) {
    const entry = request.listed!;
    head = {
      $metadata: {},
      ETag: entry.etag,
      ContentLength: entry.size,
      LastModified: new Date(entry.lastModified),
    };
  } else {
    const chosen = await chooseSourceVersion(early, request.previous, {
      ifMatch: request.listed?.etag,
      signal,
    });
    readKey = chosen.key;
    // "null" is a real version id (objects written before versioning was enabled); pin it too.
    pinnedVersion = chosen.head.VersionId ?? early.src.versionId;
    head = await ensureRestored(early, chosen.head, pinnedVersion);
    checkPreconditions(inputs, head, sourceUri(early, pinnedVersion));
  }
  const size = head.ContentLength ?? 0;
  const ctx: CopyContext = { ...early, ...(await resolved.destination) };
  const kmsKeyArn = await resolved.kmsKeyArn();

  const destination = destinationFields(inputs, request, { kmsKeyArn, destKey: ctx.destKey }, head);
  const sourceRead = {
    CopySource: copySourceHeader(ctx.src, pinnedVersion),
    // Pinning by ETag as well as version: a source overwritten mid-copy fails with 412 instead of tearing.
    ...preconditionHeaders(inputs, head),
    ExpectedSourceBucketOwner: inputs.expectedSourceBucketOwner,
    ...copySourceKeyFields(readKey),
  };
  const headers = resolveHeaders(inputs, head);
  const finish = (r: Omit<CopyResult, "superseded" | "inPlace" | "kmsKeyArn">): CopyResult => ({
    ...r,
    kmsKeyArn: r.written.kmsArn ?? kmsKeyArn,
    inPlace: ctx.inPlace,
    superseded: supersededVersions(request.previous, r.written.versionId, r.source.versionId),
  });

  if (useMultipart(size, inputs.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD)) {
    const plan = planParts(size, inputs.partSize, resolved.concurrency);
    request.onMultipart?.();
    // CreateMultipartUpload has no directives: metadata and tags must be resent explicitly.
    const tags = replaceTags
      ? (inputs.tags ?? {})
      : ((await earlyTags?.(head.VersionId)) ?? (await sourceTags(ctx, pinnedVersion, signal)));
    const { output } = await multipartCopy({
      client: ctx.dest,
      create: {
        ...destination,
        ...headers,
        Tagging: Object.keys(tags).length ? encodeTagging(tags) : undefined,
      },
      part: {
        ...sourceRead,
        Bucket: request.bucket,
        Key: request.key,
        SSECustomerAlgorithm: destination.SSECustomerAlgorithm,
        SSECustomerKey: destination.SSECustomerKey,
        SSECustomerKeyMD5: destination.SSECustomerKeyMD5,
        ExpectedBucketOwner: destination.ExpectedBucketOwner,
        RequestPayer: destination.RequestPayer,
      },
      plan,
      concurrency: resolved.concurrency,
      // Unset, `concurrency` is only a ceiling: the controller finds what this server sustains.
      adaptive: inputs.concurrency === undefined,
      onCreated: request.onCreated,
      onPart: progressReporter(destUri, size, plan.partCount),
      signal,
    });
    return finish({
      source: { etag: head.ETag, versionId: head.VersionId, lastModified: head.LastModified, size },
      written: {
        etag: output.ETag,
        versionId: output.VersionId,
        // CompleteMultipartUpload does not say when the object was written. In place, the time
        // is what tells our own copy from a later rewrite of the same bytes, so ask; elsewhere the
        // next refresh records it (ETag and version id already identify the copy).
        lastModified: ctx.inPlace
          ? await destinationLastModified(ctx.dest, output.VersionId, destination)
          : undefined,
        sse: output.ServerSideEncryption,
        kmsArn: output.SSEKMSKeyId,
      },
      copyMethod: "UploadPartCopy",
      partCount: plan.partCount,
    });
  }

  const copyRequest: CopyObjectCommandInput = {
    ...destination,
    ...sourceRead,
    MetadataDirective: inputs.metadataDirective === "COPY" ? "COPY" : "REPLACE",
    ...(inputs.metadataDirective === "COPY" ? {} : headers),
    TaggingDirective: replaceTags ? "REPLACE" : "COPY",
    Tagging: replaceTags ? encodeTagging(inputs.tags ?? {}) : undefined,
  };
  request.onCreated?.(undefined);
  // Had S3 written it, every attempt's copy would carry the source's bytes: its MD5 as ETag,
  // unless either side is encrypted with KMS or a customer key (a new ETag per write). A listing
  // entry does not say how the source is encrypted, so its ETag is not trusted for that.
  const predictable =
    !fromListing &&
    !readKey &&
    !ctx.destKey &&
    !kmsKeyArn &&
    !isKms(inputs.serverSideEncryption) &&
    !isKms(head.ServerSideEncryption) &&
    /^"[0-9a-f]{32}"$/i.test(head.ETag ?? "");
  const out = await singleCopy({
    client: ctx.dest,
    request: copyRequest,
    write: {
      bucket: request.bucket,
      key: request.key,
      owner: { ExpectedBucketOwner: destination.ExpectedBucketOwner, RequestPayer: destination.RequestPayer },
      size,
      older: [
        ctx.inPlace ? pinnedVersion : undefined,
        request.previous?.versionId,
        request.previous?.sourceVersionId,
      ],
    },
    predictableEtag: predictable ? head.ETag : undefined,
    contentEtag: !ctx.destKey,
    names: { source: sourceUri(ctx, pinnedVersion), destUri },
    callerRetriesThrottling: request.callerRetriesThrottling,
    signal,
  });
  return finish({
    source: {
      etag: head.ETag,
      versionId: head.VersionId ?? out.CopySourceVersionId,
      lastModified: head.LastModified,
      size,
    },
    written: {
      etag: out.CopyObjectResult?.ETag,
      versionId: out.VersionId,
      lastModified: out.CopyObjectResult?.LastModified,
      sse: out.ServerSideEncryption,
      kmsArn: out.SSEKMSKeyId,
    },
    copyMethod: "CopyObject",
  });
}

/**
 * The versions a re-copy onto a versioned destination superseded: the one this resource wrote
 * before, plus any earlier ones not yet deleted. Never the version just copied from, nor the
 * original an in-place copy was made from.
 */
export function supersededVersions(
  previous: PreviousCopy | undefined,
  written: string | undefined,
  copiedFrom: string | undefined,
): string[] {
  if (!previous) return [];
  const keep = new Set([written, copiedFrom, previous.sourceVersionId].filter((v) => v !== undefined));
  const candidates = [...(previous.superseded ?? []), previous.versionId];
  const out: string[] = [];
  for (const v of candidates) {
    const id = realVersion(v);
    if (id && !keep.has(id) && !out.includes(id)) out.push(id);
  }
  return out;
}
