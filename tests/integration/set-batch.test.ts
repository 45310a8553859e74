// ObjectCopySet with `batchOperations`, end to end on a real local S3 (moto and MinIO) and the
// S3 Batch Operations SIMULATOR (tests/helpers/batch-ops-simulator.ts): the job contract as AWS
// documents it, executed with real CopyObject requests. The simulator is not AWS; what it does not
// check (IAM, timing, AWS's own validation) only the opt-in live test in tests/live/ shows.
import { spawn } from "node:child_process";
import * as path from "node:path";

import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";

import { parseManifestCsv } from "../../provider/engine/batch";
import { resetControlClients } from "../../provider/engine/batch/control";
import type { SetOutputs } from "../../provider/engine/set";
import { objectCopySetProvider } from "../../provider/set-dynamic";
import { BatchOperationsSimulator } from "../helpers/batch-ops-simulator";
import { exists, head, newBucket, provider, put, verifier, versionsOf } from "../helpers/s3";

const CHILD = path.join(__dirname, "..", "helpers", "set-child.js");
const ACCOUNT = "111122223333";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/batch-copy`;
const KEYS = ["a.txt", "dir/b c.txt", "dir/plus+percent%.txt", "uni/é☃.txt", 'q,"uote".txt'];

let sim: BatchOperationsSimulator;
let n = 0;
const identity = () => ({ __setProject: "proj", __setStack: "batch", __setName: `set-${++n}` });

beforeAll(async () => {
  process.env.PULUMI_S3_COPY_BATCH_POLL_MS = "25";
  sim = await BatchOperationsSimulator.start({ tickMs: 10, tasksPerTick: 2 });
});
afterAll(async () => {
  delete process.env.PULUMI_S3_COPY_BATCH_POLL_MS;
  await sim.stop();
});

let logs: string[] = [];
beforeEach(() => {
  provider.reset();
  resetControlClients();
  sim.failTask = undefined;
  logs = [];
  jest.spyOn(console, "log").mockImplementation((line: string) => void logs.push(String(line)));
});
afterEach(() => {
  jest.restoreAllMocks();
  // A test that failed while a job was held must not leave the next test's jobs held too.
  sim.holdIn = undefined;
  for (const job of sim.jobs) if (job.status === "Suspended" || job.status === "Paused") sim.cancel(job.id);
});

/** The promise, or an error saying what did not happen within `ms` (so a hang names itself). */
async function within<T>(ms: number, what: () => string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what()}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const r = await objectCopySetProvider.check!(olds, news);
  if (r.failures?.length) throw new Error(`check failed: ${JSON.stringify(r.failures)}`);
  return r.inputs as Record<string, unknown>;
}

async function userKeys(bucket: string, prefix = ""): Promise<string[]> {
  const out = await verifier().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function body(bucket: string, key: string): Promise<string> {
  const out = await verifier().s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

/** A source prefix of KEYS, a destination and a report bucket, and the set's declaration. */
async function scene(opts: { versioned?: boolean; wait?: "complete" | "started" } = {}) {
  const src = await newBucket({ versioned: opts.versioned });
  const dst = await newBucket({ versioned: opts.versioned });
  const reports = await newBucket();
  for (const k of KEYS) await put(src, `data/${k}`, `body of ${k}`);
  const news = {
    source: `${src}/data/`,
    bucket: dst,
    prefix: "promoted/data/",
    batchOperations: {
      roleArn: ROLE,
      report: { bucket: reports, prefix: "job-reports" },
      accountId: ACCOUNT,
      endpoint: sim.url,
      ...(opts.wait ? { wait: opts.wait } : {}),
    },
    ...identity(),
  };
  return { src, dst, reports, news };
}

describe("ObjectCopySet run as an S3 Batch Operations job (on the simulator)", () => {
  it("copies the prefix through one job, records every key from its report, and a second up sends no job", async () => {
    const { dst, reports, news } = await scene();
    const jobsBefore = sim.jobs.length;

    const outs = (await objectCopySetProvider.create(await checked(news))).outs as SetOutputs;

    expect(sim.jobs.length - jobsBefore).toBe(1);
    const job = sim.jobs[sim.jobs.length - 1];
    expect(outs.batchJob).toMatchObject({
      jobId: job.id,
      accountId: ACCOUNT,
      status: "Complete",
      totalTasks: KEYS.length,
      succeeded: KEYS.length,
      failed: 0,
      recorded: true,
      reportLocation: `s3://${reports}/job-reports/job-${job.id}/manifest.json`,
    });
    expect(outs.lastRun).toEqual({ copied: KEYS.length, recopied: 0, deleted: 0, adopted: 0, failed: 0 });
    expect(outs.objectCount).toBe(KEYS.length);
    expect(await userKeys(dst, "promoted/")).toEqual(KEYS.map((k) => `promoted/data/${k}`).sort());
    for (const k of KEYS) expect(await body(dst, `promoted/data/${k}`)).toBe(`body of ${k}`);
    // The CSV the job ran over, read back as S3 reads it: every key, exactly, once.
    const csvKey = outs.batchJob!.manifestCsv.replace(`s3://${reports}/`, "");
    const rows = parseManifestCsv(await body(reports, csvKey));
    expect(rows.map((r) => r.key).sort()).toEqual(KEYS.map((k) => `data/${k}`).sort());
    expect(logs.some((l) => /^created Batch Operations job .* for 5 objects \(about \$0\.25/.test(l))).toBe(
      true,
    );
    expect(logs.some((l) => /^batch job .*: Complete, 5 of 5 tasks succeeded/.test(l))).toBe(true);

    const again = await checked(news, outs as never);
    expect(await objectCopySetProvider.diff!("id", outs, again)).toMatchObject({ changes: false });
    const second = (await objectCopySetProvider.update!("id", outs, again)).outs as SetOutputs;
    expect(sim.jobs.length - jobsBefore).toBe(1);
    expect(second.lastRun).toEqual({ copied: 0, recopied: 0, deleted: 0, adopted: 0, failed: 0 });
    expect(second.batchJob?.jobId).toBe(job.id);
  });

  it("prints at preview who copies what and what the job would cost", async () => {
    const { news } = await scene();
    await checked(news);
    expect(logs).toEqual([
      expect.stringMatching(/^copy 5 objects/),
      expect.stringMatching(
        /^batchOperations: 5 by one S3 Batch Operations job \(about \$0\.25 for 5 objects: \$0\.25 per job \+ \$1\.00 per million objects/,
      ),
    ]);
  });

  it("fails up naming a failed task's key and error code, records the rest, and the next up sends a job for that key only", async () => {
    const { dst, news } = await scene();
    sim.failTask = (_bucket, key) =>
      key === "data/dir/b c.txt"
        ? { errorCode: "AccessDenied", httpStatus: 403, message: "Access Denied" }
        : undefined;
    const inputs = await checked(news);

    await expect(objectCopySetProvider.create(inputs)).rejects.toThrow(
      /BATCH_TASKS_FAILED.*1 of 5 tasks of Batch Operations job .* failed: dir\/b c\.txt \(AccessDenied: Access Denied\)/,
    );
    expect(await exists(dst, "promoted/data/dir/b c.txt")).toBe(false);

    // Pulumi creates again after a failed create; the manifest already holds the four that worked.
    sim.failTask = undefined;
    const jobsBefore = sim.jobs.length;
    const outs = (await objectCopySetProvider.create(inputs)).outs as SetOutputs;
    expect(sim.jobs.length - jobsBefore).toBe(1);
    expect(sim.jobs[sim.jobs.length - 1].tasks?.map((t) => t.key)).toEqual(["data/dir/b c.txt"]);
    expect(outs.objectCount).toBe(5);
    expect(outs.lastRun).toMatchObject({ copied: 1, failed: 0 });
    expect(await body(dst, "promoted/data/dir/b c.txt")).toBe("body of dir/b c.txt");
  });

  it("deletes what the job wrote once its source is gone, by the provider, without a job", async () => {
    const { src, dst, news } = await scene();
    const outs = (await objectCopySetProvider.create(await checked(news))).outs as SetOutputs;
    await verifier().s3.send(
      new (await import("@aws-sdk/client-s3")).DeleteObjectCommand({ Bucket: src, Key: "data/a.txt" }),
    );
    await put(dst, "promoted/data/theirs.txt", "not the set's");
    const jobsBefore = sim.jobs.length;

    const next = (await objectCopySetProvider.update!("id", outs, await checked(news, outs as never)))
      .outs as SetOutputs;

    expect(sim.jobs.length).toBe(jobsBefore);
    expect(next.lastRun).toEqual({ copied: 0, recopied: 0, deleted: 1, adopted: 0, failed: 0 });
    expect(await exists(dst, "promoted/data/a.txt")).toBe(false);
    expect(await exists(dst, "promoted/data/theirs.txt")).toBe(true);

    // Destroy: exactly the job's copies go; the object someone else put there stays.
    await objectCopySetProvider.delete!("id", next);
    expect(await userKeys(dst, "promoted/")).toEqual(["promoted/data/theirs.txt"]);
  });

  it('with wait "started" returns while the job runs, and the next up follows it and records its report', async () => {
    const { dst, news } = await scene({ wait: "started" });
    sim.holdIn = undefined;
    const inputs = await checked(news);

    const outs = (await objectCopySetProvider.create(inputs)).outs as SetOutputs;
    expect(outs.batchJob?.recorded).toBe(false);
    expect(["Active", "Completing", "Complete"]).toContain(outs.batchJob?.status);
    expect(outs.objectCount).toBe(0);
    await sim.settled(outs.batchJob!.jobId);

    const jobsBefore = sim.jobs.length;
    const next = (await objectCopySetProvider.update!("id", outs, await checked(news, outs as never)))
      .outs as SetOutputs;
    expect(sim.jobs.length).toBe(jobsBefore);
    expect(next.batchJob).toMatchObject({ jobId: outs.batchJob!.jobId, status: "Complete", recorded: true });
    expect(next.objectCount).toBe(KEYS.length);
    expect(await userKeys(dst, "promoted/")).toHaveLength(KEYS.length);
  });

  it("SIGINT while up waits for the job ends the process at once and leaves the job running; the next up records that job and copies again only what changed since", async () => {
    const { src, dst, news } = await scene();
    const jobsBefore = sim.jobs.length;
    sim.holdIn = "Suspended";
    try {
      const proc = spawn(process.execPath, [CHILD, JSON.stringify(news)], {
        stdio: ["ignore", "pipe", "pipe"],
        // jest gives each test file its own process.env; a child only sees it when passed.
        env: process.env,
      });
      let [stdout, stderr] = ["", ""];
      proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const output = () => `stdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`;
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        proc.on("exit", (code, signal) => resolve({ code, signal })),
      );
      const deadline = Date.now() + 20_000;
      while (sim.jobs.length === jobsBefore && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      expect({ jobs: sim.jobs.length - jobsBefore, stderr }).toEqual({ jobs: 1, stderr: "" });
      const job = sim.jobs[sim.jobs.length - 1];
      const sentAt = Date.now();
      proc.kill("SIGINT");
      const end = await within(15_000, () => `the child's exit after SIGINT\n${output()}`, exited).catch(
        (err: unknown) => {
          proc.kill("SIGKILL");
          throw err;
        },
      );
      expect(Date.now() - sentAt).toBeLessThan(10_000);
      expect(end.signal === "SIGINT" || (end.code !== 0 && /CANCELLED/.test(stderr))).toBe(true);
      // The wait ended, not the job: it is still held at the (simulated) service, not cancelled.
      expect(["New", "Preparing", "Suspended"]).toContain(job.status);
      while (job.status !== "Suspended" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(job.status).toBe("Suspended");
      expect(await userKeys(dst, "promoted/")).toEqual([]);

      // The job ends at the service while no up runs, and a source object changes meanwhile.
      sim.release(job.id);
      sim.holdIn = undefined;
      await within(
        15_000,
        () => `job ${job.id} to settle once released (${job.status})`,
        sim.settled(job.id),
      );
      await put(src, "data/a.txt", "rewritten after the job");

      // Pulumi saved no state for the failed create: the next up finds the job by its marker,
      // records it, and sends a new job only for the key that changed since.
      const created = objectCopySetProvider.create(await checked(news));
      const outs = (await within(60_000, () => `the next up (${sim.jobs.length - jobsBefore} jobs)`, created))
        .outs as SetOutputs;
      expect(sim.jobs.length - jobsBefore).toBe(2);
      const retry = sim.jobs[sim.jobs.length - 1];
      expect(retry.tasks?.map((t) => t.key)).toEqual(["data/a.txt"]);
      expect(outs.batchJob).toMatchObject({ jobId: retry.id, status: "Complete", recorded: true });
      expect(outs.lastRun).toMatchObject({ copied: 0, recopied: 1 });
      expect(outs.objectCount).toBe(KEYS.length);
      expect(await body(dst, "promoted/data/a.txt")).toBe("rewritten after the job");
    } finally {
      sim.holdIn = undefined;
    }
  });

  it("a job left running whose task failed is recorded by the next up, which copies the failed key again without failing", async () => {
    const { dst, news } = await scene({ wait: "started" });
    sim.failTask = (_b, key) =>
      key === "data/a.txt"
        ? { errorCode: "InternalError", httpStatus: 500, message: "try again" }
        : undefined;
    const outs = (await objectCopySetProvider.create(await checked(news))).outs as SetOutputs;
    const first = outs.batchJob!.jobId;
    await sim.settled(first);
    sim.failTask = undefined;
    const jobsBefore = sim.jobs.length;
    logs = [];

    const next = (await objectCopySetProvider.update!("id", outs, await checked(news, outs as never)))
      .outs as SetOutputs;

    expect(
      logs.some((l) =>
        /^copying again what an earlier job did not: BATCH_TASKS_FAILED: 1 of 5 tasks/.test(l),
      ),
    ).toBe(true);
    expect(sim.jobs.length - jobsBefore).toBe(1);
    const retry = sim.jobs[sim.jobs.length - 1];
    expect(retry.id).not.toBe(first);
    expect(retry.tasks?.map((t) => t.key)).toEqual(["data/a.txt"]);
    // wait "started": this up returns once the retry job runs; the one after records it.
    expect(next.batchJob).toMatchObject({ jobId: retry.id, recorded: false });
    expect(next.objectCount).toBe(KEYS.length - 1);
    await sim.settled(retry.id);
    const last = (await objectCopySetProvider.update!("id", next, await checked(news, next as never)))
      .outs as SetOutputs;
    expect(sim.jobs.length - jobsBefore).toBe(1);
    expect(last.batchJob).toMatchObject({ jobId: retry.id, status: "Complete", recorded: true });
    expect(last.objectCount).toBe(KEYS.length);
    expect(await body(dst, "promoted/data/a.txt")).toBe("body of a.txt");
  });

  it("refresh updates the job's status, and keeps its last state once AWS has forgotten it", async () => {
    const { news } = await scene({ wait: "started" });
    const outs = (await objectCopySetProvider.create(await checked(news))).outs as SetOutputs;
    await sim.settled(outs.batchJob!.jobId);

    const read = await objectCopySetProvider.read!("id", outs as never);
    expect((read.props as SetOutputs).batchJob).toMatchObject({ status: "Complete", succeeded: KEYS.length });

    sim.forget(outs.batchJob!.jobId);
    const forgotten = await objectCopySetProvider.read!("id", outs as never);
    expect((forgotten.props as SetOutputs).batchJob).toMatchObject({
      jobId: outs.batchJob!.jobId,
      status: outs.batchJob!.status,
      note: expect.stringMatching(/AWS no longer knows job/),
    });
  });

  it("on versioned buckets pins each source version in the CSV, records the versions the job wrote, and destroy deletes exactly those", async () => {
    const { src, dst, reports, news } = await scene({ versioned: true });
    const sourceVersions = new Map<string, string>();
    for (const k of KEYS) sourceVersions.set(`data/${k}`, (await versionsOf(src, `data/${k}`))[0]);

    const outs = (await objectCopySetProvider.create(await checked(news))).outs as SetOutputs;

    const csvKey = outs.batchJob!.manifestCsv.replace(`s3://${reports}/`, "");
    const rows = parseManifestCsv(await body(reports, csvKey));
    expect(rows.map((r) => [r.key, r.versionId]).sort()).toEqual([...sourceVersions.entries()].sort());
    for (const k of KEYS) expect(await versionsOf(dst, `promoted/data/${k}`)).toHaveLength(1);

    await objectCopySetProvider.delete!("id", outs);
    for (const k of KEYS) expect(await versionsOf(dst, `promoted/data/${k}`)).toEqual([]);
    expect(await head(src, "data/a.txt")).toBeDefined();
  });
});
