import * as fs from "node:fs";

import { UNKNOWN } from "../../provider/engine/constants";
import { DIFF, programDir, ProviderServer, serializedProvider, type Props } from "../helpers/engine-protocol";
import { bytes, exists, newBucket, put, versionsOf } from "../helpers/s3";
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
