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

import { type CancelRegistry, type CancelScope, type CancelSignal, processCancels } from "../cancel";
import { abortClientFor, partSlots, selfThrottledClientFor } from "../clients";
import { ConcurrencyController, isThrottling } from "../concurrency";
import {
  INITIATED_MARGIN_MS,
  MAX_PART_ATTEMPTS,
  MAX_PART_THROTTLES,
  PART_THROTTLE_WAIT_BASE_MS,
  PART_THROTTLE_WAIT_MAX_MS,
} from "../constants";
import { awsErrorCode, httpStatus, ObjectCopyError, withHint, wrapAwsError } from "../errors";
import { completedVersionFailure } from "./completed";
import { sseCBlockedHint } from "./encryption";
import { partRange, type PartPlan, type PartRange } from "./parts";
import { mayHaveWritten } from "./stray-versions";
import { copyTimeoutMs, isTimeout, timeoutError, timeouts } from "../timeouts";

/** What every UploadPartCopy repeats: source, pins, keys, owners. Part number and range are added per part. */
export type PartTemplate = Omit<UploadPartCopyCommandInput, "PartNumber" | "CopySourceRange" | "UploadId">;

export interface MultipartCopyRequest {
  client: S3Client;
  /**
   * Sends AbortMultipartUpload and the clean-up after a lost Create answer. Defaults to the
   * client's abort twin (clients.ts), which parts cannot crowd out.
   */
  abortClient?: S3Client;
  create: CreateMultipartUploadCommandInput;
  part: PartTemplate;
  plan: PartPlan;
  /** Parts in flight: exactly that many, or with `adaptive` the most the controller may use. */
  concurrency: number;
  /**
   * Whether the parts in flight are found while the copy runs (concurrency/controller.ts), between
   * 1 and `concurrency`, instead of fixed at `concurrency`. Either way throttled or retried parts
   * lower it for a while.
   */
  adaptive?: boolean;
  /** Told the upload id as soon as it exists (the stale-upload scan must never abort it). */
  onCreated?: (uploadId: string) => void;
  /** After each part: the parts and bytes done so far, and the parts permitted in flight now. */
  onPart?: (done: { parts: number; bytes: number; concurrency: number }) => void;
  /** Base delay between part attempts; tests shorten it. */
  retryDelayMs?: number;
  /** How long a part waits after its n-th throttle (default partThrottleWaitMs); tests shorten it. */
  throttleWaitMs?: (throttles: number) => number;
  /** Where SIGINT/SIGTERM reach this copy; tests pass their own registry. */
  cancels?: CancelRegistry;
  /** The caller's own cancel (a set stopping its copies): handled like a signal. */
  signal?: AbortSignal;
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
  // A request this process gave up on (a signal): repeating it is the opposite of what was asked.
  "AbortError",
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

/** Waits `ms`, or less if the signal aborts first (the caller checks which). */
const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });

const wrap = (operation: string, target: string, err: unknown) =>
  isTimeout(err) ? timeoutError(operation, target, err) : wrapAwsError(operation, target, err);

/** What stopped a copy: a process signal, or the caller's own abort. */
type Stop = CancelSignal | "a cancel";

function cancelledError(signal: Stop, target: string, uploadAborted: boolean | undefined) {
  const what =
    uploadAborted === undefined
      ? " before its multipart upload was created; nothing was written"
      : uploadAborted
        ? "; its multipart upload was aborted and nothing was written"
        : "; aborting its multipart upload failed, so it stays open (an ObjectCopy's next up on this key " +
          "aborts it; a set's does only after a killed run): see the line that names it";
  return new ObjectCopyError("COPY_CANCELLED", `${signal} arrived while copying to ${target}${what}`);
}

/**
 * CreateMultipartUpload, UploadPartCopy for every part with up to `concurrency` in flight, then
 * CompleteMultipartUpload. Any failure (a part out of retries, a 412 because the source changed,
 * SIGINT/SIGTERM) aborts the upload so no parts are left to be billed. On a signal no part starts,
 * the parts in flight are given up, the abort goes out on its own sockets, and the process's
 * handler (cancel.ts) waits for it before the signal ends the process.
 */
export async function multipartCopy(req: MultipartCopyRequest): Promise<MultipartCopyResult> {
  const target = `s3://${req.create.Bucket}/${req.create.Key}`;
  const scope = (req.cancels ?? processCancels).openScope(`CreateMultipartUpload for ${target}`);
  try {
    return await copyInScope(req, scope, target);
  } finally {
    scope.close();
  }
}

/** The process's cancel scope joined with the caller's signal, when there is one. */
function joined(scope: CancelScope, signal: AbortSignal | undefined): CancelScope & { stoppedBy?: Stop } {
  const both = signal ? AbortSignal.any([scope.signal, signal]) : scope.signal;
  return {
    signal: both,
    get cancelledBy() {
      return scope.cancelledBy;
    },
    get stoppedBy(): Stop | undefined {
      return scope.cancelledBy ?? (signal?.aborted ? "a cancel" : undefined);
    },
    describe: (what: string) => scope.describe(what),
    close: () => scope.close(),
  };
}

async function copyInScope(
  req: MultipartCopyRequest,
  processScope: CancelScope,
  target: string,
): Promise<MultipartCopyResult> {
  const scope = joined(processScope, req.signal);
  const { client } = req;
  const aborter = req.abortClient ?? abortClientFor(client);
  if (scope.stoppedBy) throw cancelledError(scope.stoppedBy, target, undefined);

  // Create is never given up on a signal: the upload may exist before its answer arrives, and
  // only the answer says which id to abort.
  // S3 dates an assembled object by when its upload began, not when it was completed.
  const createSentAt = Date.now();
  const { uploadId, strays } = await createUpload(req, aborter, target);
  req.onCreated?.(uploadId);
  scope.describe(`AbortMultipartUpload of ${uploadId} on ${target}`);

  try {
    if (scope.stoppedBy) throw cancelledError(scope.stoppedBy, target, true);
    const parts = await copyParts(req, uploadId, scope);
    if (scope.stoppedBy) throw cancelledError(scope.stoppedBy, target, true);
    try {
      // Not given up on a signal either: S3 may finish assembling the object regardless.
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
        { requestTimeout: timeouts().completeMs },
      );
      return { output, uploadId };
    } catch (err) {
      const failure = wrap("CompleteMultipartUpload", target, err);
      if (!mayHaveWritten(err)) throw failure;
      throw await completeMayHaveWritten(
        req,
        { aborter, uploadId, parts, sentAt: createSentAt, target },
        failure,
      );
    }
  } catch (err) {
    const aborted = await abortUpload(aborter, req.create, uploadId, target);
    if (scope.stoppedBy) throw cancelledError(scope.stoppedBy, target, aborted);
    throw err;
  } finally {
    await strays;
  }
}

/**
 * CreateMultipartUpload. When its answer was lost (a reset or timeout after S3 acted), the SDK's
 * retry opens a second upload and the first stays open, unseen; after a Create that took more than
 * one attempt, or failed in a way that may have reached S3, the uploads on this key that began
 * while it ran, other than the one it returned, are aborted. That runs beside the copy.
 */
async function createUpload(
  req: MultipartCopyRequest,
  aborter: S3Client,
  target: string,
): Promise<{ uploadId: string; strays: Promise<void> }> {
  const sentAt = Date.now();
  let created;
  try {
    created = await req.client.send(new CreateMultipartUploadCommand(req.create));
  } catch (err) {
    if (isRetryable(err)) await abortStrays(req, aborter, { sentAt, answeredAt: Date.now() }, target);
    throw withHint(
      wrap("CreateMultipartUpload", target, err),
      sseCBlockedHint(httpStatus(err), Boolean(req.create.SSECustomerKey)),
    );
  }
  if (!created.UploadId) {
    throw wrapAwsError("CreateMultipartUpload", target, new Error("no UploadId in the response"));
  }
  const retried = (created.$metadata?.attempts ?? 1) > 1;
  const window = { sentAt, answeredAt: Date.now(), own: created.UploadId };
  return {
    uploadId: created.UploadId,
    strays: retried ? abortStrays(req, aborter, window, target) : Promise.resolve(),
  };
}

/** Uploads on exactly this key: id and when S3 says it began. */
async function uploadsOnKey(
  aborter: S3Client,
  create: CreateMultipartUploadCommandInput,
): Promise<{ id: string; at?: number }[]> {
  const { Bucket, Key, ExpectedBucketOwner, RequestPayer } = create;
  const found: { id: string; at?: number }[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  do {
    const page = await aborter.send(
      new ListMultipartUploadsCommand({
        Bucket,
        Prefix: Key,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
        ExpectedBucketOwner,
        RequestPayer,
      }),
    );
    for (const u of page?.Uploads ?? []) {
      if (u.Key === Key && u.UploadId) found.push({ id: u.UploadId, at: u.Initiated?.getTime() });
    }
    keyMarker = page?.IsTruncated ? page.NextKeyMarker : undefined;
    uploadIdMarker = page?.IsTruncated ? page.NextUploadIdMarker : undefined;
  } while (keyMarker);
  return found;
}

/**
 * Aborts the uploads a Create's lost attempts opened: those on its key that S3 began within the
 * time the Create ran. The window is read on S3's clock where possible, around our own upload's
 * Initiated (a lost attempt began at most the Create's duration before it); with no upload of ours
 * to measure against, on our clock corrected by the SDK's skew estimate.
 */
async function abortStrays(
  req: MultipartCopyRequest,
  aborter: S3Client,
  window: { sentAt: number; answeredAt: number; own?: string },
  target: string,
): Promise<void> {
  let aborted = 0;
  try {
    const uploads = await uploadsOnKey(aborter, req.create);
    const ownAt = uploads.find((u) => u.id === window.own)?.at;
    const skew = (req.client.config as { systemClockOffset?: number }).systemClockOffset ?? 0;
    const [from, until] =
      ownAt !== undefined
        ? [ownAt - (window.answeredAt - window.sentAt), ownAt]
        : [window.sentAt + skew, window.answeredAt + skew];
    for (const u of uploads) {
      if (u.id === window.own || u.at === undefined) continue;
      if (u.at < from - INITIATED_MARGIN_MS || u.at > until + INITIATED_MARGIN_MS) continue;
      if (await abortUpload(aborter, req.create, u.id, target)) aborted += 1;
    }
  } catch (err) {
    console.error(
      `could not look for uploads a lost CreateMultipartUpload answer left on ${target}: ${awsErrorCode(err)}; ` +
        `an ObjectCopy's next up on this key aborts them; otherwise list them with aws s3api list-multipart-uploads`,
    );
  }
  if (aborted)
    console.log(
      `aborted ${aborted} multipart upload(s) a lost CreateMultipartUpload answer left on ${target}`,
    );
}

/**
 * A Complete whose answer was lost (or that S3 failed on its side) may have been carried out. An
 * abort then tells which: it finds the upload (nothing was assembled) or NoSuchUpload, and then
 * the object was written, at a version no one would record. That version is removed, as a lost
 * CopyObject's is, and the error says so.
 */
async function completeMayHaveWritten(
  req: MultipartCopyRequest,
  upload: { aborter: S3Client; uploadId: string; parts: CompletedPart[]; sentAt: number; target: string },
  failure: ObjectCopyError,
): Promise<ObjectCopyError> {
  const { Bucket, Key } = req.create;
  try {
    await upload.aborter.send(abortCommand(req.create, upload.uploadId));
    // The upload was still there: nothing was assembled, and the caller's abort is a no-op now.
    return new ObjectCopyError(
      failure.code,
      `${failure.detail.replace("; whether it took effect is unknown", "")}; ` +
        `the upload was still open, so S3 assembled nothing, and it is aborted`,
    );
  } catch (err) {
    if (awsErrorCode(err) !== "NoSuchUpload") return failure; // the caller's abort tries again
  }
  return completedVersionFailure(req.client, failure, {
    bucket: Bucket!,
    key: Key!,
    owner: { ExpectedBucketOwner: req.create.ExpectedBucketOwner, RequestPayer: req.create.RequestPayer },
    sentAt: upload.sentAt,
    size: req.plan.size,
    parts: upload.parts,
  });
}

/** The AbortMultipartUpload of one upload of this copy, with the copy's owner fields. */
const abortCommand = (create: CreateMultipartUploadCommandInput, uploadId: string) =>
  new AbortMultipartUploadCommand({
    Bucket: create.Bucket,
    Key: create.Key,
    UploadId: uploadId,
    ExpectedBucketOwner: create.ExpectedBucketOwner,
    RequestPayer: create.RequestPayer,
  });

/** Aborts one upload; true when it is gone (already gone counts). Never throws: it runs on error paths. */
async function abortUpload(
  aborter: S3Client,
  create: CreateMultipartUploadCommandInput,
  uploadId: string,
  target: string,
): Promise<boolean> {
  try {
    await aborter.send(abortCommand(create, uploadId));
    return true;
  } catch (err) {
    if (awsErrorCode(err) === "NoSuchUpload") return true;
    console.error(
      `could not abort multipart upload ${uploadId} on ${target} (${awsErrorCode(err)}); its parts are billed ` +
        `until it is aborted: run aws s3api abort-multipart-upload --bucket ${create.Bucket} --key ${create.Key} ` +
        `--upload-id ${uploadId} (an ObjectCopy's next up on this key also does)`,
    );
    return false;
  }
}

/**
 * The parts' controller: one per copy, so each copy finds its own server's knee. Never above the
 * part count, where no window could fill. Adaptive starts at the ceiling and looks down from
 * there: a copy's first turn then runs as the fixed setting would, and on a server that is fastest
 * at the ceiling (S3) the search costs one window at lower concurrency. The controller knows the
 * parts left (`pending`), so a copy too short to pay for a step down stays at the ceiling, as the
 * fixed setting would, instead of leaving a tail of parts at half the concurrency.
 */
function partController(req: MultipartCopyRequest, pending: () => number): ConcurrencyController {
  const ceiling = Math.max(1, Math.min(Math.floor(req.concurrency), req.plan.partCount));
  return new ConcurrencyController({
    mode: req.adaptive ? "adaptive" : "fixed",
    initial: ceiling,
    max: ceiling,
    pending,
  });
}

/**
 * A part to send, and what it met so far: throttled answers, and the attempts and requests spent
 * on other failures. They carry over when a throttled part goes back in line, so the part's
 * MAX_PART_ATTEMPTS and its error's request count cover all of its sends.
 */
interface PartTry {
  range: PartRange;
  throttles: number;
  attempts: number;
  requests: number;
  /** When it was first throttled, for the error if it runs out of throttles. */
  firstThrottledAt?: number;
}

/** A part's answer was throttled: it goes back in line. */
class PartThrottled {
  constructor(readonly err: unknown) {}
}

/**
 * A part throttled more than MAX_PART_THROTTLES times. Its own code, not S3's SlowDown: a set's
 * scheduler must not requeue the whole object (a new upload, every part again) after the part
 * has already waited out a minute or more of throttling.
 */
function throttledTooOften(req: MultipartCopyRequest, item: PartTry, concurrency: number): ObjectCopyError {
  const { range } = item;
  const seconds = Math.round((Date.now() - (item.firstThrottledAt ?? Date.now())) / 1000);
  return new ObjectCopyError(
    "S3_UPLOADPARTCOPY_THROTTLED",
    `UploadPartCopy on s3://${req.create.Bucket}/${req.create.Key} part ${range.partNumber} ` +
      `(bytes=${range.first}-${range.last}) was answered 503 SlowDown ${item.throttles} times over ${seconds}s, ` +
      `with ${concurrency} parts in flight at the end; the upload was aborted and nothing was written. ` +
      `S3 limits writes per prefix: run up again later, or lower concurrency`,
  );
}

/** How long a throttled part waits before it is sent again: doubling per throttle, jittered. */
export function partThrottleWaitMs(throttles: number, random: () => number = Math.random): number {
  const ceiling = Math.min(PART_THROTTLE_WAIT_MAX_MS, PART_THROTTLE_WAIT_BASE_MS * 2 ** (throttles - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

async function copyParts(
  req: MultipartCopyRequest,
  uploadId: string,
  scope: CancelScope,
): Promise<CompletedPart[]> {
  const { plan } = req;
  const slots = partSlots(req.client);
  const client = selfThrottledClientFor(req.client);
  const parts: CompletedPart[] = new Array(plan.partCount);
  let next = 1;
  // Throttled parts wait here, not counted in flight, so the server sees exactly the controller's
  // limit; they go first once their wait is over.
  const waiting: (PartTry & { at: number })[] = [];
  const control = partController(req, () => plan.partCount - next + 1 + waiting.length);
  let running = 0;
  let failed: unknown;
  let partsDone = 0;
  let bytesDone = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  const stop = () => failed !== undefined || scope.signal.aborted;

  let finish: () => void = () => undefined;
  const allSettled = new Promise<void>((resolve) => (finish = resolve));
  const due = (): PartTry | undefined => {
    const now = Date.now();
    const i = waiting.findIndex((w) => w.at <= now);
    return i < 0 ? undefined : waiting.splice(i, 1)[0];
  };
  // Starts parts while the controller permits more (it changes its limit as answers arrive).
  const pump = () => {
    while (!stop() && running < control.limit) {
      const item =
        due() ??
        (next <= plan.partCount
          ? { range: partRange(plan, next++), throttles: 0, attempts: 0, requests: 0 }
          : undefined);
      if (!item) break;
      running += 1;
      void runPart(item);
    }
    // With room to spare, wake for the next waiting part (sooner if one joined with a shorter
    // wait); at the limit, the next answer pumps.
    const soonest = waiting.length > 0 ? Math.min(...waiting.map((w) => w.at)) : Infinity;
    if (!stop() && soonest < timerAt && running < control.limit) {
      clearTimeout(timer);
      timerAt = soonest;
      timer = setTimeout(
        () => {
          timer = undefined;
          timerAt = Infinity;
          pump();
        },
        Math.max(0, soonest - Date.now()),
      );
    }
    if (running === 0 && (stop() || (waiting.length === 0 && next > plan.partCount))) {
      clearTimeout(timer);
      timer = undefined;
      finish();
    }
  };
  const runPart = async (item: PartTry) => {
    let release = () => {};
    try {
      if (slots) release = await slots.acquire(scope.signal);
      if (stop()) return;
      const { range } = item;
      const out = await copyOnePart(req, client, uploadId, item, scope.signal, control);
      parts[range.partNumber - 1] = { PartNumber: range.partNumber, ...out };
      partsDone += 1;
      bytesDone += range.last - range.first + 1;
      req.onPart?.({ parts: partsDone, bytes: bytesDone, concurrency: control.limit });
    } catch (err) {
      if (!(err instanceof PartThrottled)) failed ??= err;
      else {
        item.throttles += 1;
        item.firstThrottledAt ??= Date.now();
        const wait = (req.throttleWaitMs ?? partThrottleWaitMs)(item.throttles);
        if (item.throttles > MAX_PART_THROTTLES) failed ??= throttledTooOften(req, item, control.limit);
        else waiting.push({ ...item, at: Date.now() + wait });
      }
    } finally {
      release();
      running -= 1;
      pump();
    }
  };
  // A cancel while every part left is waiting: nothing would pump again.
  scope.signal.addEventListener("abort", pump, { once: true });
  try {
    pump();
    await allSettled;
  } finally {
    scope.signal.removeEventListener("abort", pump);
    clearTimeout(timer);
  }
  if (failed !== undefined) throw failed;
  if (scope.signal.aborted) throw scope.signal.reason;
  return parts;
}

async function copyOnePart(
  req: MultipartCopyRequest,
  client: S3Client,
  uploadId: string,
  item: PartTry,
  signal: AbortSignal,
  control: ConcurrencyController,
): Promise<Omit<CompletedPart, "PartNumber">> {
  const { range } = item;
  const { partNumber } = range;
  const bytes = `bytes=${range.first}-${range.last}`;
  const size = range.last - range.first + 1;
  const target = `s3://${req.create.Bucket}/${req.create.Key} part ${partNumber} (${bytes})`;
  for (;;) {
    const attempt = item.attempts + 1;
    const token = control.onStart();
    try {
      const out = await client.send(
        new UploadPartCopyCommand({
          ...req.part,
          UploadId: uploadId,
          PartNumber: partNumber,
          CopySourceRange: bytes,
        }),
        { abortSignal: signal, requestTimeout: copyTimeoutMs(size) },
      );
      const r = out.CopyPartResult;
      if (!r?.ETag)
        throw Object.assign(new Error("UploadPartCopy returned no ETag"), { name: "InternalError" });
      // The SDK retries 5xx answers itself (throttling it hands back: clients.ts): a part that
      // needed more than one request met a server under strain, which the controller hears as such.
      if ((out.$metadata?.attempts ?? 1) > 1) control.onThrottle(token);
      else control.onSuccess(token, size);
      return {
        ETag: r.ETag,
        ChecksumCRC32: r.ChecksumCRC32,
        ChecksumCRC32C: r.ChecksumCRC32C,
        ChecksumCRC64NVME: r.ChecksumCRC64NVME,
        ChecksumSHA1: r.ChecksumSHA1,
        ChecksumSHA256: r.ChecksumSHA256,
      };
    } catch (err) {
      item.requests += (err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
      if (!signal.aborted && isThrottling(err)) {
        // Back in line (copyParts), off the count in flight, after the controller has cut.
        control.onThrottle(token);
        throw new PartThrottled(err);
      }
      control.onError(token);
      item.attempts = attempt;
      const requests = item.requests;
      if (signal.aborted) throw err;
      if (awsErrorCode(err) === "PreconditionFailed") {
        throw new ObjectCopyError(
          "SOURCE_CHANGED_DURING_COPY",
          `the source ${req.part.CopySource} changed while ${target} was being copied (412 PreconditionFailed); ` +
            `the upload was aborted and nothing was written; run up again to copy the new source`,
        );
      }
      if (!isRetryable(err) || attempt >= MAX_PART_ATTEMPTS) throw partFailure(req, target, err, requests);
      await pause((req.retryDelayMs ?? 200) * 2 ** (attempt - 1), signal);
      if (signal.aborted) throw signal.reason;
    }
  }
}

function partFailure(
  req: MultipartCopyRequest,
  target: string,
  err: unknown,
  requests: number,
): ObjectCopyError {
  if (isTimeout(err)) return timeoutError("UploadPartCopy", target, err, requests);
  const wrapped = wrapAwsError("UploadPartCopy", target, err);
  if (req.create.ChecksumAlgorithm && /checksum/i.test(wrapped.message)) {
    // S3 checksums copied parts itself; some S3-compatible servers expect the client to, and cannot.
    return new ObjectCopyError(
      wrapped.code,
      `${wrapped.detail}; this server did not compute the part checksum itself: ` +
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
      try {
        await client.send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: u.UploadId, ...owner }),
        );
      } catch (err) {
        // Gone already: the clean-up after a lost Create answer may have got there first.
        if (awsErrorCode(err) === "NoSuchUpload") continue;
        throw err;
      }
      aborted.push(u.UploadId);
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
  } while (keyMarker);
  return aborted;
}
