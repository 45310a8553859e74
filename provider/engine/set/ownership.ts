// What deleting one of the set's records means: only what the set wrote, by version where the
// bucket keeps versions, and never the originals of an in-place copy.
import type { SetContext } from "./context";
import { destinationKey } from "./spec";
import type { ManifestRecord, SourceEntry } from "./types";

export const bare = (etag: string) => etag.replace(/^"|"$/g, "");
export const realVersion = (v: string | undefined) => (v && v !== "null" ? v : undefined);

export interface DeleteItem {
  key: string;
  versionId?: string;
}

/**
 * What deleting a record means. A version the set wrote, by id; on an unversioned bucket the
 * object, but only while it still is what the set wrote (someone may have overwritten it since),
 * and never for an in-place copy, whose object is the user's original.
 */
export function recordItems(
  ctx: SetContext,
  rel: string,
  record: ManifestRecord,
  live: Map<string, SourceEntry> | undefined,
): DeleteItem[] {
  const key = destinationKey(rel, ctx.inputs.prefix);
  const versions = [realVersion(record.dest.versionId), ...(record.dest.superseded ?? [])].filter(
    (v): v is string => Boolean(realVersion(v)),
  );
  if (versions.length) return versions.map((versionId) => ({ key, versionId }));
  if (ctx.inPlace) return [];
  const now = live?.get(key);
  if (!now || (record.dest.etag && bare(now.etag) !== bare(record.dest.etag))) return [];
  return [{ key }];
}

export const needsLiveListing = (records: [string, ManifestRecord][], inPlace: boolean) =>
  !inPlace && records.some(([, r]) => !realVersion(r.dest.versionId));
