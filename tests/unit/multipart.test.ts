import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  S3Client,
  UploadPartCopyCommand,
  type UploadPartCopyCommandInput,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

import { CancelRegistry } from "../../provider/engine/cancel";
import { isThrottling } from "../../provider/engine/concurrency";
import {
  COMPLETE_TIMEOUT_MS,
  MAX_PART_ATTEMPTS,
  MAX_PART_THROTTLES,
  MiB,
} from "../../provider/engine/constants";
import {
  abortStaleUploads,
  isRetryable,
  multipartCopy,
  type MultipartCopyRequest,
} from "../../provider/engine/object/multipart";
import { multipartEtag } from "../../provider/engine/object/completed";
import { planParts, type PartPlan } from "../../provider/engine/object/parts";
import { copyTimeoutMs } from "../../provider/engine/timeouts";
import { fakeProcess } from "../helpers/fake-process";

const s3 = mockClient(S3Client);
const client = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });

const PART = 5 * MiB;
const THREE_PARTS = planParts(2 * PART + 7, PART);
const CREATE = {
  Bucket: "dst",
  Key: "dir/big.bin",
  ContentType: "application/octet-stream",
  Metadata: { owner: "me" },
  ExpectedBucketOwner: "123456789012",
};
const TEMPLATE = {
  Bucket: "dst",
  Key: "dir/big.bin",
  CopySource: "src/dir/big%20file.bin",
  CopySourceIfMatch: '"source-etag"',
  ExpectedBucketOwner: "123456789012",
  ExpectedSourceBucketOwner: "210987654321",
};

const awsError = (name: string, httpStatusCode: number | undefined, message = name) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

function request(plan: PartPlan, extra: Partial<MultipartCopyRequest> = {}): MultipartCopyRequest {
  return { client, create: CREATE, part: TEMPLATE, plan, concurrency: 4, retryDelayMs: 1, ...extra };
}

/** Inputs of every UploadPartCopy sent, in send order. */
const partInputs = () =>
  s3.commandCalls(UploadPartCopyCommand).map((c) => c.args[0].input as UploadPartCopyCommandInput);
const attemptsOf = (partNumber: number) => partInputs().filter((i) => i.PartNumber === partNumber).length;

/** UploadPartCopy answers with an ETag (and optional CRC32) derived from the part number. */
function partsSucceed(opts: { delays?: Record<number, number>; crc?: boolean } = {}) {
  s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
    const n = input.PartNumber as number;
    await delay(opts.delays?.[n] ?? 0);
    return {
      CopyPartResult: { ETag: `"etag-${n}"`, ...(opts.crc ? { ChecksumCRC32: `crc-${n}` } : {}) },
    };
  });
}

beforeEach(() => {
  s3.reset();
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "U1" });
  s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"final-3"', VersionId: "v9" });
  s3.on(AbortMultipartUploadCommand).resolves({});
});

afterAll(() => s3.restore());

describe("multipartCopy: a successful 3-part copy", () => {
  it("reports the upload id once created, before any part is copied", async () => {
    const seen: string[] = [];
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      seen.push(`part ${input.PartNumber}`);
      return { CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } };
    });
    await multipartCopy(request(THREE_PARTS, { onCreated: (id) => seen.push(`created ${id}`) }));
    expect(seen[0]).toBe("created U1");
    expect(seen.filter((e) => e.startsWith("created"))).toEqual(["created U1"]);
  });

  it("sends Create once, one UploadPartCopy per range, then Complete with the ETags in order, and no Abort", async () => {
    partsSucceed();
    const result = await multipartCopy(request(THREE_PARTS));

    expect(result).toEqual({ output: { ETag: '"final-3"', VersionId: "v9" }, uploadId: "U1" });

    const creates = s3.commandCalls(CreateMultipartUploadCommand);
    expect(creates).toHaveLength(1);
    expect(creates[0].args[0].input).toEqual(CREATE);

    expect([...partInputs()].sort((a, b) => a.PartNumber! - b.PartNumber!)).toEqual([
      { ...TEMPLATE, UploadId: "U1", PartNumber: 1, CopySourceRange: `bytes=0-${PART - 1}` },
      { ...TEMPLATE, UploadId: "U1", PartNumber: 2, CopySourceRange: `bytes=${PART}-${2 * PART - 1}` },
      { ...TEMPLATE, UploadId: "U1", PartNumber: 3, CopySourceRange: `bytes=${2 * PART}-${2 * PART + 6}` },
    ]);
    expect(partInputs().every((i) => i.CopySourceIfMatch === '"source-etag"')).toBe(true);

    const completes = s3.commandCalls(CompleteMultipartUploadCommand);
    expect(completes).toHaveLength(1);
    expect(completes[0].args[0].input).toEqual({
      Bucket: "dst",
      Key: "dir/big.bin",
      UploadId: "U1",
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: '"etag-1"' },
          { PartNumber: 2, ETag: '"etag-2"' },
          { PartNumber: 3, ETag: '"etag-3"' },
        ],
      },
      ExpectedBucketOwner: "123456789012",
    });
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
    // Create answered at its first attempt: no look for uploads a lost answer left.
    expect(s3.commandCalls(ListMultipartUploadsCommand)).toHaveLength(0);
  });

  it("lists parts in Complete sorted by PartNumber even when they finish out of order", async () => {
    partsSucceed({ delays: { 1: 8, 2: 4, 3: 0 } });
    await multipartCopy(request(THREE_PARTS, { concurrency: 3 }));
    const parts = s3.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input.MultipartUpload?.Parts;
    expect(parts?.map((p) => [p.PartNumber, p.ETag])).toEqual([
      [1, '"etag-1"'],
      [2, '"etag-2"'],
      [3, '"etag-3"'],
    ]);
  });

  it("carries each part's ChecksumCRC32 into Complete", async () => {
    partsSucceed({ crc: true });
    await multipartCopy(request(THREE_PARTS));
    const parts = s3.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input.MultipartUpload?.Parts;
    expect(parts).toEqual([
      { PartNumber: 1, ETag: '"etag-1"', ChecksumCRC32: "crc-1" },
      { PartNumber: 2, ETag: '"etag-2"', ChecksumCRC32: "crc-2" },
      { PartNumber: 3, ETag: '"etag-3"', ChecksumCRC32: "crc-3" },
    ]);
  });

  it("passes the SSE-C key and request payer from Create to Complete", async () => {
    partsSucceed();
    const create = {
      ...CREATE,
      RequestPayer: "requester" as const,
      SSECustomerAlgorithm: "AES256",
      SSECustomerKey: "a2V5",
      SSECustomerKeyMD5: "bWQ1",
    };
    await multipartCopy(request(THREE_PARTS, { create }));
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input).toMatchObject({
      RequestPayer: "requester",
      SSECustomerAlgorithm: "AES256",
      SSECustomerKey: "a2V5",
      SSECustomerKeyMD5: "bWQ1",
    });
  });

  it("reports cumulative progress once per part, ending at the full size", async () => {
    partsSucceed();
    const onPart = jest.fn();
    await multipartCopy(request(THREE_PARTS, { concurrency: 1, onPart }));
    expect(onPart.mock.calls.map((c) => c[0])).toEqual([
      { parts: 1, bytes: PART, concurrency: 1 },
      { parts: 2, bytes: 2 * PART, concurrency: 1 },
      { parts: 3, bytes: 2 * PART + 7, concurrency: 1 },
    ]);
  });

  it("copies a one-part plan with a single UploadPartCopy covering the whole object", async () => {
    partsSucceed();
    await multipartCopy(request(planParts(100, PART)));
    expect(partInputs().map((i) => [i.PartNumber, i.CopySourceRange])).toEqual([[1, "bytes=0-99"]]);
  });
});

describe("multipartCopy: concurrency", () => {
  it.each([
    [1, 10, 1],
    [3, 10, 3],
    [4, 10, 4],
    [16, 10, 10],
  ])("with concurrency %d and %d parts, at most %d parts are in flight", async (concurrency, parts, max) => {
    let inFlight = 0;
    let peak = 0;
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await delay(2);
      inFlight -= 1;
      return { CopyPartResult: { ETag: `"e${input.PartNumber}"` } };
    });
    await multipartCopy(request(planParts(parts * PART, PART), { concurrency }));
    expect(peak).toBe(max);
    expect(partInputs()).toHaveLength(parts);
    expect(new Set(partInputs().map((i) => i.PartNumber)).size).toBe(parts);
  });
});

describe("multipartCopy: parts in flight under the concurrency controller", () => {
  /** UploadPartCopy on a server that copies `lanes` parts at once for `serviceMs` each; the rest queue. */
  function laneParts(lanes: number, serviceMs: number) {
    const freeAt = Array.from({ length: lanes }, () => 0);
    const state = { inFlight: 0, starts: [] as number[] };
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      state.inFlight += 1;
      state.starts.push(state.inFlight);
      const now = Date.now();
      const lane = freeAt.indexOf(Math.min(...freeAt));
      freeAt[lane] = Math.max(now, freeAt[lane]) + serviceMs;
      await delay(freeAt[lane] - now);
      state.inFlight -= 1;
      return { CopyPartResult: { ETag: `"e${input.PartNumber}"` } };
    });
    return state;
  }

  /** Runs one copy to the end on jest's fake clock. */
  async function onFakeClock<T>(run: () => Promise<T>): Promise<T> {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    try {
      const p = run();
      await jest.runAllTimersAsync();
      return await p;
    } finally {
      jest.useRealTimers();
    }
  }

  const lateMean = (starts: number[]) => {
    const late = starts.slice(starts.length / 2);
    return late.reduce((a, b) => a + b, 0) / late.length;
  };

  it("with adaptive, comes down from concurrency 32 to about 4 on a server that copies 4 parts at once", async () => {
    const state = laneParts(4, 10);
    const onPart = jest.fn();
    // Enough parts that the first step down costs at most PROBE_COST_SHARE of those left.
    await onFakeClock(() =>
      multipartCopy(request(planParts(1200 * PART, PART), { concurrency: 32, adaptive: true, onPart })),
    );
    expect(partInputs()).toHaveLength(1200);
    expect(Math.max(...state.starts)).toBe(32);
    const mean = lateMean(state.starts);
    expect(mean).toBeGreaterThanOrEqual(3.5);
    expect(mean).toBeLessThanOrEqual(6);
    const last = onPart.mock.calls[onPart.mock.calls.length - 1][0];
    expect(last).toEqual({ parts: 1200, bytes: 1200 * PART, concurrency: expect.any(Number) });
    expect(last.concurrency).toBeLessThanOrEqual(5);
  });

  it("without adaptive, keeps concurrency parts in flight on the same server (today's behaviour)", async () => {
    const state = laneParts(4, 10);
    await onFakeClock(() => multipartCopy(request(planParts(200 * PART, PART), { concurrency: 32 })));
    expect(state.starts.slice(32, -32).every((n) => n === 32)).toBe(true);
  });

  it.each([
    ["answered only after the SDK retried it", { retried: true, error: undefined }],
    [
      "that failed with 503 SlowDown (and was tried again)",
      { retried: false, error: awsError("SlowDown", 503) },
    ],
  ])("lowers the parts in flight after a part %s", async (_name, how) => {
    let inFlight = 0; // part 1 is answered at once, the others after 5 ms
    const after: number[] = [];
    let failedOnce = false;
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      inFlight += 1;
      // Parts past the first 8 are sent only after part 1 was answered, and the cut made.
      if (input.PartNumber! > 8) after.push(inFlight);
      try {
        if (input.PartNumber === 1) {
          if (how.error && !failedOnce) {
            failedOnce = true;
            throw how.error;
          }
          return { CopyPartResult: { ETag: '"e1"' }, $metadata: { attempts: how.retried ? 2 : 1 } };
        }
        await delay(5);
        return { CopyPartResult: { ETag: `"e${input.PartNumber}"` }, $metadata: { attempts: 1 } };
      } finally {
        inFlight -= 1;
      }
    });
    const onPart = jest.fn();
    await multipartCopy(request(planParts(40 * PART, PART), { concurrency: 8, onPart }));
    expect(partInputs()).toHaveLength(how.error ? 41 : 40);
    // 8 × THROTTLE_DECREASE: from the cut on, no new part is sent while 6 are in flight, for a while.
    expect(onPart.mock.calls[0][0]).toMatchObject({ concurrency: 6 });
    expect(Math.max(...after.slice(0, 12))).toBeLessThanOrEqual(6);
  });
});

describe("multipartCopy: retries", () => {
  it("sends a throttled part again as often as it is throttled, without spending its attempts, and completes", async () => {
    const throttles = MAX_PART_ATTEMPTS + 2;
    let sent = 0;
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      if (input.PartNumber === 2 && sent++ < throttles) throw awsError("SlowDown", 503);
      return { CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } };
    });
    const waits: number[] = [];
    const throttleWaitMs = (n: number) => (waits.push(n), 1);
    await expect(multipartCopy(request(THREE_PARTS, { throttleWaitMs }))).resolves.toMatchObject({
      uploadId: "U1",
    });
    expect(attemptsOf(2)).toBe(throttles + 1);
    expect(waits).toEqual([1, 2, 3, 4, 5]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  it("fails with S3_UPLOADPARTCOPY_THROTTLED, which a set does not requeue, and aborts the upload when one part is throttled more than MAX_PART_THROTTLES times", async () => {
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      if (input.PartNumber === 2) throw awsError("SlowDown", 503);
      return { CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } };
    });
    const err = await multipartCopy(request(THREE_PARTS, { throttleWaitMs: () => 0 })).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^S3_UPLOADPARTCOPY_THROTTLED: UploadPartCopy on s3://dst/dir/big.bin part 2 \\(bytes=5242880-10485759\\) ` +
          `was answered 503 SlowDown ${MAX_PART_THROTTLES + 1} times over \\d+s, with \\d+ parts in flight at the end; ` +
          `the upload was aborted and nothing was written`,
      ),
    );
    // The scheduler of a set requeues throttled objects: this one has waited out its throttling.
    expect(isThrottling(err)).toBe(false);
    expect(attemptsOf(2)).toBe(MAX_PART_THROTTLES + 1);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it("counts a part's other failures across its throttles: three 500s fail it, however many 503s come between", async () => {
    const answers = ["500", "503", "500", "503", "503", "500"];
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      if (input.PartNumber === 2) {
        const a = answers.shift();
        if (a === "500") throw awsError("InternalError", 500);
        if (a === "503") throw awsError("SlowDown", 503);
      }
      return { CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } };
    });
    const err = await multipartCopy(request(THREE_PARTS, { throttleWaitMs: () => 0 })).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^S3_UPLOADPARTCOPY_FAILED: .* part 2 .*InternalError/);
    expect(attemptsOf(2)).toBe(6);
    expect(answers).toEqual([]);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it("wakes for a throttled part whose wait ends before an earlier part's longer one", async () => {
    const sends: Record<number, number[]> = {};
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      const n = input.PartNumber!;
      (sends[n] ??= []).push(Date.now());
      if (sends[n].length === 1 && n <= 2) {
        // Part 1 is throttled at once, part 2 a little later, while part 3 is still in flight.
        if (n === 2) await delay(20);
        throw awsError("SlowDown", 503);
      }
      if (n === 3) await delay(60);
      return { CopyPartResult: { ETag: `"e${n}"` } };
    });
    let throttles = 0;
    // Part 1 waits 1.5 s, part 2 10 ms.
    const throttleWaitMs = () => (throttles++ === 0 ? 1_500 : 10);
    await multipartCopy(request(planParts(3 * PART, PART), { concurrency: 4, throttleWaitMs }));
    expect(sends[2]).toHaveLength(2);
    expect(sends[2][1] - sends[2][0]).toBeLessThan(500);
    expect(sends[1][1] - sends[1][0]).toBeGreaterThanOrEqual(1_400);
  });

  it("keeps the other parts going while a throttled part waits: the wait holds no place in flight", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const order: number[] = [];
    let throttled = false;
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      order.push(input.PartNumber!);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (input.PartNumber === 1 && !throttled) {
          throttled = true;
          throw awsError("SlowDown", 503);
        }
        await delay(5);
        return { CopyPartResult: { ETag: `"e${input.PartNumber}"` } };
      } finally {
        inFlight -= 1;
      }
    });
    await multipartCopy(request(planParts(12 * PART, PART), { concurrency: 4, throttleWaitMs: () => 60 }));
    // Part 1's second send waits 60 ms; parts of 5 ms each fill the places meanwhile: with the cut
    // to 3 in flight, every other part is sent before part 1 goes again.
    const again = order.lastIndexOf(1);
    expect(order.slice(1, again).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(attemptsOf(1)).toBe(2);
  });

  it("stops at once when cancelled while every part left is waiting out a throttle", async () => {
    s3.on(UploadPartCopyCommand).rejects(awsError("SlowDown", 503));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const err = await multipartCopy(
      request(THREE_PARTS, { signal: controller.signal, throttleWaitMs: () => 60_000 }),
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(s3.commandCalls(UploadPartCopyCommand)).toHaveLength(3);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it.each([
    ["a 500 InternalError", awsError("InternalError", 500)],
    ["a 200 with an <Error> body", awsError("InternalError", 200)],
    ["the SDK's 503 rewrite of a 200 error", awsError("InternalError", 503)],
    ["a 503 SlowDown", awsError("SlowDown", 503)],
    ["a network error with no status", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })],
  ])("retries a part that fails once with %s, then completes", async (_name, error) => {
    let failedOnce = false;
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      if (input.PartNumber === 2 && !failedOnce) {
        failedOnce = true;
        throw error;
      }
      return { CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } };
    });
    await expect(multipartCopy(request(THREE_PARTS))).resolves.toMatchObject({ uploadId: "U1" });
    expect(attemptsOf(1)).toBe(1);
    expect(attemptsOf(2)).toBe(2);
    expect(attemptsOf(3)).toBe(1);
    const retried = partInputs().filter((i) => i.PartNumber === 2);
    expect(retried[1]).toEqual(retried[0]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  it("retries a part whose response carries no ETag", async () => {
    let calls = 0;
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      calls += 1;
      return calls === 1
        ? { CopyPartResult: {} }
        : { CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } };
    });
    await multipartCopy(request(THREE_PARTS, { concurrency: 1 }));
    expect(attemptsOf(1)).toBe(2);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
  });

  it("gives up on a part after MAX_PART_ATTEMPTS, aborts once and never completes", async () => {
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      if (input.PartNumber === 2) throw awsError("InternalError", 500, "We encountered an internal error");
      return { CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } };
    });
    const copy = multipartCopy(request(THREE_PARTS, { concurrency: 1 }));
    await expect(copy).rejects.toMatchObject({ name: "ObjectCopyError", code: "S3_UPLOADPARTCOPY_FAILED" });
    await expect(copy).rejects.toThrow(/part 2 \(bytes=5242880-10485759\).*InternalError \(HTTP 500\)/);

    expect(attemptsOf(2)).toBe(MAX_PART_ATTEMPTS);
    expect(attemptsOf(3)).toBe(0); // nothing new starts once a part has failed
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    const aborts = s3.commandCalls(AbortMultipartUploadCommand);
    expect(aborts).toHaveLength(1);
    expect(aborts[0].args[0].input).toEqual({
      Bucket: "dst",
      Key: "dir/big.bin",
      UploadId: "U1",
      ExpectedBucketOwner: "123456789012",
    });
  });

  it.each([
    ["AccessDenied", 403],
    ["NoSuchKey", 404],
    ["NoSuchUpload", 404],
    ["InvalidRequest", 400],
    ["InvalidObjectState", 403],
  ])("does not retry %s (HTTP %d): one attempt, abort, no Complete", async (name, status) => {
    s3.on(UploadPartCopyCommand).rejects(awsError(name, status));
    await expect(multipartCopy(request(THREE_PARTS, { concurrency: 1 }))).rejects.toMatchObject({
      code: "S3_UPLOADPARTCOPY_FAILED",
    });
    expect(partInputs()).toHaveLength(1);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it("treats a 412 as the source changing: no retry, abort, SOURCE_CHANGED_DURING_COPY", async () => {
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      if (input.PartNumber === 1) throw awsError("PreconditionFailed", 412);
      return { CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } };
    });
    const copy = multipartCopy(request(THREE_PARTS, { concurrency: 1 }));
    await expect(copy).rejects.toMatchObject({ code: "SOURCE_CHANGED_DURING_COPY" });
    await expect(copy).rejects.toThrow(TEMPLATE.CopySource);
    expect(attemptsOf(1)).toBe(1);
    expect(attemptsOf(2)).toBe(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it("lets parts already in flight finish but starts none after a failure", async () => {
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      if (input.PartNumber === 1) throw awsError("AccessDenied", 403);
      await delay(3);
      return { CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } };
    });
    await expect(
      multipartCopy(request(planParts(10 * PART, PART), { concurrency: 2 })),
    ).rejects.toMatchObject({
      code: "S3_UPLOADPARTCOPY_FAILED",
    });
    expect(partInputs().map((i) => i.PartNumber)).toEqual([1, 2]);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });
});

describe("multipartCopy: Create and Complete failures", () => {
  it("aborts once when Complete fails, and reports the Complete error", async () => {
    partsSucceed();
    s3.on(CompleteMultipartUploadCommand).rejects(awsError("InvalidPart", 400));
    await expect(multipartCopy(request(THREE_PARTS))).rejects.toMatchObject({
      code: "S3_COMPLETEMULTIPARTUPLOAD_FAILED",
    });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0].args[0].input.UploadId).toBe("U1");
  });

  it("keeps the original error when the Abort itself fails", async () => {
    s3.on(UploadPartCopyCommand).rejects(awsError("AccessDenied", 403));
    s3.on(AbortMultipartUploadCommand).rejects(awsError("InternalError", 500));
    await expect(multipartCopy(request(THREE_PARTS))).rejects.toMatchObject({
      code: "S3_UPLOADPARTCOPY_FAILED",
    });
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it.each([
    ["an error", () => s3.on(CreateMultipartUploadCommand).rejects(awsError("AccessDenied", 403))],
    ["no UploadId", () => s3.on(CreateMultipartUploadCommand).resolves({})],
  ])("stops when Create returns %s: no parts, no Abort, no Complete", async (_name, arrange) => {
    arrange();
    partsSucceed();
    await expect(multipartCopy(request(THREE_PARTS))).rejects.toMatchObject({
      code: "S3_CREATEMULTIPARTUPLOAD_FAILED",
    });
    expect(partInputs()).toHaveLength(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it("removes its SIGINT/SIGTERM listeners whether the copy succeeds or fails", async () => {
    const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
    partsSucceed();
    await multipartCopy(request(THREE_PARTS));
    s3.on(UploadPartCopyCommand).rejects(awsError("AccessDenied", 403));
    await expect(multipartCopy(request(THREE_PARTS))).rejects.toThrow();
    expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual(before);
  });
});

describe("isRetryable", () => {
  const table: [string, unknown, boolean][] = [
    ["InternalError 500", awsError("InternalError", 500), true],
    ["InternalError 200 (error body)", awsError("InternalError", 200), true],
    ["InternalError 503", awsError("InternalError", 503), true],
    ["ServiceUnavailable 503", awsError("ServiceUnavailable", 503), true],
    ["SlowDown 503", awsError("SlowDown", 503), true],
    ["SlowDown without status", awsError("SlowDown", undefined), true],
    ["RequestTimeout 400", awsError("RequestTimeout", 400), true],
    ["429 throttling", awsError("TooManyRequestsException", 429), true],
    ["network error without status", new Error("ECONNRESET"), true],
    [
      "Code field SlowDown with status 400",
      Object.assign(new Error("x"), { Code: "SlowDown", $metadata: { httpStatusCode: 400 } }),
      true,
    ],
    ["PreconditionFailed 412", awsError("PreconditionFailed", 412), false],
    ["AccessDenied 403", awsError("AccessDenied", 403), false],
    ["AccessDenied even with 500", awsError("AccessDenied", 500), false],
    ["NoSuchKey 404", awsError("NoSuchKey", 404), false],
    ["NoSuchUpload 404", awsError("NoSuchUpload", 404), false],
    ["NoSuchBucket 404", awsError("NoSuchBucket", 404), false],
    ["InvalidRequest 400", awsError("InvalidRequest", 400), false],
    ["InvalidArgument 400", awsError("InvalidArgument", 400), false],
    ["InvalidObjectState 403", awsError("InvalidObjectState", 403), false],
    ["InvalidRange 416", awsError("InvalidRange", 416), false],
    [
      "Code field NoSuchKey under a generic name",
      Object.assign(new Error("x"), { name: "Error", Code: "NoSuchKey", $metadata: { httpStatusCode: 500 } }),
      false,
    ],
    ["an unnamed 400", awsError("BadDigest", 400), false],
    ["an unnamed 403", awsError("SignatureDoesNotMatch", 403), false],
  ];
  it.each(table.map(([name, err, expected]) => [name, expected, err] as const))(
    "%s -> %s",
    (_name, expected, err) => {
      expect(isRetryable(err)).toBe(expected);
    },
  );
});

describe("abortStaleUploads", () => {
  const CUTOFF = new Date("2026-01-01T12:00:00Z");
  const OLD = new Date("2026-01-01T11:00:00Z");
  const NEW = new Date("2026-01-01T12:00:01Z");

  beforeEach(() => {
    s3.on(ListMultipartUploadsCommand).callsFake(async (input: { KeyMarker?: string }) => {
      if (!input.KeyMarker) {
        return {
          IsTruncated: true,
          NextKeyMarker: "dir/k",
          NextUploadIdMarker: "page1-last",
          Uploads: [
            { Key: "dir/k", UploadId: "old-1", Initiated: OLD },
            { Key: "dir/k-other", UploadId: "sibling-1", Initiated: OLD },
            { Key: "dir/k", UploadId: "new-1", Initiated: NEW },
          ],
        };
      }
      return {
        IsTruncated: false,
        Uploads: [
          { Key: "dir/k/child", UploadId: "child-1", Initiated: OLD },
          { Key: "dir/k", UploadId: "old-2", Initiated: OLD },
          { Key: "dir/k", UploadId: "at-cutoff", Initiated: CUTOFF },
          { Key: "dir/k2", UploadId: "sibling-2", Initiated: OLD },
        ],
      };
    });
  });

  it("aborts only older uploads on exactly this key, following pagination", async () => {
    const owner = { ExpectedBucketOwner: "123456789012", RequestPayer: "requester" as const };
    const aborted = await abortStaleUploads(client, "dst", "dir/k", CUTOFF, owner);
    expect(aborted).toEqual(["old-1", "old-2"]);

    const lists = s3.commandCalls(ListMultipartUploadsCommand).map((c) => c.args[0].input);
    expect(lists).toEqual([
      { Bucket: "dst", Prefix: "dir/k", ...owner },
      { Bucket: "dst", Prefix: "dir/k", KeyMarker: "dir/k", UploadIdMarker: "page1-last", ...owner },
    ]);
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: "dst", Key: "dir/k", UploadId: "old-1", ...owner },
      { Bucket: "dst", Key: "dir/k", UploadId: "old-2", ...owner },
    ]);
  });

  it("never aborts uploads on other keys sharing the prefix, newer ones, or one started at the cutoff", async () => {
    await abortStaleUploads(client, "dst", "dir/k", CUTOFF);
    const ids = s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input.UploadId);
    for (const spared of ["sibling-1", "sibling-2", "child-1", "new-1", "at-cutoff"]) {
      expect(ids).not.toContain(spared);
    }
    expect(ids).toEqual(["old-1", "old-2"]);
  });

  it("aborts nothing before this attempt's own upload id is known, and never that upload", async () => {
    let ownIs: (id: string | undefined) => void = () => undefined;
    const own = new Promise<string | undefined>((r) => (ownIs = r));
    const scan = abortStaleUploads(client, "dst", "dir/k", CUTOFF, undefined, own);
    await delay(20);
    expect(s3.commandCalls(ListMultipartUploadsCommand).length).toBeGreaterThan(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);

    ownIs("old-2");
    await expect(scan).resolves.toEqual(["old-1"]);
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input.UploadId)).toEqual([
      "old-1",
    ]);
  });

  it("aborts nothing and lists once when there are no uploads", async () => {
    s3.on(ListMultipartUploadsCommand).resolves({ IsTruncated: false });
    await expect(abortStaleUploads(client, "dst", "dir/k", CUTOFF)).resolves.toEqual([]);
    expect(s3.commandCalls(ListMultipartUploadsCommand)).toHaveLength(1);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });
});

/** Resolves once `ok()` holds, checking after each turn of the event loop (no clock involved). */
async function settle(ok: () => boolean) {
  for (let turn = 0; !ok(); turn++) {
    if (turn > 10_000) throw new Error("condition never held");
    await new Promise((r) => setImmediate(r));
  }
}

/** The options a command was sent with (`client.send(command, options)`). */
const optionsOf = (call: { args: unknown }) =>
  (call.args as unknown[])[1] as Record<string, unknown> | undefined;
const abortError = () => Object.assign(new Error("Request aborted"), { name: "AbortError" });
const timeoutError = (attempts: number) =>
  Object.assign(
    new Error("@smithy/node-http-handler - [ERROR] a request has exceeded the configured requestTimeout."),
    {
      name: "TimeoutError",
      code: "ETIMEDOUT",
      $metadata: { attempts },
    },
  );

describe("multipartCopy: SIGINT/SIGTERM", () => {
  const abortClient = new S3Client({
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });
  const TEN_PARTS = planParts(10 * PART, PART);

  function cancellable() {
    const proc = fakeProcess();
    const cancels = new CancelRegistry(proc.hooks);
    // Every scope of a registry shares its signal; a probe scope shows which one that is.
    const probe = cancels.openScope("probe");
    const signal = probe.signal;
    probe.close();
    return { proc, cancels, signal };
  }

  it("starts no new part, gives up the parts in flight, aborts once on the abort client, and only then lets the signal through", async () => {
    const { proc, cancels, signal } = cancellable();
    s3.on(UploadPartCopyCommand).callsFake(
      () =>
        new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(abortError()), { once: true }),
        ),
    );
    let raisedBeforeAbort: unknown[] = ["not aborted"];
    s3.on(AbortMultipartUploadCommand).callsFake(async () => {
      raisedBeforeAbort = [...proc.raised];
      return {};
    });

    const copy = multipartCopy(request(TEN_PARTS, { concurrency: 2, cancels, abortClient }));
    await settle(() => partInputs().length === 2);
    proc.send("SIGTERM");

    await expect(copy).rejects.toMatchObject({ name: "ObjectCopyError", code: "COPY_CANCELLED" });
    await expect(copy).rejects.toThrow(
      "COPY_CANCELLED: SIGTERM arrived while copying to s3://dst/dir/big.bin; its multipart upload was aborted and nothing was written",
    );
    expect(partInputs().map((i) => i.PartNumber)).toEqual([1, 2]);
    for (const call of s3.commandCalls(UploadPartCopyCommand)) {
      expect(optionsOf(call)).toEqual({ abortSignal: signal, requestTimeout: copyTimeoutMs(PART) });
    }
    const aborts = s3.commandCalls(AbortMultipartUploadCommand);
    expect(aborts).toHaveLength(1);
    expect(aborts[0].thisValue).toBe(abortClient);
    expect(aborts[0].args[0].input).toEqual({
      Bucket: "dst",
      Key: "dir/big.bin",
      UploadId: "U1",
      ExpectedBucketOwner: "123456789012",
    });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(raisedBeforeAbort).toEqual([]);
    expect(proc.raised).toEqual(["SIGTERM"]);
  });

  it("a signal during CreateMultipartUpload waits for its answer, starts no part, and aborts the upload it names", async () => {
    const { proc, cancels } = cancellable();
    let answer: () => void = () => undefined;
    s3.on(CreateMultipartUploadCommand).callsFake(
      () => new Promise((resolve) => (answer = () => resolve({ UploadId: "U1" }))),
    );
    partsSucceed();

    const copy = multipartCopy(request(THREE_PARTS, { cancels, abortClient }));
    await settle(() => s3.commandCalls(CreateMultipartUploadCommand).length === 1);
    proc.send("SIGTERM");
    await settle(() => true);
    expect(proc.raised).toEqual([]); // the upload's id is not known yet
    answer();

    await expect(copy).rejects.toMatchObject({ code: "COPY_CANCELLED" });
    expect(optionsOf(s3.commandCalls(CreateMultipartUploadCommand)[0])).toBeUndefined(); // never given up
    expect(partInputs()).toHaveLength(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input.UploadId)).toEqual(["U1"]);
    expect(proc.raised).toEqual(["SIGTERM"]);
  });

  it("a copy that begins after the signal sends nothing at all", async () => {
    const { proc, cancels } = cancellable();
    const other = cancels.openScope("another copy");
    proc.send("SIGINT");
    await expect(multipartCopy(request(THREE_PARTS, { cancels, abortClient }))).rejects.toThrow(
      "COPY_CANCELLED: SIGINT arrived while copying to s3://dst/dir/big.bin before its multipart upload was created; nothing was written",
    );
    expect(s3.calls()).toHaveLength(0);
    other.close();
    expect(proc.raised).toEqual(["SIGINT"]);
  });
});

describe("multipartCopy: timeouts", () => {
  it("gives each part a timeout sized by its bytes, and Complete its own", async () => {
    partsSucceed();
    await multipartCopy(request(THREE_PARTS));
    const timeouts = s3
      .commandCalls(UploadPartCopyCommand)
      .map((c) => [c.args[0].input.PartNumber, optionsOf(c)?.requestTimeout]);
    expect(timeouts.sort()).toEqual([
      [1, copyTimeoutMs(PART)],
      [2, copyTimeoutMs(PART)],
      [3, copyTimeoutMs(7)],
    ]);
    expect(optionsOf(s3.commandCalls(CompleteMultipartUploadCommand)[0])).toEqual({
      requestTimeout: COMPLETE_TIMEOUT_MS,
    });
  });

  it("fails a part that keeps timing out with S3_UPLOADPARTCOPY_TIMED_OUT, counting every request, and aborts", async () => {
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      if (input.PartNumber === 2) throw timeoutError(3);
      return { CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } };
    });
    const copy = multipartCopy(request(THREE_PARTS, { concurrency: 1 }));
    await expect(copy).rejects.toThrow(
      /^S3_UPLOADPARTCOPY_TIMED_OUT: UploadPartCopy on s3:\/\/dst\/dir\/big.bin part 2 \(bytes=5242880-10485759\) got no answer in time \(9 attempts\)/,
    );
    expect(attemptsOf(2)).toBe(MAX_PART_ATTEMPTS);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });
});

describe("multipartCopy: a lost CreateMultipartUpload answer", () => {
  const T = new Date("2026-03-01T10:00:00Z");
  const abortClient = new S3Client({
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  });

  it("after a Create that took 2 attempts, aborts the other uploads S3 began on the key meanwhile, and only those", async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "U2", $metadata: { attempts: 2 } });
    s3.on(ListMultipartUploadsCommand).resolves({
      IsTruncated: false,
      Uploads: [
        { Key: "dir/big.bin", UploadId: "U1", Initiated: T }, // the attempt whose answer was lost
        { Key: "dir/big.bin", UploadId: "U2", Initiated: T }, // ours
        { Key: "dir/big.bin", UploadId: "U0", Initiated: new Date(T.getTime() - 3_600_000) }, // older: not this Create's
        { Key: "dir/big.bin.bak", UploadId: "U3", Initiated: T }, // another key under the prefix
      ],
    });
    partsSucceed();

    await expect(multipartCopy(request(THREE_PARTS, { abortClient }))).resolves.toMatchObject({
      uploadId: "U2",
    });

    const lists = s3.commandCalls(ListMultipartUploadsCommand);
    expect(lists.map((c) => [c.thisValue === abortClient, c.args[0].input])).toEqual([
      [true, { Bucket: "dst", Prefix: "dir/big.bin", ExpectedBucketOwner: "123456789012" }],
    ]);
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: "dst", Key: "dir/big.bin", UploadId: "U1", ExpectedBucketOwner: "123456789012" },
    ]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input.UploadId).toBe("U2");
  });

  it("after a Create that timed out, aborts the upload it may have opened and fails with S3_CREATEMULTIPARTUPLOAD_TIMED_OUT", async () => {
    s3.on(CreateMultipartUploadCommand).rejects(timeoutError(3));
    s3.on(ListMultipartUploadsCommand).callsFake(async () => ({
      IsTruncated: false,
      Uploads: [{ Key: "dir/big.bin", UploadId: "U1", Initiated: new Date() }],
    }));
    partsSucceed();

    await expect(multipartCopy(request(THREE_PARTS, { abortClient }))).rejects.toThrow(
      /^S3_CREATEMULTIPARTUPLOAD_TIMED_OUT: CreateMultipartUpload on s3:\/\/dst\/dir\/big.bin got no answer in time \(3 attempts\)/,
    );
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input.UploadId)).toEqual(["U1"]);
    expect(partInputs()).toHaveLength(0);
  });
});

describe("a Complete S3 carried out whose answer never arrived", () => {
  const timeout = () =>
    Object.assign(new Error("a request has exceeded the configured 600000 ms requestTimeout"), {
      name: "TimeoutError",
      code: "ETIMEDOUT",
      $metadata: { attempts: 3 },
    });
  const md5Etag = (n: number) => `"${n.toString(16).padStart(32, "0")}"`;

  it("finds the version dated when the upload began (as S3 dates it), seconds before the Complete, and deletes it", async () => {
    let createdAt = 0;
    s3.on(CreateMultipartUploadCommand).callsFake(async () => {
      createdAt = Date.now();
      return { UploadId: "U1" };
    });
    // Parts that take longer than the 2 s slack, so a window opened at the Complete misses it.
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      await delay(2_600);
      return { CopyPartResult: { ETag: md5Etag(input.PartNumber as number) } };
    });
    s3.on(CompleteMultipartUploadCommand).rejects(timeout());
    s3.on(AbortMultipartUploadCommand).rejects(awsError("NoSuchUpload", 404));
    s3.on(ListObjectVersionsCommand).callsFake(async () => ({
      Versions: [
        {
          Key: CREATE.Key,
          VersionId: "assembled",
          Size: THREE_PARTS.size,
          ETag: multipartEtag([1, 2, 3].map((n) => ({ PartNumber: n, ETag: md5Etag(n) }))),
          LastModified: new Date(createdAt),
        },
        {
          Key: CREATE.Key,
          VersionId: "older",
          Size: THREE_PARTS.size,
          LastModified: new Date(createdAt - 60_000),
        },
      ],
    }));
    s3.on(DeleteObjectCommand).resolves({});

    await expect(multipartCopy(request(THREE_PARTS))).rejects.toThrow(
      /^S3_COMPLETEMULTIPARTUPLOAD_TIMED_OUT: .*so S3 assembled the object anyway; removed the version\(s\) it wrote \(assembled\)/,
    );
    expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.VersionId)).toEqual(["assembled"]);
  }, 15_000);

  it("says nothing was assembled when the abort still finds the upload, and deletes no version", async () => {
    partsSucceed();
    s3.on(CompleteMultipartUploadCommand).rejects(timeout());
    const err = (await multipartCopy(request(THREE_PARTS)).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/^S3_COMPLETEMULTIPARTUPLOAD_TIMED_OUT: /);
    expect(err.message).toContain("the upload was still open, so S3 assembled nothing, and it is aborted");
    expect(err.message).not.toContain("whether it took effect is unknown");
    expect(s3.commandCalls(ListObjectVersionsCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });
});
