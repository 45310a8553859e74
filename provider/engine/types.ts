import type {
  ACLS,
  CHECKSUM_ALGORITHMS,
  CUSTOMER_ALGORITHMS,
  LEGAL_HOLD_STATUSES,
  METADATA_DIRECTIVES,
  OBJECT_LOCK_MODES,
  REQUEST_PAYERS,
  RESTORE_TIERS,
  SSE_ALGORITHMS,
  STORAGE_CLASSES,
  TAGGING_DIRECTIVES,
} from "./constants";

export type MetadataDirective = (typeof METADATA_DIRECTIVES)[number];
export type TaggingDirective = (typeof TAGGING_DIRECTIVES)[number];
export type ServerSideEncryption = (typeof SSE_ALGORITHMS)[number];
export type StorageClass = (typeof STORAGE_CLASSES)[number];
export type ObjectAcl = (typeof ACLS)[number];
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
export type ObjectLockMode = (typeof OBJECT_LOCK_MODES)[number];
export type LegalHoldStatus = (typeof LEGAL_HOLD_STATUSES)[number];
export type RequestPayer = (typeof REQUEST_PAYERS)[number];
export type RestoreTier = (typeof RESTORE_TIERS)[number];
export type CustomerAlgorithm = (typeof CUSTOMER_ALGORITHMS)[number];

/** How to restore an archived (Glacier, Deep Archive) source before copying it: days kept, retrieval tier. */
export interface RestoreRequest {
  /** Days the restored copy stays readable (ignored for Intelligent-Tiering archive tiers). */
  days?: number;
  tier?: RestoreTier;
}

/** The inputs as the engine sees them: plain values, after `check` has normalized them. */
export interface CopyInputs {
  bucket: string;
  key: string;
  source: string;

  metadataDirective?: MetadataDirective;
  metadata?: Record<string, string>;
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  websiteRedirect?: string;

  serverSideEncryption?: ServerSideEncryption;
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
  kmsEncryptionContext?: Record<string, string>;
  customerAlgorithm?: CustomerAlgorithm;
  customerKey?: string;
  sourceCustomerAlgorithm?: CustomerAlgorithm;
  sourceCustomerKey?: string;

  storageClass?: StorageClass;
  taggingDirective?: TaggingDirective;
  tags?: Record<string, string>;
  acl?: ObjectAcl;
  objectLockMode?: ObjectLockMode;
  objectLockRetainUntilDate?: string;
  objectLockLegalHoldStatus?: LegalHoldStatus;
  checksumAlgorithm?: ChecksumAlgorithm;
  expectedBucketOwner?: string;
  expectedSourceBucketOwner?: string;
  requestPayer?: RequestPayer;
  copyIfMatch?: string;
  copyIfNoneMatch?: string;
  copyIfModifiedSince?: string;
  copyIfUnmodifiedSince?: string;

  region?: string;
  sourceRegion?: string;
  endpoint?: string;
  forcePathStyle?: boolean;

  trackSourceChanges?: boolean;
  /**
   * On create, record a destination object that already holds what the copy would write instead
   * of copying; it then belongs to the resource (destroy deletes it). Ignored after create.
   */
  adopt?: boolean;
  restoreArchivedSource?: RestoreRequest;
  restoreWaitMinutes?: number;

  multipartThreshold?: number;
  partSize?: number;
  concurrency?: number;
}

/** What happens to the destination object when the resource is deleted. */
export type DeleteBehavior = "delete-version" | "delete-object" | "retain-object";

/**
 * State kept after create/update. It repeats every input except the SSE-C keys (later calls need
 * them, and Pulumi hands diff the old outputs, not the old inputs) and adds what was observed.
 * `serverSideEncryption` and `storageClass` hold the values S3 applied, not the requested ones.
 */
export interface CopyOutputs extends Omit<CopyInputs, "customerKey" | "sourceCustomerKey"> {
  etag?: string;
  versionId?: string;
  lastModified?: string;
  contentLength?: number;
  sourceEtag?: string;
  sourceVersionId?: string;
  sourceLastModified?: string;
  kmsKeyArn?: string;
  customerKeyMd5?: string;
  sourceCustomerKeyMd5?: string;
  copyMethod?: "CopyObject" | "UploadPartCopy";
  partCount?: number;
  /** True when the source and destination are the same object (a copy made to change it). */
  inPlace?: boolean;
  deleteBehavior?: DeleteBehavior;
  /** True when `adopt` recorded the object that was already there instead of copying. */
  adopted?: boolean;
  /** Differences refresh found between the object and what this resource wrote; up repairs them. */
  drift?: string[];
  /**
   * The copy as a `source` for another ObjectCopy: `s3://bucket/key?versionId=V` on a versioned
   * bucket, `s3://bucket/key` otherwise. Written by the provider, never an input, so it is unknown
   * in a preview where this copy will be updated, and whatever is chained to it shows a change too.
   */
  uri?: string;
}

/** Outputs observed at copy time (not inputs); an update that does not copy again carries them over. */
export const OBSERVED_OUTPUTS = [
  "etag",
  "versionId",
  "lastModified",
  "contentLength",
  "sourceEtag",
  "sourceVersionId",
  "sourceLastModified",
  "kmsKeyArn",
  "serverSideEncryption",
  "storageClass",
  "customerKeyMd5",
  "copyMethod",
  "partCount",
  "inPlace",
  "deleteBehavior",
  "uri",
  "adopted",
] as const satisfies readonly (keyof CopyOutputs)[];

export interface CheckFailure {
  property: string;
  reason: string;
}
