import {
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  type ObjectVersion,
  type S3Client,
} from "@aws-sdk/client-s3";

import { httpStatus } from "../errors";

/**
 * Margin on each side of a copy's time window: the Date header and Last-Modified are both
 * whole seconds on S3, so either may read up to a second early.
 */
export const LAST_MODIFIED_SLACK_MS = 2_000;

/*
 * A CopyObject whose answer is lost (a reset connection, a timeout) may still have been carried
 * out, and the SDK's retry then copies again. On a versioned bucket every such attempt leaves a
 * version, while state records only the one whose answer arrived, so destroy would leave the
 * others (and the object readable). These functions find the versions one copy wrote besides the
 * one it keeps, and delete them.
 *
 * What marks a version as ours, all at once: exact key; a real version id; listed after the version
 * the copy keeps (versions of a key are listed newest first, and earlier attempts wrote earlier)
 * and before any version known to predate the copy (its source, the previous copy); Last-Modified
 * inside the copy's time window in server time; the copy's size; and its ETag where the ETag is
 * the content's MD5 (not under SSE-KMS or SSE-C, whose ETags differ on every write).
 */

export interface CopyWrite {
  bucket: string;
  key: string;
  owner: { ExpectedBucketOwner?: string; RequestPayer?: "requester" };
  /** Client clock (ms) when the first attempt was sent. */
  sentAt: number;
  size: number;
  /** The ETag every attempt's version has, when it is predictable; undefined to match on size only. */
  etag?: string;
  /** The version the copy keeps (its answer arrived); undefined when every attempt's answer was lost. */
  kept?: string;
  /** Versions that existed before the copy began: they and everything older are never touched. */
  older: (string | undefined)[];
}

export interface StrayCleanup {
  removed: string[];
  /** Versions identified as the copy's that could not be deleted, with why. */
  failed: string[];
}

const realVersion = (v: string | undefined) => (v && v !== "null" ? v : undefined);

/** The copy's time window on the server's clock, from one answer's Date header and our clock then. */
function windowOf(w: CopyWrite, serverNow: number, clientNow: number): { from: number; until: number } {
  return {
    from: serverNow - (clientNow - w.sentAt) - LAST_MODIFIED_SLACK_MS,
    until: serverNow + LAST_MODIFIED_SLACK_MS,
  };
}

/** Whether a listed version predates the copy, so it and all listed after it are out of reach. */
const predates = (w: CopyWrite, v: ObjectVersion, from: number) =>
  w.older.some((o) => realVersion(o) !== undefined && o === v.VersionId) ||
  (v.LastModified !== undefined && v.LastModified.getTime() < from);

/** Versions of exactly `key`, newest first, with the server's clock when the listing answered. */
async function listVersions(
  client: S3Client,
  w: CopyWrite,
  clock: () => number,
): Promise<{ versions: ObjectVersion[]; serverNow: number; clientNow: number }> {
  const versions: ObjectVersion[] = [];
  let serverNow: number | undefined;
  let clientNow = clock();
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const command = new ListObjectVersionsCommand({
      Bucket: w.bucket,
      Prefix: w.key,
      KeyMarker: keyMarker,
      VersionIdMarker: versionIdMarker,
      ...w.owner,
    });
    // The Date header is the server's clock; the window is measured on it, so a client clock
    // that is off does not move the window.
    command.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const date = (result.response as { headers?: Record<string, string> }).headers?.date;
        const parsed = date ? Date.parse(date) : NaN;
        if (!Number.isNaN(parsed)) {
          serverNow = parsed;
          clientNow = clock();
        }
        return result;
      },
      { step: "deserialize", name: "objectCopyServerClock" },
    );
    const page: ListObjectVersionsCommandOutput = await client.send(command);
    if (serverNow === undefined) clientNow = clock();
    const mine = (page.Versions ?? []).filter((v) => v.Key === w.key);
    versions.push(...mine);
    // Keys sharing the prefix sort after the key itself: once another key shows up, we are done.
    // So are we once the listing reaches versions older than the copy (newest come first).
    const last = page.Versions?.at(-1)?.Key ?? page.DeleteMarkers?.at(-1)?.Key;
    const { from } = windowOf(w, serverNow ?? clientNow, clientNow);
    if (!page.IsTruncated || (last !== undefined && last !== w.key)) break;
    if (mine.some((v) => predates(w, v, from))) break;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
    if (!keyMarker) break;
  }
  return { versions, serverNow: serverNow ?? clientNow, clientNow };
}

/** The versions this copy wrote besides the one it keeps (see the rules at the top). */
export function strayVersionIds(
  w: CopyWrite,
  versions: ObjectVersion[],
  serverNow: number,
  clientNow: number,
): string[] {
  const { from, until } = windowOf(w, serverNow, clientNow);
  const kept = realVersion(w.kept);
  let afterKept = kept === undefined;
  const found: string[] = [];
  for (const v of versions) {
    if (predates(w, v, from)) break;
    const id = realVersion(v.VersionId);
    if (id !== undefined && id === kept) {
      afterKept = true;
      continue;
    }
    const modified = v.LastModified?.getTime();
    if (!afterKept || id === undefined || modified === undefined || modified > until) continue;
    if (v.Size !== w.size || (w.etag !== undefined && v.ETag !== w.etag)) continue;
    found.push(id);
  }
  return found;
}

/** Lists the key's versions and deletes the ones this copy wrote besides the one it keeps. */
export async function removeStrayVersions(
  client: S3Client,
  w: CopyWrite,
  clock: () => number = Date.now,
): Promise<StrayCleanup> {
  const { versions, serverNow, clientNow } = await listVersions(client, w, clock);
  const cleanup: StrayCleanup = { removed: [], failed: [] };
  for (const id of strayVersionIds(w, versions, serverNow, clientNow)) {
    try {
      await client.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: w.key, VersionId: id, ...w.owner }));
      cleanup.removed.push(id);
    } catch (err) {
      const status = httpStatus(err);
      cleanup.failed.push(`${id} (${(err as Error).message}${status ? `, HTTP ${status}` : ""})`);
    }
  }
  return cleanup;
}

/**
 * Whether a failed CopyObject may still have written: its answer was lost (network error,
 * timeout), S3 failed on its side (5xx, or 200 with an `<Error>` body), or an earlier attempt of
 * it went unanswered before the final error. A plain 4xx on the only attempt wrote nothing.
 */
export function mayHaveWritten(err: unknown): boolean {
  const meta = (err as { $metadata?: { httpStatusCode?: number; attempts?: number } } | undefined)?.$metadata;
  if ((meta?.attempts ?? 1) > 1) return true;
  const status = meta?.httpStatusCode;
  return status === undefined || status >= 500 || status === 200;
}
