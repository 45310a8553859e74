/**
 * The copy engine: plain S3/KMS logic with no Pulumi import. The dynamic provider maps each of its
 * methods onto one function here, and tests drive these functions with no engine running.
 */
export * from "./constants";
export { ObjectCopyError } from "./errors";
export type * from "./types";
export { parseSource, copySourceHeader, encodeKey, isSameObject, type ParsedSource } from "./source";
export { check, containsUnknown, bucketNameProblem } from "./validate";
export { planParts, partRange, useMultipart, type PartPlan } from "./plan";
export { resolveHeaders } from "./metadata";
export { planChanges, planUpdate, diff, hasChanges, type ChangePlan, type DiffAnswer } from "./diff";
export { create, update, read, deleteCopy, resourceId } from "./lifecycle";
export { multipartCopy, abortStaleUploads, isRetryable } from "./multipart";
export { resolveKmsKey, resetKmsCache } from "./kms";
export { setProviderSettings, providerSettings } from "./settings";
export { resetClientCaches, destinationRegion } from "./clients";
export { performCopy } from "./copy";
