// `adopt`: a destination object that already holds what the copy would write is recorded instead
// of copied. Bytes are compared by ETag only where ETags are comparable; everything the set
// declares about the object (headers, metadata, encryption, class) is compared from two HEADs.
import { HeadObjectCommand, type HeadObjectCommandOutput, type S3Client } from "@aws-sdk/client-s3";

import { resolveHeaders } from "../metadata";
import type { ObjectSettings, PlannedCopy, SourceEntry, WrittenObject } from "./types";

/** HEAD pairs in flight while adopting: a one-time cost of the first up, kept gentle. */
export const ADOPT_CONCURRENCY = 16;

/**
 * Whether an ETag says anything about the bytes: a multipart ETag depends on the part sizes, and
 * SSE-KMS and SSE-C ETags are not the MD5 of the content.
 */
export function comparableEtags(settings: ObjectSettings, source: SourceEntry, dest: SourceEntry): boolean {
  if (source.etag.includes("-") || dest.etag.includes("-")) return false;
  if (settings.customerKey || settings.sourceCustomerKey) return false;
  return !(settings.serverSideEncryption ?? "").startsWith("aws:kms") && !settings.kmsKeyId;
}

const sameHeaders = (
  settings: ObjectSettings,
  source: HeadObjectCommandOutput,
  dest: HeadObjectCommandOutput,
): boolean => {
  const want = resolveHeaders(settings, source);
  const have = resolveHeaders({ metadataDirective: "COPY" }, dest);
  const time = (d: Date | undefined) => d?.getTime();
  const sorted = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort());
  return (
    sorted(want.Metadata) === sorted(have.Metadata) &&
    want.ContentType === have.ContentType &&
    want.CacheControl === have.CacheControl &&
    want.ContentDisposition === have.ContentDisposition &&
    want.ContentEncoding === have.ContentEncoding &&
    want.ContentLanguage === have.ContentLanguage &&
    time(want.Expires) === time(have.Expires)
  );
};

/** Tags, ACLs and object lock are not visible in a HEAD: declaring them means copying. */
const headShowsAllDeclared = (settings: ObjectSettings): boolean =>
  settings.taggingDirective !== "REPLACE" && !settings.acl && !settings.objectLockMode;

function sameEncryptionAndClass(settings: ObjectSettings, dest: HeadObjectCommandOutput): boolean {
  if (settings.serverSideEncryption && settings.serverSideEncryption !== dest.ServerSideEncryption) {
    return false;
  }
  return !settings.storageClass || settings.storageClass === (dest.StorageClass ?? "STANDARD");
}

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
    const equalBytes =
      dest !== undefined &&
      dest.size === t.entry.size &&
      dest.etag === t.entry.etag &&
      comparableEtags(args.settings, t.entry, dest);
    (equalBytes && headShowsAllDeclared(args.settings) ? candidates : copy).push(t);
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
            }),
          ),
          args.destClient.send(new HeadObjectCommand({ Bucket: args.destBucket, Key: task.destKey })),
        ]);
        if (
          dst.ETag === task.entry.etag &&
          sameHeaders(args.settings, src, dst) &&
          sameEncryptionAndClass(args.settings, dst)
        ) {
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
