/*
 * An ObjectCopySet run as an S3 Batch Operations job under the real Pulumi CLI, with moto as the
 * S3 and the SIMULATOR of the job contract (tests/helpers/batch-ops-simulator.ts, not AWS) as S3
 * Control. The object-size rule is lowered to 1 MiB on both sides (the provider's
 * PULUMI_S3_COPY_BATCH_MAX_OBJECT_BYTES, the simulator's copySourceLimitBytes), so a 2 MiB object
 * takes the path of one over 5 GiB: the provider copies it beside the job.
 *
 * The steps: the preview says who copies what and what the job costs; `up` with wait "started"
 * returns while the job runs; the next `up` records its report; a preview then plans nothing; a
 * failed task fails `up` naming the key, and the `up` after it sends a new job for that key only
 * (S3 would answer the same token with the failed job); a source removed is deleted by the provider
 * with no job; destroy deletes exactly what the set wrote. State stays small and secret-free.
 */
import * as path from "node:path";

import { DeleteObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";

import { BatchOperationsSimulator } from "../helpers/batch-ops-simulator";
import { newBucket, put, verifier } from "../helpers/s3";
import { E2E_ACCESS_KEY, E2E_SECRET_KEY } from "../servers/global-setup-e2e";
import { exampleStack, plannedChanges } from "./harness";

const ACCOUNT = "111122223333";
const LIMIT = 1024 * 1024;
const SMALL = ["a.txt", "b c.txt", "sub/d+e.txt"];

async function keysOf(bucket: string, prefix: string): Promise<string[]> {
  const out = await verifier().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

interface Outputs {
  objectCount: number;
  job: { jobId: string; status: string; succeeded: number; failed: number; recorded: boolean };
}

jest.setTimeout(300_000);

it("a set run as a Batch Operations job: wait started then up, a failed task then a retry, a large object beside the job, destroy", async () => {
  const sim = await BatchOperationsSimulator.start({
    tickMs: 10,
    tasksPerTick: 1,
    copySourceLimitBytes: LIMIT,
  });
  const src = await newBucket();
  const dst = await newBucket();
  const reports = await newBucket();
  for (const f of SMALL) await put(src, `data/${f}`, `body ${f}`);
  await put(src, "data/big.bin", "x".repeat(2 * LIMIT));
  await put(dst, "promoted/data/theirs.txt", "not the set's");
  const cli = await exampleStack("batch-set", path.join(__dirname, "fixtures"));
  cli.env.PULUMI_S3_COPY_BATCH_POLL_MS = "50";
  cli.env.PULUMI_S3_COPY_BATCH_MAX_OBJECT_BYTES = String(LIMIT);
  const config = {
    sourceBucket: src,
    bucket: dst,
    reportBucket: reports,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/batch-copy`,
    accountId: ACCOUNT,
    controlEndpoint: sim.url,
    wait: "started",
  };
  try {
    await cli.setConfig(config);

    // 1. The preview: three to the job, the large one to the provider.
    const preview = await cli.must(["preview"]);
    expect(preview.stdout).toMatch(
      /batchOperations: 3 by one S3 Batch Operations job \(about \$0\.25 for 3 objects/,
    );
    expect(preview.stdout).toMatch(/1 over the job's 5 GiB limit by the provider, beside it/);

    // 2. wait "started": up returns while the job runs; the large object is already copied.
    await cli.up();
    expect(sim.jobs).toHaveLength(1);
    const started = (await cli.outputs()) as unknown as Outputs;
    expect(started.job).toMatchObject({ jobId: sim.jobs[0].id, recorded: false });
    expect(started.objectCount).toBe(1);
    expect(sim.jobs[0].tasks?.map((t) => t.key).sort()).toEqual(SMALL.map((f) => `data/${f}`).sort());
    await sim.settled(sim.jobs[0].id);

    // 3. The next up follows the job and records its report; no second job.
    await cli.setConfig({ ...config, wait: "complete" });
    await cli.up();
    expect(sim.jobs).toHaveLength(1);
    const recorded = (await cli.outputs()) as unknown as Outputs;
    expect(recorded.job).toMatchObject({
      jobId: sim.jobs[0].id,
      status: "Complete",
      succeeded: 3,
      recorded: true,
    });
    expect(recorded.objectCount).toBe(4);
    expect(await keysOf(dst, "promoted/")).toEqual(
      [...SMALL, "big.bin", "theirs.txt"].map((f) => `promoted/data/${f}`).sort(),
    );
    expect(await plannedChanges(cli)).toEqual({});

    // 4. A failed task fails up, naming the key; the retry sends a new job for that key only.
    await put(src, "data/new.txt", "new");
    sim.failTask = (_b, key) =>
      key === "data/new.txt"
        ? { errorCode: "AccessDenied", httpStatus: 403, message: "Access Denied" }
        : undefined;
    const failed = await cli.run(["up", "--yes", "--skip-preview"]);
    expect(failed.code).not.toBe(0);
    expect(failed.stdout + failed.stderr).toMatch(
      /BATCH_TASKS_FAILED.*1 of 1 tasks .* failed: new\.txt \(AccessDenied/,
    );
    expect(sim.jobs).toHaveLength(2);
    sim.failTask = undefined;
    await cli.up();
    expect(sim.jobs).toHaveLength(3);
    expect(sim.jobs[2].tasks?.map((t) => t.key)).toEqual(["data/new.txt"]);
    expect(((await cli.outputs()) as unknown as Outputs).objectCount).toBe(5);

    // 5. A source removed: the provider deletes its copy; a job cannot delete, and none is sent.
    await verifier().s3.send(new DeleteObjectCommand({ Bucket: src, Key: "data/a.txt" }));
    expect(await plannedChanges(cli)).toEqual({ dataset: ["update"] });
    await cli.up();
    expect(sim.jobs).toHaveLength(3);
    expect(await keysOf(dst, "promoted/data/a")).toEqual([]);

    const state = await cli.exportState();
    expect(Buffer.byteLength(state, "utf8")).toBeLessThan(32 * 1024);
    expect(state).not.toContain(E2E_SECRET_KEY);
    expect(state).not.toContain(E2E_ACCESS_KEY);

    // 6. Destroy: exactly what the set wrote; the object someone else put there stays.
    await cli.destroy();
    expect(await keysOf(dst, "promoted/")).toEqual(["promoted/data/theirs.txt"]);
  } finally {
    await cli.destroy().catch(() => undefined);
    await cli.remove();
    await sim.stop();
  }
});
