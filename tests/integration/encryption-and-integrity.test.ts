import { createHash, randomBytes } from "node:crypto";

import { GetObjectLegalHoldCommand, GetObjectRetentionCommand } from "@aws-sdk/client-s3";

import { MiB } from "../../provider/engine/constants";
import { bytes, exists, head, newBucket, openUploads, provider, put, verifier } from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

beforeEach(() => provider.reset());

const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);
const sseC = (key: Buffer) => ({
  SSECustomerAlgorithm: "AES256",
  SSECustomerKey: key.toString("base64"),
  SSECustomerKeyMD5: createHash("md5").update(key).digest("base64"),
});

describe("SSE-C", () => {
  itIf(CAN.sseC)("encrypts the destination with the customer key, readable only with it", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "plain source");
    const outs = await provider.create({
      bucket: dst,
      key: "b",
      source: `${src}/a`,
      customerKey: KEY_A.toString("base64"),
    });

    await expect(head(dst, "b")).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    expect((await bytes(dst, "b", "us-east-1", sseC(KEY_A))).toString()).toBe("plain source");
    expect(outs.customerKeyMd5).toBe(sseC(KEY_A).SSECustomerKeyMD5);
    expect(JSON.stringify(outs)).not.toContain(KEY_A.toString("base64"));
  });

  itIf(CAN.sseC)("copies from an SSE-C source with sourceCustomerKey", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "sealed", sseC(KEY_A));
    await provider.create({
      bucket: dst,
      key: "b",
      source: `${src}/a`,
      sourceCustomerKey: KEY_A.toString("base64"),
    });
    expect((await bytes(dst, "b")).toString()).toBe("sealed");
  });

  itIf(CAN.sseC)(
    "fails with SOURCE_NEEDS_CUSTOMER_KEY when an SSE-C source is copied without its key",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "a", "sealed", sseC(KEY_A));
      await expect(provider.create({ bucket: dst, key: "b", source: `${src}/a` })).rejects.toThrow(
        /^SOURCE_NEEDS_CUSTOMER_KEY: .*set sourceCustomerKey/,
      );
      expect(await exists(dst, "b")).toBe(false);
    },
  );

  itIf(CAN.sseC)("rotates the customer key in place (source key A, destination key B)", async () => {
    const bucket = await newBucket({ versioned: true });
    await put(bucket, "k", "rotate me", sseC(KEY_A));
    const outs = await provider.create({
      bucket,
      key: "k",
      source: `${bucket}/k`,
      sourceCustomerKey: KEY_A.toString("base64"),
      customerKey: KEY_B.toString("base64"),
    });
    expect((await bytes(bucket, "k", "us-east-1", sseC(KEY_B))).toString()).toBe("rotate me");
    await expect(bytes(bucket, "k", "us-east-1", sseC(KEY_A))).rejects.toBeDefined();
    expect(outs).toMatchObject({ inPlace: true, customerKeyMd5: sseC(KEY_B).SSECustomerKeyMD5 });
    // Refresh cannot HeadObject without the key (never in state): it lists instead, and sees no drift.
    expect((await provider.read(outs)).props).toMatchObject({ etag: outs.etag });
    expect(((await provider.read(outs)).props as { drift?: string[] }).drift).toBeUndefined();
    // Later previews read the current object (our copy) with the destination key: no error, no diff.
    expect(
      await provider.diff(outs, {
        bucket,
        key: "k",
        source: `${bucket}/k`,
        sourceCustomerKey: KEY_A.toString("base64"),
        customerKey: KEY_B.toString("base64"),
      }),
    ).toMatchObject({ changes: false });
  });

  itIf(CAN.sseC)(
    "does a multipart copy from an SSE-C source to an SSE-C destination with both keys on every part",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      const body = randomBytes(11 * MiB);
      await put(src, "big", body, sseC(KEY_A));
      const outs = await provider.create({
        bucket: dst,
        key: "big",
        source: `${src}/big`,
        sourceCustomerKey: KEY_A.toString("base64"),
        customerKey: KEY_B.toString("base64"),
        multipartThreshold: 5 * MiB,
        partSize: 5 * MiB,
      });
      expect(outs).toMatchObject({ copyMethod: "UploadPartCopy", partCount: 3 });
      expect((await bytes(dst, "big", "us-east-1", sseC(KEY_B))).equals(body)).toBe(true);
      expect(await openUploads(dst)).toEqual([]);
    },
  );

  describe("a source key that does not fit says so, never as a missing permission, never showing the key", () => {
    const shown = (message: string, key: Buffer) =>
      [key.toString("base64"), key.toString("hex"), key.toString("base64").slice(0, 12)].filter((k) =>
        message.includes(k),
      );
    const failure = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(Error);
      return err!;
    };

    /** ObjectCopy of `src`/a to `dst`/b, reading the source with KEY_B. */
    const copyWithKeyB = (src: string, dst: string) =>
      provider.create({
        bucket: dst,
        key: "b",
        source: `${src}/a`,
        sourceCustomerKey: KEY_B.toString("base64"),
      });

    itIf(CAN.sseC)("a wrong sourceCustomerKey", async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "a", "sealed", sseC(KEY_A));
      const err = await failure(copyWithKeyB(src, dst));
      expect(err.message).toMatch(
        /^SOURCE_CUSTOMER_KEY_REFUSED: HeadObject on s3:\/\/\S+\/a answered 40[03] while sourceCustomerKey was sent: either it is not the key the source was written with/,
      );
      expect(shown(err.message, KEY_B)).toEqual([]);
      expect(await exists(dst, "b")).toBe(false);
    });

    itIf(CAN.sseC)("a sourceCustomerKey for a source that is not SSE-C", async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "a", "plain");
      const err = await failure(copyWithKeyB(src, dst));
      expect(err.message).toMatch(
        /^SOURCE_CUSTOMER_KEY_REFUSED: .*the source is not encrypted with SSE-C \(then remove sourceCustomerKey\)/,
      );
      expect(shown(err.message, KEY_B)).toEqual([]);
    });

    itIf(CAN.sseC)(
      "a set's copy of an SSE-C object without sourceCustomerKey, and with the wrong one",
      async () => {
        const { objectCopySetProvider } = await import("../../provider/set-dynamic");
        const src = await newBucket();
        const dst = await newBucket();
        await put(src, "s/a", "sealed", sseC(KEY_A));
        const create = async (extra: Record<string, unknown>) => {
          const news = {
            source: `${src}/s/`,
            bucket: dst,
            __setProject: "p",
            __setStack: "s",
            __setName: "k",
            ...extra,
          };
          const checked = await objectCopySetProvider.check!({}, news);
          expect(checked.failures ?? []).toEqual([]);
          return objectCopySetProvider.create(checked.inputs);
        };

        const without = await failure(create({}));
        expect(without.message).toMatch(
          /^SET_COPY_FAILED: 1 of 1 objects failed to copy: s\/a \(SOURCE_NEEDS_CUSTOMER_KEY\)\. The first, s\/a: CopyObject on .* so set sourceCustomerKey/,
        );
        const wrong = await failure(create({ sourceCustomerKey: KEY_B.toString("base64") }));
        expect(wrong.message).toMatch(
          /s\/a \((SOURCE_CUSTOMER_KEY_REFUSED|S3_COPYOBJECT_FAILED)\)\. The first, s\/a: CopyObject on .* answered 40[03] while sourceCustomerKey was sent: either (sourceCustomerKey|it) is not the key the source was written with/,
        );
        expect(shown(wrong.message, KEY_B)).toEqual([]);
      },
    );
  });
});

describe("copy preconditions", () => {
  async function fixture() {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "guarded");
    const h = await head(src, "a");
    return { src, dst, etag: h.ETag!, modified: h.LastModified! };
  }
  const hourBefore = (d: Date) => new Date(d.getTime() - 3_600_000).toISOString();
  const hourAfter = (d: Date) => new Date(d.getTime() + 3_600_000).toISOString();

  const cases: [string, (f: Awaited<ReturnType<typeof fixture>>) => Record<string, string>, boolean][] = [
    ["copyIfMatch with the source ETag", (f) => ({ copyIfMatch: f.etag }), true],
    ["copyIfMatch with another ETag", () => ({ copyIfMatch: '"0123456789abcdef0123456789abcdef"' }), false],
    [
      "copyIfNoneMatch with another ETag",
      () => ({ copyIfNoneMatch: '"0123456789abcdef0123456789abcdef"' }),
      true,
    ],
    ["copyIfNoneMatch with the source ETag", (f) => ({ copyIfNoneMatch: f.etag }), false],
    [
      "copyIfModifiedSince before the last change",
      (f) => ({ copyIfModifiedSince: hourBefore(f.modified) }),
      true,
    ],
    [
      "copyIfModifiedSince after the last change",
      (f) => ({ copyIfModifiedSince: hourAfter(f.modified) }),
      false,
    ],
    [
      "copyIfUnmodifiedSince after the last change",
      (f) => ({ copyIfUnmodifiedSince: hourAfter(f.modified) }),
      true,
    ],
    [
      "copyIfUnmodifiedSince before the last change",
      (f) => ({ copyIfUnmodifiedSince: hourBefore(f.modified) }),
      false,
    ],
  ];
  it.each(cases)("%s: copies only when the condition holds", async (_name, condition, holds) => {
    const f = await fixture();
    const attempt = provider.create({ bucket: f.dst, key: "b", source: `${f.src}/a`, ...condition(f) });
    if (holds) {
      await attempt;
      expect((await bytes(f.dst, "b")).toString()).toBe("guarded");
    } else {
      await expect(attempt).rejects.toThrow(/^SOURCE_PRECONDITION_FAILED: .*nothing was copied/);
      expect(await exists(f.dst, "b")).toBe(false);
    }
  });

  itIf(CAN.preconditions)(
    "the server itself refuses a copy whose source changed after HeadObject (412)",
    async () => {
      // Straight to S3 with the header the engine pins every copy with: the server must enforce it.
      const { CopyObjectCommand } = await import("@aws-sdk/client-s3");
      const f = await fixture();
      await put(f.src, "a", "changed");
      await expect(
        verifier().s3.send(
          new CopyObjectCommand({
            Bucket: f.dst,
            Key: "b",
            CopySource: `${f.src}/a`,
            CopySourceIfMatch: f.etag,
          }),
        ),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    },
  );
});

describe("checksums", () => {
  itIf(CAN.partChecksums)(
    "has S3 compute a checksum for a multipart copy, with every part's checksum in Complete",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "big", randomBytes(11 * MiB));
      await provider.create({
        bucket: dst,
        key: "big",
        source: `${src}/big`,
        checksumAlgorithm: "CRC32",
        multipartThreshold: 5 * MiB,
        partSize: 5 * MiB,
      });
      const h = await head(dst, "big", "us-east-1", { ChecksumMode: "ENABLED" });
      expect(h.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]+=*(-3)?$/);
      expect(await openUploads(dst)).toEqual([]);
    },
  );
});

describe("object lock on copy", () => {
  itIf(CAN.lockOnCopy)("applies retention and legal hold with the copy itself", async () => {
    const src = await newBucket();
    const dst = await newBucket({ objectLock: true });
    await put(src, "a", "x");
    const until = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
    const outs = await provider.create({
      bucket: dst,
      key: "b",
      source: `${src}/a`,
      objectLockMode: "GOVERNANCE",
      objectLockRetainUntilDate: until,
      objectLockLegalHoldStatus: "ON",
    });
    const { s3 } = verifier();
    const retention = await s3.send(new GetObjectRetentionCommand({ Bucket: dst, Key: "b" }));
    expect(retention.Retention?.Mode).toBe("GOVERNANCE");
    expect(retention.Retention?.RetainUntilDate?.toISOString().slice(0, 19)).toBe(until.slice(0, 19));
    const hold = await s3.send(new GetObjectLegalHoldCommand({ Bucket: dst, Key: "b" }));
    expect(hold.LegalHold?.Status).toBe("ON");
    expect(outs.deleteBehavior).toBe("delete-version");
  });
});
