// The requests a set sends per object through setCopier: the listing entry stands in for
// HeadObject when nothing needs the head, settings are resolved once for the whole set, and
// nothing ObjectCopy does around its one copy (stale-upload scan, HeadBucket, deleting the
// superseded version) happens per object.
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

import { partSlots, resetClientCaches } from "../../provider/engine/clients";
import { isThrottling } from "../../provider/engine/concurrency";
import { MiB } from "../../provider/engine/constants";
import { resetKmsCache } from "../../provider/engine/object/kms";
import { setCopier } from "../../provider/engine/object";
import type { CopyTask, ObjectSettings, SourceEntry } from "../../provider/engine/set/types";

const s3 = mockClient(S3Client);
const kms = mockClient(KMSClient);
const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const WHERE = { sourceBucket: "src", destBucket: "dst" };
const BASE: ObjectSettings = {
  region: "eu-west-1",
  sourceRegion: "eu-west-1",
  endpoint: "http://127.0.0.1:9",
  concurrency: 4,
};

const entry = (
  key: string,
  size = 1024,
  etag = `"${key.length.toString(16).padStart(32, "0")}"`,
): SourceEntry => ({
  key,
  size,
  etag,
  lastModified: "2026-11-01T10:00:00.000Z",
  storageClass: "STANDARD",
});
const task = (rel: string, e: SourceEntry = entry(`in/${rel}`)): CopyTask => ({
  sourceBucket: "src",
  sourceKey: `in/${rel}`,
  destBucket: "dst",
  destKey: `out/${rel}`,
  entry: e,
});

const names = () => s3.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ""));
const count = (name: string) => names().filter((n) => n === name).length;

beforeEach(() => {
  s3.reset();
  kms.reset();
  resetClientCaches();
  resetKmsCache();
  jest.spyOn(console, "log").mockImplementation(() => undefined);
  s3.on(HeadBucketCommand).resolves({ BucketRegion: "eu-west-1" });
  s3.on(HeadObjectCommand).resolves({
    ContentLength: 1024,
    ETag: '"00000000000000000000000000000008"',
    VersionId: "sv1",
    LastModified: new Date("2026-11-01T10:00:00Z"),
    ContentType: "text/plain",
    Metadata: { owner: "build" },
  });
  s3.on(GetObjectTaggingCommand).resolves({ VersionId: "sv1", TagSet: [{ Key: "team", Value: "a" }] });
  s3.on(ListMultipartUploadsCommand).resolves({ IsTruncated: false });
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "U1" });
  s3.on(UploadPartCopyCommand).callsFake(async (input: { PartNumber: number }) => ({
    CopyPartResult: { ETag: `"p${input.PartNumber}"` },
  }));
  s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"mp-2"', VersionId: "dv-mp" });
  s3.on(CopyObjectCommand).resolves({
    CopyObjectResult: { ETag: '"copied"', LastModified: new Date("2026-11-02T10:00:00Z") },
    VersionId: "dv1",
    CopySourceVersionId: "sv-listed",
  });
  kms.on(DescribeKeyCommand).resolves({
    KeyMetadata: {
      KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
      Arn: KEY_ARN,
      KeyState: "Enabled",
      KeyUsage: "ENCRYPT_DECRYPT",
      KeySpec: "SYMMETRIC_DEFAULT",
    },
  });
});

afterEach(() => jest.restoreAllMocks());
afterAll(() => {
  s3.restore();
  kms.restore();
});

describe("setCopier: a small object under COPY", () => {
  it("sends one CopyObject pinned to the listing ETag and no HeadObject, GetObjectTagging, ListMultipartUploads or HeadBucket", async () => {
    const copy = await setCopier({ ...BASE, metadataDirective: "COPY" }, WHERE);
    const t = task("a.txt");
    const result = await copy(t);

    expect(names()).toEqual(["CopyObject"]);
    const input = s3.commandCalls(CopyObjectCommand)[0].args[0].input;
    expect(input).toMatchObject({
      Bucket: "dst",
      Key: "out/a.txt",
      CopySource: "src/in/a.txt",
      CopySourceIfMatch: t.entry.etag,
      MetadataDirective: "COPY",
      TaggingDirective: "COPY",
    });
    expect(input.Metadata).toBeUndefined();
    expect(result).toEqual({
      sourceVersionId: "sv-listed",
      written: { versionId: "dv1", etag: '"copied"', size: 1024, lastModified: "2026-11-02T10:00:00.000Z" },
    });
  });

  it("with no metadataDirective given, copies headers (COPY) in one CopyObject instead of replacing them with none", async () => {
    const copy = await setCopier(BASE, WHERE);
    await copy(task("a.txt"));
    expect(names()).toEqual(["CopyObject"]);
    expect(s3.commandCalls(CopyObjectCommand)[0].args[0].input).toMatchObject({
      MetadataDirective: "COPY",
      TaggingDirective: "COPY",
    });
  });

  it("copies 20 objects with 20 CopyObjects and nothing else, REPLACE and tags included", async () => {
    const copy = await setCopier(
      {
        ...BASE,
        metadataDirective: "REPLACE",
        cacheControl: "max-age=60",
        taggingDirective: "REPLACE",
        tags: { a: "b" },
      },
      WHERE,
    );
    for (let i = 0; i < 20; i++) await copy(task(`f${i}.txt`));
    expect(names()).toEqual(Array(20).fill("CopyObject"));
    expect(s3.commandCalls(CopyObjectCommand)[0].args[0].input).toMatchObject({
      MetadataDirective: "REPLACE",
      CacheControl: "max-age=60",
      TaggingDirective: "REPLACE",
      Tagging: "a=b",
    });
  });

  it("asks HeadBucket once per bucket when the copier is made, never per object", async () => {
    const copy = await setCopier({ endpoint: BASE.endpoint }, WHERE);
    for (let i = 0; i < 5; i++) await copy(task(`f${i}.txt`));
    expect(
      s3
        .commandCalls(HeadBucketCommand)
        .map((c) => c.args[0].input.Bucket)
        .sort(),
    ).toEqual(["dst", "src"]);
    expect(count("CopyObject")).toBe(5);
    expect(count("HeadObject")).toBe(0);
  });
});

describe("setCopier: what needs the head", () => {
  it("under MERGE reads HeadObject first, pinned to the listing ETag, then copies that version with the merged headers", async () => {
    const copy = await setCopier({ ...BASE, metadataDirective: "MERGE", cacheControl: "max-age=60" }, WHERE);
    const t = task("a.txt", entry("in/a.txt", 1024, '"00000000000000000000000000000008"'));
    const result = await copy(t);

    expect(names()).toEqual(["HeadObject", "CopyObject"]);
    expect(s3.commandCalls(HeadObjectCommand)[0].args[0].input).toMatchObject({
      Bucket: "src",
      Key: "in/a.txt",
      IfMatch: t.entry.etag,
    });
    expect(s3.commandCalls(CopyObjectCommand)[0].args[0].input).toMatchObject({
      CopySource: "src/in/a.txt?versionId=sv1",
      CopySourceIfMatch: t.entry.etag,
      MetadataDirective: "REPLACE",
      ContentType: "text/plain",
      CacheControl: "max-age=60",
      Metadata: { owner: "build" },
    });
    expect(result.sourceVersionId).toBe("sv1");
  });

  it("above the multipart threshold reads HeadObject and the tags, then copies in parts, with no ListMultipartUploads", async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 20 * MiB, ETag: '"big"', VersionId: "sv9" });
    const copy = await setCopier({ ...BASE, multipartThreshold: 8 * MiB, partSize: 10 * MiB }, WHERE);
    const result = await copy(task("big.bin", entry("in/big.bin", 20 * MiB, '"big"')));

    expect(names().sort()).toEqual(
      [
        "HeadObject",
        "GetObjectTagging",
        "CreateMultipartUpload",
        "UploadPartCopy",
        "UploadPartCopy",
        "CompleteMultipartUpload",
      ].sort(),
    );
    expect(s3.commandCalls(HeadObjectCommand)[0].args[0].input.IfMatch).toBe('"big"');
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0].args[0].input.Tagging).toBe("team=a");
    for (const c of s3.commandCalls(UploadPartCopyCommand)) {
      expect(c.args[0].input).toMatchObject({
        CopySource: "src/in/big.bin?versionId=sv9",
        CopySourceIfMatch: '"big"',
      });
    }
    expect(result).toEqual({
      sourceVersionId: "sv9",
      written: { versionId: "dv-mp", etag: '"mp-2"', size: 20 * MiB },
    });
  });

  it("an archived listing entry reads HeadObject and fails with SOURCE_ARCHIVED, copying nothing", async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1024, ETag: '"g"', StorageClass: "GLACIER" });
    const copy = await setCopier(BASE, WHERE);
    await expect(
      copy(task("cold.bin", { ...entry("in/cold.bin"), storageClass: "GLACIER" })),
    ).rejects.toMatchObject({
      code: "SOURCE_ARCHIVED",
    });
    expect(names()).toEqual(["HeadObject"]);
  });
});

describe("setCopier: resolved once, failures, re-copies", () => {
  it("resolves a KMS alias with one DescribeKey for 50 objects and encrypts each with its ARN", async () => {
    const copy = await setCopier(
      { ...BASE, serverSideEncryption: "aws:kms", kmsKeyId: "alias/promote" },
      WHERE,
    );
    await Promise.all(Array.from({ length: 50 }, (_, i) => copy(task(`f${i}.txt`))));

    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(1);
    expect(kms.commandCalls(DescribeKeyCommand)[0].args[0].input.KeyId).toBe("alias/promote");
    const copies = s3.commandCalls(CopyObjectCommand);
    expect(copies).toHaveLength(50);
    expect(new Set(copies.map((c) => c.args[0].input.SSEKMSKeyId))).toEqual(new Set([KEY_ARN]));
    expect(names().filter((n) => n !== "CopyObject")).toEqual([]);
  });

  it("a 412 from CopyObject is SOURCE_CHANGED_DURING_COPY", async () => {
    s3.on(CopyObjectCommand).rejects(
      Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), {
        name: "PreconditionFailed",
        $metadata: { httpStatusCode: 412, attempts: 1 },
      }),
    );
    const copy = await setCopier(BASE, WHERE);
    await expect(copy(task("a.txt"))).rejects.toMatchObject({ code: "SOURCE_CHANGED_DURING_COPY" });
    expect(names()).toEqual(["CopyObject"]);
  });

  // AWS answers 403 AccessDenied to an SSE-C write on a bucket that blocks SSE-C; no server here does.
  const denied = () =>
    Object.assign(new Error("Access Denied"), {
      name: "AccessDenied",
      Code: "AccessDenied",
      $metadata: { httpStatusCode: 403, attempts: 1 },
    });
  const KEY = Buffer.alloc(32, 7).toString("base64");

  it("a 403 on a copy that sends a destination SSE-C key names the bucket's SSE-C block, without the key", async () => {
    s3.on(CopyObjectCommand).rejects(denied());
    const copy = await setCopier({ ...BASE, customerKey: KEY }, WHERE);
    const err = (await copy(task("a.txt")).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/^S3_COPYOBJECT_FAILED: /);
    expect(err.message).toContain(
      "or the destination bucket blocks SSE-C, as AWS does by default for buckets created since April 2026",
    );
    expect(err.message).not.toContain(KEY);
  });

  it("a 403 on a multipart copy's Create with a destination SSE-C key names the block too, and not without a key", async () => {
    s3.on(HeadObjectCommand).resolves({ ETag: '"e"', ContentLength: 200 * MiB, VersionId: "v1" });
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    s3.on(CreateMultipartUploadCommand).rejects(denied());
    const big = entry("in/big.bin", 200 * MiB);
    const withKey = await setCopier({ ...BASE, customerKey: KEY }, WHERE);
    await expect(withKey(task("big.bin", big))).rejects.toThrow(
      /S3_CREATEMULTIPARTUPLOAD_FAILED: .*blocks SSE-C/,
    );
    const plain = await setCopier(BASE, WHERE);
    await expect(plain(task("big.bin", big))).rejects.not.toThrow(/SSE-C/);
  });

  it("a 503 SlowDown comes back from one CopyObject, sent past the SDK's throttle retries, and lists no versions", async () => {
    s3.on(CopyObjectCommand).rejects(
      Object.assign(new Error("Please reduce your request rate."), {
        name: "SlowDown",
        $metadata: { httpStatusCode: 503, attempts: 1 },
      }),
    );
    const copy = await setCopier(BASE, WHERE);
    const err: unknown = await copy(task("a.txt")).catch((e: unknown) => e);
    // The scheduler tries it again after its own short wait and lowers the objects in flight.
    expect(isThrottling(err)).toBe(true);
    expect(names()).toEqual(["CopyObject"]);
    // Sent through the twin whose SDK skips throttle retries (it owns no part slots of its own).
    const sender = s3.commandCalls(CopyObjectCommand)[0].thisValue as S3Client;
    expect(partSlots(sender)).toBeUndefined();
  });

  it("a re-copy reports the version it superseded instead of deleting it, and never the source version", async () => {
    const copy = await setCopier(BASE, WHERE);
    const t: CopyTask = {
      ...task("a.txt"),
      previous: {
        source: { etag: '"old"', size: 10, lastModified: "2026-10-01T00:00:00.000Z", versionId: "sv-listed" },
        dest: { versionId: "dv0", size: 10, superseded: ["dv-older"] },
      },
    };
    const result = await copy(t);
    expect(result.written.superseded).toEqual(["dv-older", "dv0"]);
    expect(count("DeleteObject")).toBe(0);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  it("in place, a re-copy never reports the original it was made from", async () => {
    const copy = await setCopier(
      { ...BASE, metadataDirective: "REPLACE", cacheControl: "no-cache" },
      { sourceBucket: "dst", destBucket: "dst" },
    );
    // The current object is the set's own earlier copy; the original is an older version.
    s3.on(HeadObjectCommand).callsFake(async (input: { VersionId?: string }) =>
      input.VersionId === "orig-v"
        ? { ContentLength: 1024, ETag: '"orig"', VersionId: "orig-v" }
        : { ContentLength: 1024, ETag: '"mine"', VersionId: "dv0" },
    );
    const result = await copy({
      sourceBucket: "dst",
      sourceKey: "site/a.html",
      destBucket: "dst",
      destKey: "site/a.html",
      entry: entry("site/a.html", 1024, '"mine"'),
      previous: {
        source: { etag: '"orig"', size: 1024, lastModified: "2026-10-01T00:00:00.000Z", versionId: "orig-v" },
        dest: { versionId: "dv0", size: 1024 },
      },
    });
    expect(s3.commandCalls(CopyObjectCommand)[0].args[0].input.CopySource).toBe(
      "dst/site/a.html?versionId=orig-v",
    );
    expect(result.sourceVersionId).toBe("orig-v");
    expect(result.written.superseded).toEqual(["dv0"]);
    expect(count("DeleteObject")).toBe(0);
  });

  it("a signal aborted before the copy starts sends no CopyObject and fails with COPY_CANCELLED", async () => {
    const copy = await setCopier(BASE, WHERE);
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(copy(task("a.txt"), controller.signal)).rejects.toMatchObject({ code: "COPY_CANCELLED" });
    expect(count("CopyObject")).toBe(0);
  });

  it("a signal aborted while parts copy stops the parts, aborts the upload and fails with COPY_CANCELLED", async () => {
    const controller = new AbortController();
    s3.on(HeadObjectCommand).resolves({ ContentLength: 40 * MiB, ETag: '"big"', VersionId: "sv9" });
    s3.on(UploadPartCopyCommand).callsFake(async (input: { PartNumber: number }) => {
      controller.abort(new Error("stop"));
      return { CopyPartResult: { ETag: `"p${input.PartNumber}"` } };
    });
    s3.on(AbortMultipartUploadCommand).resolves({});
    const copy = await setCopier(
      { ...BASE, concurrency: 1, multipartThreshold: 8 * MiB, partSize: 5 * MiB },
      WHERE,
    );

    await expect(
      copy(task("big.bin", entry("in/big.bin", 40 * MiB, '"big"')), controller.signal),
    ).rejects.toMatchObject({ code: "COPY_CANCELLED" });
    expect(count("UploadPartCopy")).toBe(1);
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input.UploadId)).toEqual(["U1"]);
    expect(count("CompleteMultipartUpload")).toBe(0);
  });
});
