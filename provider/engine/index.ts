/**
 * The copy engine: plain S3/KMS logic with no Pulumi import. The dynamic provider maps each of its
 * methods onto one function here, and tests drive these functions with no engine running.
 */
export * from "./constants";
export { ObjectCopyError } from "./errors";
export type * from "./types";
export { parseSource, copySourceHeader, encodeKey, isSameObject, type ParsedSource } from "./object/address";
export { check, containsUnknown, bucketNameProblem } from "./validate";
export { planParts, partRange, useMultipart, type PartPlan } from "./object/parts";
export { resolveHeaders } from "./object/metadata";
export { planChanges, planUpdate, diff, hasChanges, type ChangePlan, type DiffAnswer } from "./diff";
export { create, update, read, deleteCopy, resourceId } from "./lifecycle";
export { multipartCopy, abortStaleUploads, isRetryable } from "./object/multipart";
export { resolveKmsKey, resetKmsCache } from "./object/kms";
export { setProviderSettings, providerSettings } from "./settings";
export { resetClientCaches, destinationRegion } from "./clients";
export { performCopy } from "./object/resource";
export { setCopier } from "./object/set-copier";
export {
  checkSet,
  diffSet,
  createSet,
  updateSet,
  readSet,
  deleteSet,
  planSummary,
  type SetInputs,
  type SetOutputs,
  type SetRunCounts,
  type SetDrift,
  type SetDiffAnswer,
} from "./set";
