import { createHash } from "node:crypto";

import { GetObjectAclCommand } from "@aws-sdk/client-s3";

import { bytes, exists, head, newBucket, provider, put, tagsOf, verifier, versionsOf } from "../helpers/s3";
import { CAN, itIf, SERVER } from "../helpers/server";

beforeEach(() => provider.reset());

describe("create with metadata directives", () => {
  it("copies bytes, metadata, content headers and tags with the default COPY directive", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a.txt", "hello world", {
      ContentType: "text/plain",
      CacheControl: "max-age=60",
      Metadata: { owner: "team-a" },
      Tagging: "env=dev",
    });

    const outs = await provider.create({ bucket: dst, key: "copy.txt", source: `${src}/a.txt` });

    expect((await bytes(dst, "copy.txt")).toString()).toBe("hello world");
    const h = await head(dst, "copy.txt");
    expect(h.ContentType).toBe("text/plain");
    expect(h.CacheControl).toBe("max-age=60");
    expect(h.Metadata).toEqual({ owner: "team-a" });
    expect(await tagsOf(dst, "copy.txt")).toEqual({ env: "dev" });
    expect(outs).toMatchObject({
      bucket: dst,
      key: "copy.txt",
      metadataDirective: "COPY",
      copyMethod: "CopyObject",
      contentLength: 11,
      etag: h.ETag,
      storageClass: "STANDARD",
      deleteBehavior: "delete-object",
      inPlace: false,
    });
    expect(outs.sourceEtag).toBe((await head(src, "a.txt")).ETag);
  });

  it("sends only the declared metadata and headers under REPLACE", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "x", {
      ContentType: "text/plain",
      CacheControl: "no-cache",
      Metadata: { keep: "no" },
    });

    await provider.create({
      bucket: dst,
      key: "b",
      source: `${src}/a`,
      metadataDirective: "REPLACE",
      metadata: { Team: "blue" },
      contentDisposition: "attachment",
    });

    const h = await head(dst, "b");
    expect(h.Metadata).toEqual({ team: "blue" });
    expect(h.ContentDisposition).toBe("attachment");
    expect(h.CacheControl).toBeUndefined();
    expect(h.ContentType).not.toBe("text/plain");
  });

  it("lays declared values over the source's under MERGE and keeps the rest", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "x", {
      ContentType: "text/html",
      CacheControl: "no-cache",
      ContentLanguage: "en",
      Metadata: { keep: "yes", change: "old" },
    });

    await provider.create({
      bucket: dst,
      key: "b",
      source: `${src}/a`,
      metadataDirective: "MERGE",
      metadata: { change: "new", added: "1" },
      cacheControl: "max-age=300",
    });

    const h = await head(dst, "b");
    expect(h.Metadata).toEqual({ keep: "yes", change: "new", added: "1" });
    expect(h.CacheControl).toBe("max-age=300");
    expect(h.ContentType).toBe("text/html");
    expect(h.ContentLanguage).toBe("en");
  });

  it("replaces tags under taggingDirective REPLACE", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "x", { Tagging: "old=1" });
    await provider.create({
      bucket: dst,
      key: "b",
      source: `${src}/a`,
      taggingDirective: "REPLACE",
      tags: { stage: "release" },
    });
    expect(await tagsOf(dst, "b")).toEqual({ stage: "release" });
  });
});

describe("create with awkward keys and source forms", () => {
  const keys = [
    "with space.txt",
    "plus+sign",
    "question?mark",
    "hash#tag",
    "per%cent",
    "eq=amp&",
    // MinIO refuses empty path segments in object names; S3 (and moto) accept them.
    ...(SERVER === "moto" ? ["double//slash"] : []),
    "dir/sub/ünïcødé-日本.txt",
    "emoji-🚀",
  ];
  it.each(keys)("copies the key %j byte for byte", async (key) => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, key, `body of ${key}`);
    await provider.create({ bucket: dst, key, source: `${src}/${key}` });
    expect((await bytes(dst, key)).toString()).toBe(`body of ${key}`);
  });

  it("accepts s3:// sources", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "s3-uri");
    await provider.create({ bucket: dst, key: "b", source: `s3://${src}/a` });
    expect((await bytes(dst, "b")).toString()).toBe("s3-uri");
  });

  it("copies the pinned version, not the latest one", async () => {
    const src = await newBucket({ versioned: true });
    const dst = await newBucket();
    const v1 = await put(src, "a", "first");
    await put(src, "a", "second");
    const outs = await provider.create({ bucket: dst, key: "b", source: `${src}/a?versionId=${v1}` });
    expect((await bytes(dst, "b")).toString()).toBe("first");
    expect(outs.sourceVersionId).toBe(v1);
  });

  it("fails with SOURCE_NOT_FOUND and writes nothing when the source does not exist", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await expect(provider.create({ bucket: dst, key: "b", source: `${src}/missing` })).rejects.toThrow(
      /^SOURCE_NOT_FOUND: .*missing/,
    );
    expect(await exists(dst, "b")).toBe(false);
  });
});

describe("create with object settings", () => {
  it("has S3 compute the requested checksum for the copy", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "x");
    await provider.create({ bucket: dst, key: "b", source: `${src}/a`, checksumAlgorithm: "SHA256" });
    const h = await head(dst, "b", "us-east-1", { ChecksumMode: "ENABLED" });
    expect(h.ChecksumSHA256).toBe(createHash("sha256").update("x").digest("base64"));
  });

  itIf(CAN.storageClasses)("applies the storage class", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "x");
    const outs = await provider.create({
      bucket: dst,
      key: "b",
      source: `${src}/a`,
      storageClass: "STANDARD_IA",
    });
    expect((await head(dst, "b")).StorageClass).toBe("STANDARD_IA");
    expect(outs.storageClass).toBe("STANDARD_IA");
  });

  itIf(CAN.acl)("applies a canned ACL", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "x");
    await provider.create({ bucket: dst, key: "b", source: `${src}/a`, acl: "public-read" });
    const acl = await verifier().s3.send(new GetObjectAclCommand({ Bucket: dst, Key: "b" }));
    expect(
      acl.Grants?.some((g) => g.Grantee?.URI?.endsWith("/global/AllUsers") && g.Permission === "READ"),
    ).toBe(true);
  });

  it("aborts multipart uploads an earlier killed attempt left on the destination key, and only those", async () => {
    const { CreateMultipartUploadCommand } = await import("@aws-sdk/client-s3");
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "x");
    const { s3 } = verifier();
    await s3.send(new CreateMultipartUploadCommand({ Bucket: dst, Key: "b" }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: dst, Key: "b-other" }));
    await new Promise((r) => setTimeout(r, 1100));

    await provider.create({ bucket: dst, key: "b", source: `${src}/a` });

    const { openUploads } = await import("../helpers/s3");
    const open = await openUploads(dst);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatch(/^b-other:/);
  });
});

describe("archived sources", () => {
  itIf(CAN.glacier)(
    "fails with SOURCE_ARCHIVED naming the class and RestoreObject when the source is in GLACIER",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "a", "cold", { StorageClass: "GLACIER" });
      await expect(provider.create({ bucket: dst, key: "b", source: `${src}/a` })).rejects.toThrow(
        /^SOURCE_ARCHIVED: .*GLACIER.*RestoreObject/,
      );
      expect(await exists(dst, "b")).toBe(false);
    },
  );

  itIf(CAN.glacier)(
    "starts the restore when restoreArchivedSource is set and copies once it has completed",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "a", "cold", { StorageClass: "DEEP_ARCHIVE" });
      const attempt = () =>
        provider.create({
          bucket: dst,
          key: "b",
          source: `${src}/a`,
          restoreArchivedSource: { days: 1, tier: "Bulk" },
        });
      // moto completes restores at once; real S3 would answer SOURCE_RESTORE_IN_PROGRESS here.
      const outs = await attempt().catch((e: Error) => {
        expect(e.message).toMatch(/^SOURCE_RESTORE_IN_PROGRESS/);
        return attempt();
      });
      expect((await head(src, "a")).Restore).toMatch(/ongoing-request="false"/);
      expect((await bytes(dst, "b")).toString()).toBe("cold");
      expect(outs.storageClass).toBe("STANDARD");
    },
  );
});

describe("cross-region copies", () => {
  itIf(CAN.regions)(
    "reads the source in its own region, discovered from the bucket, and writes in the destination region",
    async () => {
      const src = await newBucket({ region: "us-west-2" });
      const dst = await newBucket({ region: "eu-west-1" });
      await put(src, "artifact.zip", "zip-bytes", { Metadata: { build: "42" } }, "us-west-2");

      const outs = await provider.create({
        bucket: dst,
        key: "artifact.zip",
        source: `${src}/artifact.zip`,
        region: "eu-west-1",
      });

      expect((await bytes(dst, "artifact.zip", "eu-west-1")).toString()).toBe("zip-bytes");
      expect((await head(dst, "artifact.zip", "eu-west-1")).Metadata).toEqual({ build: "42" });
      expect(outs.region).toBe("eu-west-1");
      expect(await versionsOf(dst, "artifact.zip", "eu-west-1")).toHaveLength(1);
    },
  );
});
