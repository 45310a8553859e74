// A set's per-object settings as a Batch Operations copy carries them: which ones a job cannot
// carry (for the set's check, at preview), and the S3PutObjectCopy operation for the rest.

import type {
  S3CannedAccessControlList,
  S3ChecksumAlgorithm,
  S3CopyObjectOperation,
  S3ObjectLockLegalHoldStatus,
  S3ObjectLockMode,
  S3ObjectMetadata,
  S3StorageClass,
} from "@aws-sdk/client-s3-control";

import { STORAGE_CLASSES as ALL_STORAGE_CLASSES } from "../constants";
import { showValue } from "../errors";

/** What S3PutObjectCopy can carry; the integrator maps the set's settings to it. */
export interface JobCopySettings {
  metadataDirective?: "COPY" | "REPLACE";
  metadata?: Record<string, string>;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentType?: string;
  /** ISO 8601 date. */
  expires?: string;
  taggingDirective?: "COPY" | "REPLACE";
  tags?: Record<string, string>;
  storageClass?: string;
  acl?: string;
  serverSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  kmsKeyArn?: string;
  bucketKeyEnabled?: boolean;
  checksumAlgorithm?: string;
  requesterPays?: boolean;
  objectLockMode?: string;
  /** ISO 8601 date. */
  objectLockRetainUntilDate?: string;
  objectLockLegalHoldStatus?: string;
}

// The values S3 Batch Operations accepts (S3 Control API reference, S3CopyObjectOperation): fewer
// than CopyObject's, which is why they are checked here and not only by the set's rules.
// CopyObject's classes but Reduced Redundancy (retired) and Express One Zone (directory buckets).
const STORAGE_CLASSES = ALL_STORAGE_CLASSES.filter(
  (c) => c !== "REDUCED_REDUNDANCY" && c !== "EXPRESS_ONEZONE",
) as readonly S3StorageClass[];
const ACLS: readonly S3CannedAccessControlList[] = [
  "private",
  "public-read",
  "public-read-write",
  "aws-exec-read",
  "authenticated-read",
  "bucket-owner-read",
  "bucket-owner-full-control",
];
const CHECKSUMS: readonly S3ChecksumAlgorithm[] = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"];
const LOCK_MODES: readonly S3ObjectLockMode[] = ["GOVERNANCE", "COMPLIANCE"];
const LEGAL_HOLDS: readonly S3ObjectLockLegalHoldStatus[] = ["ON", "OFF"];

const CONTENT_FIELDS = [
  "metadata",
  "cacheControl",
  "contentDisposition",
  "contentEncoding",
  "contentLanguage",
  "contentType",
  "expires",
] as const;

const isDate = (iso: string) => !Number.isNaN(new Date(iso).getTime());

/**
 * Why these settings cannot run as a job, one sentence each (empty when they can). For the set's
 * check, so the user learns it at preview; createJobInput refuses the same settings.
 */
export function unsupportedJobSettings(s: JobCopySettings): string[] {
  const why: string[] = [];
  if (s.serverSideEncryption === "aws:kms:dsse") {
    why.push(
      `serverSideEncryption "aws:kms:dsse": a job's copy names its encryption as AES256 or KMS only, so it ` +
        `cannot ask for DSSE-KMS; use "aws:kms", or copy without batchOperations`,
    );
  }
  if (s.kmsKeyArn !== undefined && s.serverSideEncryption !== "aws:kms") {
    why.push(
      `kmsKeyArn is set but serverSideEncryption ${s.serverSideEncryption === undefined ? "is not set" : `is ${showValue(s.serverSideEncryption)}`}; ` +
        `a key applies to "aws:kms" only`,
    );
  }
  const oneOf = (name: string, value: string | undefined, allowed: readonly string[]) => {
    if (value !== undefined && !allowed.includes(value)) {
      why.push(
        `${name} ${showValue(value)} is not accepted by a Batch Operations copy; it takes ${allowed.join(", ")}`,
      );
    }
  };
  oneOf("storageClass", s.storageClass, STORAGE_CLASSES);
  oneOf("acl", s.acl, ACLS);
  oneOf("checksumAlgorithm", s.checksumAlgorithm, CHECKSUMS);
  oneOf("objectLockMode", s.objectLockMode, LOCK_MODES);
  oneOf("objectLockLegalHoldStatus", s.objectLockLegalHoldStatus, LEGAL_HOLDS);
  const content = CONTENT_FIELDS.filter((f) => s[f] !== undefined);
  if (s.metadataDirective !== "REPLACE" && content.length > 0) {
    why.push(
      `${content.join(", ")} ${content.length === 1 ? "is" : "are"} set but metadataDirective is ` +
        `${showValue(s.metadataDirective ?? "COPY")}; a job sends new metadata only with "REPLACE"`,
    );
  }
  if (s.taggingDirective !== "REPLACE" && s.tags !== undefined) {
    why.push(
      `tags are set but taggingDirective is ${showValue(s.taggingDirective ?? "COPY")}; a job sends new tags only with "REPLACE"`,
    );
  }
  if ((s.objectLockMode === undefined) !== (s.objectLockRetainUntilDate === undefined)) {
    why.push(`objectLockMode and objectLockRetainUntilDate go together: S3 takes a retention only with both`);
  }
  for (const f of ["expires", "objectLockRetainUntilDate"] as const) {
    const v = s[f];
    if (v !== undefined && !isDate(v)) why.push(`${f} ${showValue(v)} is not a date; give an ISO 8601 date`);
  }
  return why;
}

/** The S3PutObjectCopy operation that copies into `targetResource` (an ARN) with these settings. */
export function copyOperation(
  s: JobCopySettings,
  targetResource: string,
  targetKeyPrefix: string,
): S3CopyObjectOperation {
  const op: S3CopyObjectOperation = { TargetResource: targetResource };
  if (targetKeyPrefix !== "") op.TargetKeyPrefix = targetKeyPrefix;
  if (s.metadataDirective) op.MetadataDirective = s.metadataDirective;

  // The encryption algorithm travels in NewObjectMetadata whatever the directive: the operation has
  // no other field for it.
  const meta: S3ObjectMetadata = {};
  if (s.metadataDirective === "REPLACE") {
    meta.UserMetadata = s.metadata ?? {};
    if (s.cacheControl !== undefined) meta.CacheControl = s.cacheControl;
    if (s.contentDisposition !== undefined) meta.ContentDisposition = s.contentDisposition;
    if (s.contentEncoding !== undefined) meta.ContentEncoding = s.contentEncoding;
    if (s.contentLanguage !== undefined) meta.ContentLanguage = s.contentLanguage;
    if (s.contentType !== undefined) meta.ContentType = s.contentType;
    if (s.expires !== undefined) meta.HttpExpiresDate = new Date(s.expires);
  }
  if (s.serverSideEncryption === "AES256") meta.SSEAlgorithm = "AES256";
  if (s.serverSideEncryption === "aws:kms") meta.SSEAlgorithm = "KMS";
  if (Object.keys(meta).length > 0) op.NewObjectMetadata = meta;

  if (s.taggingDirective === "REPLACE") {
    // An empty list is meaningful: the copies get no tags instead of the source's.
    op.NewObjectTagging = Object.keys(s.tags ?? {})
      .sort()
      .map((Key) => ({ Key, Value: s.tags![Key] }));
  }
  if (s.storageClass !== undefined) op.StorageClass = s.storageClass as S3StorageClass;
  if (s.acl !== undefined) op.CannedAccessControlList = s.acl as S3CannedAccessControlList;
  if (s.kmsKeyArn !== undefined) op.SSEAwsKmsKeyId = s.kmsKeyArn;
  if (s.bucketKeyEnabled !== undefined) op.BucketKeyEnabled = s.bucketKeyEnabled;
  if (s.checksumAlgorithm !== undefined) op.ChecksumAlgorithm = s.checksumAlgorithm as S3ChecksumAlgorithm;
  if (s.requesterPays !== undefined) op.RequesterPays = s.requesterPays;
  if (s.objectLockMode !== undefined) op.ObjectLockMode = s.objectLockMode as S3ObjectLockMode;
  if (s.objectLockRetainUntilDate !== undefined) {
    op.ObjectLockRetainUntilDate = new Date(s.objectLockRetainUntilDate);
  }
  if (s.objectLockLegalHoldStatus !== undefined) {
    op.ObjectLockLegalHoldStatus = s.objectLockLegalHoldStatus as S3ObjectLockLegalHoldStatus;
  }
  return op;
}
