import { CopyObjectCommand, DeleteObjectCommand } from "@aws-sdk/client-s3";
import { DisableKeyCommand, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";

import {
  bytes,
  exists,
  head,
  newBucket,
  newKmsKey,
  provider,
  put,
  verifier,
  versionsOf,
} from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

beforeEach(() => provider.reset());

describe("read (refresh)", () => {
  it("drops the resource from state when the destination is gone", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "x");
    const outs = await provider.create({ bucket: dst, key: "b", source: `${src}/a` });
    await verifier().s3.send(new DeleteObjectCommand({ Bucket: dst, Key: "b" }));
    expect(await provider.read(outs)).toEqual({});
  });

  it("keeps an unchanged destination as it is, with no drift", async () => {
    const src = await newBucket({ versioned: true });
    const dst = await newBucket({ versioned: true });
    await put(src, "a", "x");
    const outs = await provider.create({ bucket: dst, key: "b", source: `${src}/a` });
    expect(await provider.read(outs)).toEqual({ id: "id", props: outs });
  });

  it("records drift when the destination is overwritten out of band, and the next update repairs it", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "original");
    const news = { bucket: dst, key: "b", source: `${src}/a` };
    const outs = await provider.create(news);
    await put(dst, "b", "tampered");

    const refreshed = (await provider.read(outs)).props as typeof outs;
    expect(refreshed.drift).toEqual([expect.stringMatching(/overwritten out of band/)]);
    expect(await provider.diff(refreshed, news)).toMatchObject({ changes: true, replaces: [] });
    const repaired = await provider.update(refreshed, news);
    expect((await bytes(dst, "b")).toString()).toBe("original");
    expect(repaired.drift).toBeUndefined();
    expect(await provider.diff(repaired, news)).toMatchObject({ changes: false });
  });

  itIf(CAN.storageClasses)(
    "shows a storage class changed out of band, and diffs only when a class was declared",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "a", "x");
      const declared = { bucket: dst, key: "b", source: `${src}/a`, storageClass: "STANDARD_IA" };
      const outs = await provider.create(declared);
      // Stand-in for a lifecycle transition: same bytes, another class.
      await verifier().s3.send(
        new CopyObjectCommand({ Bucket: dst, Key: "b", CopySource: `${dst}/b`, StorageClass: "ONEZONE_IA" }),
      );
      const refreshed = (await provider.read(outs)).props as typeof outs;
      expect(refreshed.storageClass).toBe("ONEZONE_IA");
      expect(await provider.diff(refreshed, declared)).toMatchObject({ changes: true });
    },
  );
});

describe("delete", () => {
  it("deletes exactly the version it created on a versioned bucket and leaves the others", async () => {
    const src = await newBucket();
    const dst = await newBucket({ versioned: true });
    await put(src, "a", "x");
    const before = await put(dst, "b", "someone else's older version");
    const outs = await provider.create({ bucket: dst, key: "b", source: `${src}/a` });
    expect(outs.deleteBehavior).toBe("delete-version");

    await provider.delete(outs);

    expect(await versionsOf(dst, "b")).toEqual([before]);
    expect((await bytes(dst, "b")).toString()).toBe("someone else's older version");
  });

  it("deletes the object on an unversioned bucket, and succeeds when it is already gone", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "x");
    const outs = await provider.create({ bucket: dst, key: "b", source: `${src}/a` });
    await provider.delete(outs);
    expect(await exists(dst, "b")).toBe(false);
    await expect(provider.delete(outs)).resolves.toBeUndefined();
  });

  it("leaves an object that was overwritten after the copy, since it is not the resource's any more", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "x");
    const outs = await provider.create({ bucket: dst, key: "b", source: `${src}/a` });
    await put(dst, "b", "newer data");
    await provider.delete(outs);
    expect((await bytes(dst, "b")).toString()).toBe("newer data");
  });
});

describe("copy onto itself", () => {
  it("is rejected by check when nothing would change, naming what to set", async () => {
    const r = await provider.check({ bucket: "my-bucket", key: "k", source: "my-bucket/k" });
    expect(r.failures).toEqual([
      {
        property: "source",
        reason: expect.stringMatching(/is the destination itself.*metadataDirective "MERGE"/),
      },
    ]);
  });

  it("changes Cache-Control in place under MERGE, keeping content and other metadata", async () => {
    const bucket = await newBucket();
    await put(bucket, "site/app.js", "console.log(1)", {
      ContentType: "text/javascript",
      Metadata: { build: "7" },
    });
    const outs = await provider.create({
      bucket,
      key: "site/app.js",
      source: `${bucket}/site/app.js`,
      metadataDirective: "MERGE",
      cacheControl: "public, max-age=31536000, immutable",
    });
    const h = await head(bucket, "site/app.js");
    expect(h.CacheControl).toBe("public, max-age=31536000, immutable");
    expect(h.ContentType).toBe("text/javascript");
    expect(h.Metadata).toEqual({ build: "7" });
    expect(outs).toMatchObject({ inPlace: true, deleteBehavior: "retain-object" });
    // The current object is now the resource's own copy: no perpetual diff from source tracking.
    expect(
      await provider.diff(outs, {
        bucket,
        key: "site/app.js",
        source: `${bucket}/site/app.js`,
        metadataDirective: "MERGE",
        cacheControl: "public, max-age=31536000, immutable",
      }),
    ).toMatchObject({ changes: false });
  });

  it("never deletes the original on an unversioned bucket", async () => {
    const bucket = await newBucket();
    await put(bucket, "k", "precious");
    const outs = await provider.create({
      bucket,
      key: "k",
      source: `${bucket}/k`,
      metadataDirective: "REPLACE",
      metadata: { reviewed: "yes" },
    });
    await provider.delete(outs);
    expect((await bytes(bucket, "k")).toString()).toBe("precious");
  });

  it("restores the original on a versioned bucket by deleting only its own version", async () => {
    const bucket = await newBucket({ versioned: true });
    const original = await put(bucket, "k", "precious", { CacheControl: "no-cache" });
    const news = {
      bucket,
      key: "k",
      source: `${bucket}/k`,
      metadataDirective: "MERGE",
      cacheControl: "max-age=60",
    };
    const outs = await provider.create(news);
    const updated = await provider.update(outs, { ...news, cacheControl: "max-age=120" });
    expect(await versionsOf(bucket, "k")).toEqual(expect.arrayContaining([original, updated.versionId]));
    expect(await versionsOf(bucket, "k")).toHaveLength(2);

    await provider.delete(updated);

    expect(await versionsOf(bucket, "k")).toEqual([original]);
    expect((await head(bucket, "k")).CacheControl).toBe("no-cache");
  });
});

describe("review fixes: in-place copies", () => {
  it("keeps its version on destroy when the original version has gone, since it holds the only data", async () => {
    const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
    const bucket = await newBucket({ versioned: true });
    const original = await put(bucket, "k", "only copy soon", { CacheControl: "no-cache" });
    const outs = await provider.create({
      bucket,
      key: "k",
      source: `${bucket}/k`,
      metadataDirective: "MERGE",
      cacheControl: "max-age=5",
    });
    await verifier().s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: original }));

    await provider.delete(outs);

    expect(await versionsOf(bucket, "k")).toEqual([outs.versionId]);
    expect((await bytes(bucket, "k")).toString()).toBe("only copy soon");
  });

  it("re-copies in place from a 'null' original (written before versioning was enabled)", async () => {
    const { PutBucketVersioningCommand } = await import("@aws-sdk/client-s3");
    const bucket = await newBucket();
    await put(bucket, "k", "pre-versioning", { ContentType: "text/plain" });
    await verifier().s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    const news = {
      bucket,
      key: "k",
      source: `${bucket}/k`,
      metadataDirective: "MERGE",
      cacheControl: "max-age=1",
    };
    const outs = await provider.create(news);
    const after = await provider.update(outs, { ...news, cacheControl: "max-age=2" });
    const h = await head(bucket, "k");
    expect([h.CacheControl, h.ContentType]).toEqual(["max-age=2", "text/plain"]);
    expect(after.versionId).not.toBe(outs.versionId);
    expect((await bytes(bucket, "k")).toString()).toBe("pre-versioning");
  });

  itIf(CAN.websiteRedirect)("keeps the source's website redirect under MERGE", async () => {
    const bucket = await newBucket();
    await put(bucket, "old-page", "", { WebsiteRedirectLocation: "/new-page" });
    await provider.create({
      bucket,
      key: "old-page",
      source: `${bucket}/old-page`,
      metadataDirective: "MERGE",
      cacheControl: "max-age=9",
    });
    const h = await head(bucket, "old-page");
    expect([h.WebsiteRedirectLocation, h.CacheControl]).toEqual(["/new-page", "max-age=9"]);
  });
});

(CAN.kmsApi ? describe : describe.skip)("KMS keys are checked before any copy starts", () => {
  async function attempt(kmsKeyId: string, region = "us-east-1") {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "x");
    const err = await provider
      .create({ bucket: dst, key: "b", source: `${src}/a`, kmsKeyId, region })
      .catch((e: Error) => e);
    return { err, wrote: await exists(dst, "b") };
  }

  it("rejects a disabled key", async () => {
    const k = await newKmsKey();
    await verifier().kms.send(new DisableKeyCommand({ KeyId: k.id }));
    const { err, wrote } = await attempt(k.arn);
    expect(String(err)).toMatch(/^ObjectCopyError: KMS_KEY_NOT_ENABLED: .* is Disabled/);
    expect(wrote).toBe(false);
  });

  it("rejects a key pending deletion", async () => {
    const k = await newKmsKey();
    await verifier().kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.id, PendingWindowInDays: 7 }));
    const { err, wrote } = await attempt(k.id);
    expect(String(err)).toMatch(/KMS_KEY_NOT_ENABLED: .* is PendingDeletion/);
    expect(wrote).toBe(false);
  });

  it("rejects an asymmetric key", async () => {
    const k = await newKmsKey("us-east-1", { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
    const { err, wrote } = await attempt(k.arn);
    expect(String(err)).toMatch(/KMS_KEY_UNSUPPORTED: .*RSA_2048\/SIGN_VERIFY/);
    expect(wrote).toBe(false);
  });

  it("rejects a key from another region than the destination bucket", async () => {
    const k = await newKmsKey("us-west-2");
    const { err, wrote } = await attempt(k.arn);
    expect(String(err)).toMatch(
      /KMS_KEY_WRONG_REGION: .* is in us-west-2 but the destination bucket is in us-east-1/,
    );
    expect(wrote).toBe(false);
  });

  it("accepts a multi-region replica in the destination region", async () => {
    const { ReplicateKeyCommand } = await import("@aws-sdk/client-kms");
    const primary = await newKmsKey("us-west-2", { MultiRegion: true });
    const replica = await verifier("us-west-2").kms.send(
      new ReplicateKeyCommand({ KeyId: primary.id, ReplicaRegion: "eu-central-1" }),
    );
    const src = await newBucket({ region: "us-west-2" });
    const dst = await newBucket({ region: "eu-central-1" });
    await put(src, "a", "x", {}, "us-west-2");
    const outs = await provider.create({
      bucket: dst,
      key: "b",
      source: `${src}/a`,
      region: "eu-central-1",
      kmsKeyId: replica.ReplicaKeyMetadata!.Arn!,
    });
    expect(outs.kmsKeyArn).toBe(replica.ReplicaKeyMetadata!.Arn);
    expect(outs.kmsKeyArn).toMatch(/^arn:aws:kms:eu-central-1:\d+:key\/mrk-/);
  });
});
