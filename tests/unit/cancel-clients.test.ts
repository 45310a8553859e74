import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  type UploadPartCopyCommandInput,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

import { abortClientFor, partSlots, resetClientCaches, s3Client } from "../../provider/engine/clients";
import {
  CANCEL_GRACE_MS,
  COMPLETE_TIMEOUT_MS,
  CONNECT_TIMEOUT_MS,
  COPY_MIN_BYTES_PER_SECOND,
  COPY_TIMEOUT_FLOOR_MS,
  GiB,
  MiB,
  REQUEST_TIMEOUT_MS,
} from "../../provider/engine/constants";
import { multipartCopy } from "../../provider/engine/object/multipart";
import { planParts } from "../../provider/engine/object/parts";
import { copyTimeoutMs, isTimeout, timeouts } from "../../provider/engine/timeouts";

const s3 = mockClient(S3Client);
beforeEach(() => {
  s3.reset();
  resetClientCaches();
});
afterAll(() => s3.restore());
const optionsOf = (call: { args: unknown }) =>
  (call.args as unknown[])[1] as Record<string, unknown> | undefined;

describe("timeouts", () => {
  it("are the named constants unless PULUMI_S3_COPY_TIMEOUTS overrides them", () => {
    expect(timeouts({})).toEqual({
      connectMs: CONNECT_TIMEOUT_MS,
      requestMs: REQUEST_TIMEOUT_MS,
      copyFloorMs: COPY_TIMEOUT_FLOOR_MS,
      copyBytesPerSecond: COPY_MIN_BYTES_PER_SECOND,
      completeMs: COMPLETE_TIMEOUT_MS,
      cancelGraceMs: CANCEL_GRACE_MS,
    });
    expect(
      timeouts({ PULUMI_S3_COPY_TIMEOUTS: " request=500, copyRate=1048576,cancelGrace=2000" }),
    ).toMatchObject({
      requestMs: 500,
      copyBytesPerSecond: MiB,
      cancelGraceMs: 2000,
      connectMs: CONNECT_TIMEOUT_MS,
    });
  });

  it.each(["request", "request=0", "request=-1", "requests=5", "copyFloor=abc"])(
    "rejects PULUMI_S3_COPY_TIMEOUTS=%s with INVALID_TIMEOUTS",
    (value) => {
      expect(() => timeouts({ PULUMI_S3_COPY_TIMEOUTS: value })).toThrow(/^INVALID_TIMEOUTS: /);
    },
  );

  it.each([
    [0, 60_000],
    [64 * MiB, 76_000],
    [5 * GiB, 1_340_000],
  ])("gives a copy of %d bytes %d ms", (bytes, ms) => {
    expect(copyTimeoutMs(bytes, timeouts({}))).toBe(ms);
  });

  const timeoutTable: [string, { name: string; code?: string; message: string }, boolean][] = [
    [
      "a request timeout",
      { name: "TimeoutError", code: "ETIMEDOUT", message: "exceeded the configured 500 ms requestTimeout" },
      true,
    ],
    [
      "a connect timeout",
      {
        name: "TimeoutError",
        message: "did not establish a connection with the server within the configured timeout of 10000 ms",
      },
      true,
    ],
    [
      "a socket timeout",
      { name: "TimeoutError", message: "the request socket timed out after 5000 ms of inactivity" },
      true,
    ],
    [
      "a reset the SDK also names TimeoutError",
      { name: "TimeoutError", code: "ECONNRESET", message: "socket hang up" },
      false,
    ],
    ["S3's RequestTimeout (the client was slow to send)", { name: "RequestTimeout", message: "x" }, false],
  ];
  it.each(timeoutTable.map(([name, err, expected]) => [name, expected, err] as const))(
    "isTimeout: %s -> %s",
    (_name, expected, err) => {
      expect(isTimeout(Object.assign(new Error(err.message), err))).toBe(expected);
    },
  );
});

describe("pooled S3 clients", () => {
  const conn = { endpoint: "http://127.0.0.1:1" };

  it("send copies with a timeout by their bytes, Complete with its own, and leave the rest to the client's", async () => {
    const client = s3Client(conn, "us-east-1");
    s3.onAnyCommand().resolves({});
    await client.send(new HeadObjectCommand({ Bucket: "b", Key: "k" }));
    await client.send(new CreateMultipartUploadCommand({ Bucket: "b", Key: "k" }));
    await client.send(
      new UploadPartCopyCommand({
        Bucket: "b",
        Key: "k",
        CopySource: "s/k",
        UploadId: "U",
        PartNumber: 1,
        CopySourceRange: "bytes=0-67108863",
      }),
    );
    await client.send(new CopyObjectCommand({ Bucket: "b", Key: "k", CopySource: "s/k" }));
    await client.send(new CopyObjectCommand({ Bucket: "b", Key: "k", CopySource: "s/k" }), {
      requestTimeout: 1234,
    });
    await client.send(new CompleteMultipartUploadCommand({ Bucket: "b", Key: "k", UploadId: "U" }));
    expect(s3.calls().map(optionsOf)).toEqual([
      undefined,
      undefined,
      { requestTimeout: copyTimeoutMs(64 * MiB) },
      { requestTimeout: copyTimeoutMs(5 * GiB) }, // its size is not in the request: the largest
      { requestTimeout: 1234 },
      { requestTimeout: COMPLETE_TIMEOUT_MS },
    ]);
  });

  it("abort on a client of their own, one per pooled client", () => {
    const client = s3Client(conn, "us-east-1", 64);
    const aborter = abortClientFor(client);
    expect(aborter).toBeInstanceOf(S3Client);
    expect(aborter).not.toBe(client);
    expect(abortClientFor(client)).toBe(aborter);
    expect(abortClientFor(s3Client(conn, "us-east-1"))).not.toBe(aborter);
    const foreign = new S3Client({ region: "us-east-1" });
    expect(abortClientFor(foreign)).toBe(foreign);
  });

  it("let the parts of all copies on one client take at most its part slots together, and abort a failed copy on the twin", async () => {
    const client = s3Client(conn, "us-east-1", 50);
    expect(partSlots(client)?.size).toBe(50);
    let inFlight = 0;
    let peak = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "U" });
    s3.on(CompleteMultipartUploadCommand).resolves({});
    s3.on(AbortMultipartUploadCommand).resolves({});
    s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await gate;
      inFlight -= 1;
      if (input.Key === "fails" && input.PartNumber === 1)
        throw Object.assign(new Error("no"), { name: "AccessDenied" });
      return { CopyPartResult: { ETag: '"e"' } };
    });
    const copy = (Key: string) =>
      multipartCopy({
        client,
        create: { Bucket: "b", Key },
        part: { Bucket: "b", Key, CopySource: "s/k" },
        plan: planParts(40 * 5 * MiB, 5 * MiB, 40),
        concurrency: 40,
      });
    const copies = [copy("a"), copy("fails")];
    for (let turn = 0; inFlight < 50 && turn < 10_000; turn++) await new Promise((r) => setImmediate(r));
    for (let turn = 0; turn < 100; turn++) await new Promise((r) => setImmediate(r));
    expect(inFlight).toBe(50);
    release();
    const [a, failed] = await Promise.allSettled(copies);

    expect(peak).toBe(50);
    expect(a.status).toBe("fulfilled");
    expect(failed).toMatchObject({ status: "rejected", reason: { code: "S3_UPLOADPARTCOPY_FAILED" } });
    const aborts = s3.commandCalls(AbortMultipartUploadCommand);
    expect(aborts.map((c) => [c.thisValue === abortClientFor(client), c.args[0].input.Key])).toEqual([
      [true, "fails"],
    ]);
  });
});
