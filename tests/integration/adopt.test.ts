// `adopt` on ObjectCopy against real servers: an equal destination is recorded (no new version,
// no new write), a differing one is copied over, and the adopted object is then the resource's own
// to delete. Under SSE-KMS and multipart ETags the bytes are compared by checksum.
import * as fs from "node:fs";

import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type PutObjectCommandInput,
  UploadPartCommand,
} from "@aws-sdk/client-s3";

import { DIFF, programDir, ProviderServer, serializedProvider, type Props } from "../helpers/engine-protocol";
import { exists, head, newBucket, newKmsKey, provider, put, verifier, versionsOf } from "../helpers/s3";
import { CAN, SERVER } from "../helpers/server";

beforeEach(() => provider.reset());

const HEADERS: Partial<PutObjectCommandInput> = {
  ContentType: "text/plain",
  CacheControl: "max-age=60",
  Metadata: { owner: "team-a" },
};

describe("adopt on ObjectCopy", () => {
  it("records an equal object on a versioned bucket without copying, and destroy deletes exactly that version", async () => {
    const src = await newBucket();
    const dst = await newBucket({ versioned: true });
    await put(src, "a.txt", "hello adopt", HEADERS);
    const older = await put(dst, "b.txt", "an older version");
    const existing = await put(dst, "b.txt", "hello adopt", HEADERS);
    const before = await head(dst, "b.txt");

    const outs = await provider.create({ bucket: dst, key: "b.txt", source: `${src}/a.txt`, adopt: true });

    expect(outs).toMatchObject({
      adopted: true,
      versionId: existing,
      etag: before.ETag,
      deleteBehavior: "delete-version",
      inPlace: false,
      contentLength: 11,
      sourceEtag: (await head(src, "a.txt")).ETag,
    });
    expect(outs.copyMethod).toBeUndefined();
    // No copy: the key still has exactly the two versions put above.
    expect((await versionsOf(dst, "b.txt")).sort()).toEqual([older, existing].sort());
    // A second preview finds nothing to do.
    expect(
      await provider.diff(outs, { bucket: dst, key: "b.txt", source: `${src}/a.txt`, adopt: true }),
    ).toEqual(expect.objectContaining({ changes: false }));

    await provider.delete(outs);
    expect(await versionsOf(dst, "b.txt")).toEqual([older]);
  });

  it("records an equal object on an unversioned bucket as it is, and destroy deletes it", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a.txt", "same bytes", HEADERS);
    await put(dst, "b.txt", "same bytes", HEADERS);
    const before = await head(dst, "b.txt");

    const outs = await provider.create({ bucket: dst, key: "b.txt", source: `${src}/a.txt`, adopt: true });

    expect(outs).toMatchObject({ adopted: true, etag: before.ETag, deleteBehavior: "delete-object" });
    expect(outs.lastModified).toBe(before.LastModified!.toISOString());
    expect((await head(dst, "b.txt")).LastModified).toEqual(before.LastModified);
    expect(await provider.read(outs)).toMatchObject({
      props: expect.not.objectContaining({ drift: expect.anything() }),
    });

    await provider.delete(outs);
    expect(await exists(dst, "b.txt")).toBe(false);
  });

  it("copies over an object with the same bytes but different metadata", async () => {
    const src = await newBucket();
    const dst = await newBucket({ versioned: true });
    await put(src, "a.txt", "bytes", HEADERS);
    const theirs = await put(dst, "b.txt", "bytes", { ...HEADERS, Metadata: { owner: "team-b" } });

    const outs = await provider.create({ bucket: dst, key: "b.txt", source: `${src}/a.txt`, adopt: true });

    expect(outs.adopted).toBeUndefined();
    expect(outs.copyMethod).toBe("CopyObject");
    expect(outs.versionId).not.toBe(theirs);
    expect((await head(dst, "b.txt")).Metadata).toEqual({ owner: "team-a" });
    expect(await versionsOf(dst, "b.txt")).toHaveLength(2);
  });

  it("copies over an object whose declared header differs (MERGE with a new Cache-Control)", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a.txt", "bytes", HEADERS);
    await put(dst, "b.txt", "bytes", HEADERS);

    const outs = await provider.create({
      bucket: dst,
      key: "b.txt",
      source: `${src}/a.txt`,
      adopt: true,
      metadataDirective: "MERGE",
      cacheControl: "no-store",
    });

    expect(outs.adopted).toBeUndefined();
    expect((await head(dst, "b.txt")).CacheControl).toBe("no-store");
  });

  it("is a check error for an in-place copy", async () => {
    const bucket = await newBucket();
    const r = await provider.check({
      bucket,
      key: "a.txt",
      source: `${bucket}/a.txt`,
      adopt: true,
      metadataDirective: "REPLACE",
      contentType: "text/plain",
    });
    expect(r.failures).toEqual([{ property: "adopt", reason: expect.stringContaining("in-place copy") }]);
  });
});

describe("adopt when ETags are not comparable: the checksum decides", () => {
  const kms = async () =>
    CAN.kmsApi
      ? { put: { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: (await newKmsKey()).arn } }
      : { put: { ServerSideEncryption: "aws:kms" as const } };

  it("under SSE-KMS adopts an object with the same CRC32 checksum, and copies over one with only a SHA256", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    const { put: sse } = await kms();
    const declared = { serverSideEncryption: "aws:kms", kmsKeyId: CAN.kmsApi ? sse.SSEKMSKeyId : undefined };
    await put(src, "a.bin", "kms bytes", { ...HEADERS, ChecksumAlgorithm: "CRC32" });
    await put(dst, "same.bin", "kms bytes", { ...HEADERS, ...sse, ChecksumAlgorithm: "CRC32" });
    await put(dst, "other.bin", "kms bytes", { ...HEADERS, ...sse, ChecksumAlgorithm: "SHA256" });
    const same = await head(dst, "same.bin");

    const adopted = await provider.create({
      bucket: dst,
      key: "same.bin",
      source: `${src}/a.bin`,
      adopt: true,
      ...declared,
    });
    const copied = await provider.create({
      bucket: dst,
      key: "other.bin",
      source: `${src}/a.bin`,
      adopt: true,
      ...declared,
    });

    expect(adopted).toMatchObject({ adopted: true, etag: same.ETag, serverSideEncryption: "aws:kms" });
    expect((await head(dst, "same.bin")).LastModified).toEqual(same.LastModified);
    expect(copied.adopted).toBeUndefined();
    expect(copied.copyMethod).toBe("CopyObject");
  });

  it("adopts an object with a multipart ETag when its checksum equals the source's", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    const part = Buffer.alloc(5 * 1024 * 1024, 7);
    const { s3 } = verifier();
    const multipart = async (bucket: string, key: string) => {
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          ChecksumAlgorithm: "CRC32",
          ContentType: "application/octet-stream",
        }),
      );
      const parts = [];
      for (const PartNumber of [1, 2]) {
        const out = await s3.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId,
            PartNumber,
            Body: part,
            ChecksumAlgorithm: "CRC32",
          }),
        );
        parts.push({ PartNumber, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32 });
      }
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    };
    await multipart(src, "big.bin");
    await multipart(dst, "big.bin");
    const before = await head(dst, "big.bin");
    expect(before.ETag).toMatch(/-2"$/);

    const outs = await provider.create({
      bucket: dst,
      key: "big.bin",
      source: `${src}/big.bin`,
      adopt: true,
    });

    expect(outs).toMatchObject({ adopted: true, etag: before.ETag, contentLength: 2 * part.length });
    expect((await head(dst, "big.bin")).LastModified).toEqual(before.LastModified);
  });
});

describe("adopt through the real dynamic-provider server", () => {
  const URN = "urn:pulumi:dev::protocol-test::pulumi-nodejs:dynamic/s3:ObjectCopy::adopted";
  let server: ProviderServer;
  let dir: string;
  let serialized: string;

  beforeAll(async () => {
    serialized = serializedProvider();
    dir = programDir();
    server = await ProviderServer.start(dir);
    await server.configure({ "aws:region": "us-east-1" });
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`accepts adopt as an input, adopts the equal object, settles, and deletes it on destroy (${SERVER})`, async () => {
    const src = await newBucket();
    const dst = await newBucket({ versioned: true });
    await put(src, "a.txt", "over grpc", HEADERS);
    const existing = await put(dst, "b.txt", "over grpc", HEADERS);
    const declared: Props = {
      __provider: serialized,
      bucket: dst,
      key: "b.txt",
      source: `${src}/a.txt`,
      adopt: true,
    };

    const { inputs, failures } = await server.check(URN, {}, declared);
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({ adopt: true });
    const created = await server.create(URN, inputs);
    expect(created.props).toMatchObject({ adopt: true, adopted: true, versionId: existing });
    expect(await server.diff(URN, created.id, created.props, inputs)).toEqual(
      expect.objectContaining({ changes: DIFF.NONE }),
    );

    await server.delete(URN, created.id, created.props);
    expect(await versionsOf(dst, "b.txt")).toEqual([]);
  });
});
