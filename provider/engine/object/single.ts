import {
  CopyObjectCommand,
  type CopyObjectCommandInput,
  type CopyObjectCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";

import { partSlots, selfThrottledClientFor } from "../clients";
import { awsErrorCode, httpStatus, ObjectCopyError, withHint, wrapAwsError } from "../errors";
import { heartbeat } from "../progress";
import { copyTimeoutMs } from "../timeouts";
import { isKms, sseCBlockedHint } from "./encryption";
import { sourceKeyFailure } from "./source";
import { type CopyWrite, mayHaveWritten, removeStrayVersions } from "./stray-versions";

/* One CopyObject: its timeout, its socket slot, its heartbeat, and the versions a retry left. */

export interface SingleCopyRequest {
  client: S3Client;
  request: CopyObjectCommandInput;
  /** What tells the versions a retried CopyObject wrote from everyone else's (stray-versions.ts). */
  write: Omit<CopyWrite, "sentAt" | "etag" | "kept">;
  /** The ETag every attempt's copy has when it is the content's MD5; undefined when unknown. */
  predictableEtag?: string;
  /** False when the destination is encrypted with a customer key (a new ETag per write). */
  contentEtag: boolean;
  names: { source: string; destUri: string };
  /** The caller retries throttled answers itself: the SDK hands a 503 SlowDown back at once. */
  callerRetriesThrottling?: boolean;
  signal?: AbortSignal;
}

export async function singleCopy(req: SingleCopyRequest): Promise<CopyObjectCommandOutput> {
  const size = req.write.size;
  // A CopyObject holds a socket for as long as S3 copies: it takes a slot like a part, so many
  // copies and parts on one client never wait inside the agent with their timeouts running.
  const slots = partSlots(req.client);
  const release = slots ? await slots.acquire(req.signal).catch(() => undefined) : () => undefined;
  if (!release) throw cancelled(req.names.destUri, "before it was sent; nothing was written");
  const write: CopyWrite = { ...req.write, sentAt: Date.now() };
  const stopHeartbeat = heartbeat(req.names.destUri, size);
  let out: CopyObjectCommandOutput;
  try {
    // Sized by the bytes: the client's default for a CopyObject assumes the largest (5 GiB).
    const sender = req.callerRetriesThrottling ? selfThrottledClientFor(req.client) : req.client;
    out = await sender.send(new CopyObjectCommand(req.request), {
      requestTimeout: copyTimeoutMs(size),
      ...(req.signal ? { abortSignal: req.signal } : {}),
    });
    stopHeartbeat("done");
  } catch (err) {
    stopHeartbeat("failed");
    release();
    throw await copyObjectFailure(req, err, { ...write, etag: req.predictableEtag });
  }
  release();
  // Only a versioned bucket keeps what an earlier attempt wrote: elsewhere the last write replaced
  // it, and listing versions after every throttled retry would cost a request for nothing.
  if ((out.$metadata?.attempts ?? 1) > 1 && out.VersionId && out.VersionId !== "null") {
    await removeRetriedCopies(req.client, {
      ...write,
      kept: out.VersionId,
      etag: isKms(out.ServerSideEncryption) || !req.contentEtag ? undefined : out.CopyObjectResult?.ETag,
    });
  }
  return out;
}

const cancelled = (destUri: string, what: string) =>
  new ObjectCopyError("COPY_CANCELLED", `the copy to ${destUri} was cancelled ${what}`);

/**
 * After a CopyObject that took more than one attempt: an earlier attempt may have been written
 * though its answer was lost, leaving a version no state records. Removes such versions; the
 * copy itself has succeeded, so a failure here is reported, not raised.
 */
async function removeRetriedCopies(client: S3Client, write: CopyWrite): Promise<void> {
  const where = `s3://${write.bucket}/${write.key}`;
  try {
    const { removed, failed } = await removeStrayVersions(client, write);
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
 * (its answer lost, S3 failing on its side, or given up on by a cancel), the versions it wrote
 * are removed first and the message says so, instead of a bare "socket hang up" for a copy that
 * was in fact written.
 */
async function copyObjectFailure(
  req: SingleCopyRequest,
  err: unknown,
  write: CopyWrite,
): Promise<ObjectCopyError> {
  const { names } = req;
  const base = req.signal?.aborted
    ? cancelled(names.destUri, "while CopyObject ran")
    : httpStatus(err) === 412
      ? new ObjectCopyError(
          "SOURCE_CHANGED_DURING_COPY",
          `the source ${names.source} changed after it was read: it no longer has the ETag the CopyObject was pinned to (412); run up again`,
        )
      : withHint(
          sourceKeyFailure(
            "CopyObject",
            `${names.source} -> ${names.destUri}`,
            err,
            Boolean(req.request.CopySourceSSECustomerKey),
          ) ?? wrapAwsError("CopyObject", `${names.source} -> ${names.destUri}`, err),
          sseCBlockedHint(httpStatus(err), Boolean(req.request.SSECustomerKey)),
        );
  const attempts = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
  // One attempt answered SlowDown was refused, not carried out: nothing to look for (a set's
  // throttled copies would otherwise list versions once per 503).
  if (!mayHaveWritten(err) || (attempts === 1 && awsErrorCode(err) === "SlowDown")) return base;
  const status = httpStatus(err);
  const what = req.signal?.aborted
    ? `the request was given up on after it was sent`
    : status === undefined
      ? `no answer arrived for ${attempts} attempt(s): the connection was lost or timed out after the request was sent`
      : `S3 answered HTTP ${status} after ${attempts} attempt(s)`;
  let outcome: string;
  try {
    const { removed, failed } = await removeStrayVersions(req.client, write);
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
    `${base.detail}; ${what}, so S3 may have written the copy anyway; ${outcome}`,
  );
}
