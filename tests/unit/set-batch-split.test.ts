// Which of a set's planned copies a Batch Operations job takes (at most 5 GiB each), and the line
// the preview prints for them.
import { MAX_SINGLE_COPY_BYTES } from "../../provider/engine/constants";
import { jobObjectLimit, jobSummary, splitForJob } from "../../provider/engine/set/batch";
import type { SetInputs } from "../../provider/engine/set/state";
import type { PlannedCopy, SetPlan } from "../../provider/engine/set/types";

const copy = (rel: string, size: number): PlannedCopy => ({
  relativeKey: rel,
  sourceKey: `data/${rel}`,
  destKey: `promoted/data/${rel}`,
  entry: { key: `data/${rel}`, size, etag: '"e"', lastModified: "2026-01-01T00:00:00.000Z" },
});
const INPUTS = {
  source: "raw/data/",
  bucket: "archive",
  prefix: "promoted/data/",
  manifestLocation: "s3://archive/.pulumi-s3-object-copy/p/s/n.json.gz",
  batchOperations: { roleArn: "arn:aws:iam::111122223333:role/r", report: { bucket: "reports" } },
} as SetInputs;

describe("splitting a set's copies between a job and the provider", () => {
  test("a job takes objects up to exactly 5 GiB; larger ones stay with the provider's multipart copy", () => {
    const tasks = [
      copy("small", 1),
      copy("edge", MAX_SINGLE_COPY_BYTES),
      copy("big", MAX_SINGLE_COPY_BYTES + 1),
    ];
    const { job, ours } = splitForJob(tasks);
    expect(job.map((t) => t.relativeKey)).toEqual(["small", "edge"]);
    expect(ours.map((t) => t.relativeKey)).toEqual(["big"]);
  });

  test("the preview says who copies what, what the job would cost, and that deletes are the provider's", () => {
    const plan: SetPlan = {
      created: [copy("a", 10), copy("huge", MAX_SINGLE_COPY_BYTES * 2)],
      updated: [copy("b", 10)],
      deleted: [{ relativeKey: "gone", destKey: "promoted/data/gone", record: {} as never }],
      unchanged: 0,
    };
    expect(jobSummary(plan, INPUTS)).toBe(
      "batchOperations: 2 by one S3 Batch Operations job (about $0.25 for 2 objects: $0.25 per job + $1.00 per million objects ($0.00) + " +
        "COPY requests at $0.005 per 1,000 ($0.00); S3 pricing page, us-east-1, KMS calls and storage not included); " +
        "1 over the job's 5 GiB limit by the provider, beside it; deletes by the provider (a job cannot delete)",
    );
  });

  test("PULUMI_S3_COPY_BATCH_MAX_OBJECT_BYTES lowers the limit (for tests), never raises it past 5 GiB", () => {
    expect(jobObjectLimit({ PULUMI_S3_COPY_BATCH_MAX_OBJECT_BYTES: "1024" })).toBe(1024);
    expect(
      jobObjectLimit({ PULUMI_S3_COPY_BATCH_MAX_OBJECT_BYTES: String(10 * MAX_SINGLE_COPY_BYTES) }),
    ).toBe(MAX_SINGLE_COPY_BYTES);
    expect(jobObjectLimit({ PULUMI_S3_COPY_BATCH_MAX_OBJECT_BYTES: "lots" })).toBe(MAX_SINGLE_COPY_BYTES);
    expect(jobObjectLimit({})).toBe(MAX_SINGLE_COPY_BYTES);
  });

  test("without batchOperations the preview adds nothing", () => {
    const plan: SetPlan = { created: [copy("a", 1)], updated: [], deleted: [], unchanged: 0 };
    expect(jobSummary(plan, { ...INPUTS, batchOperations: undefined })).toBeUndefined();
  });
});
