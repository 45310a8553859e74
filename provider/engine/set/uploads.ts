// The multipart uploads a killed earlier run of a set left behind, found with one listing.
import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
} from "@aws-sdk/client-s3";

import { abortClientFor } from "../clients";
import { wrapAwsError } from "../errors";
import type { SetContext } from "./context";

/**
 * Aborts the multipart uploads an earlier, killed run of this set left under the destination
 * prefix: only keys the manifest or the plan names, initiated before this run started. One
 * listing per run, not one per object.
 */
export async function abortLeftoverUploads(
  ctx: SetContext,
  ours: Set<string>,
  started: Date,
): Promise<number> {
  const { bucket, prefix } = ctx.inputs;
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
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !ours.has(u.Key)) continue;
        if (u.Initiated && u.Initiated.getTime() >= started.getTime()) continue;
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
  return aborted;
}
