// An ObjectCopySet's copies as one S3 Batch Operations job: which planned copies a job can take,
// the CSV manifest and the plan file it runs over, CreateJob, following the job, and turning its
// completion report into the set's per-key records. What a job cannot do (objects over 5 GiB,
// deletes) stays with the provider's own engine; the lifecycle decides when to call what.
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";

import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";

import {
  accountIdFromSts,
  clientRequestToken,
  controlClient,
  createJob,
  createJobInput,
  describeJob,
  estimateJobCost,
  isTerminal,
  type JobState,
  MAX_JOB_OBJECT_BYTES,
  manifestCsv,
  readCompletionReport,
  reportManifestKey,
  targetKeyPrefix,
  waitForJob,
} from "../batch";
import type { CreateJobCommandInput } from "@aws-sdk/client-s3-control";

import { processCancels } from "../cancel";
import { destinationRegion } from "../clients";
import { isNotFound, ObjectCopyError, wrapAwsError } from "../errors";
import { resolveKmsKey } from "../object/kms";
import { type SetContext, listDestination } from "./context";
import { jobCopySettings } from "./job-settings";
import { getObject, parseManifestLocation } from "./manifest";
import { realVersion } from "./ownership";
import { relativeKey } from "./spec";
import type { BatchJobState, BatchOperationsInput, SetInputs } from "./state";
import type { ManifestRecord, PlannedCopy, SetPlan } from "./types";

/** The plan file beside a job's CSV: what each key's source entry was when the job was planned. */
const PLAN_FORMAT = "pulumi-s3-object-copy/batch-plan/1";
/** Where, under the report prefix, the provider keeps the CSV manifests and plan files it writes. */
const JOB_FILES_DIR = "pulumi-s3-object-copy-jobs";

type PlanEntry = [rel: string, etag: string, size: number, lastModified: string, versionId?: string];

interface PlanFile {
  format: typeof PLAN_FORMAT;
  token: string;
  settingsDigest: string;
  entries: PlanEntry[];
}

export const jobOptions = (inputs: Pick<SetInputs, "batchOperations">): BatchOperationsInput | undefined =>
  inputs.batchOperations;

/**
 * The largest object a job copies: S3's 5 GiB, or a smaller figure from
 * PULUMI_S3_COPY_BATCH_MAX_OBJECT_BYTES, which the tests set so that small objects take the path of
 * large ones (a simulator refuses what is over the same figure, as S3 refuses what is over 5 GiB).
 */
export function jobObjectLimit(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.PULUMI_S3_COPY_BATCH_MAX_OBJECT_BYTES;
  return v && /^\d+$/.test(v) ? Math.min(Number(v), MAX_JOB_OBJECT_BYTES) : MAX_JOB_OBJECT_BYTES;
}

/** A job copies objects of at most 5 GiB; larger ones are the provider's, by multipart, beside it. */
export function splitForJob<T extends { entry: { size: number } }>(
  tasks: T[],
  limit = jobObjectLimit(),
): { job: T[]; ours: T[] } {
  const job: T[] = [];
  const ours: T[] = [];
  for (const t of tasks) (t.entry.size > limit ? ours : job).push(t);
  return { job, ours };
}

/** The preview's addition to the plan line: who copies what, and what the job would cost. */
export function jobSummary(plan: SetPlan, inputs: SetInputs): string | undefined {
  if (!inputs.batchOperations) return undefined;
  const { job, ours } = splitForJob([...plan.created, ...plan.updated]);
  const parts = [
    job.length
      ? `${job.length} by one S3 Batch Operations job (${estimateJobCost(job.length).line})`
      : "no Batch Operations job (nothing to copy)",
  ];
  if (ours.length) parts.push(`${ours.length} over the job's 5 GiB limit by the provider, beside it`);
  if (plan.deleted.length) parts.push(`deletes by the provider (a job cannot delete)`);
  return `batchOperations: ${parts.join("; ")}`;
}

/**
 * DescribeJob's interval and how long a Suspended or Paused job is waited for, from the
 * environment when set (tests against the simulator poll every few milliseconds); else the limits.
 */
function pollSettings(env: NodeJS.ProcessEnv = process.env): { pollMs?: number; suspendedGraceMs?: number } {
  const ms = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  return {
    pollMs: ms(env.PULUMI_S3_COPY_BATCH_POLL_MS),
    suspendedGraceMs: ms(env.PULUMI_S3_COPY_BATCH_SUSPENDED_GRACE_MS),
  };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const trimSlash = (prefix: string | undefined) => (prefix ?? "").replace(/\/+$/, "");
const planKeyOf = (csvKey: string) => csvKey.replace(/\.csv$/, ".plan.json.gz");

function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/s.exec(uri);
  if (!m) throw new ObjectCopyError("BATCH_STATE_INVALID", `${uri} is not an s3://bucket/key location`);
  return { bucket: m[1], key: m[2] };
}

/**
 * The version of each planned source key whose ETag is the planned one, when the source bucket
 * keeps versions: the job then copies exactly the object the plan saw, as the provider's own
 * copies do by pinning the ETag (a job takes no ETag condition).
 */
async function pinnedVersions(ctx: SetContext, tasks: PlannedCopy[]): Promise<Map<string, string>> {
  const pins = new Map<string, string>();
  const wanted = new Map(tasks.map((t) => [t.sourceKey, bareEtag(t.entry.etag)]));
  const where = { client: ctx.sourceClient, bucket: ctx.source.bucket, prefix: ctx.source.prefix };
  await eachLatestVersion({ ...where, owner: ctx.sourceOwner, suspendedToo: true }, (v) => {
    if (wanted.get(v.Key) === bareEtag(v.ETag ?? "")) pins.set(v.Key, v.VersionId);
  });
  return pins;
}

const bareEtag = (etag: string) => etag.replace(/"/g, "");

type LatestVersion = { Key: string; VersionId: string; ETag?: string; LastModified?: Date };

/**
 * Calls `visit` with each key's latest version under a prefix, when the bucket keeps versions
 * (Enabled; also Suspended with `suspendedToo`); on any other bucket, with none.
 */
async function eachLatestVersion(
  at: {
    client: SetContext["destClient"];
    bucket: string;
    prefix: string;
    owner: { ExpectedBucketOwner?: string };
    suspendedToo?: boolean;
  },
  visit: (v: LatestVersion) => void,
): Promise<void> {
  const owner = ownerOnly(at.owner);
  const status = await at.client
    .send(new GetBucketVersioningCommand({ Bucket: at.bucket, ...owner }))
    .catch(() => undefined);
  if (status?.Status !== "Enabled" && !(at.suspendedToo && status?.Status === "Suspended")) return;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await at.client
      .send(
        new ListObjectVersionsCommand({
          Bucket: at.bucket,
          Prefix: at.prefix,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
          ...owner,
        }),
      )
      .catch((err: unknown) => {
        throw wrapAwsError("ListObjectVersions", `s3://${at.bucket}/${at.prefix}`, err);
      });
    for (const v of page.Versions ?? []) {
      if (v.IsLatest && v.Key && v.VersionId) visit(v as LatestVersion);
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
}

const ownerOnly = (o: { ExpectedBucketOwner?: string }) =>
  o.ExpectedBucketOwner ? { ExpectedBucketOwner: o.ExpectedBucketOwner } : {};

/**
 * Writes the CSV manifest and the plan file under the report prefix, then sends one CreateJob.
 * The ClientRequestToken is a digest of the CSV and the job's settings, so a retried create, or an
 * up run again after a crash between CreateJob and the state being saved, finds the same job at
 * AWS instead of starting a second one.
 */
export async function startJob(
  ctx: SetContext,
  tasks: PlannedCopy[],
  previousJobId?: string,
  signal?: AbortSignal,
): Promise<BatchJobState> {
  const { inputs } = ctx;
  const opts = inputs.batchOperations!;
  const region = destinationRegion(inputs);
  const target = targetKeyPrefix(ctx.source.prefix, inputs.prefix);
  if (target === undefined) {
    throw new ObjectCopyError(
      "BATCH_LAYOUT_UNSUPPORTED",
      `a Batch Operations job cannot copy ${inputs.source} to s3://${inputs.bucket}/${inputs.prefix}: the destination prefix must end with the source prefix`,
    );
  }
  // A job's manifest has a VersionId column for every row or for none. A key whose latest version
  // is no longer the planned one changed since the listing: then no row is pinned, the job copies
  // what is there, and the next up sees the changed entry and copies that key again.
  const found = await pinnedVersions(ctx, tasks);
  const pins = found.size === tasks.length ? found : new Map<string, string>();
  const csv = manifestCsv(
    tasks.map((t) => ({ bucket: ctx.source.bucket, key: t.sourceKey, versionId: pins.get(t.sourceKey) })),
  );
  const priority = opts.priority ?? 10;
  // The set's last job (its job marker) is part of the token: the same plan after a job that ended
  // must start a new job, which AWS would otherwise answer with the ended one. The entries' ETags,
  // sizes and times are too: an unversioned CSV names keys only, and a key rewritten since must not
  // get the job that copied its old bytes back.
  const entries = tasks.map((t) => {
    const e: PlanEntry = [t.relativeKey, t.entry.etag, t.entry.size, t.entry.lastModified];
    const v = pins.get(t.sourceKey);
    if (v) e.push(v);
    return e;
  });
  const token = clientRequestToken([
    previousJobId ?? "",
    inputs.manifestLocation,
    sha256(csv),
    sha256(JSON.stringify(entries)),
    ctx.digest,
    inputs.bucket,
    target,
    opts.roleArn,
    String(priority),
    opts.report.bucket,
    trimSlash(opts.report.prefix),
  ]);
  const dir = [trimSlash(opts.report.prefix), JOB_FILES_DIR].filter(Boolean).join("/");
  const csvKey = `${dir}/${token}.csv`;
  const plan: PlanFile = {
    format: PLAN_FORMAT,
    token,
    settingsDigest: ctx.digest,
    entries,
  };
  // The plan file first: a CSV without it could not be turned into records.
  await put(ctx, opts.report.bucket, planKeyOf(csvKey), gzipSync(JSON.stringify(plan)), signal);
  const etag = await put(ctx, opts.report.bucket, csvKey, Buffer.from(csv, "utf8"), signal);

  const accountId = opts.accountId ?? (await accountIdFromSts(region, signal));
  const kmsKeyArn = inputs.kmsKeyId ? await resolveKmsKey(inputs.kmsKeyId, region) : undefined;
  const input = createJobInput({
    accountId,
    roleArn: opts.roleArn,
    priority,
    description: `pulumi-s3-object-copy ${inputs.source} -> s3://${inputs.bucket}/${inputs.prefix}`,
    destBucket: inputs.bucket,
    targetKeyPrefix: target,
    manifest: { bucket: opts.report.bucket, key: csvKey, etag, withVersionIds: pins.size > 0 },
    report: { bucket: opts.report.bucket, prefix: trimSlash(opts.report.prefix) },
    settings: jobCopySettings(inputs, kmsKeyArn),
    clientRequestToken: token,
  });
  const pending: PendingCreate = {
    input,
    reportBucket: opts.report.bucket,
    reportPrefix: trimSlash(opts.report.prefix),
    job: {
      accountId,
      region,
      status: "New",
      totalTasks: tasks.length,
      succeeded: 0,
      failed: 0,
      manifestCsv: `s3://${opts.report.bucket}/${csvKey}`,
      createdAt: new Date().toISOString(),
      estimate: estimateJobCost(tasks.length).line,
      recorded: false,
    },
  };
  // Marked before CreateJob is sent: a process killed before its answer arrives leaves the request
  // for the next up to send again with the same token, which finds the job if S3 made one.
  await writeMarker(ctx, { creating: pending });
  return created(ctx, pending, signal);
}

/** What a job is being created from: its CreateJob request, kept until S3 has answered it. */
interface PendingCreate {
  input: CreateJobCommandInput;
  reportBucket: string;
  reportPrefix: string;
  job: Omit<BatchJobState, "jobId" | "reportLocation">;
}

/**
 * Sends (or sends again) a marked CreateJob and marks the job it names. S3 answers a token it has
 * seen with the job it made then, which may have ended since: its status says so, and the caller
 * records it before anything else.
 */
async function created(
  ctx: SetContext,
  pending: PendingCreate,
  signal?: AbortSignal,
): Promise<BatchJobState> {
  const control = controlClient({
    region: pending.job.region,
    endpoint: ctx.inputs.batchOperations?.endpoint,
  });
  const jobId = await createJob(control, reviveDates(pending.input), signal);
  const found = await describeJob(control, pending.job.accountId, jobId, signal);
  const job: BatchJobState = {
    ...pending.job,
    jobId,
    status: found?.status ?? pending.job.status,
    reportLocation: `s3://${pending.reportBucket}/${reportManifestKey(pending.reportPrefix, jobId)}`,
  };
  await writeJobMarker(ctx, job);
  return job;
}

/** A CreateJob request read back from JSON: its one date field as a Date again. */
function reviveDates(input: CreateJobCommandInput): CreateJobCommandInput {
  const op = input.Operation?.S3PutObjectCopy;
  if (op && typeof op.ObjectLockRetainUntilDate === "string") {
    op.ObjectLockRetainUntilDate = new Date(op.ObjectLockRetainUntilDate);
  }
  return input;
}

async function put(ctx: SetContext, bucket: string, key: string, body: Buffer, signal?: AbortSignal) {
  const out = await ctx.destClient
    .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }), { abortSignal: signal })
    .catch((err: unknown) => {
      throw wrapAwsError("PutObject", `s3://${bucket}/${key}`, err);
    });
  return (out.ETag ?? "").replace(/"/g, "");
}

const withState = (job: BatchJobState, s: JobState): BatchJobState => ({
  ...job,
  status: s.status,
  totalTasks: s.totalTasks || job.totalTasks,
  succeeded: s.succeeded,
  failed: s.failed,
  failureReasons: s.failureReasons.length ? s.failureReasons : undefined,
});

/** DescribeJob once, for refresh: a job AWS no longer knows keeps its last known state. */
export async function refreshJob(ctx: SetContext, job: BatchJobState): Promise<BatchJobState> {
  const opts = ctx.inputs.batchOperations;
  const client = controlClient({ region: job.region, endpoint: opts?.endpoint });
  const s = await describeJob(client, job.accountId, job.jobId);
  if (!s)
    return {
      ...job,
      note: `AWS no longer knows job ${job.jobId} (it deletes jobs 90 days after they end); this is its last known state`,
    };
  return withState(job, s);
}

export interface SettledJob {
  job: BatchJobState;
  /** False when the job is still running and the caller asked only for it to have started. */
  done: boolean;
  /** Records for the keys the job copied, by key relative to the source prefix. */
  records: Map<string, ManifestRecord>;
  /** Failed tasks, by relative key, with the report's error code and message. */
  failures: { key: string; code: string; message: string }[];
  /** A job that ended Failed or Cancelled: thrown once what it did copy is recorded. */
  error?: ObjectCopyError;
}

/**
 * Follows a job until it has started or ended (`until`), printing progress, and once it has
 * ended turns its completion report into records. SIGINT/SIGTERM end the wait, not the job.
 */
export async function settleJob(
  ctx: SetContext,
  job: BatchJobState,
  until: "complete" | "started",
  log: (line: string) => void = (l) => console.log(l),
): Promise<SettledJob> {
  const client = controlClient({ region: job.region, endpoint: ctx.inputs.batchOperations?.endpoint });
  const scope = processCancels.openScope(`waiting for Batch Operations job ${job.jobId}`);
  let state: JobState | undefined;
  let error: ObjectCopyError | undefined;
  try {
    state = await waitForJob(client, job.accountId, job.jobId, {
      until,
      signal: scope.signal,
      log,
      ...pollSettings(),
    });
  } catch (e) {
    const code = e instanceof ObjectCopyError ? e.code : undefined;
    if (code === "BATCH_JOB_NOT_FOUND") {
      // AWS deletes a job 90 days after it ended: its report, if S3 kept it, still says what it did.
      return {
        ...(await jobResultsOrNone(ctx, job)),
        job: { ...job, recorded: true, note: `AWS no longer knows job ${job.jobId}` },
        done: true,
      };
    }
    if (code !== "BATCH_JOB_FAILED" && code !== "BATCH_JOB_CANCELLED") throw e;
    error = e as ObjectCopyError;
    state = await describeJob(client, job.accountId, job.jobId).catch(() => undefined);
  } finally {
    scope.close();
  }
  const now = state ? withState(job, state) : job;
  if (state && !isTerminal(state.status)) return { job: now, done: false, records: new Map(), failures: [] };
  const results = await jobResults(ctx, now);
  return { job: { ...now, recorded: true }, done: true, ...results, error };
}

/** A job AWS no longer knows: its report, if S3 kept it; none at all only when there is none. */
async function jobResultsOrNone(ctx: SetContext, job: BatchJobState) {
  return jobResults(ctx, job).catch((err: unknown) => {
    if (err instanceof ObjectCopyError && err.code === "BATCH_REPORT_NOT_FOUND")
      return { records: new Map<string, ManifestRecord>(), failures: [] };
    throw err;
  });
}

/** The report's per-key results, with the destination's ETag, Last-Modified and version for each copy. */
async function jobResults(
  ctx: SetContext,
  job: BatchJobState,
): Promise<Pick<SettledJob, "records" | "failures">> {
  const csv = parseS3Uri(job.manifestCsv);
  const report = parseS3Uri(job.reportLocation);
  const planFile = await readPlanFile(ctx, csv.bucket, planKeyOf(csv.key));
  const byRel = new Map(planFile.entries.map((e) => [e[0], e]));
  const reportPrefix = report.key.replace(/\/?job-[^/]+\/manifest\.json$/, "");
  const tasks = await readCompletionReport(
    ctx.destClient,
    { bucket: report.bucket, prefix: reportPrefix },
    job.jobId,
  ).catch((err: unknown) => {
    // S3 writes a report only once a task has run: a job that ended before any has none, and every
    // key is then still to copy. A job that did copy but left no report is an error to fix (the
    // role's s3:PutObject on the report prefix), not a reason to forget what it wrote.
    if (
      err instanceof ObjectCopyError &&
      err.code === "BATCH_REPORT_NOT_FOUND" &&
      job.succeeded + job.failed === 0
    )
      return [];
    throw err;
  });
  const live = await listDestination(ctx);
  const versions = await latestVersions(ctx, job);
  const since = jobWindowStart(job);
  const records = new Map<string, ManifestRecord>();
  const failures: SettledJob["failures"] = [];
  for (const t of tasks) {
    const rel = relativeKey(t.key, ctx.source.prefix);
    const planned = byRel.get(rel);
    if (!planned) continue;
    if (t.status !== "succeeded") {
      failures.push({
        key: rel,
        code: t.errorCode ?? String(t.httpStatus ?? "failed"),
        message: t.message ?? "",
      });
      continue;
    }
    const destKey = ctx.inputs.prefix + rel;
    const now = live.get(destKey);
    if (!now) {
      failures.push({
        key: rel,
        code: "NotFoundAfterJob",
        message: "the job reported it copied, but the destination has no object there",
      });
      continue;
    }
    // An object older than the job was not written by it (the copy failed over an existing one, or
    // was undone): recording it would let a delete remove what the set never wrote.
    if (new Date(now.lastModified).getTime() < since) {
      failures.push({
        key: rel,
        code: "NotWrittenByJob",
        message: `the destination object is from ${now.lastModified}, before the job was created`,
      });
      continue;
    }
    const [, etag, size, lastModified, versionId] = planned;
    records.set(rel, {
      source: { etag, size, lastModified, versionId: realVersion(t.versionId) ?? versionId },
      dest: {
        etag: now.etag,
        size: now.size,
        lastModified: now.lastModified,
        versionId: versions.get(destKey),
      },
      settingsDigest: planFile.settingsDigest,
    });
  }
  return { records, failures };
}

async function readPlanFile(ctx: SetContext, bucket: string, key: string): Promise<PlanFile> {
  const found = await getObject(ctx.destClient, bucket, key);
  const parsed = found && (JSON.parse(gunzipSync(found.body).toString("utf8")) as PlanFile);
  if (parsed?.format !== PLAN_FORMAT || !Array.isArray(parsed.entries)) {
    throw new ObjectCopyError(
      "BATCH_STATE_INVALID",
      `s3://${bucket}/${key} is missing or not a plan file this provider wrote`,
    );
  }
  return parsed;
}

/**
 * On a destination that keeps versions, each key's latest version written since the job was
 * created: the report names the source's version, not the one the copy made, and a version from
 * before the job is not the job's.
 */
async function latestVersions(ctx: SetContext, job: BatchJobState): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const since = jobWindowStart(job);
  const where = { client: ctx.destClient, bucket: ctx.inputs.bucket, prefix: ctx.inputs.prefix };
  await eachLatestVersion({ ...where, owner: ctx.destOwner }, (v) => {
    if ((v.LastModified?.getTime() ?? 0) >= since) out.set(v.Key, v.VersionId);
  });
  return out;
}

/**
 * The earliest time an object the job wrote can carry: its creation, less a minute, as listing
 * times are to the second and this machine's clock may be a little off the server's.
 */
const jobWindowStart = (job: BatchJobState) => new Date(job.createdAt).getTime() - CLOCK_SLACK_MS;
const CLOCK_SLACK_MS = 60_000;

// ---- the job marker ------------------------------------------------------------------------------

/**
 * The set's last job, kept in S3 beside its manifest. Pulumi saves no state when an up fails, so a
 * job an up created before it failed (a cancelled wait, a job that stayed suspended, a failed task
 * under wait "started") would be known only to AWS: the marker lets the next up, refresh and
 * destroy find it, record it, and not send a second job for the same keys.
 */
const JOB_MARKER_FORMAT = "pulumi-s3-object-copy/batch-job/1";

function jobMarkerAt(ctx: SetContext): { bucket: string; key: string } {
  const { bucket, key } = parseManifestLocation(ctx.inputs.manifestLocation);
  return { bucket, key: `${key}.batch-job.json` };
}

interface Marker {
  job?: BatchJobState;
  creating?: PendingCreate;
}

async function readMarker(ctx: SetContext): Promise<Marker | undefined> {
  const at = jobMarkerAt(ctx);
  const found = await getObject(ctx.manifestClient, at.bucket, at.key);
  if (!found) return undefined;
  const parsed = JSON.parse(Buffer.from(found.body).toString("utf8")) as Marker & { format?: string };
  if (parsed.format !== JOB_MARKER_FORMAT || (!parsed.job?.jobId && !parsed.creating)) {
    throw new ObjectCopyError(
      "BATCH_STATE_INVALID",
      `s3://${at.bucket}/${at.key} is not a job marker this provider wrote`,
    );
  }
  return parsed;
}

async function writeMarker(ctx: SetContext, marker: Marker): Promise<void> {
  const at = jobMarkerAt(ctx);
  await ctx.manifestClient
    .send(
      new PutObjectCommand({
        Bucket: at.bucket,
        Key: at.key,
        Body: JSON.stringify({ format: JOB_MARKER_FORMAT, ...marker }),
        ContentType: "application/json",
      }),
    )
    .catch((err: unknown) => {
      throw wrapAwsError("PutObject", `s3://${at.bucket}/${at.key}`, err);
    });
}

export const writeJobMarker = (ctx: SetContext, job: BatchJobState) => writeMarker(ctx, { job });

export async function deleteJobMarker(ctx: SetContext): Promise<void> {
  const at = jobMarkerAt(ctx);
  await ctx.manifestClient
    .send(new DeleteObjectCommand({ Bucket: at.bucket, Key: at.key }))
    .catch((err: unknown) => {
      if (!isNotFound(err)) throw wrapAwsError("DeleteObject", `s3://${at.bucket}/${at.key}`, err);
    });
}

/**
 * The set's last job: the marker's (newest), else the state's (sets from before markers). A
 * CreateJob whose answer never arrived is sent again first, with its token: S3 then names the job
 * it made, or makes it now.
 */
export async function lastJob(
  ctx: SetContext,
  fromState?: BatchJobState,
): Promise<BatchJobState | undefined> {
  if (!ctx.inputs.batchOperations && !fromState) return undefined;
  const marker = await readMarker(ctx);
  if (marker?.creating) return created(ctx, marker.creating);
  return marker?.job ?? fromState;
}

/**
 * A record the job wrote, with the versions the set's earlier copy of the key wrote added to its
 * superseded ones: they are the set's, and go with the next deletes.
 */
export function withSuperseded(record: ManifestRecord, previous: ManifestRecord | undefined): ManifestRecord {
  const superseded = [...(previous?.dest.superseded ?? []), previous?.dest.versionId].filter(
    (v): v is string => Boolean(v && v !== "null" && v !== record.dest.versionId),
  );
  return {
    ...record,
    dest: { ...record.dest, superseded: superseded.length ? [...new Set(superseded)] : undefined },
  };
}

/** The error an up ends with when tasks of its job failed: the count and the first few keys. */
export function jobTaskFailures(
  job: BatchJobState,
  failures: SettledJob["failures"],
  shown: number,
): ObjectCopyError {
  const first = failures
    .slice(0, shown)
    .map((f) => `${f.key} (${f.code}${f.message ? `: ${f.message}` : ""})`)
    .join(", ");
  return new ObjectCopyError(
    "BATCH_TASKS_FAILED",
    `${failures.length} of ${job.totalTasks} tasks of Batch Operations job ${job.jobId} failed: ${first}` +
      `${failures.length > shown ? ", ..." : ""}; the keys that succeeded are recorded, so the next up retries only the failed ones ` +
      `(full report: ${job.reportLocation})`,
  );
}
