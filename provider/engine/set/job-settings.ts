// A set's per-object settings as a Batch Operations copy takes them. Types only from the rest of
// the set, so the check rules can use it without importing the set's S3 code.
import type { JobCopySettings } from "../batch";
import type { SetInputs } from "./state";

/** The set's per-object settings as S3PutObjectCopy takes them; check has refused the rest. */
export function jobCopySettings(
  inputs: Omit<SetInputs, "manifestLocation" | "source" | "bucket" | "prefix">,
  kmsKeyArn?: string,
): JobCopySettings {
  const directive = inputs.metadataDirective === "REPLACE" ? "REPLACE" : "COPY";
  return {
    metadataDirective: directive,
    metadata: directive === "REPLACE" ? inputs.metadata : undefined,
    cacheControl: inputs.cacheControl,
    contentDisposition: inputs.contentDisposition,
    contentEncoding: inputs.contentEncoding,
    contentLanguage: inputs.contentLanguage,
    contentType: inputs.contentType,
    expires: inputs.expires,
    taggingDirective: inputs.taggingDirective === "REPLACE" ? "REPLACE" : "COPY",
    tags: inputs.taggingDirective === "REPLACE" ? inputs.tags : undefined,
    storageClass: inputs.storageClass,
    acl: inputs.acl,
    serverSideEncryption: inputs.serverSideEncryption as JobCopySettings["serverSideEncryption"],
    kmsKeyArn,
    bucketKeyEnabled: inputs.bucketKeyEnabled,
    checksumAlgorithm: inputs.checksumAlgorithm,
    requesterPays: inputs.requestPayer === "requester" ? true : undefined,
    objectLockMode: inputs.objectLockMode,
    objectLockRetainUntilDate: inputs.objectLockRetainUntilDate,
    objectLockLegalHoldStatus: inputs.objectLockLegalHoldStatus,
  };
}
