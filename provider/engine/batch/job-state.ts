// A job as DescribeJob reports it, reduced to what the set records and prints, and which of its
// statuses count as started or ended. AWS deletes a job 90 days after it ends, so "no such job"
// is an answer here, not an error.

import { DescribeJobCommand, type S3ControlClient } from "@aws-sdk/client-s3-control";

import { awsErrorCode, httpStatus, ObjectCopyError, wrapAwsError } from "../errors";

/** New, Preparing, Suspended, Ready, Active, Pausing, Paused, Completing, Complete, Failing, Failed, Cancelling, Cancelled. */
export type JobStatus = string;

export interface JobState {
  jobId: string;
  status: JobStatus;
  totalTasks: number;
  succeeded: number;
  failed: number;
  /** "<FailureCode>: <FailureReason>" for each failure the job reports. */
  failureReasons: string[];
  statusUpdateReason?: string;
  /** ISO 8601. */
  terminationDate?: string;
  /** Seconds the job has spent Active, when S3 says. */
  activeSeconds?: number;
}

// Statuses in the order a job goes through them (user guide, "Job statuses").
const ENDED = new Set(["Complete", "Failed", "Cancelled"]);
const STARTED = new Set(["Active", "Pausing", "Paused", "Completing", "Failing", "Cancelling", ...ENDED]);

/** Whether the job has ended: Complete, Failed or Cancelled. */
export const isTerminal = (status: string): boolean => ENDED.has(status);

/**
 * Whether the job has started running tasks: Active or any status after it, the ended ones
 * included (New, Preparing, Suspended and Ready come before). An unknown status is neither, so a
 * wait goes on polling instead of guessing.
 */
export const isRunning = (status: string): boolean => STARTED.has(status);

const NOT_FOUND = new Set(["NoSuchJob", "NotFoundException", "NoSuchJobException"]);

/** The job, or undefined for NoSuchJob; other SDK errors are thrown as they came. */
export async function fetchJob(
  client: S3ControlClient,
  accountId: string,
  jobId: string,
  signal?: AbortSignal,
): Promise<JobState | undefined> {
  let job;
  try {
    job = (
      await client.send(new DescribeJobCommand({ AccountId: accountId, JobId: jobId }), {
        abortSignal: signal,
      })
    ).Job;
  } catch (err) {
    const code = awsErrorCode(err);
    if ((code && NOT_FOUND.has(code)) || httpStatus(err) === 404) return undefined;
    throw err;
  }
  if (!job) return undefined;
  const p = job.ProgressSummary;
  return {
    jobId: job.JobId ?? jobId,
    status: job.Status ?? "New",
    totalTasks: p?.TotalNumberOfTasks ?? 0,
    succeeded: p?.NumberOfTasksSucceeded ?? 0,
    failed: p?.NumberOfTasksFailed ?? 0,
    failureReasons: (job.FailureReasons ?? []).map((f) =>
      [f.FailureCode, f.FailureReason].filter(Boolean).join(": "),
    ),
    ...(job.StatusUpdateReason ? { statusUpdateReason: job.StatusUpdateReason } : {}),
    ...(job.TerminationDate ? { terminationDate: job.TerminationDate.toISOString() } : {}),
    ...(p?.Timers?.ElapsedTimeInActiveSeconds !== undefined
      ? { activeSeconds: p.Timers.ElapsedTimeInActiveSeconds }
      : {}),
  };
}

/** "DescribeJob on batch job <id> failed with ...", and what to grant when it was refused. */
export function describeJobFailure(jobId: string, err: unknown): string {
  const wrapped = wrapAwsError("DescribeJob", `batch job ${jobId}`, err, "S3 Control");
  const denied =
    awsErrorCode(err) === "AccessDenied" || httpStatus(err) === 403
      ? "; the caller needs s3:DescribeJob"
      : "";
  return `${wrapped.detail}${denied}`;
}

/** The job's state, or undefined when S3 has no such job (AWS deletes jobs 90 days after they end). */
export async function describeJob(
  client: S3ControlClient,
  accountId: string,
  jobId: string,
  signal?: AbortSignal,
): Promise<JobState | undefined> {
  try {
    return await fetchJob(client, accountId, jobId, signal);
  } catch (err) {
    throw new ObjectCopyError("BATCH_DESCRIBE_JOB_FAILED", describeJobFailure(jobId, err));
  }
}
