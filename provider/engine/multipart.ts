import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  type CompleteMultipartUploadCommandOutput,
  CreateMultipartUploadCommand,
  type CreateMultipartUploadCommandInput,
  ListMultipartUploadsCommand,
  type S3Client,
  UploadPartCopyCommand,
  type UploadPartCopyCommandInput,
} from "@aws-sdk/client-s3";

import { MAX_PART_ATTEMPTS } from "./constants";
import { awsErrorCode, httpStatus, ObjectCopyError, wrapAwsError } from "./errors";
import { partRange, type PartPlan } from "./plan";

/** What every UploadPartCopy repeats: source, pins, keys, owners. Part number and range are added per part. */
export type PartTemplate = Omit<UploadPartCopyCommandInput, "PartNumber" | "CopySourceRange" | "UploadId">;

export interface MultipartCopyRequest {
  client: S3Client;
  create: CreateMultipartUploadCommandInput;
  part: PartTemplate;
  plan: PartPlan;
  concurrency: number;
  /** Told the upload id as soon as it exists (the stale-upload scan must never abort it). */
  onCreated?: (uploadId: string) => void;
  onPart?: (done: { parts: number; bytes: number }) => void;
  /** Base delay between part attempts; tests shorten it. */
  retryDelayMs?: number;
}

export interface MultipartCopyResult {
  output: CompleteMultipartUploadCommandOutput;
  uploadId: string;
}

// Errors that say the request itself is wrong (or the source moved) are not worth repeating.
const FINAL_CODES = new Set([
  "PreconditionFailed",
  "AccessDenied",
  "NoSuchKey",
  "NoSuchUpload",
  "NoSuchBucket",
  "InvalidRequest",
  "InvalidArgument",
  "InvalidObjectState",
  "InvalidRange",
]);

export function isRetryable(err: unknown): boolean {
  const code = awsErrorCode(err);
  if (code && FINAL_CODES.has(code)) return false;
  const status = httpStatus(err);
  // 200-with-<Error> bodies surface from the SDK without a 4xx status; those are retryable.
  return (
    status === undefined ||
    status >= 500 ||
    status === 200 ||
    status === 429 ||
    code === "SlowDown" ||
    code === "RequestTimeout"
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * CreateMultipartUpload, UploadPartCopy for every part with `concurrency` in flight, then
 * CompleteMultipartUpload. Any failure (a part out of retries, a 412 because the source changed,
 * SIGINT/SIGTERM) aborts the upload so no parts are left to be billed.
 */
export async function multipartCopy(req: MultipartCopyRequest): Promise<MultipartCopyResult> {
  const { client } = req;
  const target = `s3://${req.create.Bucket}/${req.create.Key}`;
  let uploadId: string;
  try {
    const created = await client.send(new CreateMultipartUploadCommand(req.create));
    if (!created.UploadId) throw new Error("no UploadId in the response");
    uploadId = created.UploadId;
  } catch (err) {
    throw wrapAwsError("CreateMultipartUpload", target, err);
  }

  req.onCreated?.(uploadId);

  const abort = async () => {
    await client
      .send(
        new AbortMultipartUploadCommand({
          Bucket: req.create.Bucket,
          Key: req.create.Key,
          UploadId: uploadId,
          ExpectedBucketOwner: req.create.ExpectedBucketOwner,
          RequestPayer: req.create.RequestPayer,
        }),
      )
      .catch(() => undefined);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // Abort before dying, then let the signal do what it would have done.
    void abort().finally(() => {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
      process.kill(process.pid, signal);
    });
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    const parts = await copyParts(req, uploadId);
    try {
      const output = await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: req.create.Bucket,
          Key: req.create.Key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
          ExpectedBucketOwner: req.create.ExpectedBucketOwner,
          RequestPayer: req.create.RequestPayer,
          SSECustomerAlgorithm: req.create.SSECustomerAlgorithm,
          SSECustomerKey: req.create.SSECustomerKey,
          SSECustomerKeyMD5: req.create.SSECustomerKeyMD5,
        }),
      );
      return { output, uploadId };
    } catch (err) {
      throw wrapAwsError("CompleteMultipartUpload", target, err);
    }
  } catch (err) {
    await abort();
    throw err;
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

async function copyParts(req: MultipartCopyRequest, uploadId: string): Promise<CompletedPart[]> {
  const { plan } = req;
  const parts: CompletedPart[] = new Array(plan.partCount);
  let next = 1;
  let failed: unknown;
  let partsDone = 0;
  let bytesDone = 0;

  const worker = async () => {
    while (failed === undefined && next <= plan.partCount) {
      const range = partRange(plan, next++);
      try {
        const out = await copyOnePart(req, uploadId, range.partNumber, `bytes=${range.first}-${range.last}`);
        parts[range.partNumber - 1] = { PartNumber: range.partNumber, ...out };
        partsDone += 1;
        bytesDone += range.last - range.first + 1;
        req.onPart?.({ parts: partsDone, bytes: bytesDone });
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(req.concurrency, plan.partCount) }, worker));
  if (failed !== undefined) throw failed;
  return parts;
}

async function copyOnePart(
  req: MultipartCopyRequest,
  uploadId: string,
  partNumber: number,
  range: string,
): Promise<Omit<CompletedPart, "PartNumber">> {
  const target = `s3://${req.create.Bucket}/${req.create.Key} part ${partNumber} (${range})`;
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await req.client.send(
        new UploadPartCopyCommand({
          ...req.part,
          UploadId: uploadId,
          PartNumber: partNumber,
          CopySourceRange: range,
        }),
      );
      const r = out.CopyPartResult;
      if (!r?.ETag)
        throw Object.assign(new Error("UploadPartCopy returned no ETag"), { name: "InternalError" });
      return {
        ETag: r.ETag,
        ChecksumCRC32: r.ChecksumCRC32,
        ChecksumCRC32C: r.ChecksumCRC32C,
        ChecksumCRC64NVME: r.ChecksumCRC64NVME,
        ChecksumSHA1: r.ChecksumSHA1,
        ChecksumSHA256: r.ChecksumSHA256,
      };
    } catch (err) {
      if (awsErrorCode(err) === "PreconditionFailed") {
        throw new ObjectCopyError(
          "SOURCE_CHANGED_DURING_COPY",
          `the source ${req.part.CopySource} changed while ${target} was being copied (412 PreconditionFailed); ` +
            `the upload was aborted and nothing was written; run up again to copy the new source`,
        );
      }
      if (!isRetryable(err) || attempt >= MAX_PART_ATTEMPTS) throw partFailure(req, target, err);
      await sleep((req.retryDelayMs ?? 200) * 2 ** (attempt - 1));
    }
  }
}

function partFailure(req: MultipartCopyRequest, target: string, err: unknown): ObjectCopyError {
  const wrapped = wrapAwsError("UploadPartCopy", target, err);
  if (req.create.ChecksumAlgorithm && /checksum/i.test(wrapped.message)) {
    // S3 checksums copied parts itself; some S3-compatible servers expect the client to, and cannot.
    return new ObjectCopyError(
      wrapped.code,
      `${wrapped.message.slice(wrapped.code.length + 2)}; this server did not compute the part checksum itself: ` +
        `remove checksumAlgorithm, or raise multipartThreshold so the copy is a single CopyObject`,
    );
  }
  return wrapped;
}

/**
 * Aborts multipart uploads left open on exactly this destination key. ObjectCopy owns its
 * destination key, so an upload open there before this attempt began can only be an earlier
 * attempt that was killed before it could abort (or another writer racing for the same key).
 *
 * It runs beside the copy, so `ownUpload` settles with this attempt's upload id once that exists
 * (or with undefined when there is none); no candidate is aborted before then, and never that one.
 */
export async function abortStaleUploads(
  client: S3Client,
  bucket: string,
  key: string,
  startedBefore: Date,
  owner?: { ExpectedBucketOwner?: string; RequestPayer?: "requester" },
  ownUpload: Promise<string | undefined> = Promise.resolve(undefined),
): Promise<string[]> {
  const aborted: string[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  do {
    const page = await client.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        Prefix: key,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
        ExpectedBucketOwner: owner?.ExpectedBucketOwner,
        RequestPayer: owner?.RequestPayer,
      }),
    );
    for (const u of page.Uploads ?? []) {
      if (u.Key !== key || !u.UploadId || (u.Initiated && u.Initiated >= startedBefore)) continue;
      if (u.UploadId === (await ownUpload)) continue;
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: u.UploadId, ...owner }),
      );
      aborted.push(u.UploadId);
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
  } while (keyMarker);
  return aborted;
}
