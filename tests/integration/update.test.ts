import { DeleteObjectCommand, GetObjectAclCommand, GetObjectLegalHoldCommand } from "@aws-sdk/client-s3";

import { UNKNOWN } from "../../provider/engine/constants";
import {
  bytes,
  head,
  newBucket,
  newKmsKey,
  provider,
  put,
  tagsOf,
  verifier,
  versionsOf,
} from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

beforeEach(() => provider.reset());

async function fixture(opts: { versioned?: boolean; objectLock?: boolean } = {}) {
  const src = await newBucket({ versioned: opts.versioned });
  const dst = await newBucket(opts);
  await put(src, "a", "v1", { ContentType: "text/plain", Metadata: { m: "1" }, Tagging: "t=1" });
  return { src, dst };
}

describe("diff", () => {
  it("reports no changes when the same program is applied twice with every input set", async () => {
    const { src, dst } = await fixture({ versioned: true });
    const key = CAN.kmsApi ? await newKmsKey("us-east-1", { alias: `alias/every-${Date.now()}` }) : undefined;
    // Every input this server supports: KMS keys, classes and ACLs only where it has them.
    const encryption = key
      ? {
          serverSideEncryption: "aws:kms",
          kmsKeyId: key.alias,
          bucketKeyEnabled: true,
          kmsEncryptionContext: { app: "demo" },
        }
      : { serverSideEncryption: "AES256" };
    const news = {
      bucket: dst,
      key: "b",
      source: `${src}/a`,
      metadataDirective: "MERGE",
      metadata: { Extra: "x" },
      contentType: "application/json",
      cacheControl: "max-age=1",
      contentDisposition: "inline",
      contentEncoding: "identity",
      contentLanguage: "en",
      expires: "2030-01-01T00:00:00Z",
      websiteRedirect: "/other",
      ...encryption,
      storageClass: CAN.storageClasses ? "STANDARD_IA" : "STANDARD",
      taggingDirective: "REPLACE",
      tags: { a: "1", b: "2" },
      ...(CAN.acl ? { acl: "bucket-owner-full-control" } : {}),
      checksumAlgorithm: "CRC32",
      requestPayer: "requester",
      region: "us-east-1",
      sourceRegion: "us-east-1",
      endpoint: process.env.AWS_ENDPOINT_URL,
      forcePathStyle: true,
      trackSourceChanges: true,
      restoreArchivedSource: { days: 1, tier: "Standard" },
      restoreWaitMinutes: 0,
      multipartThreshold: 64 * 1024 * 1024,
      partSize: 8 * 1024 * 1024,
      concurrency: 4,
    };
    const outs = await provider.create(news);
    if (key) expect(outs.kmsKeyArn).toBe(key.arn);

    expect(await provider.diff(outs, news)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("shows an update when the source object is overwritten, and the update copies the new bytes", async () => {
    const { src, dst } = await fixture();
    const news = { bucket: dst, key: "b", source: `${src}/a` };
    const outs = await provider.create(news);
    await put(src, "a", "v2");

    const d = await provider.diff(outs, news);
    expect(d).toMatchObject({ changes: true, replaces: [] });
    const after = await provider.update(outs, news);
    expect((await bytes(dst, "b")).toString()).toBe("v2");
    expect(after.sourceEtag).toBe((await head(src, "a")).ETag);
    expect(await provider.diff(after, news)).toMatchObject({ changes: false });
  });

  it("tracks a new version of a versioned source by version id", async () => {
    const { src, dst } = await fixture({ versioned: true });
    const news = { bucket: dst, key: "b", source: `${src}/a` };
    const outs = await provider.create(news);
    await put(src, "a", "v1"); // same bytes, same ETag, new version
    expect(await provider.diff(outs, news)).toMatchObject({ changes: true });
  });

  it("ignores source changes when trackSourceChanges is false", async () => {
    const { src, dst } = await fixture();
    const news = { bucket: dst, key: "b", source: `${src}/a`, trackSourceChanges: false };
    const outs = await provider.create(news);
    await put(src, "a", "v2");
    expect(await provider.diff(outs, news)).toMatchObject({ changes: false });
  });

  it("fails the diff with SOURCE_NOT_FOUND when the source has been deleted", async () => {
    const { src, dst } = await fixture();
    const news = { bucket: dst, key: "b", source: `${src}/a` };
    const outs = await provider.create(news);
    await verifier().s3.send(new DeleteObjectCommand({ Bucket: src, Key: "a" }));
    await expect(provider.diff(outs, news)).rejects.toThrow(
      /^SOURCE_NOT_FOUND: the source s3:\/\/.*\/a does not exist/,
    );
  });

  it("answers changes without any network call while inputs are unknown", async () => {
    const { src, dst } = await fixture();
    const outs = await provider.create({ bucket: dst, key: "b", source: `${src}/a` });
    // An endpoint nobody listens on: any request would fail the diff.
    const news = { bucket: dst, key: "b", source: UNKNOWN, endpoint: "http://127.0.0.1:9" };
    expect(await provider.diff(outs, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await provider.diff(outs, { ...news, source: `${src}/a`, key: UNKNOWN })).toEqual({
      changes: true,
      replaces: ["key"],
      deleteBeforeReplace: false,
    });
  });

  it("asks for a replace when the destination bucket or key changes", async () => {
    const { src, dst } = await fixture();
    const outs = await provider.create({ bucket: dst, key: "b", source: `${src}/a` });
    expect(await provider.diff(outs, { bucket: dst, key: "c", source: `${src}/a` })).toMatchObject({
      changes: true,
      replaces: ["key"],
    });
  });

  itIf(CAN.kmsApi)(
    "does not diff when kmsKeyId switches from an alias to the ARN of the same key, and does for another key",
    async () => {
      const { src, dst } = await fixture();
      const k1 = await newKmsKey("us-east-1", { alias: `alias/one-${Date.now()}` });
      const k2 = await newKmsKey("us-east-1");
      const outs = await provider.create({ bucket: dst, key: "b", source: `${src}/a`, kmsKeyId: k1.alias });
      expect((await head(dst, "b")).SSEKMSKeyId).toBe(k1.arn);
      expect(
        await provider.diff(outs, { bucket: dst, key: "b", source: `${src}/a`, kmsKeyId: k1.arn }),
      ).toMatchObject({
        changes: false,
      });
      expect(
        await provider.diff(outs, { bucket: dst, key: "b", source: `${src}/a`, kmsKeyId: k2.id }),
      ).toMatchObject({
        changes: true,
        replaces: [],
      });
    },
  );
});

describe("update", () => {
  it("changes only the tags, with no re-copy, when only tags change", async () => {
    const { src, dst } = await fixture({ versioned: true });
    const news = { bucket: dst, key: "b", source: `${src}/a`, taggingDirective: "REPLACE", tags: { a: "1" } };
    const outs = await provider.create(news);
    const after = await provider.update(outs, { ...news, tags: { a: "2", b: "3" } });
    expect(await tagsOf(dst, "b")).toEqual({ a: "2", b: "3" });
    expect(await versionsOf(dst, "b")).toEqual([outs.versionId]);
    expect(after).toMatchObject({
      etag: outs.etag,
      versionId: outs.versionId,
      lastModified: outs.lastModified,
    });
  });

  itIf(CAN.acl)("changes only the ACL, with no re-copy, when only the ACL changes", async () => {
    const { src, dst } = await fixture({ versioned: true });
    const news = { bucket: dst, key: "b", source: `${src}/a` };
    const outs = await provider.create(news);
    await provider.update(outs, { ...news, acl: "public-read" });
    const acl = await verifier().s3.send(new GetObjectAclCommand({ Bucket: dst, Key: "b" }));
    expect(acl.Grants?.some((g) => g.Grantee?.URI?.endsWith("/global/AllUsers"))).toBe(true);
    expect(await versionsOf(dst, "b")).toEqual([outs.versionId]);
  });

  it("sets only the legal hold, with no re-copy, when only the legal hold changes", async () => {
    const { src, dst } = await fixture({ objectLock: true });
    const news = { bucket: dst, key: "b", source: `${src}/a` };
    const outs = await provider.create(news);
    await provider.update(outs, { ...news, objectLockLegalHoldStatus: "ON" });
    const hold = await verifier().s3.send(new GetObjectLegalHoldCommand({ Bucket: dst, Key: "b" }));
    expect(hold.LegalHold?.Status).toBe("ON");
    expect(await versionsOf(dst, "b")).toEqual([outs.versionId]);
    await provider.update({ ...outs, objectLockLegalHoldStatus: "ON" }, news);
  });

  it("re-copies in place when metadata changes and leaves exactly one version written by the resource", async () => {
    const { src, dst } = await fixture({ versioned: true });
    const news = {
      bucket: dst,
      key: "b",
      source: `${src}/a`,
      metadataDirective: "MERGE",
      cacheControl: "max-age=1",
    };
    const outs = await provider.create(news);
    const after = await provider.update(outs, { ...news, cacheControl: "max-age=2" });
    const h = await head(dst, "b");
    expect(h.CacheControl).toBe("max-age=2");
    expect(h.Metadata).toEqual({ m: "1" });
    expect(await versionsOf(dst, "b")).toEqual([after.versionId]);
    expect(after.versionId).not.toBe(outs.versionId);
  });

  itIf(CAN.kmsApi)("re-encrypts with another KMS key in place", async () => {
    const { src, dst } = await fixture();
    const k1 = await newKmsKey();
    const k2 = await newKmsKey();
    const news = { bucket: dst, key: "b", source: `${src}/a`, kmsKeyId: k1.arn };
    const outs = await provider.create(news);
    const after = await provider.update(outs, { ...news, kmsKeyId: k2.arn });
    expect((await head(dst, "b")).SSEKMSKeyId).toBe(k2.arn);
    expect(after.kmsKeyArn).toBe(k2.arn);
  });
});
