import { ListMultipartUploadsCommand, type S3Client } from "@aws-sdk/client-s3";

import { awsErrorCode, httpStatus } from "../errors";
import { abortStaleUploads } from "./multipart";

/*
 * Multipart uploads a killed earlier attempt left open keep their parts, billed, until aborted.
 * On its own key ObjectCopy aborts them; in place, the key is the user's object and an open
 * upload there may be theirs, so it only says they are there and how to remove them. Either way
 * a clean-up that is denied says so once per bucket instead of failing in silence.
 */

export interface UploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
  owner: { ExpectedBucketOwner?: string; RequestPayer?: "requester" };
  /** Client clock when this attempt began: uploads started later are this attempt's own. */
  startedAt: Date;
  /** Settles with this attempt's own upload id (or undefined): never reported or aborted. */
  ownUpload: Promise<string | undefined>;
}

const PERMISSION: Record<string, string> = {
  ListMultipartUploads: "s3:ListBucketMultipartUploads",
  AbortMultipartUpload: "s3:AbortMultipartUpload",
};

const warned = new Set<string>();

/** Forgets which buckets were warned about (tests run many copies in one process). */
export function resetCleanupWarnings(): void {
  warned.clear();
}

const isDenied = (err: unknown) => httpStatus(err) === 403 || awsErrorCode(err) === "AccessDenied";

/**
 * abortStaleUploads rethrows the SDK's error as it is, and that does not say which request
 * failed; this client marks its errors with the operation, so the warning can name the permission.
 * It is a stand-in for `send` only: lookups keyed on the client object itself (such as the abort
 * client clients.ts keeps per pooled client) do not see through it.
 */
function labelled(client: S3Client): S3Client {
  const rawSend = client.send.bind(client) as (command: unknown, options?: unknown) => Promise<unknown>;
  const send = async (command: { constructor: { name: string } }, options?: unknown) => {
    try {
      return await rawSend(command, options);
    } catch (err) {
      if (err && typeof err === "object")
        Object.assign(err, { objectCopyOperation: command.constructor.name.replace(/Command$/, "") });
      throw err;
    }
  };
  return new Proxy(client, { get: (target, p, r) => (p === "send" ? send : Reflect.get(target, p, r)) });
}

function warnOnce(t: Pick<UploadTarget, "bucket" | "key">, err: unknown): void {
  if (warned.has(t.bucket)) return;
  warned.add(t.bucket);
  const operation = (err as { objectCopyOperation?: string }).objectCopyOperation;
  const permission =
    (operation && PERMISSION[operation]) ?? "s3:ListBucketMultipartUploads and s3:AbortMultipartUpload";
  const why = `${awsErrorCode(err) ?? "UnknownError"}${httpStatus(err) ? `, HTTP ${httpStatus(err)}` : ""}`;
  const fix = isDenied(err)
    ? `grant ${permission} on bucket ${t.bucket} so they can be found and aborted, or `
    : "";
  console.warn(
    `warning: could not look for multipart uploads an earlier, killed copy left on s3://${t.bucket}/${t.key}: ` +
      `${operation ?? "the clean-up"} failed (${why}); such uploads keep their parts, billed, until aborted: ` +
      `${fix}add a lifecycle rule with AbortIncompleteMultipartUpload to the bucket. ` +
      `(Said once per bucket; the copy itself goes on.)`,
  );
}

/** Aborts the uploads an earlier attempt left on the destination key; returns their ids. */
export async function cleanUpStaleUploads(t: UploadTarget): Promise<string[]> {
  try {
    return await abortStaleUploads(labelled(t.client), t.bucket, t.key, t.startedAt, t.owner, t.ownUpload);
  } catch (err) {
    warnOnce(t, err);
    return [];
  }
}

/** A value quoted for a POSIX shell command line the user may paste. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * In place: lists the uploads open on the key that began before this attempt and warns with the
 * commands that abort them. It aborts nothing, because it cannot tell its own from the user's.
 */
export async function reportInPlaceUploads(t: UploadTarget): Promise<string[]> {
  const found: string[] = [];
  try {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await t.client
        .send(
          new ListMultipartUploadsCommand({
            Bucket: t.bucket,
            Prefix: t.key,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
            ...t.owner,
          }),
        )
        .catch((err: unknown) => {
          throw Object.assign(err as object, { objectCopyOperation: "ListMultipartUploads" });
        });
      for (const u of page.Uploads ?? []) {
        if (u.Key !== t.key || !u.UploadId || (u.Initiated && u.Initiated >= t.startedAt)) continue;
        found.push(u.UploadId);
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
  } catch (err) {
    warnOnce(t, err);
    return [];
  }
  const own = await t.ownUpload;
  const others = found.filter((id) => id !== own);
  if (others.length) {
    const where = `s3://${t.bucket}/${t.key}`;
    console.warn(
      `warning: ${others.length} multipart upload(s) begun before this copy are open on ${where}. ` +
        `This copy is in place, so ObjectCopy cannot tell an upload a killed earlier attempt of it left ` +
        `from one of yours, and aborts none; their parts are billed until aborted. If they are not yours, run:\n` +
        others
          .map(
            (id) =>
              `  aws s3api abort-multipart-upload --bucket ${shellQuote(t.bucket)} --key ${shellQuote(t.key)} --upload-id ${shellQuote(id)}`,
          )
          .join("\n") +
        `\nA lifecycle rule with AbortIncompleteMultipartUpload on the bucket removes such uploads by itself.`,
    );
  }
  return others;
}
