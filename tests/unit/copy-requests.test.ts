// The requests one copy sends, in the SDK's own terms: which ones, how many, and which run beside
// others instead of after them. Real-server tests check the same copies end to end; these pin the
// request budget (bench/RESULTS.md) so a new sequential request cannot slip in unnoticed.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

import { resetClientCaches } from "../../provider/engine/clients";
import { MiB } from "../../provider/engine/constants";
import { performCopy } from "../../provider/engine/copy";
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
  jest.spyOn(console, "log").mockImplementation(() => undefined);
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
    // In place, the key is the user's own object: no stale-upload scan there.
    expect(count("ListMultipartUploads")).toBe(0);
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
