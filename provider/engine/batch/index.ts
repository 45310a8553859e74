// S3 Batch Operations for ObjectCopySet: the manifest a job copies from, its CreateJob request,
// the S3 Control client, following the job, its completion report and its price. Pure logic and
// SDK calls only; the set decides when to use which (provider/engine/set/batch.ts).

export {
  COPY_REQUEST_USD_PER_1000,
  DEFAULT_POLL_MS,
  DEFAULT_PRIORITY,
  JOB_FEE_USD,
  MAX_CLIENT_REQUEST_TOKEN_CHARS,
  MAX_DESCRIPTION_CHARS,
  MAX_FAILED_POLLS,
  MAX_JOB_OBJECT_BYTES,
  PRIORITY_MAX,
  PRIORITY_MIN,
  SUSPENDED_GRACE_MS,
  USD_PER_MILLION_OBJECTS,
} from "./limits";
export { MANIFEST_CSV_FORMAT, manifestCsv, parseManifestCsv, type ManifestRow } from "./manifest-csv";
export { decodeKey, encodeKey } from "./url-key";
export {
  clientRequestToken,
  createJobInput,
  partitionOf,
  targetKeyPrefix,
  unsupportedJobSettings,
  type JobCopySettings,
  type JobSpec,
} from "./job-request";
export {
  accountIdFromSts,
  controlClient,
  controlClientConfig,
  controlEndpoint,
  createJob,
  resetControlClients,
  type ControlConnection,
} from "./control";
export { describeJob, isRunning, isTerminal, type JobState, type JobStatus } from "./job-state";
export { waitForJob, type WaitOptions } from "./wait";
export {
  parseReportCsv,
  parseReportManifest,
  readCompletionReport,
  REPORT_FORMAT,
  reportManifestKey,
  type ReportManifest,
  type TaskResult,
} from "./report";
export { estimateJobCost, type CostEstimate } from "./cost";
