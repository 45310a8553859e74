// What deleting one of the set's records means: only what the set wrote, by version where the
// bucket keeps versions, and never the originals of an in-place copy.
import { GetBucketVersioningCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";

import { wrapAwsError } from "../errors";
import { customerKey, customerKeyFields } from "../object/encryption";
import { destinationLastModified } from "../object/live";
import { keysOtherSetsRecord, type SetContext } from "./context";
import { isManifestKey } from "./manifest";
import { destinationKey } from "./spec";
import type { CopyTaskResult, ManifestRecord, SourceEntry } from "./types";

export const bare = (etag: string) => etag.replace(/^"|"$/g, "");
export const realVersion = (v: string | undefined) => (v && v !== "null" ? v : undefined);

/** The id S3 gives an object written while a bucket's versioning was off or suspended. */
export const NULL_VERSION = "null";

export interface DeleteItem {
  key: string;
  versionId?: string;
}

/** An object a record names that the set leaves in place, and why. */
export interface KeptObject {
  key: string;
  why: string;
}

/** ISO times to the second: listings and copy answers round differently below it. */
function sameSecond(a: string | Date | undefined, b: string | Date | undefined): boolean {
  const x = a === undefined ? NaN : new Date(a).getTime();
  const y = b === undefined ? NaN : new Date(b).getTime();
  return !Number.isNaN(x) && !Number.isNaN(y) && Math.floor(x / 1000) === Math.floor(y / 1000);
}

/**
 * What deleting a record means. A version the set wrote, by id; on an unversioned bucket the
 * object, but only while it provably still is what the set wrote: the ETag and the Last-Modified
 * second it recorded (the same bytes rewritten since, by someone else or by a newer set, have the
 * same ETag). A record without either proves nothing and its object stays, as do the originals of
 * an in-place copy and anything where manifests live.
 */
export function recordItems(
  ctx: SetContext,
  rel: string,
  record: ManifestRecord,
  live: Map<string, SourceEntry> | undefined,
  kept?: KeptObject[],
): DeleteItem[] {
  const key = destinationKey(rel, ctx.inputs.prefix);
  if (isManifestKey(ctx.inputs.manifestLocation, ctx.inputs.bucket, key)) {
    kept?.push({ key, why: "it is where sets keep their manifests" });
    return [];
  }
  const versions = [realVersion(record.dest.versionId), ...(record.dest.superseded ?? [])].filter(
    (v): v is string => Boolean(realVersion(v)),
  );
  if (versions.length) return versions.map((versionId) => ({ key, versionId }));
  if (ctx.inPlace) return [];
  const now = live?.get(key);
  if (!now) return [];
  if (!record.dest.etag || !record.dest.lastModified) {
    kept?.push({ key, why: "its record has no ETag or Last-Modified to prove it is the set's copy" });
    return [];
  }
  if (bare(now.etag) !== bare(record.dest.etag) || !sameSecond(now.lastModified, record.dest.lastModified)) {
    kept?.push({ key, why: "it was rewritten since the set copied it" });
    return [];
  }
  return [{ key }];
}

export const needsLiveListing = (records: [string, ManifestRecord][], inPlace: boolean) =>
  !inPlace && records.some(([, r]) => !realVersion(r.dest.versionId));

/**
 * Narrows the items without a version id (unversioned records) to what is provably the set's:
 * none that another set's manifest records, and, on a bucket that keeps versions now (versioning
 * suspended, or enabled after the copy), the "null" version by id, once its ETag and Last-Modified
 * match the record; a plain delete there would only add a delete marker. `versioned` says what
 * GetBucketVersioning answered, for the delete; undefined when it was not asked or failed.
 */
export async function provablyOurs<T extends { item: DeleteItem; record: ManifestRecord }>(
  ctx: SetContext,
  candidates: T[],
  kept: KeptObject[],
): Promise<{ items: T[]; versioned?: boolean }> {
  if (!candidates.some((c) => c.item.versionId === undefined)) return { items: candidates };
  const others = await keysOtherSetsRecord(ctx);
  const versioned = await bucketKeepsVersions(ctx);
  const items: T[] = [];
  for (const c of candidates) {
    if (c.item.versionId !== undefined) {
      items.push(c);
      continue;
    }
    if (others.has(c.item.key)) {
      kept.push({ key: c.item.key, why: "another set records it" });
      continue;
    }
    if (versioned !== true) {
      items.push(c);
      continue;
    }
    const match = await nullVersionMatches(ctx, c.item.key, c.record);
    if (match) items.push({ ...c, item: { key: c.item.key, versionId: NULL_VERSION } });
    else kept.push({ key: c.item.key, why: `its "null" version is not the one the set wrote` });
  }
  return { items, versioned };
}

async function bucketKeepsVersions(ctx: SetContext): Promise<boolean | undefined> {
  try {
    const out = await ctx.destClient.send(
      new GetBucketVersioningCommand({
        Bucket: ctx.inputs.bucket,
        ExpectedBucketOwner: ctx.destOwner.ExpectedBucketOwner,
      }),
    );
    return out.Status === "Enabled" || out.Status === "Suspended";
  } catch {
    // The delete asks again and refuses what it cannot place, naming the error.
    return undefined;
  }
}

/** Whether `key`'s "null" version is the object the record says the set wrote. */
async function nullVersionMatches(ctx: SetContext, key: string, record: ManifestRecord): Promise<boolean> {
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await ctx.destClient
      .send(
        new ListObjectVersionsCommand({
          Bucket: ctx.inputs.bucket,
          Prefix: key,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
          ExpectedBucketOwner: ctx.destOwner.ExpectedBucketOwner,
        }),
      )
      .catch((err: unknown) => {
        throw wrapAwsError("ListObjectVersions", `s3://${ctx.inputs.bucket}/${key}`, err);
      });
    const found = (page.Versions ?? []).find((v) => v.Key === key && v.VersionId === NULL_VERSION);
    if (found) {
      return (
        Boolean(record.dest.etag) &&
        bare(found.ETag ?? "") === bare(record.dest.etag ?? "") &&
        sameSecond(found.LastModified, record.dest.lastModified)
      );
    }
    // Versions come sorted by key: once past `key`, there is no "null" version of it.
    if ([...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].some((v) => (v.Key ?? "") > key))
      return false;
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return false;
}

/**
 * Completes an unversioned copy's record with its Last-Modified when the copy's answer lacked it
 * (CompleteMultipartUpload does not say): one HEAD, so that destroy can later prove the object is
 * still the set's own. Versioned copies are identified by their version id and need none.
 */
export async function withLastModified(
  ctx: SetContext,
  key: string,
  result: CopyTaskResult,
): Promise<CopyTaskResult> {
  if (result.written.lastModified || realVersion(result.written.versionId)) return result;
  const { inputs } = ctx;
  const at = await destinationLastModified(ctx.destClient, undefined, {
    Bucket: inputs.bucket,
    Key: key,
    ...customerKeyFields(inputs.customerKey ? customerKey(inputs.customerKey, "customerKey") : undefined),
    ...ctx.destOwner,
  });
  return at ? { ...result, written: { ...result.written, lastModified: at.toISOString() } } : result;
}
