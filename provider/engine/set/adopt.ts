// `adopt` for a set: a destination object that already holds what the copy would write is recorded
// instead of copied. The listing rules out what it can (sizes, comparable ETags); the comparison
// itself is ObjectCopy's too (object/adopt.ts), made from two HEADs per remaining key.
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";

import { ADOPT_HEAD_FIELDS, adoptMismatch, headShowsAllDeclared, listingRulesOut } from "../object/adopt";
import type { ObjectSettings, PlannedCopy, SourceEntry, WrittenObject } from "./types";

/** HEAD pairs in flight while adopting: a one-time cost of the first up, kept gentle. */
export const ADOPT_CONCURRENCY = 16;

export interface Adopted {
  task: PlannedCopy;
  written: WrittenObject;
  sourceVersionId?: string;
}

export interface AdoptArgs {
  settings: ObjectSettings;
  sourceClient: S3Client;
  destClient: S3Client;
  sourceBucket: string;
  destBucket: string;
  /** The destination's listing, by full key. */
  live: Map<string, SourceEntry>;
  tasks: PlannedCopy[];
}

/**
 * Splits the planned creations into those the destination already holds (with what to record for
 * them) and those still to copy. Any doubt, including a failed HEAD, means copy.
 */
export async function adoptExisting(args: AdoptArgs): Promise<{ adopted: Adopted[]; copy: PlannedCopy[] }> {
  const adopted: Adopted[] = [];
  const copy: PlannedCopy[] = [];
  const candidates: PlannedCopy[] = [];
  for (const t of args.tasks) {
    const dest = args.live.get(t.destKey);
    const possible = dest !== undefined && !listingRulesOut(args.settings, t.entry, dest);
    (possible && headShowsAllDeclared(args.settings) ? candidates : copy).push(t);
  }
  let next = 0;
  const worker = async () => {
    while (next < candidates.length) {
      const task = candidates[next++];
      try {
        const [src, dst] = await Promise.all([
          args.sourceClient.send(
            new HeadObjectCommand({
              Bucket: args.sourceBucket,
              Key: task.sourceKey,
              IfMatch: task.entry.etag,
              ...ADOPT_HEAD_FIELDS,
            }),
          ),
          args.destClient.send(
            new HeadObjectCommand({ Bucket: args.destBucket, Key: task.destKey, ...ADOPT_HEAD_FIELDS }),
          ),
        ]);
        if (adoptMismatch(args.settings, src, dst) === undefined) {
          adopted.push({
            task,
            sourceVersionId: src.VersionId,
            written: {
              versionId: dst.VersionId,
              etag: dst.ETag,
              size: dst.ContentLength ?? task.entry.size,
              lastModified: dst.LastModified?.toISOString(),
            },
          });
          continue;
        }
      } catch {
        // Fall through to a copy, which reports a real problem with its own error.
      }
      copy.push(task);
    }
  };
  await Promise.all(Array.from({ length: Math.min(ADOPT_CONCURRENCY, candidates.length) }, worker));
  return { adopted, copy };
}
