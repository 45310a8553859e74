import type { CopyOne, CopyTask, CopyTaskResult, ObjectSettings, WrittenObject } from "../set/types";
import { resolveSettings } from "./context";
import { copyObject } from "./copy";

/*
 * A set's way into the copy unit (copy.ts): settings resolved once for the whole set, then one
 * call of copyObject per object. What ObjectCopy does around its one copy is the set's to do in
 * bulk instead: one ListMultipartUploads per prefix, superseded versions deleted in batches.
 */

/** A set's per-object settings, and how many objects it keeps in flight. */
export type SetCopierSettings = ObjectSettings & {
  /**
   * Objects in flight: the destination client gets this many sockets and part slots, so that
   * every copy the scheduler starts is sent rather than queued inside the agent. A multipart
   * copy's parts take slots from the same budget (its `concurrency` stays ObjectCopy's default).
   */
  objectsInFlight?: number;
};

/**
 * Resolves clients, regions, the KMS key ARN and the SSE-C keys once and returns the function that
 * copies one object of the set. A small object under COPY or REPLACE is one CopyObject pinned to
 * its listing ETag; MERGE, multipart and archived sources read HeadObject first, pinned the same.
 */
export async function setCopier(
  { objectsInFlight, ...settings }: SetCopierSettings,
  where: { sourceBucket: string; destBucket: string },
): Promise<CopyOne> {
  // ObjectCopy's defaults, which its check fills in: a set copies headers and tags unless told.
  const resolved = await resolveSettings(
    { ...settings, metadataDirective: settings.metadataDirective ?? "COPY" },
    where,
    objectsInFlight,
  );
  return async (task: CopyTask, signal?: AbortSignal): Promise<CopyTaskResult> => {
    const previous = task.previous;
    const result = await copyObject(resolved, {
      src: { bucket: task.sourceBucket, key: task.sourceKey },
      bucket: task.destBucket,
      key: task.destKey,
      listed: task.entry,
      previous: previous && {
        versionId: previous.dest.versionId,
        sourceVersionId: previous.source.versionId,
        superseded: previous.dest.superseded,
      },
      // The scheduler retries a throttled object after a short wait and tells its controller.
      callerRetriesThrottling: true,
      signal,
    });
    const written: WrittenObject = {
      versionId: result.written.versionId,
      etag: result.written.etag,
      size: result.source.size,
      lastModified: result.written.lastModified?.toISOString(),
    };
    if (result.superseded.length) written.superseded = result.superseded;
    return { sourceVersionId: result.source.versionId, written };
  };
}
