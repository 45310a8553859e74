// Waiting for a job: polls DescribeJob until the job has started or ended, printing progress, and
// turns a job that failed, was cancelled, is stuck or vanished into an error that says what
// happened and what to do.

import { setTimeout as sleepFor } from "node:timers/promises";

import type { S3ControlClient } from "@aws-sdk/client-s3-control";

import { isThrottling } from "../concurrency/throttling";
import { httpStatus, ObjectCopyError } from "../errors";
import { isTimeout } from "../timeouts";
import { describeJobFailure, fetchJob, isRunning, type JobState } from "./job-state";
import { DEFAULT_POLL_MS, MAX_FAILED_POLLS, SUSPENDED_GRACE_MS } from "./limits";
import { duration, progressLine } from "./progress-line";

export interface WaitOptions {
  /** "complete": until the job ends; "started": until it runs (or has ended). */
  until: "complete" | "started";
  pollMs?: number;
  suspendedGraceMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Statuses that wait for someone or something else: too long in one means the job is stuck. */
const HELD = new Set(["Suspended", "Paused"]);

/** A failed poll that the next one may not repeat: the job runs at AWS whether or not we see it. */
const isPassing = (err: unknown) => isThrottling(err) || isTimeout(err) || (httpStatus(err) ?? 0) >= 500;

const why = (s: JobState) =>
  [
    s.failureReasons.length ? `FailureReasons: ${s.failureReasons.join("; ")}` : "",
    s.statusUpdateReason ? `StatusUpdateReason: ${s.statusUpdateReason}` : "",
  ]
    .filter(Boolean)
    .join("; ") || "S3 gave no reason";

function ended(s: JobState): ObjectCopyError | undefined {
  const counts = `${s.succeeded} of ${s.totalTasks} tasks succeeded, ${s.failed} failed`;
  if (s.status === "Failed") {
    return new ObjectCopyError(
      "BATCH_JOB_FAILED",
      `batch job ${s.jobId} failed (${counts}): ${why(s)}. Fix the cause (often the role's permissions or the ` +
        `manifest), then run up again`,
    );
  }
  if (s.status === "Cancelled") {
    return new ObjectCopyError(
      "BATCH_JOB_CANCELLED",
      `batch job ${s.jobId} was cancelled (${counts}): ${why(s)}`,
    );
  }
  return undefined;
}

function held(s: JobState, accountId: string, forMs: number, graceMs: number): ObjectCopyError {
  const resume =
    s.status === "Suspended"
      ? `A Suspended job waits for confirmation: run it with \`aws s3control update-job-status --account-id ${accountId} ` +
        `--job-id ${s.jobId} --requested-job-status Ready\``
      : `A Paused job is held by S3; see its status with \`aws s3control describe-job --account-id ${accountId} --job-id ${s.jobId}\``;
  return new ObjectCopyError(
    "BATCH_JOB_SUSPENDED",
    `batch job ${s.jobId} has been ${s.status} for ${duration(forMs / 1000)}, longer than the ${duration(graceMs / 1000)} ` +
      `a wait allows (${why(s)}). ${resume}, or cancel it with --requested-job-status Cancelled; the next up or ` +
      `refresh picks the job up where it is`,
  );
}

const cancelled = (jobId: string, status: string) =>
  new ObjectCopyError(
    "CANCELLED",
    `stopped waiting for batch job ${jobId} (${status}): the job keeps running at AWS, and the next up or refresh picks it up where it is`,
  );

/**
 * Polls DescribeJob until the job has started or ended (`until`), printing a progress line when
 * something changed. Resolves on Complete even when tasks failed: the completion report says which,
 * and the caller reports them. Failed, Cancelled, stuck and vanished jobs throw.
 */
export async function waitForJob(
  client: S3ControlClient,
  accountId: string,
  jobId: string,
  o: WaitOptions,
): Promise<JobState> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number, signal?: AbortSignal) => sleepFor(ms, undefined, { signal }));
  const pollMs = o.pollMs ?? DEFAULT_POLL_MS;
  const graceMs = o.suspendedGraceMs ?? SUSPENDED_GRACE_MS;
  const log = o.log ?? ((line: string) => console.log(line));
  const signal = o.signal;

  let status = "unknown";
  let failedPolls = 0;
  let heldSince: { status: string; at: number } | undefined;
  let lastLine: string | undefined;
  let firstSeen: { at: number; done: number } | undefined;

  for (;;) {
    if (signal?.aborted) throw cancelled(jobId, status);
    let state: JobState | undefined;
    try {
      state = await fetchJob(client, accountId, jobId, signal);
    } catch (err) {
      if (signal?.aborted) throw cancelled(jobId, status);
      if (!isPassing(err))
        throw new ObjectCopyError("BATCH_DESCRIBE_JOB_FAILED", describeJobFailure(jobId, err));
      failedPolls += 1;
      if (failedPolls >= MAX_FAILED_POLLS) {
        throw new ObjectCopyError(
          "BATCH_DESCRIBE_JOB_FAILED",
          `${failedPolls} DescribeJob polls of batch job ${jobId} in a row got no answer (last: ${describeJobFailure(jobId, err)}); ` +
            `the job keeps running at AWS, and the next up or refresh picks it up where it is`,
        );
      }
      // Once per run of failures: a line every poll would bury the progress lines.
      if (failedPolls === 1) {
        log(
          `batch job ${jobId}: DescribeJob is throttled or timing out; still polling every ${Math.round(pollMs / 1000)}s`,
        );
      }
      await pause(sleep, pollMs, signal, jobId, status);
      continue;
    }
    failedPolls = 0;
    if (!state) {
      throw new ObjectCopyError(
        "BATCH_JOB_NOT_FOUND",
        `batch job ${jobId} does not exist in account ${accountId} (S3 Control answered NoSuchJob): it was deleted, ` +
          `or belongs to another account or region`,
      );
    }
    status = state.status;

    const t = now();
    const done = state.succeeded + state.failed;
    firstSeen ??= { at: t, done };
    const line = progressLine(state, firstSeen, t);
    if (line.key !== lastLine) log(line.text);
    lastLine = line.key;

    const error = ended(state);
    if (error) throw error;
    if (state.status === "Complete") return state;
    // Failing and Cancelling end in an error: wait for it rather than report a start.
    if (
      o.until === "started" &&
      isRunning(state.status) &&
      state.status !== "Failing" &&
      state.status !== "Cancelling"
    ) {
      return state;
    }

    if (HELD.has(state.status)) {
      if (heldSince?.status !== state.status) heldSince = { status: state.status, at: t };
      if (t - heldSince.at > graceMs) throw held(state, accountId, t - heldSince.at, graceMs);
    } else heldSince = undefined;

    await pause(sleep, pollMs, signal, jobId, status);
  }
}

async function pause(
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
  jobId: string,
  status: string,
): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch (err) {
    if (signal?.aborted) throw cancelled(jobId, status);
    throw err;
  }
  if (signal?.aborted) throw cancelled(jobId, status);
}
