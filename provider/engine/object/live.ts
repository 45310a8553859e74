import {
  HeadObjectCommand,
  type HeadObjectCommandInput,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";

import { httpStatus, isNotFound, wrapAwsError } from "../errors";
import type { CopyOutputs } from "../types";

export interface LiveObject {
  etag?: string;
  versionId?: string;
  lastModified?: Date;
  contentLength?: number;
  storageClass: string;
  serverSideEncryption?: string;
  kmsKeyArn?: string;
}

/* What is at the destination now: for refresh, delete, and a multipart copy's Last-Modified. */

/**
 * The destination as it is now, or undefined when it is gone. An SSE-C object answers HeadObject
 * with 400 without its key, and the key is never in state, so such objects are listed instead.
 */
export async function liveDestination(client: S3Client, state: CopyOutputs): Promise<LiveObject | undefined> {
  const target = `s3://${state.bucket}/${state.key}`;
  try {
    const h = await client.send(
      new HeadObjectCommand({
        Bucket: state.bucket,
        Key: state.key,
        ExpectedBucketOwner: state.expectedBucketOwner,
        RequestPayer: state.requestPayer,
      }),
    );
    return {
      etag: h.ETag,
      versionId: h.VersionId,
      lastModified: h.LastModified,
      contentLength: h.ContentLength,
      storageClass: h.StorageClass ?? "STANDARD",
      serverSideEncryption: h.ServerSideEncryption,
      kmsKeyArn: h.SSEKMSKeyId,
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    if (httpStatus(err) !== 400 || !state.customerKeyMd5) throw wrapAwsError("HeadObject", target, err);
  }
  try {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: state.bucket,
        Prefix: state.key,
        MaxKeys: 1,
        ExpectedBucketOwner: state.expectedBucketOwner,
        RequestPayer: state.requestPayer,
      }),
    );
    const o = page.Contents?.find((c) => c.Key === state.key);
    if (!o) return undefined;
    return {
      etag: o.ETag,
      // Listing does not give the version id; keep what was recorded so it does not read as drift.
      versionId: state.versionId,
      lastModified: o.LastModified,
      contentLength: o.Size,
      storageClass: o.StorageClass ?? "STANDARD",
      serverSideEncryption: state.serverSideEncryption,
    };
  } catch (err) {
    throw wrapAwsError("ListObjectsV2", target, err);
  }
}

const seconds = (d: Date | string | undefined) =>
  d === undefined ? undefined : Math.floor(new Date(d).getTime() / 1000);

/** Reasons the live object is no longer the one this resource wrote (empty when it still is). */
export function modificationDrift(state: CopyOutputs, live: LiveObject): string[] {
  const where = `s3://${state.bucket}/${state.key}`;
  const real = (v?: string) => (v && v !== "null" ? v : undefined);
  if (real(state.versionId) && real(live.versionId) && live.versionId !== state.versionId) {
    return [
      `${where} is now version ${live.versionId}, not the version ${state.versionId} this resource wrote`,
    ];
  }
  if (state.etag && live.etag !== state.etag) {
    return [`${where} was overwritten out of band (ETag ${state.etag} -> ${live.etag})`];
  }
  if (state.lastModified && seconds(live.lastModified) !== seconds(state.lastModified)) {
    return [
      `${where} was rewritten out of band (Last-Modified ${state.lastModified} -> ${live.lastModified?.toISOString()})`,
    ];
  }
  return [];
}

/** Last-Modified of the object a multipart copy just completed (Complete does not say). */
export async function destinationLastModified(
  client: S3Client,
  versionId: string | undefined,
  destination: Pick<
    HeadObjectCommandInput,
    | "Bucket"
    | "Key"
    | "SSECustomerAlgorithm"
    | "SSECustomerKey"
    | "SSECustomerKeyMD5"
    | "ExpectedBucketOwner"
    | "RequestPayer"
  >,
): Promise<Date | undefined> {
  const { Bucket, Key, SSECustomerAlgorithm, SSECustomerKey, SSECustomerKeyMD5 } = destination;
  try {
    const after = await client.send(
      new HeadObjectCommand({
        Bucket,
        Key,
        VersionId: versionId && versionId !== "null" ? versionId : undefined,
        SSECustomerAlgorithm,
        SSECustomerKey,
        SSECustomerKeyMD5,
        ExpectedBucketOwner: destination.ExpectedBucketOwner,
        RequestPayer: destination.RequestPayer,
      }),
    );
    return after.LastModified;
  } catch (err) {
    throw wrapAwsError("HeadObject", `s3://${Bucket}/${Key}`, err);
  }
}
