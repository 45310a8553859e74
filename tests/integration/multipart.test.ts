import { spawn } from "node:child_process";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

import { MAX_PART_ATTEMPTS, MiB } from "../../provider/engine/constants";
import { startFaultProxy } from "../helpers/fault-proxy";
import { bytes, exists, head, newBucket, openUploads, provider, put, tagsOf } from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

beforeEach(() => provider.reset());

describe("multipart copy", () => {
  it("produces the same object as a single CopyObject: bytes, metadata, headers, tags, encryption, class", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    const body = randomBytes(12 * MiB + 123);
    await put(src, "big.bin", body, {
      ContentType: "application/x-custom",
      CacheControl: "max-age=9",
      ContentDisposition: "attachment; filename=big.bin",
      ContentLanguage: "de",
      Metadata: { origin: "build-17" },
      Tagging: "team=core&tier=gold",
    });
    const common = {
      source: `${src}/big.bin`,
      bucket: dst,
      serverSideEncryption: "AES256",
      storageClass: CAN.storageClasses ? "STANDARD_IA" : "STANDARD",
    };

    const single = await provider.create({ ...common, key: "single.bin" });
    const multi = await provider.create({
      ...common,
      key: "multi.bin",
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
      concurrency: 2,
    });

    expect(single.copyMethod).toBe("CopyObject");
    expect(single).not.toHaveProperty("partCount");
    expect(multi).toMatchObject({ copyMethod: "UploadPartCopy", partCount: 3, contentLength: body.length });
    expect((await bytes(dst, "multi.bin")).equals(body)).toBe(true);
    const [hs, hm] = [await head(dst, "single.bin"), await head(dst, "multi.bin")];
    for (const field of [
      "ContentType",
      "CacheControl",
      "ContentDisposition",
      "ContentLanguage",
      "Metadata",
      "ServerSideEncryption",
      "StorageClass",
      "ContentLength",
    ] as const) {
      expect([field, hm[field]]).toEqual([field, hs[field]]);
    }
    expect(hm.Metadata).toEqual({ origin: "build-17" });
    expect(await tagsOf(dst, "multi.bin")).toEqual({ team: "core", tier: "gold" });
    expect(await tagsOf(dst, "single.bin")).toEqual({ team: "core", tier: "gold" });
    expect(hm.ETag).toMatch(/-3"$/);
    expect(await openUploads(dst)).toEqual([]);
  });

  it("records a multipart copy's Last-Modified on the first refresh, without calling it drift", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "big.bin", randomBytes(11 * MiB));
    const outs = await provider.create({
      source: `${src}/big.bin`,
      bucket: dst,
      key: "big.bin",
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
    });
    // Complete does not say when the object was written, and the copy does not ask.
    expect(outs).toMatchObject({ copyMethod: "UploadPartCopy", partCount: 3 });
    expect(outs).not.toHaveProperty("lastModified");

    const refreshed = (await provider.read(outs)).props as typeof outs;
    expect(refreshed.lastModified).toBe((await head(dst, "big.bin")).LastModified?.toISOString());
    expect(refreshed).not.toHaveProperty("drift");
    // From then on it is the record: the next refresh changes nothing.
    expect((await provider.read(refreshed)).props).toEqual(refreshed);
  });

  it("copies the tags of the version it pins from a versioned source", async () => {
    const src = await newBucket({ versioned: true });
    const dst = await newBucket();
    await put(src, "big.bin", randomBytes(6 * MiB), { Tagging: "build=1" });
    const outs = await provider.create({
      source: `${src}/big.bin`,
      bucket: dst,
      key: "big.bin",
      multipartThreshold: 5 * MiB,
    });
    expect(outs.copyMethod).toBe("UploadPartCopy");
    expect(await tagsOf(dst, "big.bin")).toEqual({ build: "1" });
  });

  it("applies MERGE metadata and REPLACE tags to a multipart copy", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "big.bin", randomBytes(6 * MiB), { Metadata: { keep: "1" }, ContentType: "text/csv" });
    await provider.create({
      source: `${src}/big.bin`,
      bucket: dst,
      key: "b",
      metadataDirective: "MERGE",
      metadata: { added: "2" },
      taggingDirective: "REPLACE",
      tags: { only: "this" },
      multipartThreshold: 5 * MiB,
    });
    const h = await head(dst, "b");
    expect(h.Metadata).toEqual({ keep: "1", added: "2" });
    expect(h.ContentType).toBe("text/csv");
    expect(await tagsOf(dst, "b")).toEqual({ only: "this" });
  });

  const isPart = (url: string, n: number) =>
    url.includes(`partNumber=${n}&`) || url.endsWith(`partNumber=${n}`);

  itIf(CAN.plainHttp)(
    "aborts the multipart upload and leaves nothing when a part keeps failing",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "big.bin", randomBytes(11 * MiB));
      const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, {
        match: (r) => (r.method === "PUT" && isPart(r.url, 2) ? "500" : undefined),
      });
      try {
        await expect(
          provider.create({
            source: `${src}/big.bin`,
            bucket: dst,
            key: "b",
            endpoint: proxy.endpoint,
            multipartThreshold: 5 * MiB,
            partSize: 5 * MiB,
            concurrency: 1,
          }),
        ).rejects.toThrow(/^S3_UPLOADPARTCOPY_FAILED: .*part 2 .*InternalError/);
      } finally {
        await proxy.close();
      }
      const partTwoAttempts = proxy.log.filter((l) => l.startsWith("PUT") && isPart(l, 2)).length;
      expect(partTwoAttempts).toBeGreaterThanOrEqual(MAX_PART_ATTEMPTS);
      expect(proxy.log.filter((l) => l.startsWith("DELETE") && l.includes("uploadId="))).toHaveLength(1);
      expect(proxy.log.some((l) => l.startsWith("POST") && l.includes("uploadId="))).toBe(false);
      expect(await openUploads(dst)).toEqual([]);
      expect(await exists(dst, "b")).toBe(false);
    },
  );

  itIf(CAN.plainHttp)("retries a part answered with 200 and an <Error> body, then completes", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    const body = randomBytes(11 * MiB);
    await put(src, "big.bin", body);
    let injected = 0;
    const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, {
      match: (r) => (r.method === "PUT" && isPart(r.url, 1) && injected++ === 0 ? "200-error" : undefined),
    });
    try {
      const outs = await provider.create({
        source: `${src}/big.bin`,
        bucket: dst,
        key: "b",
        endpoint: proxy.endpoint,
        multipartThreshold: 5 * MiB,
        partSize: 5 * MiB,
      });
      expect(outs).toMatchObject({ copyMethod: "UploadPartCopy", partCount: 3 });
    } finally {
      await proxy.close();
    }
    expect(injected).toBeGreaterThanOrEqual(2);
    expect((await bytes(dst, "b")).equals(body)).toBe(true);
    expect(await openUploads(dst)).toEqual([]);
  });

  itIf(CAN.plainHttp)("aborts the multipart upload when the copying process gets SIGTERM", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "big.bin", randomBytes(11 * MiB));
    let partsSeen = 0;
    const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, {
      match: (r) => {
        if (r.method === "PUT" && r.url.includes("uploadId=")) {
          partsSeen += 1;
          return "hang";
        }
        return undefined;
      },
    });
    const inputs = {
      source: `${src}/big.bin`,
      bucket: dst,
      key: "b",
      endpoint: proxy.endpoint,
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
    };
    const child = spawn(
      process.execPath,
      [path.join(__dirname, "..", "helpers", "copy-child.js"), JSON.stringify(inputs)],
      {
        stdio: ["ignore", "ignore", "inherit"],
        // jest gives each test file its own process.env; a child only sees it when passed.
        env: process.env,
      },
    );
    try {
      const deadline = Date.now() + 30_000;
      while (partsSeen === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(partsSeen).toBeGreaterThan(0);
      expect(await openUploads(dst)).toHaveLength(1);

      const exited = new Promise<NodeJS.Signals | null>((r) =>
        child.once("exit", (_code, signal) => r(signal)),
      );
      child.kill("SIGTERM");
      expect(await exited).toBe("SIGTERM");
    } finally {
      child.kill("SIGKILL");
      await proxy.close();
    }
    expect(proxy.log.filter((l) => l.startsWith("DELETE") && l.includes("uploadId="))).toHaveLength(1);
    expect(await openUploads(dst)).toEqual([]);
    expect(await exists(dst, "b")).toBe(false);
  });

  itIf(CAN.acl)("carries a canned ACL across a multipart copy", async () => {
    const { GetObjectAclCommand } = await import("@aws-sdk/client-s3");
    const { verifier } = await import("../helpers/s3");
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "big.bin", randomBytes(6 * MiB));
    const outs = await provider.create({
      source: `${src}/big.bin`,
      bucket: dst,
      key: "b",
      acl: "public-read",
      multipartThreshold: 5 * MiB,
    });
    expect(outs.copyMethod).toBe("UploadPartCopy");
    const acl = await verifier().s3.send(new GetObjectAclCommand({ Bucket: dst, Key: "b" }));
    expect(
      acl.Grants?.some((g) => g.Grantee?.URI?.endsWith("/global/AllUsers") && g.Permission === "READ"),
    ).toBe(true);
  });

  itIf(CAN.lockOnCopy)("carries Object Lock retention and legal hold across a multipart copy", async () => {
    const { GetObjectLegalHoldCommand, GetObjectRetentionCommand } = await import("@aws-sdk/client-s3");
    const { verifier } = await import("../helpers/s3");
    const src = await newBucket();
    const dst = await newBucket({ objectLock: true });
    await put(src, "big.bin", randomBytes(6 * MiB));
    const until = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
    const outs = await provider.create({
      source: `${src}/big.bin`,
      bucket: dst,
      key: "b",
      objectLockMode: "GOVERNANCE",
      objectLockRetainUntilDate: until,
      objectLockLegalHoldStatus: "ON",
      multipartThreshold: 5 * MiB,
    });
    expect(outs.copyMethod).toBe("UploadPartCopy");
    const { s3 } = verifier();
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: dst, Key: "b" }))).Retention?.Mode).toBe(
      "GOVERNANCE",
    );
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: dst, Key: "b" }))).LegalHold?.Status).toBe(
      "ON",
    );
  });
});
