/*
 * BATCH OPERATIONS SIMULATOR: THIS IS NOT AWS.
 *
 * No emulator runs S3 Batch Operations jobs (moto has no create_job, LocalStack marks CreateJob
 * unimplemented, MinIO's batch API is its own), so the project tests its job path against this
 * simulator of the job contract. Passing against it shows that the provider speaks the contract as
 * this file understands it from AWS's documentation and the @aws-sdk/client-s3-control 3.1112
 * schemas; only a real account shows that AWS agrees. Every log line starts "[batch-ops simulator]".
 *
 * It serves S3 Control's REST-XML on http://127.0.0.1:<port>:
 *   POST /v20180820/jobs                   CreateJob
 *   GET  /v20180820/jobs/<id>              DescribeJob
 *   POST /v20180820/jobs/<id>/status       UpdateJobStatus (requestedJobStatus=Ready | Cancelled)
 *   anything else                          501 NotImplemented, naming the route
 * The SDK puts the account id in front of the host ("<account>.<endpoint host>"), which does not
 * resolve for 127.0.0.1; a client must send the request to 127.0.0.1:<port> itself (a middleware
 * that rewrites the hostname, or an endpointProvider). The Host header is recorded, not checked.
 *
 * What it checks on CreateJob (400 InvalidRequest naming the field, unless said otherwise):
 *   - the x-amz-account-id header (12 digits); body a CreateJobRequest in the S3 Control namespace
 *     (else 400 MalformedXML);
 *   - Operation is exactly one operation and it is S3PutObjectCopy; TargetResource is a bucket ARN;
 *     MetadataDirective, StorageClass, CannedAccessControlList, ChecksumAlgorithm and the object
 *     lock fields are values of the API's enums; AccessControlGrants is refused (not simulated);
 *   - ClientRequestToken 1-64 characters; Priority 0..2^31-1; RoleArn looks like
 *     arn:aws:iam::<12 digits>:role/<name>; Description 1-256 characters when given;
 *   - Manifest: Spec.Format S3BatchOperations_CSV_20180820, Fields Bucket,Key or Bucket,Key,VersionId,
 *     Location.ObjectArn an object ARN, Location.ETag present; ManifestGenerator is refused;
 *   - Report: Enabled present; when true, Bucket a bucket ARN, Format Report_CSV_20180820 and
 *     ReportScope present. (The API reference marks ReportScope optional; the simulator wants it
 *     said, so a provider never depends on a default it has not seen.)
 *   - Idempotency per account and ClientRequestToken: the same body again answers the same JobId and
 *     starts nothing; another body under the same token is 400 IdempotencyException.
 *
 * What a job does (one step per `tickMs`; every status is the API's):
 *   New -> Preparing: GetObject of the manifest from the real local S3 (ObjectVersionId if given);
 *     its ETag must equal Location.ETag (quotes ignored), else Failing -> Failed with FailureReasons.
 *     Keys are percent-decoded ("+" stays "+", with a warning: see batch-ops-simulator/manifest.ts).
 *   -> Suspended when ConfirmationRequired is true (until UpdateJobStatus Ready) -> Ready -> Active:
 *     `tasksPerTick` tasks a step, each a real CopyObject from bucket/key[?versionId] to
 *     TargetResource + TargetKeyPrefix + key, with the declared MetadataDirective (NewObjectMetadata
 *     applies under REPLACE only), NewObjectTagging (TaggingDirective REPLACE), StorageClass,
 *     SSEAwsKmsKeyId (SSE-KMS), BucketKeyEnabled, CannedAccessControlList, ChecksumAlgorithm,
 *     RequesterPays, RedirectLocation, the modified-since constraints and the object lock fields.
 *     A source larger than `copySourceLimitBytes` (default 5 GiB, CopyObject's limit) fails as
 *     400 InvalidRequest; a failed CopyObject is a failed task with its S3 error code and status.
 *   -> Completing (writes the completion report) -> Complete. Cancelled jobs go Cancelling ->
 *     Cancelled, failed ones Failing -> Failed; both write a report when a task ran, as AWS does.
 *   Report: <Prefix>/job-<id>/results/<sha1>.csv (succeeded, failed; each only when it has rows) and
 *     <Prefix>/job-<id>/manifest.json, as in AWS's "Examples: S3 Batch Operations completion
 *     reports"; rows repeat the key as the manifest spelled it; at the bucket root when Prefix is
 *     empty, and a Prefix is joined with "/" as given (whether AWS strips a trailing "/" is unknown).
 *
 * What it does NOT check or simulate: request signatures and credentials (none are verified); IAM
 * (the role is never assumed, iam:PassRole never checked; every S3 call uses the simulator's own
 * credentials); timing, throughput, priorities between jobs, AWS's failure-rate threshold; other
 * operations, inventory manifests, manifest generators, grants; ListJobs, UpdateJobPriority, tags;
 * one-bucket-per-job and region rules; SSE-C (S3PutObjectCopy has no SSE-C fields); any AWS-side
 * validation beyond the list above. FailureCode values (ManifestETagMismatch, ...) are the
 * simulator's own: AWS's are not documented. The 404 for a forgotten job is code NoSuchJob, message
 * "The specified job does not exist" (AWS's troubleshooting guide names the error NoSuchJobException;
 * the SDK models NotFoundException): a provider should accept all three.
 */

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";

import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";

import { showValue } from "../../provider/engine/errors";
import { type JobRequest, readCreateJob, WireError } from "./batch-ops-simulator/create-job";
import { type JobStatus, type SimulatedJob, TERMINAL_STATUSES } from "./batch-ops-simulator/job";
import { ManifestError, readManifest, sameEtag } from "./batch-ops-simulator/manifest";
import {
  createJobResult,
  describeJobResult,
  errorBody,
  updateJobStatusResult,
} from "./batch-ops-simulator/responses";
import {
  COPY_SOURCE_MAX_BYTES,
  runTask,
  type SimulatedTask,
  type TaskFailure,
  writeReport,
} from "./batch-ops-simulator/tasks";

export type { JobStatus, SimulatedJob } from "./batch-ops-simulator/job";
export type { SimulatedTask, TaskFailure } from "./batch-ops-simulator/tasks";
export { reportRoot } from "./batch-ops-simulator/tasks";

const DEFAULT_TICK_MS = 20;
const DEFAULT_TASKS_PER_TICK = 50;
const LOG_PREFIX = "[batch-ops simulator]";

/** How the simulator reaches the real local S3 it copies on. */
export interface SimulatorS3Options {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle?: boolean;
  /** PEM of a CA to trust (MinIO's self-signed certificate in these tests). */
  caFile?: string;
}

/** The current test server, read the way tests/helpers/s3.ts's verifier() reads it. */
export function s3OptionsFromEnv(): SimulatorS3Options {
  return {
    endpoint: process.env.TEST_S3_ENDPOINT ?? process.env.AWS_ENDPOINT_URL,
    region: process.env.AWS_REGION ?? "us-east-1",
    forcePathStyle: true,
    caFile: process.env.TEST_CA_FILE,
  };
}

export interface BatchOperationsSimulatorOptions {
  /** Defaults to s3OptionsFromEnv(). */
  s3?: SimulatorS3Options;
  /** Time between two steps of a job. */
  tickMs?: number;
  tasksPerTick?: number;
  /** Scripts a task's failure: no CopyObject is sent for it, and the report carries this. */
  failTask?: (bucket: string, key: string) => TaskFailure | undefined;
  /** Jobs stop in this status (Suspended after Preparing; Paused after their first step of tasks) until release(). */
  holdIn?: "Suspended" | "Paused";
  /** Jobs go Failing -> Failed with this FailureReasons entry once `afterTasks` (default 0) tasks ran. */
  failJob?: { code: string; reason: string; afterTasks?: number };
  copySourceLimitBytes?: number;
  /**
   * A job leaves a status only after a DescribeJob has answered with it, so a poller sees every
   * status whatever its pace. AWS does not wait for anyone; this is for deterministic tests.
   */
  revealEveryStatus?: boolean;
  /** Region in job ARNs. */
  region?: string;
  /** Receives every log line (they are also kept in `logLines`). */
  log?: (line: string) => void;
}

export interface SimulatorRequest {
  operation: "CreateJob" | "DescribeJob" | "UpdateJobStatus" | "Unknown";
  method: string;
  path: string;
  host?: string;
  accountId?: string;
  status: number;
  errorCode?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function s3Client(opts: SimulatorS3Options): S3Client {
  const ca = opts.caFile ? readFileSync(opts.caFile) : undefined;
  return new S3Client({
    endpoint: opts.endpoint,
    region: opts.region ?? "us-east-1",
    credentials: opts.credentials,
    forcePathStyle: opts.forcePathStyle ?? true,
    ...(ca ? { requestHandler: { httpsAgent: new https.Agent({ ca }) } } : {}),
  });
}

export class BatchOperationsSimulator {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly requests: SimulatorRequest[] = [];
  /** Every CopyObject sent, as "srcBucket/srcKey[?versionId] -> dstBucket/dstKey". */
  readonly copies: string[] = [];
  readonly logLines: string[] = [];
  failTask: BatchOperationsSimulatorOptions["failTask"];
  holdIn: BatchOperationsSimulatorOptions["holdIn"];
  failJob: BatchOperationsSimulatorOptions["failJob"];

  private readonly all: SimulatedJob[] = [];
  private readonly byId = new Map<string, SimulatedJob>();
  private readonly byToken = new Map<string, SimulatedJob>();
  private readonly runs = new Map<string, Promise<void>>();
  private readonly s3: S3Client;
  private readonly tickMs: number;
  private readonly tasksPerTick: number;
  private readonly copyLimit: number;
  private readonly revealEveryStatus: boolean;
  private readonly region: string;
  private readonly sink?: (line: string) => void;
  private throttles: ("SlowDown" | "TooManyRequestsException")[] = [];
  private stopped = false;

  private constructor(
    private readonly server: http.Server,
    opts: BatchOperationsSimulatorOptions,
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    this.s3 = s3Client(opts.s3 ?? s3OptionsFromEnv());
    this.tickMs = opts.tickMs ?? DEFAULT_TICK_MS;
    this.tasksPerTick = opts.tasksPerTick ?? DEFAULT_TASKS_PER_TICK;
    this.copyLimit = opts.copySourceLimitBytes ?? COPY_SOURCE_MAX_BYTES;
    this.revealEveryStatus = opts.revealEveryStatus ?? false;
    this.region = opts.region ?? "us-east-1";
    this.sink = opts.log;
    this.failTask = opts.failTask;
    this.holdIn = opts.holdIn;
    this.failJob = opts.failJob;
    server.on("request", (req, res) =>
      this.handle(req, res).catch((e: unknown) => {
        // A request that broke before it could be answered (its connection died): drop it.
        this.log(`request ${req.method} ${req.url} dropped: ${String(e)}`);
        res.destroy();
      }),
    );
  }

  static async start(opts: BatchOperationsSimulatorOptions = {}): Promise<BatchOperationsSimulator> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const sim = new BatchOperationsSimulator(server, opts);
    sim.log(`listening on ${sim.url}: a simulator of the S3 Batch Operations job contract, NOT AWS`);
    return sim;
  }

  /** Every job created, forgotten ones included, in creation order. */
  get jobs(): readonly SimulatedJob[] {
    return this.all;
  }

  job(jobId: string): SimulatedJob {
    const job = this.byId.get(jobId);
    if (!job) throw new Error(`${LOG_PREFIX} no job ${showValue(jobId)}`);
    return job;
  }

  /** Resolves once the job has reached Complete, Failed or Cancelled (or the simulator stopped). */
  async settled(jobId: string): Promise<SimulatedJob> {
    const job = this.job(jobId);
    await this.runs.get(jobId);
    return job;
  }

  /** Lets a job held in Suspended (holdIn or ConfirmationRequired) or Paused go on. */
  release(jobId: string): void {
    const job = this.job(jobId);
    if (job.status === "Suspended") this.setStatus(job, "Ready");
    else if (job.status === "Paused") this.setStatus(job, "Active");
    else
      throw new Error(
        `${LOG_PREFIX} job ${jobId} is ${job.status}, not Suspended or Paused: nothing to release`,
      );
  }

  /** As UpdateJobStatus Cancelled. */
  cancel(jobId: string, reason?: string): void {
    const job = this.job(jobId);
    if (TERMINAL_STATUSES.has(job.status) || job.status === "Cancelling") {
      throw new Error(`${LOG_PREFIX} job ${jobId} is ${job.status}: it cannot be cancelled`);
    }
    job.statusUpdateReason = reason ?? job.statusUpdateReason;
    this.setStatus(job, "Cancelling");
  }

  /** DescribeJob answers 404 NoSuchJob from now on, as AWS does 90 days after a job ended. */
  forget(jobId: string): void {
    const job = this.job(jobId);
    if (!TERMINAL_STATUSES.has(job.status)) {
      throw new Error(`${LOG_PREFIX} job ${jobId} is ${job.status}: AWS only deletes jobs that ended`);
    }
    job.forgotten = true;
    this.byId.delete(jobId);
    this.byToken.delete(`${job.request.accountId}/${job.request.clientRequestToken}`);
    this.log(`job ${jobId} forgotten: DescribeJob now answers NoSuchJob`);
  }

  /**
   * The next `n` requests, whatever they are, answer as S3 Control throttles: 503 SlowDown, or 400
   * TooManyRequestsException (the SDK retries both: SlowDown and TooManyRequestsException are in
   * its throttling codes, and 503 is a transient status).
   */
  throttleNext(n: number, code: "SlowDown" | "TooManyRequestsException" = "SlowDown"): void {
    for (let i = 0; i < n; i++) this.throttles.push(code);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all(this.runs.values());
    this.s3.destroy();
    this.log("stopped");
  }

  private log(line: string): void {
    const full = `${LOG_PREFIX} ${line}`;
    this.logLines.push(full);
    this.sink?.(full);
  }

  // ---- HTTP ----

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://simulator");
    const method = req.method ?? "GET";
    const accountId = req.headers["x-amz-account-id"] as string | undefined;
    const path = url.pathname;
    const jobMatch = /^\/v20180820\/jobs\/([^/]+)(\/status)?$/.exec(path);
    const operation: SimulatorRequest["operation"] =
      method === "POST" && path === "/v20180820/jobs"
        ? "CreateJob"
        : method === "GET" && jobMatch && !jobMatch[2]
          ? "DescribeJob"
          : method === "POST" && jobMatch?.[2]
            ? "UpdateJobStatus"
            : "Unknown";
    const entry: SimulatorRequest = {
      operation,
      method,
      path,
      host: req.headers.host,
      accountId,
      status: 200,
    };
    this.requests.push(entry);
    const requestId = randomUUID();
    const answer = (status: number, xml: string, errorCode?: string) => {
      entry.status = status;
      entry.errorCode = errorCode;
      res.writeHead(status, { "content-type": "application/xml", "x-amz-request-id": requestId });
      res.end(xml);
    };

    const throttle = this.throttles.shift();
    if (throttle) {
      this.log(`${operation} ${method} ${path}: throttled with ${throttle} (scripted)`);
      const status = throttle === "SlowDown" ? 503 : 400;
      return answer(status, errorBody(throttle, "Please reduce your request rate.", requestId), throttle);
    }
    try {
      if (operation === "CreateJob") return answer(200, createJobResult(this.createJob(body, accountId)));
      if (operation === "DescribeJob")
        return answer(200, describeJobResult(this.describe(jobMatch![1]!, accountId)));
      if (operation === "UpdateJobStatus") {
        const job = this.updateStatus(jobMatch![1]!, accountId, url.searchParams);
        return answer(200, updateJobStatusResult(job));
      }
      throw new WireError(
        501,
        "NotImplemented",
        `The batch-ops simulator does not implement ${method} ${path}: it serves CreateJob, DescribeJob and UpdateJobStatus only.`,
      );
    } catch (e) {
      if (!(e instanceof WireError)) {
        this.log(`${operation}: internal error ${(e as Error).stack ?? String(e)}`);
        return answer(500, errorBody("InternalError", String(e), requestId), "InternalError");
      }
      this.log(`${operation} ${method} ${path}: ${e.status} ${e.code}: ${e.message}`);
      return answer(e.status, errorBody(e.code, e.message, requestId), e.code);
    }
  }

  private createJob(body: string, accountId: string | undefined): string {
    const request = readCreateJob(body, accountId);
    const tokenKey = `${request.accountId}/${request.clientRequestToken}`;
    const earlier = this.byToken.get(tokenKey);
    if (earlier) {
      if (earlier.request.fingerprint !== request.fingerprint) {
        throw new WireError(
          400,
          "IdempotencyException",
          `ClientRequestToken ${showValue(request.clientRequestToken)} was used for job ${earlier.id} with a different request; use a new token for a new job.`,
        );
      }
      this.log(
        `CreateJob: token ${showValue(request.clientRequestToken)} seen before: job ${earlier.id}, nothing started`,
      );
      return earlier.id;
    }
    const job = this.newJob(request);
    this.byToken.set(tokenKey, job);
    this.runs.set(job.id, this.run(job));
    return job.id;
  }

  private newJob(request: JobRequest): SimulatedJob {
    const id = randomUUID();
    const fail = this.failJob;
    const job: SimulatedJob = {
      id,
      arn: `arn:aws:s3:${this.region}:${request.accountId}:job/${id}`,
      request,
      status: "New",
      history: ["New"],
      creationTime: new Date(),
      failureReasons: [],
      succeeded: 0,
      failed: 0,
      activeMs: 0,
      reportKeys: [],
      warnings: [],
      observed: false,
      forgotten: false,
      holdIn: this.holdIn,
      heldOnce: false,
      failJob: fail ? { code: fail.code, reason: fail.reason, afterTasks: fail.afterTasks ?? 0 } : undefined,
    };
    this.all.push(job);
    this.byId.set(id, job);
    this.log(`CreateJob: job ${id} (New) for ${request.manifest.bucket}/${request.manifest.key}`);
    return job;
  }

  private visible(jobId: string, accountId: string | undefined): SimulatedJob {
    if (accountId === undefined)
      throw new WireError(400, "InvalidRequest", "The x-amz-account-id header is required.");
    const job = this.byId.get(jobId);
    // A job of another account is as unknown as one that never was.
    if (!job || job.request.accountId !== accountId) {
      throw new WireError(404, "NoSuchJob", "The specified job does not exist");
    }
    return job;
  }

  private describe(jobId: string, accountId: string | undefined): SimulatedJob {
    const job = this.visible(jobId, accountId);
    job.observed = true;
    return job;
  }

  private updateStatus(jobId: string, accountId: string | undefined, query: URLSearchParams): SimulatedJob {
    const job = this.visible(jobId, accountId);
    const requested = query.get("requestedJobStatus");
    const reason = query.get("statusUpdateReason") ?? undefined;
    if (requested === "Ready") {
      if (job.status !== "Suspended") {
        throw new WireError(
          400,
          "JobStatusException",
          `Job ${jobId} is ${job.status}: only a Suspended job can be made Ready.`,
        );
      }
      job.statusUpdateReason = reason;
      this.setStatus(job, "Ready");
    } else if (requested === "Cancelled") {
      if (TERMINAL_STATUSES.has(job.status) || job.status === "Cancelling") {
        throw new WireError(
          400,
          "JobStatusException",
          `Job ${jobId} is ${job.status}: it cannot be cancelled.`,
        );
      }
      job.statusUpdateReason = reason;
      this.setStatus(job, "Cancelling");
    } else {
      throw new WireError(
        400,
        "InvalidRequest",
        `requestedJobStatus ${showValue(requested ?? "")} must be Ready or Cancelled.`,
      );
    }
    return job;
  }

  // ---- lifecycle ----

  private setStatus(job: SimulatedJob, status: JobStatus, why?: string): void {
    this.log(`job ${job.id}: ${job.status} -> ${status}${why ? ` (${why})` : ""}`);
    job.status = status;
    job.history.push(status);
    job.observed = false;
    if (status === "Suspended") job.suspendedDate = new Date();
    if (TERMINAL_STATUSES.has(status)) job.terminationDate = new Date();
  }

  private failWith(job: SimulatedJob, code: string, reason: string): void {
    job.failureReasons.push({ code, reason });
    this.setStatus(job, "Failing", `${code}: ${reason}`);
  }

  private async run(job: SimulatedJob): Promise<void> {
    while (!TERMINAL_STATUSES.has(job.status)) {
      await sleep(this.tickMs);
      if (this.stopped) return;
      if (this.revealEveryStatus && !job.observed) continue;
      try {
        await this.step(job);
      } catch (e) {
        this.log(`job ${job.id}: internal error ${(e as Error).stack ?? String(e)}`);
        this.failWith(job, "SimulatorInternalError", String(e));
      }
    }
  }

  private async step(job: SimulatedJob): Promise<void> {
    switch (job.status) {
      case "New":
        return this.setStatus(job, "Preparing");
      case "Preparing":
        return this.prepare(job);
      case "Ready":
        return this.setStatus(job, "Active");
      case "Active":
        return this.runTasks(job);
      case "Pausing":
        return this.setStatus(job, "Paused");
      case "Completing":
        return this.finish(job, "Complete");
      case "Failing":
        return this.finish(job, "Failed");
      case "Cancelling":
        return this.finish(job, "Cancelled");
      default:
        // Suspended and Paused wait for release() or UpdateJobStatus.
        return;
    }
  }

  /** The manifest's text, or why it cannot be read. */
  private async fetchManifest(job: SimulatedJob): Promise<string | { code: string; reason: string }> {
    const m = job.request.manifest;
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: m.bucket, Key: m.key, VersionId: m.versionId }),
      );
      if (!sameEtag(out.ETag ?? "", m.etag)) {
        out.Body?.transformToString().catch(() => undefined);
        return {
          code: "ManifestETagMismatch",
          reason: `The manifest ${m.bucket}/${m.key} has ETag ${out.ETag}, not the ${m.etag} given in Manifest.Location.ETag.`,
        };
      }
      return await out.Body!.transformToString("utf8");
    } catch (e) {
      const err = e as { name?: string; message?: string };
      return {
        code: "ManifestReadFailed",
        reason: `Reading the manifest ${m.bucket}/${m.key} failed: ${err.name}: ${err.message}`,
      };
    }
  }

  private async prepare(job: SimulatedJob): Promise<void> {
    const text = await this.fetchManifest(job);
    if (job.status !== "Preparing") return; // cancelled meanwhile
    if (typeof text !== "string") return this.failWith(job, text.code, text.reason);
    try {
      const read = readManifest(text, job.request);
      job.tasks = read.tasks;
      job.warnings.push(...read.warnings);
      for (const w of read.warnings) this.log(`job ${job.id}: warning: ${w}`);
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      return this.failWith(job, e.failureCode, e.message);
    }
    if (job.failJob && job.failJob.afterTasks === 0)
      return this.failWith(job, job.failJob.code, job.failJob.reason);
    if (job.request.confirmationRequired) {
      job.suspendedCause = "The job was created with ConfirmationRequired: true";
      return this.setStatus(job, "Suspended", "awaiting UpdateJobStatus Ready");
    }
    if (job.holdIn === "Suspended") {
      job.heldOnce = true;
      job.suspendedCause = "Held by the simulator (holdIn: Suspended)";
      return this.setStatus(job, "Suspended", "held until release()");
    }
    this.setStatus(job, "Ready");
  }

  private async runOne(job: SimulatedJob, task: SimulatedTask): Promise<void> {
    const scripted = this.failTask?.(task.bucket, task.key);
    let failure: TaskFailure | undefined = scripted;
    if (!scripted) {
      const src = `${task.bucket}/${task.key}${task.versionId ? `?versionId=${task.versionId}` : ""}`;
      failure = await runTask(this.s3, job.request.operation, task, this.copyLimit, (input) =>
        this.copies.push(`${src} -> ${input.Bucket}/${input.Key}`),
      );
    }
    if (failure) {
      task.status = "failed";
      task.failure = failure;
      job.failed++;
      this.log(
        `job ${job.id}: task ${task.row} ${task.bucket}/${task.key} failed${scripted ? " (scripted)" : ""}: ${failure.httpStatus} ${failure.errorCode}`,
      );
    } else {
      task.status = "succeeded";
      job.succeeded++;
    }
  }

  private async runTasks(job: SimulatedJob): Promise<void> {
    const started = Date.now();
    const tasks = job.tasks ?? [];
    const batch = tasks.filter((t) => t.status === "pending").slice(0, this.tasksPerTick);
    await Promise.all(batch.map((t) => this.runOne(job, t)));
    job.activeMs += Date.now() - started;
    if (job.status !== "Active") return; // cancelled while the tasks ran
    const ran = job.succeeded + job.failed;
    const left = tasks.length - ran;
    if (job.failJob && ran >= job.failJob.afterTasks) {
      return this.failWith(job, job.failJob.code, job.failJob.reason);
    }
    if (left === 0) return this.setStatus(job, "Completing");
    if (job.holdIn === "Paused" && !job.heldOnce) {
      job.heldOnce = true;
      this.setStatus(job, "Pausing", "held until release()");
    }
  }

  /** Writes the report (when enabled, and for failed or cancelled jobs only when a task ran), then ends. */
  private async finish(job: SimulatedJob, end: "Complete" | "Failed" | "Cancelled"): Promise<void> {
    const from = job.status;
    const r = job.request.report;
    const ran = job.succeeded + job.failed;
    if (r.enabled && r.bucket && r.scope && (end === "Complete" || ran > 0)) {
      try {
        const ranTasks = (job.tasks ?? []).filter((t) => t.status !== "pending");
        job.reportKeys = await writeReport(
          this.s3,
          { jobId: job.id, bucket: r.bucket, prefix: r.prefix, scope: r.scope },
          ranTasks,
        );
      } catch (e) {
        const err = e as { name?: string; message?: string };
        if (end === "Complete") {
          return this.failWith(
            job,
            "ReportWriteFailed",
            `Writing the completion report failed: ${err.name}: ${err.message}`,
          );
        }
        this.log(`job ${job.id}: writing the report failed: ${err.name}: ${err.message}`);
      }
    }
    if (job.status !== from) return; // cancelled while the report was written: the next step ends it
    this.setStatus(job, end);
  }
}
