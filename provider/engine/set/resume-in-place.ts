// After a killed in-place run on a versioned bucket: a key it copied after its last checkpoint now
// has the killed run's version on top of the user's original, and no record says so. Copied again
// as planned, the set would take that version for the original, and destroy would "restore" it.
// Instead the lost record is rebuilt (original below, the killed run's version on top), so the
// copy reads the original again and supersedes the killed run's version, as any in-place re-copy.
import { HeadObjectCommand, ListObjectVersionsCommand, type ObjectVersion } from "@aws-sdk/client-s3";

import { wrapAwsError } from "../errors";
import { ADOPT_HEAD_FIELDS, adoptMismatch, headShowsAllDeclared } from "../object/adopt";
import { realVersion } from "../object/source";
import { LAST_MODIFIED_SLACK_MS } from "../object/stray-versions";
import type { SetContext } from "./context";
import type { InterruptedRun } from "./manifest";
import { objectSettings } from "./state";
import type { ManifestRecord, PlannedCopy } from "./types";

/** Keys whose versions are listed at once. */
const LIST_CONCURRENCY = 8;

/**
 * The planned copies a killed in-place run may have written (keys it was copying, current version
 * written since it began), each with the record it lost rebuilt: the user's original as the source
 * (the record's, or else the newest version older than the run) and the current version as what
 * the set wrote, with what the record named before counted as superseded. Only when the current
 * version is a real version of the original's size (an in-place copy never changes the size) and
 * not the one the record already names, and a HEAD of both shows it is what the declaration
 * writes from the original; any other task stays as planned. An unversioned bucket keeps no
 * original to protect.
 */
export async function reattachInPlace(
  ctx: SetContext,
  run: Pick<InterruptedRun, "since" | "planned">,
  tasks: PlannedCopy[],
): Promise<{ tasks: PlannedCopy[]; reattached: string[] }> {
  const from = run.since.getTime() - LAST_MODIFIED_SLACK_MS;
  const candidates = tasks.filter(
    (t) => run.planned.has(t.relativeKey) && Date.parse(t.entry.lastModified) >= from,
  );
  const reattached = new Map<string, PlannedCopy>();
  for (let i = 0; i < candidates.length; i += LIST_CONCURRENCY) {
    await Promise.all(
      candidates.slice(i, i + LIST_CONCURRENCY).map(async (task) => {
        const previous = lostRecord(task, await versionsOf(ctx, task.destKey), from);
        if (previous && (await isDeclaredCopyOf(ctx, task.destKey, previous)))
          reattached.set(task.relativeKey, {
            ...task,
            previous: { ...previous, settingsDigest: ctx.digest },
          });
      }),
    );
  }
  return {
    tasks: tasks.map((t) => reattached.get(t.relativeKey) ?? t),
    reattached: [...reattached.keys()],
  };
}

const unquote = (etag: string | undefined) => (etag ?? "").replace(/"/g, "");
const isMd5 = (etag: string) => /^[0-9a-f]{32}$/.test(etag);
/**
 * Whether `copy` can be a copy of `original`'s bytes: the same size, and where both ETags are the
 * content's MD5 (a single-part object without SSE-KMS or SSE-C), the same ETag. A user's own
 * rewrite of the key during the killed run is not taken for the set's copy.
 */
const mayBeCopyOf = (copy: { size?: number; etag?: string }, original: { size?: number; etag?: string }) => {
  const [a, b] = [unquote(copy.etag), unquote(original.etag)];
  return copy.size === original.size && !(isMd5(a) && isMd5(b) && a !== b);
};

/** The record a killed in-place run's copy of `task` would have had, or undefined. */
export function lostRecord(
  task: PlannedCopy,
  versions: ObjectVersion[],
  from: number,
): ManifestRecord | undefined {
  const latest = versions[0];
  const id = realVersion(latest?.VersionId);
  if (!id || unquote(latest.ETag) !== unquote(task.entry.etag)) return undefined;
  const before = task.previous;
  if (before) {
    if (before.dest.versionId === id || !mayBeCopyOf({ size: latest.Size, etag: latest.ETag }, before.source))
      return undefined;
    const superseded = [...(before.dest.superseded ?? []), before.dest.versionId].filter(
      (v): v is string => realVersion(v) !== undefined && v !== id,
    );
    return {
      source: before.source,
      dest: {
        versionId: id,
        etag: latest.ETag,
        size: latest.Size ?? 0,
        superseded: superseded.length ? superseded : undefined,
      },
    };
  }
  // The version current when the run began: the newest one older than it, or, when the original
  // itself was written within the run's first seconds (S3 times are whole seconds), the version
  // right under the run's copy.
  const original =
    versions.find((v) => v.LastModified !== undefined && v.LastModified.getTime() < from) ?? versions[1];
  if (!original || original === latest) return undefined;
  if (!mayBeCopyOf({ size: latest.Size, etag: latest.ETag }, { size: original.Size, etag: original.ETag }))
    return undefined;
  return {
    source: {
      etag: original.ETag ?? "",
      size: original.Size ?? 0,
      lastModified: original.LastModified!.toISOString(),
      versionId: original.VersionId,
    },
    dest: { versionId: id, etag: latest.ETag, size: latest.Size ?? 0 },
  };
}

/**
 * The proof a version is the killed run's copy and not someone's later rewrite: a HEAD of it and
 * of the original show what the declaration writes from the original (the `adopt` comparison:
 * equal bytes by a comparable ETag or a shared checksum, the declared headers and encryption).
 * Any doubt, or a failed HEAD, means no: the key is then copied as planned.
 */
async function isDeclaredCopyOf(ctx: SetContext, key: string, record: ManifestRecord): Promise<boolean> {
  const settings = objectSettings(ctx.inputs);
  if (!headShowsAllDeclared(settings)) return false;
  const head = (VersionId: string | undefined) =>
    ctx.destClient.send(
      new HeadObjectCommand({
        Bucket: ctx.inputs.bucket,
        Key: key,
        VersionId,
        ...ADOPT_HEAD_FIELDS,
        ...ctx.destOwner,
      }),
    );
  try {
    const [original, copy] = await Promise.all([head(record.source.versionId), head(record.dest.versionId)]);
    return adoptMismatch(settings, original, copy) === undefined;
  } catch {
    return false;
  }
}

/** The versions of exactly `key`, newest first (S3 lists a key's versions newest first). */
async function versionsOf(ctx: SetContext, key: string): Promise<ObjectVersion[]> {
  const out: ObjectVersion[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  try {
    for (;;) {
      const page = await ctx.destClient.send(
        new ListObjectVersionsCommand({
          Bucket: ctx.inputs.bucket,
          Prefix: key,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
          ...ctx.destOwner,
        }),
      );
      const mine = (page.Versions ?? []).filter((v) => v.Key === key);
      out.push(...mine);
      const last = page.Versions?.at(-1)?.Key ?? page.DeleteMarkers?.at(-1)?.Key;
      if (!page.IsTruncated || !page.NextKeyMarker || (last !== undefined && last !== key)) break;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
  } catch (err) {
    // Without the listing the copy goes as planned, which is what happened before this existed.
    console.log(
      `warning: ${wrapAwsError("ListObjectVersions", `s3://${ctx.inputs.bucket}/${key}`, err).message}`,
    );
    return [];
  }
  return out;
}
