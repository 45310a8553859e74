/*
 * A copy's effect happens once from the user's view: a CopyObject whose answer is lost and which
 * the SDK repeats leaves no version that state does not record (so destroy removes them all); a
 * killed in-place multipart copy's uploads are reported, not left in silence; and the `uri`
 * output names exactly what was written, for chaining copies.
 */
import * as http from "node:http";

import { CreateMultipartUploadCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";

import { MiB } from "../../provider/engine/constants";
import { startFaultProxy } from "../helpers/fault-proxy";
import { bytes, exists, newBucket, provider, put, tagsOf, verifier, versionsOf } from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

beforeEach(() => provider.reset());
afterEach(() => jest.restoreAllMocks());

/** A single CopyObject: a PUT carrying x-amz-copy-source, and no upload id (that is a part). */
const isCopyObject = (r: { method: string; url: string; headers: http.IncomingHttpHeaders }) =>
  r.method === "PUT" && Boolean(r.headers["x-amz-copy-source"]) && !r.url.includes("uploadId=");

describe("a CopyObject whose answer is lost", () => {
  itIf(CAN.plainHttp)(
    "leaves exactly the one version state records, and after delete the object is gone",
    async () => {
      const src = await newBucket({ versioned: true });
      const dst = await newBucket({ versioned: true });
      await put(src, "a.txt", "payload v1");
      let copies = 0;
      const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, {
        match: (r) => (isCopyObject(r) && copies++ === 0 ? "lose-answer" : undefined),
      });
      const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
      let outs;
      try {
        outs = await provider.create({
          source: `${src}/a.txt`,
          bucket: dst,
          key: "b.txt",
          endpoint: proxy.endpoint,
        });
      } finally {
        await proxy.close();
      }
      // The server carried out both attempts: the first one's answer never reached the client.
      expect(copies).toBe(2);
      expect(outs.versionId).toBeDefined();
      expect(await versionsOf(dst, "b.txt")).toEqual([outs.versionId]);
      expect(log.mock.calls.some((c) => String(c[0]).includes("removed 1 extra version(s)"))).toBe(true);

      await provider.delete({ ...outs, endpoint: undefined });
      expect(await exists(dst, "b.txt")).toBe(false);
      expect(await versionsOf(dst, "b.txt")).toEqual([]);
    },
  );

  itIf(CAN.plainHttp)(
    "when no answer arrives at all, fails saying the copy may have been written, and leaves no version",
    async () => {
      const src = await newBucket({ versioned: true });
      const dst = await newBucket({ versioned: true });
      await put(src, "a.txt", "payload v1");
      // A version of the user's on the destination key, written before: it must survive.
      const users = await put(dst, "b.txt", "the user's own");
      let copies = 0;
      const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, {
        match: (r) => (isCopyObject(r) && ++copies ? "lose-answer" : undefined),
      });
      let err: Error | undefined;
      try {
        err = await provider
          .create({ source: `${src}/a.txt`, bucket: dst, key: "b.txt", endpoint: proxy.endpoint })
          .then(
            () => undefined,
            (e: Error) => e,
          );
      } finally {
        await proxy.close();
      }
      expect(copies).toBeGreaterThanOrEqual(2);
      expect(err?.message).toMatch(/^S3_COPYOBJECT_FAILED: /);
      expect(err?.message).toContain(`no answer arrived for ${copies} attempt(s)`);
      expect(err?.message).toContain("S3 may have written the copy anyway");
      expect(err?.message).toContain(`removed the ${copies} version(s) of s3://${dst}/b.txt it wrote`);
      expect(await versionsOf(dst, "b.txt")).toEqual([users]);
      expect((await bytes(dst, "b.txt")).toString()).toBe("the user's own");
    },
  );
});

describe("a CompleteMultipartUpload that S3 carries out but whose answer never arrives", () => {
  const TIMEOUTS_ENV = "PULUMI_S3_COPY_TIMEOUTS";
  const isComplete = (r: { method: string; url: string }) =>
    r.method === "POST" && /[?&]uploadId=/.test(r.url);
  const multipart = { multipartThreshold: 5 * MiB, partSize: 5 * MiB };
  beforeEach(() => {
    process.env[TIMEOUTS_ENV] = "complete=1500";
  });
  afterEach(() => {
    delete process.env[TIMEOUTS_ENV];
    provider.reset();
  });
  const withheldCompletes = () =>
    startFaultProxy(process.env.AWS_ENDPOINT_URL!, {
      match: (r) => (isComplete(r) ? "withhold-answer" : undefined),
    });

  itIf(CAN.plainHttp)(
    "ObjectCopy fails saying S3 assembled it anyway, and removes the version it wrote, keeping the user's",
    async () => {
      const src = await newBucket({ versioned: true });
      const dst = await newBucket({ versioned: true });
      await put(src, "big.bin", Buffer.alloc(11 * MiB, 7));
      const users = await put(dst, "b.bin", "the user's own");
      const proxy = await withheldCompletes();
      let err: Error | undefined;
      try {
        err = await provider
          .create({
            source: `${src}/big.bin`,
            bucket: dst,
            key: "b.bin",
            endpoint: proxy.endpoint,
            ...multipart,
          })
          .then(
            () => undefined,
            (e: Error) => e,
          );
      } finally {
        await proxy.close();
      }
      expect(proxy.withheld.length).toBeGreaterThanOrEqual(1);
      expect(err?.message).toMatch(/^S3_COMPLETEMULTIPARTUPLOAD_TIMED_OUT: /);
      expect(err?.message).toMatch(
        /the upload is gone \(NoSuchUpload\), so S3 assembled the object anyway; removed the version\(s\) it wrote \(\S+\)/,
      );
      expect(await versionsOf(dst, "b.bin")).toEqual([users]);
      expect((await bytes(dst, "b.bin")).toString()).toBe("the user's own");
      const uploads = await verifier().s3.send(new ListMultipartUploadsCommand({ Bucket: dst }));
      expect(uploads.Uploads ?? []).toEqual([]);
    },
  );

  itIf(CAN.plainHttp)(
    "a set's next up copies it again, and destroy then leaves no version of the key",
    async () => {
      const { objectCopySetProvider } = await import("../../provider/set-dynamic");
      const src = await newBucket();
      const dst = await newBucket({ versioned: true });
      await put(src, "b/big.bin", Buffer.alloc(11 * MiB, 9));
      const news = { source: `${src}/b/`, bucket: dst, prefix: "r/", ...multipart };
      const create = async (extra: Record<string, unknown>) => {
        const checked = await objectCopySetProvider.check!(
          {},
          { ...news, __setProject: "p", __setStack: "s", __setName: "complete", ...extra },
        );
        return objectCopySetProvider.create(checked.inputs);
      };
      jest.spyOn(console, "log").mockImplementation(() => undefined);
      const proxy = await withheldCompletes();
      try {
        await expect(create({ endpoint: proxy.endpoint })).rejects.toThrow(
          /^SET_COPY_FAILED: 1 of 1 objects failed to copy: b\/big\.bin \(S3_COMPLETEMULTIPARTUPLOAD_TIMED_OUT\)\. .*removed the version\(s\) it wrote/,
        );
      } finally {
        await proxy.close();
      }
      expect(await versionsOf(dst, "r/big.bin")).toEqual([]);

      const { outs } = await create({});
      expect(outs.lastRun).toMatchObject({ copied: 1, failed: 0 });
      expect(await versionsOf(dst, "r/big.bin")).toHaveLength(1);
      await objectCopySetProvider.delete!("id", outs);
      expect(await versionsOf(dst, "r/big.bin")).toEqual([]);
    },
  );
});

describe("an in-place multipart copy", () => {
  it("aborts no upload open on the key, and warns with the command that aborts it", async () => {
    const bucket = await newBucket({ versioned: true });
    await put(bucket, "big.bin", Buffer.alloc(6 * MiB, 7));
    const { s3 } = verifier();
    const open = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "big.bin" }));
    // Servers report Initiated to the second; the copy must begin after it.
    await new Promise((r) => setTimeout(r, 1100));
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    jest.spyOn(console, "log").mockImplementation(() => undefined);

    const outs = await provider.create({
      source: `${bucket}/big.bin`,
      bucket,
      key: "big.bin",
      metadataDirective: "REPLACE",
      cacheControl: "max-age=60",
      multipartThreshold: 5 * MiB,
    });

    expect(outs).toMatchObject({ copyMethod: "UploadPartCopy", inPlace: true });
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect((uploads.Uploads ?? []).map((u) => u.UploadId)).toEqual([open.UploadId]);
    const lines = warn.mock.calls.map((c) => String(c[0]));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `aws s3api abort-multipart-upload --bucket '${bucket}' --key 'big.bin' --upload-id '${open.UploadId}'`,
    );
  });
});

describe("the uri output", () => {
  it("names the version written, and a copy whose source is it copies exactly that", async () => {
    const src = await newBucket({ versioned: true });
    const dst = await newBucket({ versioned: true });
    await put(src, "a.txt", "first");
    const a = await provider.create({ source: `${src}/a.txt`, bucket: dst, key: "a.txt" });
    expect(a.uri).toBe(`s3://${dst}/a.txt?versionId=${a.versionId}`);

    const b = await provider.create({ source: a.uri, bucket: dst, key: "b.txt" });
    expect((await bytes(dst, "b.txt")).toString()).toBe("first");
    expect(b.sourceVersionId).toBe(a.versionId);

    // A tags-only update writes nothing, so uri stays, and b has nothing to do.
    const tagged = await provider.update(a, {
      source: `${src}/a.txt`,
      bucket: dst,
      key: "a.txt",
      taggingDirective: "REPLACE",
      tags: { stage: "x" },
    });
    expect(await tagsOf(dst, "a.txt")).toEqual({ stage: "x" });
    expect(tagged.uri).toBe(a.uri);
    expect(await provider.diff(b, { source: tagged.uri, bucket: dst, key: "b.txt" })).toMatchObject({
      changes: false,
    });

    // A re-copy writes a new version: uri changes, and so does b's source.
    await put(src, "a.txt", "second");
    const recopied = await provider.update(a, { source: `${src}/a.txt`, bucket: dst, key: "a.txt" });
    expect(recopied.uri).toBe(`s3://${dst}/a.txt?versionId=${recopied.versionId}`);
    expect(recopied.uri).not.toBe(a.uri);
  });

  it("is the plain s3:// address on an unversioned bucket", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a.txt", "x");
    const a = await provider.create({ source: `${src}/a.txt`, bucket: dst, key: "dir/a b.txt" });
    expect(a.uri).toBe(`s3://${dst}/dir/a b.txt`);
    // Refresh keeps it; state written before uri existed gains it.
    const { uri: _dropped, ...legacy } = a;
    expect(((await provider.read(legacy)).props as typeof a).uri).toBe(a.uri);
  });
});
