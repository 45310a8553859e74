import { randomBytes } from "node:crypto";

import { MiB } from "../../provider/engine/constants";
import { type Fault, type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { bytes, newBucket, openUploads, provider, put } from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

/*
 * Requests that get no answer. The limits are shortened through PULUMI_S3_COPY_TIMEOUTS (read when
 * a client is made, and provider.reset() drops the cached ones), so a held request costs the test
 * a second, not the minutes the defaults allow.
 */

const TIMEOUTS_ENV = "PULUMI_S3_COPY_TIMEOUTS";
const isPart = (line: string, n: number) =>
  line.startsWith("PUT") && line.includes("uploadId=") && new RegExp(`[?&]partNumber=${n}(&|$)`).test(line);
const isCreate = (line: string) => line.startsWith("POST") && /[?&]uploads(=|&|$)/.test(line);
const isAbort = (line: string) => line.startsWith("DELETE") && line.includes("uploadId=");

/** The promise's outcome, or a failure naming `what` if it takes longer than `ms`. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still running after ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe("requests that get no answer", () => {
  let proxy: FaultProxy | undefined;
  beforeEach(() => provider.reset());
  afterEach(async () => {
    delete process.env[TIMEOUTS_ENV];
    provider.reset();
    await proxy?.close();
    proxy = undefined;
  });
  const withProxy = async (fault: Fault) =>
    (proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, fault));

  itIf(CAN.plainHttp)(
    "a HEAD that is never answered times out, is sent again, and the copy completes",
    async () => {
      process.env[TIMEOUTS_ENV] = "request=500";
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "small.txt", "hello");
      let heads = 0;
      const p = await withProxy({
        match: (r) =>
          r.method === "HEAD" && r.url.includes("small.txt") && heads++ === 0 ? "hang" : undefined,
      });

      const outs = await within(
        10_000,
        "the copy",
        provider.create({ source: `${src}/small.txt`, bucket: dst, key: "copy.txt", endpoint: p.endpoint }),
      );

      expect(outs.copyMethod).toBe("CopyObject");
      expect(heads).toBe(2);
      expect((await bytes(dst, "copy.txt")).toString()).toBe("hello");
    },
  );

  itIf(CAN.plainHttp).each([
    ["CopyObject", "COPY", "S3_COPYOBJECT_TIMED_OUT"],
    ["HeadObject", "MERGE", "S3_HEADOBJECT_TIMED_OUT"],
  ])(
    "a %s that is never answered fails with its TIMED_OUT code (directive %s), in bounded time",
    async (operation, directive, code) => {
      process.env[TIMEOUTS_ENV] = `request=500,copyFloor=500,copyRate=${1024 * MiB}`;
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "small.txt", "hello");
      const p = await withProxy({
        match: (r) =>
          operation === "HeadObject"
            ? r.method === "HEAD" && r.url.includes("small.txt")
              ? "hang"
              : undefined
            : r.method === "PUT" && r.headers["x-amz-copy-source"]
              ? "hang"
              : undefined,
      });

      const copy = within(
        10_000,
        "the copy",
        provider.create({
          source: `${src}/small.txt`,
          bucket: dst,
          key: "copy.txt",
          endpoint: p.endpoint,
          metadataDirective: directive,
          ...(directive === "MERGE" ? { cacheControl: "max-age=60" } : {}),
        }),
      );

      await expect(copy).rejects.toThrow(
        new RegExp(`^${code}: ${operation} on s3://.+? got no answer in time \\(3 attempts\\)`),
      );
      await expect(copy).rejects.toThrow(/PULUMI_S3_COPY_TIMEOUTS/);
      if (operation === "HeadObject") {
        await expect(copy).rejects.not.toThrow(/took effect|written/);
        expect(p.log.filter((l) => l.startsWith("PUT"))).toEqual([]);
      }
    },
  );

  const multipart = (src: string, dst: string, endpoint: string) => ({
    source: `${src}/big.bin`,
    bucket: dst,
    key: "b",
    endpoint,
    multipartThreshold: 5 * MiB,
    partSize: 5 * MiB,
  });

  itIf(CAN.plainHttp)(
    "a part that is never answered times out, is sent again, and the copy completes",
    async () => {
      // A part's timeout: 1 s plus its 5 MiB at 1 GiB/s.
      process.env[TIMEOUTS_ENV] = `copyFloor=1000,copyRate=${1024 * MiB}`;
      const src = await newBucket();
      const dst = await newBucket();
      const body = randomBytes(11 * MiB);
      await put(src, "big.bin", body);
      let held = 0;
      const p = await withProxy({
        match: (r) => (isPart(`${r.method} ${r.url}`, 2) && held++ === 0 ? "hang" : undefined),
      });

      const outs = await within(15_000, "the copy", provider.create(multipart(src, dst, p.endpoint)));

      expect(outs).toMatchObject({ copyMethod: "UploadPartCopy", partCount: 3 });
      expect(p.log.filter((l) => isPart(l, 2))).toHaveLength(2);
      expect((await bytes(dst, "b")).equals(body)).toBe(true);
      expect(await openUploads(dst)).toEqual([]);
    },
  );

  itIf(CAN.plainHttp)(
    "a part that is never answered at all fails with S3_UPLOADPARTCOPY_TIMED_OUT naming the part, and the upload is aborted",
    async () => {
      process.env[TIMEOUTS_ENV] = `copyFloor=300,copyRate=${1024 * MiB}`;
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "big.bin", randomBytes(11 * MiB));
      const p = await withProxy({ match: (r) => (isPart(`${r.method} ${r.url}`, 2) ? "hang" : undefined) });

      const copy = within(
        20_000,
        "the copy",
        provider.create({ ...multipart(src, dst, p.endpoint), concurrency: 1 }),
      );

      // 3 attempts of ours, each retried twice by the SDK.
      await expect(copy).rejects.toThrow(
        /^S3_UPLOADPARTCOPY_TIMED_OUT: UploadPartCopy on s3:\/\/\S+\/b part 2 \(bytes=5242880-10485759\) got no answer in time \(9 attempts\)/,
      );
      expect(p.log.filter((l) => isPart(l, 2))).toHaveLength(9);
      expect(p.log.filter((l) => isPart(l, 3))).toHaveLength(0);
      expect(p.log.filter(isAbort)).toHaveLength(1);
      expect(await openUploads(dst)).toEqual([]);
    },
  );

  itIf(CAN.plainHttp)(
    "a CreateMultipartUpload whose answer is lost, so the SDK opens a second upload, leaves no upload open",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      const body = randomBytes(11 * MiB);
      await put(src, "big.bin", body);
      let creates = 0;
      const p = await withProxy({
        match: (r) => (isCreate(`${r.method} ${r.url}`) && creates++ === 0 ? "lose-answer" : undefined),
      });

      const outs = await within(15_000, "the copy", provider.create(multipart(src, dst, p.endpoint)));

      expect(outs).toMatchObject({ copyMethod: "UploadPartCopy", partCount: 3 });
      expect(creates).toBe(2);
      // Only the first attempt's upload is aborted (the stale-upload scan may race for it too).
      const completed = /uploadId=([^&]+)/.exec(
        p.log.find((l) => l.startsWith("POST") && l.includes("uploadId="))!,
      )![1];
      const aborted = new Set(p.log.filter(isAbort).map((l) => /uploadId=([^&]+)/.exec(l)![1]));
      expect(aborted.size).toBe(1);
      expect(aborted.has(completed)).toBe(false);
      expect(await openUploads(dst)).toEqual([]);
      expect((await bytes(dst, "b")).equals(body)).toBe(true);
    },
  );
});
