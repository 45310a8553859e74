// The requests ObjectCopy's `adopt` sends on create: one HeadObject of the source and one of the
// destination (asking for checksums), and a CopyObject only when the destination differs.
import {
  CopyObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListMultipartUploadsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

import { resetClientCaches } from "../../provider/engine/clients";
import { performCopy } from "../../provider/engine/object/resource";
import { resetCleanupWarnings } from "../../provider/engine/object/orphans";
import type { CopyInputs } from "../../provider/engine/types";

const s3 = mockClient(S3Client);
const MODIFIED = new Date("2026-11-01T10:00:00Z");
const BASE: CopyInputs = {
  bucket: "dst",
  key: "out/a.txt",
  source: "src/in/a.txt",
  region: "eu-west-1",
  endpoint: "http://127.0.0.1:9",
  adopt: true,
};
const SOURCE: HeadObjectCommandOutput = {
  $metadata: {},
  ContentLength: 11,
  ETag: '"5eb63bbbe01eeed093cb22bb8f5acdc3"',
  LastModified: MODIFIED,
  ContentType: "text/plain",
  Metadata: { owner: "team-a" },
};

const headedBuckets = () =>
  s3
    .commandCalls(HeadObjectCommand)
    .map((c) => c.args[0].input.Bucket)
    .sort();
const names = () => s3.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ""));
const headOf = (dest: Partial<HeadObjectCommandOutput>) =>
  s3
    .on(HeadObjectCommand)
    .callsFake(async (input: { Bucket: string }) =>
      input.Bucket === "src"
        ? SOURCE
        : { ...SOURCE, LastModified: new Date("2026-11-02T00:00:00Z"), ...dest },
    );

beforeEach(() => {
  s3.reset();
  resetClientCaches();
  resetCleanupWarnings();
  jest.spyOn(console, "log").mockImplementation(() => undefined);
  s3.on(ListMultipartUploadsCommand).resolves({ IsTruncated: false });
  s3.on(CopyObjectCommand).resolves({
    CopyObjectResult: { ETag: SOURCE.ETag, LastModified: MODIFIED },
    VersionId: "dv2",
  });
});
afterEach(() => jest.restoreAllMocks());
afterAll(() => s3.restore());

describe("performCopy with adopt", () => {
  it("records an equal destination from one HeadObject of each side and sends no CopyObject", async () => {
    headOf({ VersionId: "dv1" });

    const out = await performCopy(BASE);

    expect(names().sort()).toEqual(["HeadObject", "HeadObject", "ListMultipartUploads"]);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    const heads = s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input);
    expect(heads).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Bucket: "src", Key: "in/a.txt", ChecksumMode: "ENABLED" }),
        expect.objectContaining({ Bucket: "dst", Key: "out/a.txt", ChecksumMode: "ENABLED" }),
      ]),
    );
    expect(out).toMatchObject({
      adopted: true,
      versionId: "dv1",
      etag: SOURCE.ETag,
      lastModified: "2026-11-02T00:00:00.000Z",
      deleteBehavior: "delete-version",
      uri: "s3://dst/out/a.txt?versionId=dv1",
    });
    expect(out.copyMethod).toBeUndefined();
  });

  it("copies over a destination whose metadata differs", async () => {
    headOf({ Metadata: { owner: "team-b" } });

    const out = await performCopy(BASE);

    // Compared (one HEAD of each side), then copied over (the copy reads its source itself).
    expect(headedBuckets()).toEqual(["dst", "src", "src"]);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(1);
    expect(out.adopted).toBeUndefined();
    expect(out).toMatchObject({ copyMethod: "CopyObject", versionId: "dv2" });
  });

  it("copies when the ETags are multipart and the two sides share no checksum algorithm", async () => {
    const multipart = { ...SOURCE, ETag: '"abc-2"', ChecksumCRC32: "AAAAAA==-2" };
    s3.on(HeadObjectCommand).callsFake(async (input: { Bucket: string }) =>
      input.Bucket === "src" ? multipart : { ...multipart, ChecksumCRC32: undefined, ChecksumSHA256: "x" },
    );

    const out = await performCopy({ ...BASE, multipartThreshold: 5 * 1024 * 1024 * 1024 });

    expect(headedBuckets()).toEqual(["dst", "src", "src"]);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(1);
    expect(out.adopted).toBeUndefined();
  });

  it("adopts under SSE-KMS when both sides carry the same CRC32", async () => {
    const kms = { ...SOURCE, ServerSideEncryption: "aws:kms" as const, ChecksumCRC32: "c2FtZQ==" };
    s3.on(HeadObjectCommand).callsFake(async (input: { Bucket: string }) =>
      input.Bucket === "src" ? kms : { ...kms, ETag: '"0123456789abcdef0123456789abcdef"' },
    );

    const out = await performCopy({ ...BASE, serverSideEncryption: "aws:kms" });

    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    expect(out).toMatchObject({ adopted: true, serverSideEncryption: "aws:kms" });
  });
});
