/*
 * An ObjectCopySet run as an S3 Batch Operations job under the real Pulumi CLI, with moto as the
 * S3 and the SIMULATOR of the job contract (tests/helpers/batch-ops-simulator.ts, not AWS) as S3
 * Control: the preview says who copies what and what the job costs; up creates one job, follows it
 * and records its report; a second preview plans nothing; a source removed is deleted by the
 * provider with no second job; destroy deletes exactly the job's copies. The state stays small and
 * holds the job's id and counts.
 */
import * as path from "node:path";

import { DeleteObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";

import { BatchOperationsSimulator } from "../helpers/batch-ops-simulator";
import { newBucket, put, verifier } from "../helpers/s3";
import { exampleStack, plannedChanges } from "./harness";

const ACCOUNT = "111122223333";
const FILES = ["a.txt", "b c.txt", "sub/d+e.txt"];

async function keysOf(bucket: string, prefix: string): Promise<string[]> {
  const out = await verifier().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

jest.setTimeout(240_000);

it("a set run as a Batch Operations job: one job per change, recorded from its report, destroyed exactly", async () => {
  const sim = await BatchOperationsSimulator.start({ tickMs: 10, tasksPerTick: 2 });
  const src = await newBucket();
  const dst = await newBucket();
  const reports = await newBucket();
  for (const f of FILES) await put(src, `data/${f}`, `body ${f}`);
  await put(dst, "promoted/data/theirs.txt", "not the set's");
  const cli = await exampleStack("batch-set", path.join(__dirname, "fixtures"));
  cli.env.PULUMI_S3_COPY_BATCH_POLL_MS = "50";
  try {
    await cli.setConfig({
      sourceBucket: src,
      bucket: dst,
      reportBucket: reports,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/batch-copy`,
      accountId: ACCOUNT,
      controlEndpoint: sim.url,
    });

    const preview = await cli.must(["preview"]);
    expect(preview.stdout).toMatch(
      /batchOperations: 3 by one S3 Batch Operations job \(about \$0\.25 for 3 objects/,
    );

    await cli.up();
    expect(sim.jobs).toHaveLength(1);
    expect(await keysOf(dst, "promoted/")).toEqual(
      [...FILES.map((f) => `promoted/data/${f}`), "promoted/data/theirs.txt"].sort(),
    );
    const first = (await cli.outputs()) as { objectCount: number; job: Record<string, unknown> };
    expect(first.objectCount).toBe(3);
    expect(first.job).toMatchObject({
      jobId: sim.jobs[0].id,
      status: "Complete",
      succeeded: 3,
      recorded: true,
    });
    const state = await cli.exportState();
    expect(Buffer.byteLength(state, "utf8")).toBeLessThan(32 * 1024);
    expect(state).toContain(sim.jobs[0].id);

    expect(await plannedChanges(cli)).toEqual({});

    await verifier().s3.send(new DeleteObjectCommand({ Bucket: src, Key: "data/a.txt" }));
    expect(await plannedChanges(cli)).toEqual({ dataset: ["update"] });
    await cli.up();
    expect(sim.jobs).toHaveLength(1);
    expect(await keysOf(dst, "promoted/")).toEqual(
      ["promoted/data/b c.txt", "promoted/data/sub/d+e.txt", "promoted/data/theirs.txt"].sort(),
    );

    await cli.destroy();
    expect(await keysOf(dst, "promoted/")).toEqual(["promoted/data/theirs.txt"]);
  } finally {
    await cli.destroy().catch(() => undefined);
    await cli.remove();
    await sim.stop();
  }
});
