// What the batch-ops simulator does on the real local S3: one S3PutObjectCopy task as a CopyObject,
// and the completion report in the layout of AWS's "Examples: S3 Batch Operations completion reports".

import { createHash } from "node:crypto";

import {
  CopyObjectCommand,
  type CopyObjectCommandInput,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";

import { awsErrorCode, httpStatus } from "../../../provider/engine/errors";
import { type CopyOperation, REPORT_FORMAT } from "./create-job";
import { csvRow } from "./csv";

/** CopyObject's own limit for a copy source (S3 API reference): 5 GiB. */
export const COPY_SOURCE_MAX_BYTES = 5 * 1024 ** 3;
export const REPORT_SCHEMA = "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage";
/** ResultMessage of a succeeded task in AWS's example report. */
const SUCCESS_MESSAGE = "Successful";

export interface TaskFailure {
  errorCode: string;
  httpStatus: number;
  message: string;
}

export interface SimulatedTask {
  /** Row number in the manifest, from 1. */
  row: number;
  bucket: string;
  /** The key exactly as the manifest spelled it (URL-encoded); the report repeats it. */
  manifestKey: string;
  /** The decoded key: the object the task copies. */
  key: string;
  versionId?: string;
  status: "pending" | "succeeded" | "failed";
  destinationKey: string;
  failure?: TaskFailure;
}

/** A copy source as CopyObject wants it: bucket/key, the key URL-encoded per segment. */
function copySource(task: SimulatedTask): string {
  const key = task.key.split("/").map(encodeURIComponent).join("/");
  const version = task.versionId ? `?versionId=${encodeURIComponent(task.versionId)}` : "";
  return `${task.bucket}/${key}${version}`;
}

function tagging(tags: { Key: string; Value: string }[]): string {
  return tags.map((t) => `${encodeURIComponent(t.Key)}=${encodeURIComponent(t.Value)}`).join("&");
}

/** The CopyObject request that performs one task of an S3PutObjectCopy operation. */
export function copyRequest(op: CopyOperation, task: SimulatedTask): CopyObjectCommandInput {
  const input: CopyObjectCommandInput = {
    Bucket: op.targetBucket,
    Key: task.destinationKey,
    CopySource: copySource(task),
    MetadataDirective: op.metadataDirective,
    StorageClass: op.storageClass as CopyObjectCommandInput["StorageClass"],
    ACL: op.cannedAcl as CopyObjectCommandInput["ACL"],
    ChecksumAlgorithm: op.checksumAlgorithm as CopyObjectCommandInput["ChecksumAlgorithm"],
    RequestPayer: op.requesterPays ? "requester" : undefined,
    WebsiteRedirectLocation: op.redirectLocation,
    CopySourceIfModifiedSince: op.modifiedSince,
    CopySourceIfUnmodifiedSince: op.unmodifiedSince,
    ObjectLockLegalHoldStatus:
      op.objectLockLegalHoldStatus as CopyObjectCommandInput["ObjectLockLegalHoldStatus"],
    ObjectLockMode: op.objectLockMode as CopyObjectCommandInput["ObjectLockMode"],
    ObjectLockRetainUntilDate: op.objectLockRetainUntilDate,
    BucketKeyEnabled: op.bucketKeyEnabled,
  };
  const meta = op.newObjectMetadata;
  // NewObjectMetadata is the object's metadata only under REPLACE; under COPY S3 keeps the source's.
  if (op.metadataDirective === "REPLACE" && meta) {
    Object.assign(input, {
      Metadata: meta.userMetadata,
      CacheControl: meta.cacheControl,
      ContentDisposition: meta.contentDisposition,
      ContentEncoding: meta.contentEncoding,
      ContentLanguage: meta.contentLanguage,
      ContentType: meta.contentType,
      Expires: meta.httpExpiresDate,
    });
  }
  if (op.sseAwsKmsKeyId) {
    input.ServerSideEncryption = "aws:kms";
    input.SSEKMSKeyId = op.sseAwsKmsKeyId;
  } else if (meta?.sseAlgorithm) {
    input.ServerSideEncryption = meta.sseAlgorithm === "KMS" ? "aws:kms" : "AES256";
  }
  if (op.newObjectTagging) {
    input.TaggingDirective = "REPLACE";
    input.Tagging = tagging(op.newObjectTagging);
  }
  return input;
}

function failureOf(err: unknown): TaskFailure {
  return {
    errorCode: awsErrorCode(err) ?? "InternalError",
    httpStatus: httpStatus(err) ?? 500,
    message: (err as Error | undefined)?.message ?? String(err),
  };
}

/**
 * Runs one task. A source over `limitBytes` fails as S3's CopyObject refuses it (400
 * InvalidRequest), so tests can use a small limit; the HEAD that measures it is not itself a task
 * error: when it fails, CopyObject reports the real one.
 */
export async function runTask(
  s3: S3Client,
  op: CopyOperation,
  task: SimulatedTask,
  limitBytes: number,
  onCopy: (input: CopyObjectCommandInput) => void,
): Promise<TaskFailure | undefined> {
  const size = await s3
    .send(new HeadObjectCommand({ Bucket: task.bucket, Key: task.key, VersionId: task.versionId }))
    .then(
      (h) => h.ContentLength,
      () => undefined,
    );
  if (size !== undefined && size > limitBytes) {
    return {
      errorCode: "InvalidRequest",
      httpStatus: 400,
      message: `The specified copy source is larger than the maximum allowable size for a copy source: ${limitBytes}`,
    };
  }
  const input = copyRequest(op, task);
  onCopy(input);
  try {
    await s3.send(new CopyObjectCommand(input));
    return undefined;
  } catch (err) {
    return failureOf(err);
  }
}

function reportRow(task: SimulatedTask): string {
  const f = task.failure;
  // AWS's example rows put the HTTP status before the error code, whatever ReportSchema says.
  return f
    ? csvRow([
        task.bucket,
        task.manifestKey,
        task.versionId ?? "",
        "failed",
        String(f.httpStatus),
        f.errorCode,
        f.message,
      ])
    : csvRow([task.bucket, task.manifestKey, task.versionId ?? "", "succeeded", "200", "", SUCCESS_MESSAGE]);
}

export interface ReportTarget {
  jobId: string;
  bucket: string;
  prefix: string;
  scope: "AllTasks" | "FailedTasksOnly";
}

/** `<Prefix>/job-<id>`, or `job-<id>` at the bucket root when Prefix is empty. */
export function reportRoot(prefix: string, jobId: string): string {
  return prefix ? `${prefix}/job-${jobId}` : `job-${jobId}`;
}

/**
 * Writes the result CSVs (one for succeeded, one for failed tasks, each only when it has rows) and
 * manifest.json listing them with their MD5s. Encrypted with SSE-S3, as AWS says its reports always are.
 * Returns the keys written.
 */
export async function writeReport(
  s3: S3Client,
  target: ReportTarget,
  tasks: SimulatedTask[],
): Promise<string[]> {
  const root = reportRoot(target.prefix, target.jobId);
  const results: { TaskExecutionStatus: string; Bucket: string; MD5Checksum: string; Key: string }[] = [];
  const written: string[] = [];
  const groups: ["succeeded" | "failed", SimulatedTask[]][] = [
    ["succeeded", target.scope === "AllTasks" ? tasks.filter((t) => t.status === "succeeded") : []],
    ["failed", tasks.filter((t) => t.status === "failed")],
  ];
  for (const [status, rows] of groups) {
    if (rows.length === 0) continue;
    const body = rows.map(reportRow).join("");
    const name = createHash("sha1").update(`${target.jobId}/${status}`).digest("hex");
    const key = `${root}/results/${name}.csv`;
    await s3.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: key,
        Body: body,
        ContentType: "text/csv",
        ServerSideEncryption: "AES256",
      }),
    );
    written.push(key);
    results.push({
      TaskExecutionStatus: status,
      Bucket: target.bucket,
      MD5Checksum: createHash("md5").update(body).digest("hex"),
      Key: key,
    });
  }
  const manifest = {
    Format: REPORT_FORMAT,
    ReportCreationDate: new Date().toISOString(),
    Results: results,
    ReportSchema: REPORT_SCHEMA,
  };
  const manifestKey = `${root}/manifest.json`;
  await s3.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: manifestKey,
      Body: JSON.stringify(manifest),
      ContentType: "application/json",
      ServerSideEncryption: "AES256",
    }),
  );
  written.push(manifestKey);
  return written;
}
