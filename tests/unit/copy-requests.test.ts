// The requests one copy sends, in the SDK's own terms: which ones, how many, and which run beside
// others instead of after them. Real-server tests check the same copies end to end; these pin the
// request budget (bench/RESULTS.md) so a new sequential request cannot slip in unnoticed.
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
  ListObjectVersionsCommand,
  type ObjectVersion,
  S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

import { resetClientCaches } from "../../provider/engine/clients";
import { MiB, PROGRESS_INTERVAL_MS } from "../../provider/engine/constants";
import { performCopy } from "../../provider/engine/object/resource";
import { resetCleanupWarnings } from "../../provider/engine/object/orphans";
import { LAST_MODIFIED_SLACK_MS, strayVersionIds } from "../../provider/engine/object/stray-versions";
import type { CopyInputs } from "../../provider/engine/types";

const s3 = mockClient(S3Client);
const SIZE = 100 * MiB;
const MODIFIED = new Date("2026-11-01T10:00:00Z");
const BASE: CopyInputs = {
  bucket: "dst",
  key: "out/big.bin",
  source: "src/in/big.bin",
  region: "eu-west-1",
  endpoint: "http://127.0.0.1:9",
  concurrency: 4,
  partSize: 50 * MiB,
};

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const names = () => s3.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ""));
const count = (name: string) => names().filter((n) => n === name).length;

beforeEach(() => {
  s3.reset();
  resetClientCaches();
  resetCleanupWarnings();
  jest.spyOn(console, "log").mockImplementation(() => undefined);
  jest.spyOn(console, "warn").mockImplementation(() => undefined);
  s3.on(HeadObjectCommand).resolves({
    ContentLength: SIZE,
    ETag: '"src-etag"',
    VersionId: "sv1",
    LastModified: MODIFIED,
    ContentType: "application/zip",
  });
  s3.on(GetObjectTaggingCommand).resolves({ VersionId: "sv1", TagSet: [{ Key: "team", Value: "a b" }] });
  s3.on(ListMultipartUploadsCommand).resolves({ IsTruncated: false });
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "U1" });
  s3.on(UploadPartCopyCommand).callsFake(async (input: { PartNumber: number }) => ({
    CopyPartResult: { ETag: `"p${input.PartNumber}"` },
  }));
  s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"final-2"', VersionId: "dv1" });
  s3.on(CopyObjectCommand).resolves({
    CopyObjectResult: { ETag: '"small"', LastModified: MODIFIED },
    VersionId: "dv2",
  });
});

afterEach(() => jest.restoreAllMocks());
afterAll(() => s3.restore());

describe("performCopy: the requests of a multipart copy", () => {
  it("sends HeadObject, GetObjectTagging, ListMultipartUploads, Create, the parts and Complete, and nothing else", async () => {
    const out = await performCopy(BASE);

    expect(names().sort()).toEqual(
      [
        "HeadObject",
        "GetObjectTagging",
        "ListMultipartUploads",
        "CreateMultipartUpload",
        "UploadPartCopy",
        "UploadPartCopy",
        "CompleteMultipartUpload",
      ].sort(),
    );
    // Neither a HeadBucket for the source's region nor a HeadObject of the result.
    expect(count("HeadBucket")).toBe(0);
    expect(s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input.Bucket)).toEqual(["src"]);
    expect(out).toMatchObject({
      etag: '"final-2"',
      versionId: "dv1",
      copyMethod: "UploadPartCopy",
      partCount: 2,
    });
    expect(out.lastModified).toBeUndefined();
    // The tags read beside HeadObject are the ones the upload carries.
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0].args[0].input.Tagging).toBe("team=a%20b");
  });

  it("reads the tags and lists stale uploads beside HeadObject, not after it", async () => {
    let headDone = false;
    const sentBeforeHeadAnswered: string[] = [];
    s3.on(HeadObjectCommand).callsFake(async () => {
      await delay(30);
      headDone = true;
      return { ContentLength: SIZE, ETag: '"src-etag"', VersionId: "sv1", LastModified: MODIFIED };
    });
    s3.on(GetObjectTaggingCommand).callsFake(async () => {
      if (!headDone) sentBeforeHeadAnswered.push("GetObjectTagging");
      return { VersionId: "sv1", TagSet: [] };
    });
    s3.on(ListMultipartUploadsCommand).callsFake(async () => {
      if (!headDone) sentBeforeHeadAnswered.push("ListMultipartUploads");
      return { IsTruncated: false };
    });

    await performCopy(BASE);
    expect(sentBeforeHeadAnswered.sort()).toEqual(["GetObjectTagging", "ListMultipartUploads"]);
    expect(count("GetObjectTagging")).toBe(1);
  });

  it("reads the tags again, pinned to the version HeadObject saw, when the early read saw another version", async () => {
    s3.on(GetObjectTaggingCommand)
      .resolvesOnce({ VersionId: "sv0", TagSet: [{ Key: "stale", Value: "1" }] })
      .resolves({ VersionId: "sv1", TagSet: [{ Key: "fresh", Value: "1" }] });

    await performCopy(BASE);

    const reads = s3.commandCalls(GetObjectTaggingCommand).map((c) => c.args[0].input.VersionId);
    expect(reads).toEqual([undefined, "sv1"]);
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0].args[0].input.Tagging).toBe("fresh=1");
  });

  it("reads the tags again when the early read failed, and fails the copy with that error if it fails again", async () => {
    const denied = Object.assign(new Error("Access Denied"), {
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403 },
    });
    s3.on(GetObjectTaggingCommand).rejects(denied);

    await expect(performCopy(BASE)).rejects.toThrow(
      /GetObjectTagging.*s3:\/\/src\/in\/big\.bin\?versionId=sv1/,
    );
    expect(count("GetObjectTagging")).toBe(2);
    expect(count("CreateMultipartUpload")).toBe(0);
  });

  it("never aborts its own upload, even when the listing shows it as older than the attempt", async () => {
    // A server clock behind the client's makes this attempt's own upload look stale.
    s3.on(ListMultipartUploadsCommand).callsFake(async () => {
      await delay(20);
      return {
        IsTruncated: false,
        Uploads: [
          { Key: "out/big.bin", UploadId: "U1", Initiated: new Date("2000-01-01T00:00:00Z") },
          { Key: "out/big.bin", UploadId: "orphan", Initiated: new Date("2000-01-01T00:00:00Z") },
        ],
      };
    });

    await performCopy(BASE);
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input.UploadId)).toEqual([
      "orphan",
    ]);
    expect(count("CompleteMultipartUpload")).toBe(1);
  });

  it("asks the destination for its Last-Modified only when the copy is in place", async () => {
    s3.on(HeadObjectCommand, { Bucket: "dst" }).resolves({
      ContentLength: SIZE,
      ETag: '"final-2"',
      VersionId: "dv1",
      LastModified: MODIFIED,
    });
    const out = await performCopy({ ...BASE, source: "dst/out/big.bin" });

    expect(s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input.VersionId)).toEqual([
      undefined,
      "dv1",
    ]);
    expect(out.lastModified).toBe(MODIFIED.toISOString());
    // In place, the key is the user's own object: its uploads are listed (to warn), never aborted.
    expect(count("ListMultipartUploads")).toBe(1);
    expect(count("AbortMultipartUpload")).toBe(0);
  });

  it("asks for the source bucket's region only when sourceRegion is neither given nor known", async () => {
    await performCopy(BASE);
    await performCopy({ ...BASE, sourceRegion: "us-west-2" });
    expect(s3.commandCalls(HeadBucketCommand)).toHaveLength(0);
  });
});

describe("performCopy: access denied on a pinned version", () => {
  const denied = () =>
    Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });

  it("names s3:GetObjectVersion when HeadObject of a pinned source version is denied", async () => {
    s3.on(HeadObjectCommand).rejects(denied());
    await expect(performCopy({ ...BASE, source: "src/in/big.bin?versionId=v1" })).rejects.toThrow(
      /S3_HEADOBJECT_FAILED: .*versionId=v1.*AccessDenied \(HTTP 403\).*s3:GetObjectVersion/,
    );
    expect(count("CreateMultipartUpload")).toBe(0);
  });

  it("does not blame version permissions when the current object is denied", async () => {
    s3.on(HeadObjectCommand).rejects(denied());
    const err = await performCopy(BASE).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^S3_HEADOBJECT_FAILED: .*AccessDenied/);
    expect((err as Error).message).not.toContain("s3:GetObjectVersion");
  });
});

describe("performCopy: the requests of a single CopyObject", () => {
  it("sends HeadObject and CopyObject on the critical path and ignores a failed early tag read", async () => {
    s3.on(GetObjectTaggingCommand).rejects(
      Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }),
    );
    const out = await performCopy({ ...BASE, partSize: undefined, multipartThreshold: 200 * MiB });

    expect(out).toMatchObject({
      copyMethod: "CopyObject",
      etag: '"small"',
      lastModified: MODIFIED.toISOString(),
    });
    expect(count("CopyObject")).toBe(1);
    expect(count("CreateMultipartUpload")).toBe(0);
    expect(count("HeadBucket")).toBe(0);
    expect(count("HeadObject")).toBe(1);
    // Answered on its first attempt: nothing to clean up, so no version listing and no delete.
    expect(count("ListObjectVersions")).toBe(0);
    expect(count("DeleteObject")).toBe(0);
    expect(s3.commandCalls(CopyObjectCommand)[0].args[0].input).toMatchObject({
      TaggingDirective: "COPY",
      CopySource: "src/in/big.bin?versionId=sv1",
    });
  });

  it("reads no tags at all when tags are replaced", async () => {
    await performCopy({ ...BASE, taggingDirective: "REPLACE", tags: { a: "1" } });
    expect(count("GetObjectTagging")).toBe(0);
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0].args[0].input.Tagging).toBe("a=1");
  });
});

const SMALL = { ...BASE, partSize: undefined, multipartThreshold: 200 * MiB };
const deletedVersions = () => s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.VersionId);
const warnings = () => (console.warn as jest.Mock).mock.calls.map((c) => String(c[0]));
const logs = () => (console.log as jest.Mock).mock.calls.map((c) => String(c[0]));

describe("performCopy: a CopyObject retried after its answer was lost", () => {
  const MD5 = '"0123456789abcdef0123456789abcdef"';
  const version = (VersionId: string, extra: Partial<ObjectVersion> = {}): ObjectVersion => ({
    Key: "out/big.bin",
    VersionId,
    Size: SIZE,
    ETag: '"small"',
    LastModified: new Date(),
    ...extra,
  });

  it("deletes the versions earlier attempts wrote, and none newer than its own, of another size or ETag, or older than the copy", async () => {
    s3.on(CopyObjectCommand).resolves({
      CopyObjectResult: { ETag: '"small"', LastModified: new Date() },
      VersionId: "v3",
      $metadata: { attempts: 3 },
    });
    s3.on(ListObjectVersionsCommand).callsFake(async () => ({
      IsTruncated: false,
      Versions: [
        version("user-after"), // written after ours: someone else's
        version("v3"), // the one the copy keeps
        version("v2"),
        version("other-size", { Size: SIZE - 1 }),
        version("other-etag", { ETag: '"different"' }),
        version("null"),
        { ...version("v1"), Key: "out/big.bin.bak" }, // another key under the same prefix
        version("v1"),
        version("before-copy", { LastModified: new Date(Date.now() - 60_000) }),
      ],
    }));

    const out = await performCopy(SMALL);

    expect(out).toMatchObject({ versionId: "v3", copyMethod: "CopyObject" });
    expect(s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ Bucket: "dst", Prefix: "out/big.bin" }),
    ]);
    expect(deletedVersions()).toEqual(["v2", "v1"]);
    expect(s3.commandCalls(DeleteObjectCommand).every((c) => c.args[0].input.Key === "out/big.bin")).toBe(
      true,
    );
    expect(logs().some((l) => l.includes("removed 2 extra version(s)") && l.includes("v2, v1"))).toBe(true);
  });

  it("in place, never deletes the source version the copy was made from, nor anything older", async () => {
    s3.on(HeadObjectCommand).resolves({
      ContentLength: SIZE,
      ETag: '"small"',
      VersionId: "orig",
      LastModified: MODIFIED,
    });
    s3.on(CopyObjectCommand).resolves({
      CopyObjectResult: { ETag: '"small"', LastModified: new Date() },
      VersionId: "v2",
      $metadata: { attempts: 2 },
    });
    s3.on(ListObjectVersionsCommand).resolves({
      IsTruncated: false,
      Versions: [version("v2"), version("v1"), version("orig"), version("older-same")],
    });

    await performCopy({ ...SMALL, source: "dst/out/big.bin", metadataDirective: "REPLACE" });
    expect(deletedVersions()).toEqual(["v1"]);
  });

  it("after a retried CopyObject onto an unversioned bucket (throttling, say), lists no versions", async () => {
    s3.on(CopyObjectCommand).resolves({
      CopyObjectResult: { ETag: '"small"', LastModified: new Date() },
      $metadata: { attempts: 3 },
    });
    await performCopy(SMALL);
    expect(count("CopyObject")).toBe(1);
    expect(count("ListObjectVersions")).toBe(0);
    expect(count("DeleteObject")).toBe(0);
  });

  it("matches on size alone under SSE-KMS, whose ETag differs on every write", async () => {
    s3.on(CopyObjectCommand).resolves({
      CopyObjectResult: { ETag: '"kms-3"', LastModified: new Date() },
      VersionId: "v2",
      ServerSideEncryption: "aws:kms",
      $metadata: { attempts: 2 },
    });
    s3.on(ListObjectVersionsCommand).resolves({
      IsTruncated: false,
      Versions: [version("v2", { ETag: '"kms-3"' }), version("v1", { ETag: '"kms-1"' })],
    });
    await performCopy({ ...SMALL, serverSideEncryption: "aws:kms" });
    expect(deletedVersions()).toEqual(["v1"]);
  });

  it("when every answer was lost, removes the versions the attempts wrote and says the copy may have been written (a 4xx lists nothing)", async () => {
    s3.on(HeadObjectCommand).resolves({
      ContentLength: SIZE,
      ETag: MD5,
      VersionId: "sv1",
      LastModified: MODIFIED,
    });
    s3.on(CopyObjectCommand).rejects(
      Object.assign(new Error("socket hang up"), {
        name: "TimeoutError",
        code: "ECONNRESET",
        $metadata: { attempts: 3 },
      }),
    );
    s3.on(ListObjectVersionsCommand).resolves({
      IsTruncated: false,
      Versions: [
        version("a3", { ETag: MD5 }),
        version("a2", { ETag: MD5 }),
        version("a1", { ETag: MD5 }),
        version("users", { ETag: '"users-own"' }),
      ],
    });

    const err = (await performCopy(SMALL).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^S3_COPYOBJECT_FAILED: /);
    expect(err.message).toContain("socket hang up");
    expect(err.message).toContain("no answer arrived for 3 attempt(s)");
    expect(err.message).toContain("S3 may have written the copy anyway");
    expect(err.message).toContain("removed the 3 version(s) of s3://dst/out/big.bin it wrote (a3, a2, a1)");
    expect(deletedVersions()).toEqual(["a3", "a2", "a1"]);

    // A 4xx on the only attempt wrote nothing: no listing, no delete.
    s3.resetHistory();
    s3.on(CopyObjectCommand).rejects(
      Object.assign(new Error("Access Denied"), {
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403, attempts: 1 },
      }),
    );
    const refused = (await performCopy(SMALL).catch((e: unknown) => e)) as Error;
    expect(refused.message).toMatch(/^S3_COPYOBJECT_FAILED: .*AccessDenied/);
    expect(refused.message).not.toContain("may have written");
    expect(count("ListObjectVersions")).toBe(0);
    expect(count("DeleteObject")).toBe(0);
  });
});

describe("performCopy: the destination's region", () => {
  it("reads the source beside the destination's HeadBucket, not after it, and copies in the region found", async () => {
    let headBucketAnswered = false;
    const sentBeforeHeadBucketAnswered: string[] = [];
    s3.on(HeadBucketCommand).callsFake(async () => {
      await delay(30);
      headBucketAnswered = true;
      return { BucketRegion: "ap-south-1" };
    });
    s3.on(HeadObjectCommand).callsFake(async () => {
      if (!headBucketAnswered) sentBeforeHeadBucketAnswered.push("HeadObject");
      return { ContentLength: SIZE, ETag: '"src-etag"', VersionId: "sv1", LastModified: MODIFIED };
    });
    s3.on(GetObjectTaggingCommand).callsFake(async () => {
      if (!headBucketAnswered) sentBeforeHeadBucketAnswered.push("GetObjectTagging");
      return { VersionId: "sv1", TagSet: [] };
    });

    await performCopy({ ...BASE, region: undefined });

    expect(sentBeforeHeadBucketAnswered.sort()).toEqual(["GetObjectTagging", "HeadObject"]);
    expect(s3.commandCalls(HeadBucketCommand).map((c) => c.args[0].input.Bucket)).toEqual(["dst"]);
    const create = s3.commandCalls(CreateMultipartUploadCommand)[0];
    expect(await (create.thisValue as S3Client).config.region()).toBe("ap-south-1");
  });
});

describe("performCopy: a long single CopyObject", () => {
  afterEach(() => jest.useRealTimers());

  it("prints the elapsed time every PROGRESS_INTERVAL_MS while CopyObject runs, and when it ends", async () => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate", "queueMicrotask"] });
    let answer: (v: unknown) => void = () => undefined;
    s3.on(CopyObjectCommand).callsFake(
      () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    );
    const copying = performCopy(SMALL);
    while (count("CopyObject") === 0) await new Promise((r) => setImmediate(r));

    await jest.advanceTimersByTimeAsync(PROGRESS_INTERVAL_MS - 1);
    expect(logs()).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await jest.advanceTimersByTimeAsync(PROGRESS_INTERVAL_MS);
    answer({ CopyObjectResult: { ETag: '"small"', LastModified: MODIFIED }, VersionId: "dv2" });
    await copying;

    const seconds = PROGRESS_INTERVAL_MS / 1000;
    expect(logs()).toEqual([
      `copying s3://dst/out/big.bin: one CopyObject of 100 MiB, ${seconds}s elapsed`,
      `copying s3://dst/out/big.bin: one CopyObject of 100 MiB, ${2 * seconds}s elapsed`,
      `copying s3://dst/out/big.bin: done after ${2 * seconds}s`,
    ]);
  });
});

describe("performCopy: clean-up of uploads a killed attempt left", () => {
  const denied = () =>
    Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });

  it("warns once per bucket, naming s3:ListBucketMultipartUploads, when listing uploads is denied, and copies all the same", async () => {
    s3.on(ListMultipartUploadsCommand).rejects(denied());

    await performCopy(BASE);
    await performCopy({ ...BASE, key: "out/other.bin" });
    await performCopy({ ...BASE, bucket: "dst2" });

    expect(count("CompleteMultipartUpload")).toBe(3);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[0]).toContain("s3:ListBucketMultipartUploads");
    expect(warnings()[0]).toContain("bucket dst ");
    expect(warnings()[0]).toContain("AbortIncompleteMultipartUpload");
    expect(warnings()[1]).toContain("bucket dst2 ");
  });

  it("names s3:AbortMultipartUpload when aborting a stale upload is denied", async () => {
    s3.on(ListMultipartUploadsCommand).resolves({
      IsTruncated: false,
      Uploads: [{ Key: "out/big.bin", UploadId: "orphan", Initiated: new Date("2000-01-01T00:00:00Z") }],
    });
    s3.on(AbortMultipartUploadCommand).rejects(denied());

    await performCopy(BASE);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain("AbortMultipartUpload failed (AccessDenied, HTTP 403)");
    expect(warnings()[0]).toContain("grant s3:AbortMultipartUpload on bucket dst");
    expect(warnings()[0]).not.toContain("s3:ListBucketMultipartUploads");
  });

  it("in place, a multipart copy aborts no upload but warns with the command that aborts each one begun before it", async () => {
    s3.on(HeadObjectCommand, { Bucket: "dst" }).resolves({
      ContentLength: SIZE,
      ETag: '"final-2"',
      VersionId: "dv1",
      LastModified: MODIFIED,
    });
    s3.on(ListMultipartUploadsCommand).resolves({
      IsTruncated: false,
      Uploads: [
        { Key: "out/big.bin", UploadId: "old-1", Initiated: new Date("2000-01-01T00:00:00Z") },
        { Key: "out/big.bin", UploadId: "U1", Initiated: new Date("2000-01-01T00:00:00Z") }, // this copy's own
        { Key: "out/big.bin.x", UploadId: "other-key", Initiated: new Date("2000-01-01T00:00:00Z") },
      ],
    });

    await performCopy({ ...BASE, source: "dst/out/big.bin" });

    expect(count("AbortMultipartUpload")).toBe(0);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain(
      "1 multipart upload(s) begun before this copy are open on s3://dst/out/big.bin",
    );
    expect(warnings()[0]).toContain(
      "aws s3api abort-multipart-upload --bucket 'dst' --key 'out/big.bin' --upload-id 'old-1'",
    );
    expect(warnings()[0]).not.toContain("U1");
    expect(warnings()[0]).toContain("AbortIncompleteMultipartUpload");

    // A single CopyObject in place makes no upload, and does not list them either.
    s3.resetHistory();
    await performCopy({ ...SMALL, source: "dst/out/big.bin", metadataDirective: "REPLACE" });
    expect(count("ListMultipartUploads")).toBe(0);
  });
});

describe("strayVersionIds: the copy's window is on the server's clock", () => {
  const HOUR = 3_600_000;
  // The client's clock: the copy was sent at 1000 s and the listing answered 20 s later.
  const write = { bucket: "dst", key: "k", owner: {}, sentAt: 1_000_000, size: 5, older: [] };
  const at = (ms: number, VersionId: string): ObjectVersion => ({
    Key: "k",
    VersionId,
    Size: 5,
    LastModified: new Date(ms),
  });

  it("finds versions written during the copy when the server's clock is an hour ahead of ours", () => {
    const serverNow = 1_020_000 + HOUR;
    const versions = [
      at(1_015_000 + HOUR, "second"),
      at(1_001_000 + HOUR, "first"),
      at(1_000_000 + HOUR - LAST_MODIFIED_SLACK_MS - 1, "before"),
    ];
    expect(strayVersionIds(write, versions, serverNow, 1_020_000)).toEqual(["second", "first"]);
    // Read on the client's clock instead, all three would have been out of the window.
    expect(strayVersionIds(write, versions, 1_020_000, 1_020_000)).toEqual([]);
  });
});
