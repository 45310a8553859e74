// A job as the batch-ops simulator keeps it; tests read these through BatchOperationsSimulator.jobs.

import type { JobRequest } from "./create-job";
import type { SimulatedTask } from "./tasks";

/** Every JobStatus of the S3 Control API. */
export type JobStatus =
  | "New"
  | "Preparing"
  | "Suspended"
  | "Ready"
  | "Active"
  | "Pausing"
  | "Paused"
  | "Completing"
  | "Complete"
  | "Failing"
  | "Failed"
  | "Cancelling"
  | "Cancelled";

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(["Complete", "Failed", "Cancelled"]);

export interface SimulatedJob {
  id: string;
  arn: string;
  request: JobRequest;
  status: JobStatus;
  /** Every status the job has been in, in order. */
  history: JobStatus[];
  creationTime: Date;
  terminationDate?: Date;
  suspendedDate?: Date;
  suspendedCause?: string;
  statusUpdateReason?: string;
  failureReasons: { code: string; reason: string }[];
  /** Undefined until the manifest has been read. */
  tasks?: SimulatedTask[];
  succeeded: number;
  failed: number;
  activeMs: number;
  /** Keys of the completion report, once written. */
  reportKeys: string[];
  /** Things AWS might read differently (see manifest.ts), for tests to assert there are none. */
  warnings: string[];
  /** Whether a DescribeJob has answered with the current status (see `revealEveryStatus`). */
  observed: boolean;
  /** Set by forget(): DescribeJob answers NoSuchJob. */
  forgotten: boolean;
  /** Behaviour fixed when the job was created. */
  holdIn?: "Suspended" | "Paused";
  heldOnce: boolean;
  failJob?: { code: string; reason: string; afterTasks: number };
}
