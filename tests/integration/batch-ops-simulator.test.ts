// The batch-ops SIMULATOR (tests/helpers/batch-ops-simulator.ts), driven by the real
// @aws-sdk/client-s3-control client and copying on the real local S3 (moto, then MinIO). It is not
// AWS: these tests show that the simulator keeps the job contract it claims, so that the
// provider's tests against it mean something. AWS itself is only checked by the live opt-in test.
import { createHash, randomUUID } from "node:crypto";

import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateJobCommand,
  type CreateJobCommandInput,
  DescribeJobCommand,
  type JobDescriptor,
  ListJobsCommand,
  S3ControlClient,
  UpdateJobStatusCommand,
} from "@aws-sdk/client-s3-control";

import { BatchOperationsSimulator, type JobStatus } from "../helpers/batch-ops-simulator";
import { bytes, exists, head, newBucket, newKmsKey, put, tagsOf, verifier } from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

const ACCOUNT = "123456789012";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/batch-ops-copy`;
const TERMINAL = ["Complete", "Failed", "Cancelled"];

/**
 * The real S3 Control client, aimed at the simulator. The SDK's endpoint rules put the account id
 * in front of the host ("123456789012.localhost"), which does not resolve here (and an IP address
 * cannot take a prefix at all), so a middleware sends the request to 127.0.0.1 after the Host
 * header and signature have been made for the prefixed name.
 */
function controlClient(sim: BatchOperationsSimulator): S3ControlClient {
  const client = new S3ControlClient({ region: "us-east-1", endpoint: `http://localhost:${sim.port}` });
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { hostname?: string };
      if (request.hostname !== `${ACCOUNT}.localhost`) {
        throw new Error(`expected the account-id host prefix, got ${request.hostname}`);
      }
      request.hostname = "127.0.0.1";
      return next(args);
    },
    { step: "finalizeRequest", name: "sendToLoopbackSimulator" },
  );
  return client;
}

/** Keys as a manifest writer should spell them: each path segment percent-encoded. */
const encodeKey = (key: string) => key.split("/").map(encodeURIComponent).join("/");

async function putManifest(bucket: string, rows: string[]): Promise<{ key: string; etag: string }> {
  const key = `manifests/${randomUUID()}.csv`;
  const out = await verifier().s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: rows.map((r) => `${r}\n`).join("") }),
  );
  return { key, etag: out.ETag! };
}

interface JobSetup {
  src: string;
  dst: string;
  reports: string;
  manifest: { key: string; etag: string };
}

function jobInput(s: JobSetup, extra: Partial<CreateJobCommandInput> = {}): CreateJobCommandInput {
  return {
    AccountId: ACCOUNT,
    ClientRequestToken: randomUUID(),
    ConfirmationRequired: false,
    Priority: 10,
    RoleArn: ROLE,
    Operation: {
      S3PutObjectCopy: { TargetResource: `arn:aws:s3:::${s.dst}`, TargetKeyPrefix: "out/" },
    },
    Manifest: {
      Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
      Location: { ObjectArn: `arn:aws:s3:::${s.reports}/${s.manifest.key}`, ETag: s.manifest.etag },
    },
    Report: {
      Enabled: true,
      Bucket: `arn:aws:s3:::${s.reports}`,
      Format: "Report_CSV_20180820",
      Prefix: "reports",
      ReportScope: "AllTasks",
    },
    ...extra,
  };
}

/** Three buckets and a manifest over `keys` in the source (which the caller fills). */
async function setup(keys: string[], rows?: (src: string) => string[]): Promise<JobSetup> {
  const [src, dst, reports] = [await newBucket(), await newBucket(), await newBucket()];
  const manifest = await putManifest(reports, rows?.(src) ?? keys.map((k) => `${src},${encodeKey(k)}`));
  return { src, dst, reports, manifest };
}

/** DescribeJob until the job ends (or `until` says stop), returning every answer in order. */
async function poll(
  client: S3ControlClient,
  jobId: string,
  until: (job: JobDescriptor) => boolean = (job) => TERMINAL.includes(job.Status!),
): Promise<JobDescriptor[]> {
  const seen: JobDescriptor[] = [];
  for (;;) {
    const { Job } = await client.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId }));
    seen.push(Job!);
    if (until(Job!)) return seen;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Statuses in the order seen, each once. */
const statuses = (seen: JobDescriptor[]) =>
  seen.map((j) => j.Status).filter((s, i, all) => i === 0 || s !== all[i - 1]);

async function text(bucket: string, key: string): Promise<string> {
  return (await bytes(bucket, key)).toString("utf8");
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const out = await verifier().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

interface ReportManifest {
  Format: string;
  ReportCreationDate: string;
  ReportSchema: string;
  Results: { TaskExecutionStatus: string; Bucket: string; MD5Checksum: string; Key: string }[];
}

/** manifest.json and each result file it lists, with the file's real MD5. */
async function readReport(bucket: string, root: string) {
  const manifest = JSON.parse(await text(bucket, `${root}/manifest.json`)) as ReportManifest;
  const files = await Promise.all(
    manifest.Results.map(async (r) => {
      const body = await text(r.Bucket, r.Key);
      return {
        ...r,
        body,
        md5: createHash("md5").update(body).digest("hex"),
        rows: body.split("\n").slice(0, -1),
      };
    }),
  );
  return { manifest, files };
}

let sim: BatchOperationsSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function start(opts: Parameters<typeof BatchOperationsSimulator.start>[0] = {}) {
  sim = await BatchOperationsSimulator.start(opts);
  return { sim, client: controlClient(sim) };
}

describe("batch-ops simulator (not AWS): a job end to end on the local S3", () => {
  const AWKWARD = [
    "plain.txt",
    "with space.txt",
    "a+b.txt",
    "100%.txt",
    "comma,key.txt",
    'quote"key.txt',
    "ünïcødé-日本.txt",
    "nested/deeper/leaf.txt",
  ];

  it("copies awkward keys to TargetKeyPrefix + key with REPLACE metadata, through New..Complete across polls, and reports one row per task", async () => {
    const { sim, client } = await start({ tasksPerTick: 3, revealEveryStatus: true });
    const s = await setup(AWKWARD);
    for (const k of AWKWARD) {
      await put(s.src, k, `body of ${k}`, { ContentType: "text/plain", Metadata: { origin: "source" } });
    }
    const input = jobInput(s);
    input.Operation!.S3PutObjectCopy!.MetadataDirective = "REPLACE";
    input.Operation!.S3PutObjectCopy!.NewObjectMetadata = {
      ContentType: "application/x-copied",
      CacheControl: "max-age=60",
      UserMetadata: { stage: "copied", owner: "batch" },
    };

    const { JobId } = await client.send(new CreateJobCommand(input));
    const seen = await poll(client, JobId!);

    expect(statuses(seen)).toEqual(["New", "Preparing", "Ready", "Active", "Completing", "Complete"]);
    const firstActive = seen.find((j) => j.Status === "Active")!;
    expect(firstActive.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 8, NumberOfTasksSucceeded: 0 });
    const succeeded = seen.map((j) => j.ProgressSummary?.NumberOfTasksSucceeded ?? 0);
    expect(succeeded).toEqual([...succeeded].sort((a, b) => a - b));
    const last = seen[seen.length - 1]!;
    expect(last).toMatchObject({
      JobId,
      Status: "Complete",
      Priority: 10,
      RoleArn: ROLE,
      ConfirmationRequired: false,
      ProgressSummary: { TotalNumberOfTasks: 8, NumberOfTasksSucceeded: 8, NumberOfTasksFailed: 0 },
      Operation: input.Operation,
      Manifest: input.Manifest,
      Report: input.Report,
    });
    expect(last.TerminationDate).toBeInstanceOf(Date);
    expect(last.FailureReasons ?? []).toEqual([]);
    expect(sim.requests[0]).toMatchObject({
      operation: "CreateJob",
      host: `${ACCOUNT}.localhost:${sim.port}`,
    });
    expect(sim.job(JobId!).warnings).toEqual([]);

    for (const k of AWKWARD) {
      const h = await head(s.dst, `out/${k}`);
      expect(h.Metadata).toEqual({ stage: "copied", owner: "batch" });
      expect(h).toMatchObject({ ContentType: "application/x-copied", CacheControl: "max-age=60" });
      expect(await text(s.dst, `out/${k}`)).toBe(`body of ${k}`);
    }
    expect(await keysUnder(s.dst, "")).toEqual(AWKWARD.map((k) => `out/${k}`).sort());

    const root = `reports/job-${JobId}`;
    const { manifest, files } = await readReport(s.reports, root);
    expect(manifest).toMatchObject({
      Format: "Report_CSV_20180820",
      ReportSchema: "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage",
    });
    expect(new Date(manifest.ReportCreationDate).getTime()).not.toBeNaN();
    expect(files).toHaveLength(1);
    const [ok] = files;
    expect(ok).toMatchObject({ TaskExecutionStatus: "succeeded", Bucket: s.reports });
    expect(ok!.Key).toMatch(new RegExp(`^${root}/results/[0-9a-f]{40}\\.csv$`));
    expect(ok!.MD5Checksum).toBe(ok!.md5);
    expect(ok!.rows).toEqual(AWKWARD.map((k) => `${s.src},${encodeKey(k)},,succeeded,200,,Successful`));
    expect(await keysUnder(s.reports, `${root}/`)).toEqual([ok!.Key, `${root}/manifest.json`].sort());
  });

  it("puts a scripted task failure and a failed CopyObject in the failed CSV and in NumberOfTasksFailed, and copies the rest", async () => {
    const denied = { errorCode: "AccessDenied", httpStatus: 403, message: "Access Denied" };
    const { sim, client } = await start({
      failTask: (_b, key) => (key === "denied.txt" ? denied : undefined),
    });
    const s = await setup(["ok.txt", "denied.txt", "missing.txt"]);
    await put(s.src, "ok.txt", "ok");
    await put(s.src, "denied.txt", "never copied");

    const { JobId } = await client.send(new CreateJobCommand(jobInput(s)));
    const last = (await poll(client, JobId!)).pop()!;

    expect(last).toMatchObject({
      Status: "Complete",
      ProgressSummary: { TotalNumberOfTasks: 3, NumberOfTasksSucceeded: 1, NumberOfTasksFailed: 2 },
    });
    // The scripted failure sends no CopyObject at all; the missing key's CopyObject really fails.
    // Sorted: the tasks of one tick run side by side, so their CopyObjects end in any order.
    expect([...sim.copies].sort()).toEqual(
      [`${s.src}/ok.txt -> ${s.dst}/out/ok.txt`, `${s.src}/missing.txt -> ${s.dst}/out/missing.txt`].sort(),
    );
    expect(await keysUnder(s.dst, "")).toEqual(["out/ok.txt"]);

    const { files } = await readReport(s.reports, `reports/job-${JobId}`);
    expect(files.map((f) => f.TaskExecutionStatus)).toEqual(["succeeded", "failed"]);
    for (const f of files) expect(f.MD5Checksum).toBe(f.md5);
    expect(files[0]!.rows).toEqual([`${s.src},ok.txt,,succeeded,200,,Successful`]);
    expect(files[1]!.rows).toHaveLength(2);
    expect(files[1]!.rows[0]).toBe(`${s.src},denied.txt,,failed,403,AccessDenied,"Access Denied"`);
    expect(files[1]!.rows[1]).toMatch(new RegExp(`^${s.src},missing\\.txt,,failed,404,NoSuchKey,"[^"]+"$`));
  });

  it("fails the job with FailureReasons when the manifest's ETag is not the one given, and copies nothing", async () => {
    const { sim, client } = await start({ revealEveryStatus: true });
    const s = await setup(["a.txt"]);
    await put(s.src, "a.txt", "a");
    const wrong = '"00000000000000000000000000000000"';

    const { JobId } = await client.send(
      new CreateJobCommand(
        jobInput(s, {
          Manifest: {
            Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
            Location: { ObjectArn: `arn:aws:s3:::${s.reports}/${s.manifest.key}`, ETag: wrong },
          },
        }),
      ),
    );
    const seen = await poll(client, JobId!);

    expect(statuses(seen)).toEqual(["New", "Preparing", "Failing", "Failed"]);
    const last = seen.pop()!;
    expect(last.FailureReasons).toEqual([
      {
        FailureCode: "ManifestETagMismatch",
        FailureReason: `The manifest ${s.reports}/${s.manifest.key} has ETag ${s.manifest.etag}, not the ${wrong} given in Manifest.Location.ETag.`,
      },
    ]);
    expect(last.ProgressSummary).toMatchObject({ NumberOfTasksSucceeded: 0, NumberOfTasksFailed: 0 });
    expect(last.ProgressSummary?.TotalNumberOfTasks).toBeUndefined();
    expect(sim.copies).toEqual([]);
    expect(await keysUnder(s.dst, "")).toEqual([]);
    expect(await keysUnder(s.reports, "reports/")).toEqual([]);
  });

  it("answers the same JobId for the same ClientRequestToken and body, starts one job, and refuses the token with another body", async () => {
    const { sim, client } = await start();
    const s = await setup(["x.txt", "y.txt"]);
    await put(s.src, "x.txt", "x");
    await put(s.src, "y.txt", "y");
    const input = jobInput(s);

    const first = await client.send(new CreateJobCommand(input));
    const second = await client.send(new CreateJobCommand(input));
    expect(second.JobId).toBe(first.JobId);
    await sim.settled(first.JobId!);
    const again = await client.send(new CreateJobCommand(input));

    expect(again.JobId).toBe(first.JobId);
    expect(sim.jobs.map((j) => j.id)).toEqual([first.JobId]);
    expect(sim.copies).toHaveLength(2);
    await expect(client.send(new CreateJobCommand({ ...input, Priority: 11 }))).rejects.toMatchObject({
      name: "IdempotencyException",
      $metadata: { httpStatusCode: 400 },
      message: expect.stringContaining(first.JobId!),
    });
    expect(sim.jobs).toHaveLength(1);
  });

  it("keeps a ConfirmationRequired job in Suspended, copying nothing, until UpdateJobStatus Ready", async () => {
    const { sim, client } = await start();
    const s = await setup(["c.txt"]);
    await put(s.src, "c.txt", "c");

    const { JobId } = await client.send(new CreateJobCommand(jobInput(s, { ConfirmationRequired: true })));
    await poll(client, JobId!, (j) => j.Status === "Suspended");
    // Long enough for any job that was going to move on to do so (many ticks of 20 ms).
    await new Promise((r) => setTimeout(r, 200));
    const waiting = (await poll(client, JobId!, () => true))[0]!;

    expect(waiting).toMatchObject({ Status: "Suspended", ConfirmationRequired: true });
    expect(waiting.SuspendedDate).toBeInstanceOf(Date);
    expect(sim.copies).toEqual([]);

    const ready = await client.send(
      new UpdateJobStatusCommand({
        AccountId: ACCOUNT,
        JobId,
        RequestedJobStatus: "Ready",
        StatusUpdateReason: "go",
      }),
    );
    expect(ready).toMatchObject({ JobId, Status: "Ready", StatusUpdateReason: "go" });
    expect((await poll(client, JobId!)).pop()).toMatchObject({ Status: "Complete" });
    expect(sim.copies).toEqual([`${s.src}/c.txt -> ${s.dst}/out/c.txt`]);
    await expect(
      client.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId, RequestedJobStatus: "Ready" })),
    ).rejects.toMatchObject({ name: "JobStatusException", $metadata: { httpStatusCode: 400 } });
  });

  it("answers 404 NoSuchJob for a forgotten job and for an id it never issued", async () => {
    const { sim, client } = await start();
    const s = await setup(["f.txt"]);
    await put(s.src, "f.txt", "f");
    const { JobId } = await client.send(new CreateJobCommand(jobInput(s)));
    await sim.settled(JobId!);
    expect((await poll(client, JobId!, () => true))[0]).toMatchObject({ Status: "Complete" });

    sim.forget(JobId!);

    const noSuchJob = { name: "NoSuchJob", $metadata: { httpStatusCode: 404 } };
    await expect(client.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId }))).rejects.toMatchObject(
      noSuchJob,
    );
    await expect(
      client.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: randomUUID() })),
    ).rejects.toMatchObject(noSuchJob);
  });

  it("copies the version a VersionId manifest names, not the current one, and reports that version", async () => {
    const { client } = await start();
    const src = await newBucket({ versioned: true });
    const [dst, reports] = [await newBucket(), await newBucket()];
    const v1 = (await put(src, "doc.txt", "first"))!;
    await put(src, "doc.txt", "second");
    const manifest = await putManifest(reports, [`${src},doc.txt,${v1}`]);
    const input = jobInput({ src, dst, reports, manifest });
    input.Manifest!.Spec!.Fields = ["Bucket", "Key", "VersionId"];

    const { JobId } = await client.send(new CreateJobCommand(input));

    expect((await poll(client, JobId!)).pop()).toMatchObject({ Status: "Complete" });
    expect(await text(dst, "out/doc.txt")).toBe("first");
    const { files } = await readReport(reports, `reports/job-${JobId}`);
    expect(files[0]!.rows).toEqual([`${src},doc.txt,${v1},succeeded,200,,Successful`]);
  });

  it("keeps the source's metadata under COPY and replaces the tags with NewObjectTagging", async () => {
    const { client } = await start();
    const s = await setup(["t.txt"]);
    await put(s.src, "t.txt", "t", {
      ContentType: "text/x-source",
      Metadata: { origin: "source" },
      Tagging: "old=1",
    });
    const input = jobInput(s);
    input.Operation!.S3PutObjectCopy!.MetadataDirective = "COPY";
    input.Operation!.S3PutObjectCopy!.NewObjectTagging = [{ Key: "team", Value: "a b+c" }];

    const { JobId } = await client.send(new CreateJobCommand(input));

    expect((await poll(client, JobId!)).pop()).toMatchObject({
      Status: "Complete",
      ProgressSummary: { NumberOfTasksSucceeded: 1, NumberOfTasksFailed: 0 },
    });
    expect(await head(s.dst, "out/t.txt")).toMatchObject({
      ContentType: "text/x-source",
      Metadata: { origin: "source" },
    });
    expect(await tagsOf(s.dst, "out/t.txt")).toEqual({ team: "a b+c" });
  });

  itIf(CAN.kmsApi && CAN.storageClasses)(
    "writes with SSE-KMS under SSEAwsKmsKeyId and in the declared StorageClass",
    async () => {
      const { client } = await start();
      const key = await newKmsKey();
      const s = await setup(["k.txt"]);
      await put(s.src, "k.txt", "k");
      const input = jobInput(s);
      Object.assign(input.Operation!.S3PutObjectCopy!, {
        SSEAwsKmsKeyId: key.arn,
        StorageClass: "STANDARD_IA",
      });

      const { JobId } = await client.send(new CreateJobCommand(input));

      expect((await poll(client, JobId!)).pop()).toMatchObject({ Status: "Complete" });
      expect(await head(s.dst, "out/k.txt")).toMatchObject({
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: key.arn,
        StorageClass: "STANDARD_IA",
      });
    },
  );

  it("fails a task whose source is over the copy-source limit with CopyObject's 400 InvalidRequest, without sending it", async () => {
    const { sim, client } = await start({ copySourceLimitBytes: 10 });
    const s = await setup(["small.txt", "large.txt"]);
    await put(s.src, "small.txt", "0123456789");
    await put(s.src, "large.txt", "0123456789A");

    const { JobId } = await client.send(new CreateJobCommand(jobInput(s)));

    expect((await poll(client, JobId!)).pop()).toMatchObject({
      Status: "Complete",
      ProgressSummary: { NumberOfTasksSucceeded: 1, NumberOfTasksFailed: 1 },
    });
    expect(sim.copies).toEqual([`${s.src}/small.txt -> ${s.dst}/out/small.txt`]);
    expect(await exists(s.dst, "out/large.txt")).toBe(false);
    const { files } = await readReport(s.reports, `reports/job-${JobId}`);
    expect(files[1]!.rows).toEqual([
      `${s.src},large.txt,,failed,400,InvalidRequest,"The specified copy source is larger than the maximum allowable size for a copy source: 10"`,
    ]);
  });

  it("reads a raw '+' in a manifest key as '+' and records that AWS might read it as a space", async () => {
    const { sim, client } = await start();
    const s = await setup([], (src) => [`${src},a+b.txt`]);
    await put(s.src, "a+b.txt", "plus");

    const { JobId } = await client.send(new CreateJobCommand(jobInput(s)));

    expect((await poll(client, JobId!)).pop()).toMatchObject({ Status: "Complete" });
    expect(await text(s.dst, "out/a+b.txt")).toBe("plus");
    expect(sim.job(JobId!).warnings).toEqual([
      'manifest row 1: key "a+b.txt" has a raw "+", read as "+"; AWS may read it as a space: encode it as %2B',
    ]);
  });
});

describe("batch-ops simulator (not AWS): holds, cancellation and scripted job failure", () => {
  async function threeObjects() {
    const s = await setup(["1.txt", "2.txt", "3.txt"]);
    for (const k of ["1.txt", "2.txt", "3.txt"]) await put(s.src, k, k);
    return s;
  }

  it("holds a job in Paused after its first step of tasks until release(), then finishes it", async () => {
    const { sim, client } = await start({ holdIn: "Paused", tasksPerTick: 1 });
    const s = await threeObjects();
    const { JobId } = await client.send(new CreateJobCommand(jobInput(s)));

    const paused = (await poll(client, JobId!, (j) => j.Status === "Paused")).pop()!;
    await new Promise((r) => setTimeout(r, 200));

    expect(paused.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 3, NumberOfTasksSucceeded: 1 });
    expect(sim.copies).toHaveLength(1);
    sim.release(JobId!);
    expect((await poll(client, JobId!)).pop()).toMatchObject({
      Status: "Complete",
      ProgressSummary: { NumberOfTasksSucceeded: 3 },
    });
    expect(sim.job(JobId!).history).toEqual([
      "New",
      "Preparing",
      "Ready",
      "Active",
      "Pausing",
      "Paused",
      "Active",
      "Completing",
      "Complete",
    ] satisfies JobStatus[]);
  });

  it("ends a job cancelled by UpdateJobStatus Cancelled, stops copying, and reports the tasks that ran", async () => {
    const { sim, client } = await start({ holdIn: "Paused", tasksPerTick: 1 });
    const s = await threeObjects();
    const { JobId } = await client.send(new CreateJobCommand(jobInput(s)));
    await poll(client, JobId!, (j) => j.Status === "Paused");

    const cancelling = await client.send(
      new UpdateJobStatusCommand({
        AccountId: ACCOUNT,
        JobId,
        RequestedJobStatus: "Cancelled",
        StatusUpdateReason: "no longer wanted",
      }),
    );

    expect(cancelling).toMatchObject({ Status: "Cancelling" });
    const last = (await poll(client, JobId!)).pop()!;
    expect(last).toMatchObject({
      Status: "Cancelled",
      StatusUpdateReason: "no longer wanted",
      ProgressSummary: { TotalNumberOfTasks: 3, NumberOfTasksSucceeded: 1, NumberOfTasksFailed: 0 },
    });
    expect(sim.copies).toHaveLength(1);
    const { files } = await readReport(s.reports, `reports/job-${JobId}`);
    expect(files.map((f) => f.rows)).toEqual([[`${s.src},1.txt,,succeeded,200,,Successful`]]);
  });

  it("fails a job scripted with failJob once that many tasks ran, with its FailureReasons and a report of those tasks", async () => {
    const { sim, client } = await start({
      tasksPerTick: 1,
      failJob: { code: "SimulatedFailure", reason: "the role lost access", afterTasks: 1 },
    });
    const s = await threeObjects();
    const { JobId } = await client.send(new CreateJobCommand(jobInput(s)));

    const last = (await poll(client, JobId!)).pop()!;

    expect(last).toMatchObject({
      Status: "Failed",
      FailureReasons: [{ FailureCode: "SimulatedFailure", FailureReason: "the role lost access" }],
      ProgressSummary: { NumberOfTasksSucceeded: 1 },
    });
    expect(sim.copies).toHaveLength(1);
    expect(sim.job(JobId!).history.slice(-2)).toEqual(["Failing", "Failed"]);
    const { files } = await readReport(s.reports, `reports/job-${JobId}`);
    expect(files.map((f) => f.rows)).toEqual([[`${s.src},1.txt,,succeeded,200,,Successful`]]);
  });
});

describe("batch-ops simulator (not AWS): what the wire refuses and how it throttles", () => {
  async function validSetup() {
    const s = await setup(["v.txt"]);
    await put(s.src, "v.txt", "v");
    return s;
  }

  it.each<[string, (i: CreateJobCommandInput) => void, string]>([
    [
      "another operation",
      (i) => (i.Operation = { S3PutObjectTagging: { TagSet: [] } }),
      '"S3PutObjectTagging"',
    ],
    ["a RoleArn that is no IAM role", (i) => (i.RoleArn = "batch-role"), 'RoleArn "batch-role"'],
    [
      "an inventory manifest",
      (i) => (i.Manifest!.Spec!.Format = "S3InventoryReport_CSV_20161130"),
      'Manifest.Spec.Format "S3InventoryReport_CSV_20161130"',
    ],
    [
      "manifest fields out of order",
      (i) => (i.Manifest!.Spec!.Fields = ["Key", "Bucket"]),
      "Manifest.Spec.Fields",
    ],
    [
      "no manifest ETag",
      (i) => (i.Manifest!.Location!.ETag = undefined),
      "Manifest.Location.ETag is required",
    ],
    [
      "a TargetResource that is no ARN",
      (i) => (i.Operation!.S3PutObjectCopy!.TargetResource = "plain-bucket"),
      'TargetResource "plain-bucket"',
    ],
    [
      "an enabled report without a bucket",
      (i) => (i.Report!.Bucket = undefined),
      "Report.Bucket is required",
    ],
    ["an enabled report without a scope", (i) => (i.Report!.ReportScope = undefined), "Report.ReportScope"],
  ])("refuses CreateJob with %s: 400 InvalidRequest naming it, and no job", async (_what, change, named) => {
    const { sim, client } = await start();
    const input = jobInput(await validSetup());
    change(input);

    const refused = client.send(new CreateJobCommand(input));

    await expect(refused).rejects.toMatchObject({
      name: "InvalidRequest",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(refused).rejects.toThrow(named);
    expect(sim.jobs).toEqual([]);
  });

  it("refuses CreateJob without the x-amz-account-id header", async () => {
    const { sim } = await start();
    const res = await fetch(`${sim.url}/v20180820/jobs`, { method: "POST", body: "<CreateJobRequest/>" });

    expect(res.status).toBe(400);
    expect(await res.text()).toContain(
      "<Code>InvalidRequest</Code><Message>The x-amz-account-id header is required.",
    );
    expect(sim.jobs).toEqual([]);
  });

  it("answers 501 NotImplemented naming the route for an operation it does not simulate", async () => {
    const { client } = await start();

    const listed = client.send(new ListJobsCommand({ AccountId: ACCOUNT }));

    await expect(listed).rejects.toMatchObject({
      name: "NotImplemented",
      $metadata: { httpStatusCode: 501 },
    });
    await expect(listed).rejects.toThrow("does not implement GET /v20180820/jobs");
  });

  it.each<["SlowDown" | "TooManyRequestsException", number]>([
    ["SlowDown", 503],
    ["TooManyRequestsException", 400],
  ])(
    "answers scripted %s throttling that the SDK retries, then serves the DescribeJob",
    async (code, status) => {
      const { sim, client } = await start();
      const s = await validSetup();
      const { JobId } = await client.send(new CreateJobCommand(jobInput(s)));

      sim.throttleNext(2, code);
      const out = await client.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId }));

      expect(out.Job?.JobId).toBe(JobId);
      expect(out.$metadata.attempts).toBe(3);
      expect(
        sim.requests.filter((r) => r.operation === "DescribeJob").map((r) => [r.status, r.errorCode]),
      ).toEqual([
        [status, code],
        [status, code],
        [200, undefined],
      ]);
    },
  );
});
