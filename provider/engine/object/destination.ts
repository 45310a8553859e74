import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";

import type { ObjectSettings } from "../set/types";
import { encryptionFields } from "./encryption";
import type { CustomerKey } from "./encryption";

/* Where and how one copy is written: key, class, ACL, lock, checksum, encryption, owners. */

export const ownerOf = (s: Pick<ObjectSettings, "expectedBucketOwner" | "requestPayer">) => ({
  ExpectedBucketOwner: s.expectedBucketOwner,
  RequestPayer: s.requestPayer,
});

/** The request fields CopyObject and CreateMultipartUpload share for the object being written. */
export function destinationFields(
  settings: ObjectSettings,
  at: { bucket: string; key: string },
  encryption: { kmsKeyArn?: string; destKey?: CustomerKey },
  head: Pick<HeadObjectCommandOutput, "WebsiteRedirectLocation">,
) {
  return {
    Bucket: at.bucket,
    Key: at.key,
    StorageClass: settings.storageClass,
    ACL: settings.acl,
    // S3 never copies the redirect; MERGE promises to keep what is not declared, so resend it.
    WebsiteRedirectLocation:
      settings.websiteRedirect ??
      (settings.metadataDirective === "MERGE" ? head.WebsiteRedirectLocation : undefined),
    ObjectLockMode: settings.objectLockMode,
    ObjectLockRetainUntilDate: settings.objectLockRetainUntilDate
      ? new Date(settings.objectLockRetainUntilDate)
      : undefined,
    ObjectLockLegalHoldStatus: settings.objectLockLegalHoldStatus,
    ChecksumAlgorithm: settings.checksumAlgorithm,
    ...encryptionFields(settings, encryption.kmsKeyArn, encryption.destKey),
    ...ownerOf(settings),
  } as const;
}

export type DestinationFields = ReturnType<typeof destinationFields>;

/**
 * Where the copy is, as another ObjectCopy's `source` takes it: pinned to the version this copy
 * wrote on a versioned bucket. It is an output, not an input, so a preview in which this copy will
 * write again shows it as unknown, and a copy chained to it shows a change too.
 */
export const objectUri = (at: { bucket: string; key: string }, versionId: string | undefined) =>
  `s3://${at.bucket}/${at.key}${versionId && versionId !== "null" ? `?versionId=${versionId}` : ""}`;
