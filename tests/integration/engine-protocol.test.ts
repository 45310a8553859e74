import * as fs from "node:fs";

import { UNKNOWN } from "../../provider/engine/constants";
import { DIFF, programDir, ProviderServer, serializedProvider, type Props } from "../helpers/engine-protocol";
import { bytes, exists, head, newBucket, put, versionsOf } from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

const URN = "urn:pulumi:dev::protocol-test::pulumi-nodejs:dynamic/s3:ObjectCopy::copy";

describe("the real dynamic-provider server over gRPC", () => {
  let server: ProviderServer;
  let dir: string;
  let provider: string;

  beforeAll(async () => {
    provider = serializedProvider();
    dir = programDir();
    server = await ProviderServer.start(dir);
    await server.configure({ "aws:region": "us-east-1" });
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("goes through check, create, diff, update, read and delete against moto", async () => {
    const src = await newBucket();
    const dst = await newBucket({ versioned: true });
    await put(src, "a.txt", "one", { ContentType: "text/plain" });
    const declared: Props = {
      __provider: provider,
      bucket: dst,
      key: "b.txt",
      source: `${src}/a.txt`,
      metadataDirective: "MERGE",
      cacheControl: "max-age=10",
    };

    // Preview: an unknown source is accepted by check and makes diff report a change.
    const preview = await server.check(URN, {}, { ...declared, source: UNKNOWN });
    expect(preview.failures).toEqual([]);

    const bad = await server.check(URN, {}, { ...declared, bucket: "Bad_Bucket" });
    expect(bad.failures).toEqual([{ property: "bucket", reason: expect.stringContaining('"Bad_Bucket"') }]);

    const { inputs, failures } = await server.check(URN, {}, declared);
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({ metadataDirective: "MERGE", taggingDirective: "COPY" });

    const created = await server.create(URN, inputs);
    expect(created.id).toBe(`${dst}/b.txt`);
    expect(created.props).toMatchObject({
      copyMethod: "CopyObject",
      deleteBehavior: "delete-version",
      __provider: provider,
    });
    expect((await bytes(dst, "b.txt")).toString()).toBe("one");

    expect(await server.diff(URN, created.id, created.props, inputs)).toEqual({
      changes: DIFF.NONE,
      replaces: [],
    });
    expect(await server.diff(URN, created.id, created.props, { ...inputs, source: UNKNOWN })).toEqual({
      changes: DIFF.SOME,
      replaces: [],
    });
    expect(await server.diff(URN, created.id, created.props, { ...inputs, key: "c.txt" })).toEqual({
      changes: DIFF.SOME,
      replaces: ["key"],
    });

    await put(src, "a.txt", "two");
    expect((await server.diff(URN, created.id, created.props, inputs)).changes).toBe(DIFF.SOME);
    const updated = await server.update(URN, created.id, created.props, inputs);
    expect((await bytes(dst, "b.txt")).toString()).toBe("two");
    expect(await versionsOf(dst, "b.txt")).toEqual([updated.versionId]);

    const read = await server.read(URN, created.id, updated);
    expect(read.id).toBe(created.id);
    expect(read.props).toMatchObject({ versionId: updated.versionId, etag: updated.etag });

    await server.delete(URN, created.id, updated);
    expect(await exists(dst, "b.txt")).toBe(false);
    expect(await versionsOf(dst, "b.txt")).toEqual([]);
  });

  it("fails create with the engine's error code and leaves nothing behind", async () => {
    const dst = await newBucket();
    const { inputs } = await server.check(
      URN,
      {},
      { __provider: provider, bucket: dst, key: "k", source: `${dst}/missing` },
    );
    await expect(server.create(URN, inputs)).rejects.toThrow(/SOURCE_NOT_FOUND/);
    expect(await exists(dst, "k")).toBe(false);
  });

  it("treats null inputs as absent: check drops them, the copy is made, and diff settles", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a.txt", "nulls", { ContentType: "text/plain" });
    const declared: Props = {
      __provider: provider,
      bucket: dst,
      key: "b.txt",
      source: `${src}/a.txt`,
      metadataDirective: "MERGE",
      metadata: { kept: "1", dropped: null },
      storageClass: null,
      partSize: null,
      concurrency: null,
      copyIfMatch: null,
      copyIfNoneMatch: null,
      kmsKeyId: null,
      websiteRedirect: null,
      tags: null,
      taggingDirective: null,
    };
    const { inputs, failures } = await server.check(URN, {}, declared);
    expect(failures).toEqual([]);
    expect(inputs).toEqual({
      __provider: provider,
      bucket: dst,
      key: "b.txt",
      source: `${src}/a.txt`,
      metadataDirective: "MERGE",
      metadata: { kept: "1" },
      taggingDirective: "COPY",
    });

    const created = await server.create(URN, inputs);
    expect(Object.values(created.props)).not.toContain(null);
    expect((await head(dst, "b.txt")).Metadata).toEqual({ kept: "1" });
    // The engine diffs the checked inputs; state written by an older provider may still hold nulls.
    expect(await server.diff(URN, created.id, created.props, inputs)).toEqual({
      changes: DIFF.NONE,
      replaces: [],
    });
    expect(
      await server.diff(URN, created.id, { ...created.props, websiteRedirect: null, partSize: null }, inputs),
    ).toEqual({ changes: DIFF.NONE, replaces: [] });
    await server.delete(URN, created.id, created.props);
  });

  it("reports a misspelled input at the resource without its value, and never __provider", async () => {
    const secretish = "0123456789abcdef0123456789abcdef";
    const { failures } = await server.check(
      URN,
      {},
      {
        __provider: provider,
        bucket: "dest-bucket",
        key: "k",
        source: "src-bucket/k",
        storage_class: "GLACIER",
        customer_key: secretish,
      },
    );
    // The protobuf Struct delivers keys sorted, so the failures come in that order.
    expect(failures).toEqual([
      {
        property: "",
        reason:
          '"customer_key" is not an input of ObjectCopy, so it would be ignored; did you mean "customerKey"? (its value is not shown: it could be a secret)',
      },
      {
        property: "",
        reason:
          '"storage_class" is not an input of ObjectCopy, so it would be ignored; did you mean "storageClass"? (its value is not shown: it could be a secret)',
      },
    ]);
    expect(JSON.stringify(failures)).not.toContain(secretish);
  });

  it("puts every SSE-C failure on a property whose input value is no secret", async () => {
    const key = "0123456789abcdef0123456789abcdef";
    const base = { __provider: provider, bucket: "dest-bucket", key: "k", source: "src-bucket/k" };
    const cases: [Props, string][] = [
      [{ customerKey: key, serverSideEncryption: "AES256" }, "serverSideEncryption"],
      [{ customerKey: key, kmsKeyId: "alias/k" }, "kmsKeyId"],
      [{ customerKey: key.slice(1) }, ""],
      [{ sourceCustomerKey: key.slice(1) }, ""],
      [{ customerKey: 12345 }, ""],
      [{ customerAlgorithm: "AES256" }, ""],
    ];
    for (const [extra, property] of cases) {
      const { failures } = await server.check(URN, {}, { ...base, ...extra });
      expect(failures.map((f) => f.property)).toEqual([property]);
      expect(JSON.stringify(failures)).not.toContain(key.slice(1, 17));
    }
  });

  it("copies metadata keys named constructor and toString onto the object", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a.txt", "keys");
    const { inputs, failures } = await server.check(
      URN,
      {},
      {
        __provider: provider,
        bucket: dst,
        key: "b.txt",
        source: `${src}/a.txt`,
        metadataDirective: "REPLACE",
        metadata: { constructor: "c", toString: "t", owner: " team " },
      },
    );
    expect(failures).toEqual([]);
    expect(inputs.metadata).toEqual({ constructor: "c", tostring: "t", owner: "team" });
    const created = await server.create(URN, inputs);
    expect((await head(dst, "b.txt")).Metadata).toEqual({ constructor: "c", tostring: "t", owner: "team" });
    expect(await server.diff(URN, created.id, created.props, inputs)).toEqual({
      changes: DIFF.NONE,
      replaces: [],
    });
    await server.delete(URN, created.id, created.props);
  });

  itIf(CAN.regions)("takes the region from the stack config given to configure", async () => {
    const src = await newBucket({ region: "eu-west-1" });
    const dst = await newBucket({ region: "eu-west-1" });
    await put(src, "a", "eu", {}, "eu-west-1");
    const other = await ProviderServer.start(dir);
    try {
      await other.configure({ "aws:region": "eu-west-1" });
      const { inputs } = await other.check(
        URN,
        {},
        { __provider: provider, bucket: dst, key: "k", source: `${src}/a` },
      );
      const created = await other.create(URN, inputs);
      expect(created.props.region).toBeUndefined();
      // The copy was made, and a KMS key check would have gone to eu-west-1.
      expect((await bytes(dst, "k", "eu-west-1")).toString()).toBe("eu");
    } finally {
      await other.stop();
    }
  });
});
