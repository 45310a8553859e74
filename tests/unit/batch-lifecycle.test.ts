// Job lifecycles as DescribeJob reports them, scripted with aws-sdk-client-mock and run on a fake
// clock: what waitForJob prints, how often it polls, when it resolves and which error it throws.
// No emulator runs Batch Operations jobs; the status sequences follow AWS's "Job statuses" table.
import {
  DescribeJobCommand,
  type DescribeJobCommandOutput,
  type JobDescriptor,
  type JobStatus as SdkJobStatus,
  S3ControlClient,
} from "@aws-sdk/client-s3-control";
import { mockClient } from "aws-sdk-client-mock";

import {
  describeJob,
  isRunning,
  isTerminal,
  MAX_FAILED_POLLS,
  waitForJob,
  type WaitOptions,
} from "../../provider/engine/batch";
import { ObjectCopyError } from "../../provider/engine/errors";

const control = mockClient(S3ControlClient);
const client = new S3ControlClient({ region: "us-west-2" });
const ACCOUNT = "111122223333";
const POLL_MS = 1_000;

/** A DescribeJob answer. */
const job = (
  Status: string,
  p: { total?: number; ok?: number; failed?: number; active?: number } = {},
  extra: Partial<JobDescriptor> = {},
): DescribeJobCommandOutput => ({
  $metadata: {},
  Job: {
    JobId: "J1",
    // Any string: the wait must also cope with a status the SDK does not know yet.
    Status: Status as SdkJobStatus,
    ...(p.total === undefined
      ? {}
      : {
          ProgressSummary: {
            TotalNumberOfTasks: p.total,
            NumberOfTasksSucceeded: p.ok ?? 0,
            NumberOfTasksFailed: p.failed ?? 0,
            ...(p.active === undefined ? {} : { Timers: { ElapsedTimeInActiveSeconds: p.active } }),
          },
        }),
    ...extra,
  },
});

const sdkError = (name: string, status: number, message = name) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, attempts: 3 } });

/** A fake clock whose sleep moves time on at once, and the lines the wait printed. */
function harness(o: Partial<WaitOptions> = {}) {
  let t = 0;
  const sleeps: number[] = [];
  const lines: string[] = [];
  const options: WaitOptions = {
    until: "complete",
    pollMs: POLL_MS,
    suspendedGraceMs: 2_000,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    log: (line) => lines.push(line),
    ...o,
  };
  return { options, sleeps, lines, wait: () => waitForJob(client, ACCOUNT, "J1", options) };
}

const polls = () => control.commandCalls(DescribeJobCommand).length;

async function failure(p: Promise<unknown>): Promise<ObjectCopyError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ObjectCopyError)) throw new Error(`expected an ObjectCopyError, got ${String(err)}`);
  return err;
}

beforeEach(() => control.reset());
afterAll(() => control.restore());

describe("isTerminal and isRunning", () => {
  it.each([
    ["New", false, false],
    ["Preparing", false, false],
    ["Suspended", false, false],
    ["Ready", false, false],
    ["Active", false, true],
    ["Pausing", false, true],
    ["Paused", false, true],
    ["Completing", false, true],
    ["Complete", true, true],
    ["Failing", false, true],
    ["Failed", true, true],
    ["Cancelling", false, true],
    ["Cancelled", true, true],
    ["SomethingNew", false, false],
  ])("%s: terminal %s, running %s", (status, terminal, running) => {
    expect(isTerminal(status)).toBe(terminal);
    expect(isRunning(status)).toBe(running);
  });
});

describe("waitForJob until complete", () => {
  it("follows New, Preparing, Active and Complete, printing a line per change with rate and ETA, and polling once per state", async () => {
    control
      .on(DescribeJobCommand)
      .resolvesOnce(job("New"))
      .resolvesOnce(job("Preparing"))
      .resolvesOnce(job("Active", { total: 10_000, ok: 1_234, failed: 2, active: 10 }))
      .resolvesOnce(job("Active", { total: 10_000, ok: 1_234, failed: 2, active: 11 }))
      .resolvesOnce(job("Active", { total: 10_000, ok: 6_000, failed: 4, active: 50 }))
      .resolvesOnce(job("Complete", { total: 10_000, ok: 9_996, failed: 4, active: 83 }));
    const h = harness();

    const state = await h.wait();

    expect(state).toEqual({
      jobId: "J1",
      status: "Complete",
      totalTasks: 10_000,
      succeeded: 9_996,
      failed: 4,
      failureReasons: [],
      activeSeconds: 83,
    });
    expect(polls()).toBe(6);
    expect(h.sleeps).toEqual([POLL_MS, POLL_MS, POLL_MS, POLL_MS, POLL_MS]);
    // 1,236 tasks in 10 s: 124/s, 8,764 left in 71 s. The unchanged fourth answer prints nothing.
    expect(h.lines).toEqual([
      "batch job J1: New",
      "batch job J1: Preparing",
      "batch job J1: Active, 1,234 of 10,000 tasks succeeded, 2 failed, 124 tasks/s, ETA 1m11s",
      "batch job J1: Active, 6,000 of 10,000 tasks succeeded, 4 failed, 120 tasks/s, ETA 33s",
      "batch job J1: Complete, 9,996 of 10,000 tasks succeeded, 4 failed",
    ]);
  });

  it("measures the rate from what changed between polls when S3 gives no active time", async () => {
    control
      .on(DescribeJobCommand)
      .resolvesOnce(job("Active", { total: 100, ok: 10 }))
      .resolvesOnce(job("Active", { total: 100, ok: 30 }))
      .resolvesOnce(job("Complete", { total: 100, ok: 100 }));
    const h = harness({ pollMs: 4_000 });
    await h.wait();
    expect(h.lines).toEqual([
      "batch job J1: Active, 10 of 100 tasks succeeded, 0 failed",
      "batch job J1: Active, 30 of 100 tasks succeeded, 0 failed, 5.0 tasks/s, ETA 14s",
      "batch job J1: Complete, 100 of 100 tasks succeeded, 0 failed",
    ]);
  });

  it("resolves on Complete with failed tasks, leaving them for the caller to report", async () => {
    control.on(DescribeJobCommand).resolves(job("Complete", { total: 5, ok: 3, failed: 2 }));
    const h = harness();
    await expect(h.wait()).resolves.toMatchObject({ status: "Complete", succeeded: 3, failed: 2 });
    expect(polls()).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it("throws BATCH_JOB_SUSPENDED, with the command that confirms the job, once it stays Suspended past the grace period", async () => {
    control
      .on(DescribeJobCommand)
      .resolves(job("Suspended", {}, { StatusUpdateReason: "Awaiting confirmation" }));
    const h = harness();
    const err = await failure(h.wait());
    expect(err.code).toBe("BATCH_JOB_SUSPENDED");
    expect(err.message).toContain(
      "batch job J1 has been Suspended for 3s, longer than the 2s a wait allows (StatusUpdateReason: Awaiting confirmation)",
    );
    expect(err.message).toContain(
      `aws s3control update-job-status --account-id ${ACCOUNT} --job-id J1 --requested-job-status Ready`,
    );
    expect(err.message).toContain("the next up or refresh picks the job up where it is");
    // Seen Suspended at 0, 1, 2 and 3 s; only 3 s is past the 2 s grace.
    expect(polls()).toBe(4);
  });

  it("forgives a short suspension: the grace starts over when the job moves on", async () => {
    control
      .on(DescribeJobCommand)
      .resolvesOnce(job("Suspended"))
      .resolvesOnce(job("Suspended"))
      .resolvesOnce(job("Ready"))
      .resolvesOnce(job("Suspended"))
      .resolvesOnce(job("Suspended"))
      .resolvesOnce(job("Complete", { total: 1, ok: 1 }));
    await expect(harness().wait()).resolves.toMatchObject({ status: "Complete" });
    expect(polls()).toBe(6);
  });

  it("throws BATCH_JOB_SUSPENDED for a job that stays Paused past the grace period, saying how to look at it", async () => {
    control.on(DescribeJobCommand).resolves(job("Paused", { total: 10, ok: 4 }));
    const err = await failure(harness().wait());
    expect(err.code).toBe("BATCH_JOB_SUSPENDED");
    expect(err.message).toContain(
      "batch job J1 has been Paused for 3s, longer than the 2s a wait allows (S3 gave no reason)",
    );
    expect(err.message).toContain(`aws s3control describe-job --account-id ${ACCOUNT} --job-id J1`);
    expect(err.message).not.toContain("--requested-job-status Ready");
    expect(polls()).toBe(4);
  });

  it("says how long the job was held, and the grace period, in minutes when they are long", async () => {
    control.on(DescribeJobCommand).resolves(job("Suspended"));
    const err = await failure(harness({ pollMs: 60_000, suspendedGraceMs: 5 * 60_000 }).wait());
    expect(err.message).toContain("has been Suspended for 6m00s, longer than the 5m00s a wait allows");
    expect(polls()).toBe(7);
  });

  it("throws BATCH_JOB_FAILED with the failure reasons and the status update reason", async () => {
    control
      .on(DescribeJobCommand)
      .resolvesOnce(job("Preparing"))
      .resolvesOnce(job("Failing", { total: 0 }))
      .resolvesOnce(
        job(
          "Failed",
          { total: 0 },
          {
            FailureReasons: [
              { FailureCode: "AccessDenied", FailureReason: "Reading the manifest is not allowed" },
              { FailureReason: "Manifest ETag mismatch" },
            ],
            StatusUpdateReason: "Job failed during preparation",
          },
        ),
      );
    const err = await failure(harness().wait());
    expect(err.code).toBe("BATCH_JOB_FAILED");
    expect(err.message).toContain(
      "batch job J1 failed (0 of 0 tasks succeeded, 0 failed): FailureReasons: AccessDenied: Reading the manifest " +
        "is not allowed; Manifest ETag mismatch; StatusUpdateReason: Job failed during preparation",
    );
    expect(polls()).toBe(3);
  });

  it("throws BATCH_JOB_CANCELLED for a cancelled job, with its counts", async () => {
    control
      .on(DescribeJobCommand)
      .resolvesOnce(job("Cancelling", { total: 10, ok: 2 }))
      .resolvesOnce(job("Cancelled", { total: 10, ok: 3 }, { StatusUpdateReason: "User cancelled" }));
    const err = await failure(harness().wait());
    expect(err.code).toBe("BATCH_JOB_CANCELLED");
    expect(err.message).toContain(
      "batch job J1 was cancelled (3 of 10 tasks succeeded, 0 failed): StatusUpdateReason: User cancelled",
    );
    expect(polls()).toBe(2);
  });

  it("throws BATCH_JOB_NOT_FOUND when S3 answers NoSuchJob", async () => {
    control.on(DescribeJobCommand).rejects(sdkError("NoSuchJob", 404, "The specified job does not exist"));
    const err = await failure(harness().wait());
    expect(err.code).toBe("BATCH_JOB_NOT_FOUND");
    expect(err.message).toContain(`batch job J1 does not exist in account ${ACCOUNT}`);
    expect(polls()).toBe(1);
  });

  it("rides out throttling and timeouts, saying so once per run of failures, and reports the job once it completes", async () => {
    control
      .on(DescribeJobCommand)
      .rejectsOnce(sdkError("SlowDown", 503))
      .rejectsOnce(sdkError("TooManyRequestsException", 400))
      .rejectsOnce(Object.assign(new Error("Connection timed out after 30000 ms"), { name: "TimeoutError" }))
      .resolvesOnce(job("Active", { total: 4, ok: 1 }))
      .rejectsOnce(sdkError("ServiceUnavailable", 503))
      .resolvesOnce(job("Complete", { total: 4, ok: 4 }));
    const h = harness();
    await expect(h.wait()).resolves.toMatchObject({ status: "Complete", succeeded: 4 });
    expect(polls()).toBe(6);
    expect(h.sleeps).toHaveLength(5);
    const warning = "batch job J1: DescribeJob is throttled or timing out; still polling every 1s";
    expect(h.lines).toEqual([
      warning,
      "batch job J1: Active, 1 of 4 tasks succeeded, 0 failed",
      warning,
      "batch job J1: Complete, 4 of 4 tasks succeeded, 0 failed",
    ]);
  });

  it(`gives up with BATCH_DESCRIBE_JOB_FAILED after ${MAX_FAILED_POLLS} failed polls in a row, saying the job keeps running`, async () => {
    control.on(DescribeJobCommand).rejects(sdkError("SlowDown", 503, "Please reduce your request rate."));
    const err = await failure(harness().wait());
    expect(err.code).toBe("BATCH_DESCRIBE_JOB_FAILED");
    expect(err.message).toContain(
      `${MAX_FAILED_POLLS} DescribeJob polls of batch job J1 in a row got no answer`,
    );
    expect(err.message).toContain("the job keeps running at AWS");
    expect(polls()).toBe(MAX_FAILED_POLLS);
  });

  it("stops at once on a refusal that polling again cannot fix", async () => {
    control.on(DescribeJobCommand).rejects(sdkError("AccessDenied", 403, "Access Denied"));
    const err = await failure(harness().wait());
    expect(err.code).toBe("BATCH_DESCRIBE_JOB_FAILED");
    expect(err.message).toContain("the caller needs s3:DescribeJob");
    expect(polls()).toBe(1);
  });
});

describe("waitForJob until started", () => {
  it("resolves as soon as the job is Active, without polling again", async () => {
    control
      .on(DescribeJobCommand)
      .resolvesOnce(job("New"))
      .resolvesOnce(job("Preparing"))
      .resolvesOnce(job("Active", { total: 100, ok: 0 }))
      .resolves(job("Complete", { total: 100, ok: 100 }));
    const h = harness({ until: "started" });
    await expect(h.wait()).resolves.toMatchObject({ status: "Active", totalTasks: 100 });
    expect(polls()).toBe(3);
    expect(h.sleeps).toEqual([POLL_MS, POLL_MS]);
  });

  it.each(["Paused", "Completing", "Complete"])("counts a job already %s as started", async (status) => {
    control.on(DescribeJobCommand).resolves(job(status, { total: 10, ok: 5 }));
    await expect(harness({ until: "started" }).wait()).resolves.toMatchObject({ status });
    expect(polls()).toBe(1);
  });

  it("waits through Failing and throws BATCH_JOB_FAILED rather than report a start", async () => {
    control
      .on(DescribeJobCommand)
      .resolvesOnce(job("Failing", { total: 10, failed: 10 }))
      .resolvesOnce(
        job(
          "Failed",
          { total: 10, failed: 10 },
          {
            FailureReasons: [
              { FailureCode: "TooManyFailures", FailureReason: "Task failure threshold exceeded" },
            ],
          },
        ),
      );
    const err = await failure(harness({ until: "started" }).wait());
    expect(err.code).toBe("BATCH_JOB_FAILED");
    expect(err.message).toContain("TooManyFailures: Task failure threshold exceeded");
    expect(polls()).toBe(2);
  });

  it("throws BATCH_JOB_CANCELLED for a job cancelled before it started", async () => {
    control.on(DescribeJobCommand).resolves(job("Cancelled"));
    expect((await failure(harness({ until: "started" }).wait())).code).toBe("BATCH_JOB_CANCELLED");
  });

  it("still gives up on a job that stays Suspended", async () => {
    control.on(DescribeJobCommand).resolves(job("Suspended"));
    expect((await failure(harness({ until: "started" }).wait())).code).toBe("BATCH_JOB_SUSPENDED");
  });
});

describe("cancelling a wait", () => {
  it("throws CANCELLED without polling when the signal is already aborted", async () => {
    control.on(DescribeJobCommand).resolves(job("Active"));
    const controller = new AbortController();
    controller.abort();
    const err = await failure(harness({ signal: controller.signal }).wait());
    expect(err.code).toBe("CANCELLED");
    expect(polls()).toBe(0);
  });

  it("interrupts the real sleep between polls and says the job keeps running and is picked up later", async () => {
    const controller = new AbortController();
    control.on(DescribeJobCommand).callsFake(async () => {
      // The signal arrives while the wait sleeps a whole minute before its next poll.
      setImmediate(() => controller.abort());
      return job("Active", { total: 10, ok: 1 });
    });
    const lines: string[] = [];
    const err = await failure(
      waitForJob(client, ACCOUNT, "J1", {
        until: "complete",
        pollMs: 60_000,
        signal: controller.signal,
        log: (l) => lines.push(l),
      }),
    );
    expect(err.message).toBe(
      "CANCELLED: stopped waiting for batch job J1 (Active): the job keeps running at AWS, and the next up or refresh picks it up where it is",
    );
    expect(polls()).toBe(1);
    expect(lines).toEqual(["batch job J1: Active, 1 of 10 tasks succeeded, 0 failed"]);
  });

  it("throws CANCELLED when the signal aborts a poll in flight", async () => {
    const controller = new AbortController();
    control.on(DescribeJobCommand).callsFake(async () => {
      controller.abort();
      throw Object.assign(new Error("The operation was aborted"), { name: "AbortError" });
    });
    const err = await failure(harness({ signal: controller.signal }).wait());
    expect(err.code).toBe("CANCELLED");
    expect(polls()).toBe(1);
  });
});

describe("describeJob", () => {
  it("gives undefined for a job AWS has deleted (NoSuchJob)", async () => {
    control.on(DescribeJobCommand).rejects(sdkError("NoSuchJob", 404));
    await expect(describeJob(client, ACCOUNT, "J1")).resolves.toBeUndefined();
  });

  it("sends the account id and job id it is given", async () => {
    control.on(DescribeJobCommand).resolves(job("Active", { total: 1 }));
    await expect(describeJob(client, ACCOUNT, "J1")).resolves.toMatchObject({
      status: "Active",
      totalTasks: 1,
    });
    expect(control.commandCalls(DescribeJobCommand)[0].args[0].input).toEqual({
      AccountId: ACCOUNT,
      JobId: "J1",
    });
  });
});
