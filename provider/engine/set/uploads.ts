// The multipart uploads a killed earlier run of a set left behind, found with one listing.
import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  type MultipartUpload,
} from "@aws-sdk/client-s3";

import { abortClientFor } from "../clients";
import { wrapAwsError } from "../errors";
import { shellQuote } from "../object/orphans";
import type { SetContext } from "./context";
import type { InterruptedRun } from "./manifest";
import { destinationKey } from "./spec";

/** At most this many abort commands are printed for an in-place set; the count says the rest. */
const MAX_PRINTED_COMMANDS = 10;

/**
 * The uploads a killed run of this set may have left: only when one was killed (its journal was
 * left over), only on the keys it was about to copy, and only begun before this run started.
 * Anyone else's upload under the prefix on another key is never touched. (The time an upload was
 * begun does not narrow it further: moto answers one fixed date for every upload.)
 *
 * Aborted, except in place: there the keys are the user's own objects, and an upload begun on one
 * while the killed run ran may be theirs, so the set aborts none and prints the commands instead
 * (as ObjectCopy does in place). Returns how many it aborted. One listing per run.
 */
export async function abortLeftoverUploads(
  ctx: SetContext,
  killed: InterruptedRun | undefined,
  started: Date,
): Promise<number> {
  if (!killed || killed.planned.size === 0) return 0;
  const { bucket, prefix } = ctx.inputs;
  const keys = new Set([...killed.planned].map((rel) => destinationKey(rel, prefix)));
  const left = (u: MultipartUpload) =>
    Boolean(u.Key && u.UploadId && keys.has(u.Key)) && (!u.Initiated || u.Initiated < started);
  const found: MultipartUpload[] = [];
  let aborted = 0;
  let page: ListMultipartUploadsCommandOutput | undefined;
  try {
    do {
      page = await ctx.destClient.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          Prefix: prefix || undefined,
          KeyMarker: page?.NextKeyMarker,
          UploadIdMarker: page?.NextUploadIdMarker,
          ExpectedBucketOwner: ctx.inputs.expectedBucketOwner,
          RequestPayer: ctx.inputs.requestPayer,
        }),
      );
      for (const u of (page.Uploads ?? []).filter(left)) {
        if (ctx.inPlace) {
          found.push(u);
          continue;
        }
        await abortClientFor(ctx.destClient).send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }),
        );
        aborted += 1;
      }
    } while (page.IsTruncated);
  } catch (err) {
    // Left uploads cost storage, not correctness: say so and copy on.
    console.log(`warning: ${wrapAwsError("ListMultipartUploads", `s3://${bucket}/${prefix}`, err).message}`);
  }
  if (found.length) warnInPlace(bucket, found);
  return aborted;
}

function warnInPlace(bucket: string, uploads: MultipartUpload[]): void {
  const commands = uploads
    .slice(0, MAX_PRINTED_COMMANDS)
    .map(
      (u) =>
        `  aws s3api abort-multipart-upload --bucket ${shellQuote(bucket)} --key ${shellQuote(u.Key!)} ` +
        `--upload-id ${shellQuote(u.UploadId!)}`,
    );
  const more = uploads.length - commands.length;
  console.warn(
    `warning: ${uploads.length} multipart upload(s) begun before this run are open on keys an earlier, killed ` +
      `run of this set was copying. The set is in place, so those keys are your objects and it cannot tell an upload ` +
      `of its own from one of yours; it aborts none, and their parts are billed until aborted. If they are not ` +
      `yours, run:\n${commands.join("\n")}${more > 0 ? `\n  … and ${more} more (aws s3api list-multipart-uploads)` : ""}` +
      `\nA lifecycle rule with AbortIncompleteMultipartUpload on the bucket removes such uploads by itself.`,
  );
}
