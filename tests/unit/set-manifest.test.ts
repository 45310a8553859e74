import { gzipSync } from "node:zlib";

import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

import {
  canonicalJson,
  defaultManifestLocation,
  ManifestWriter,
  parseManifestLocation,
  readManifest,
  RESERVED_PREFIX,
} from "../../provider/engine/set/manifest";
import { MANIFEST_FORMAT, type Manifest } from "../../provider/engine/set/types";

describe("manifest locations", () => {
  it("defaults to the destination bucket under the reserved prefix, named after project, stack and resource", () => {
    expect(defaultManifestLocation({ destBucket: "dst", project: "web", stack: "prod", name: "site" })).toBe(
      "s3://dst/.pulumi-s3-object-copy/web/prod/site.json.gz",
    );
  });

  it("keeps any characters of the names URL-safe, one segment each", () => {
    const uri = defaultManifestLocation({ destBucket: "dst", project: "a/b", stack: "..", name: "x y?#%ü" });
    expect(uri).toBe(`s3://dst/${RESERVED_PREFIX}a%2Fb/%2E%2E/x%20y%3F%23%25%C3%BC.json.gz`);
    expect(parseManifestLocation(uri).key.split("/")).toHaveLength(4);
  });

  it("hashes names too long for one S3 key", () => {
    const uri = defaultManifestLocation({
      destBucket: "dst",
      project: "p",
      stack: "s",
      name: "n".repeat(1100),
    });
    expect(uri).toMatch(/^s3:\/\/dst\/\.pulumi-s3-object-copy\/[0-9a-f]{64}\.json\.gz$/);
  });

  it.each([
    ["s3://b/k", { bucket: "b", key: "k" }],
    ["s3://b/a/b c.json.gz", { bucket: "b", key: "a/b c.json.gz" }],
  ])("parses %j", (uri, expected) => expect(parseManifestLocation(uri)).toEqual(expected));

  it.each(["b/k", "s3://b", "s3://b/", "s3://b/dir/", "s3:///k", "", `s3://b/${"k".repeat(1025)}`])(
    "rejects %j with INVALID_MANIFEST_LOCATION",
    (uri) => expect(() => parseManifestLocation(uri)).toThrow(/^INVALID_MANIFEST_LOCATION: /),
  );
});

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined, x: 2 }], c: "s" } })).toBe(
      '{"a":{"c":"s","d":[1,{"x":2,"z":1}]},"b":1}',
    );
  });
});

describe("manifest requests (exact shape)", () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  // The one method of a response body the manifest reader uses.
  const body = (bytes: Buffer) => ({ transformToByteArray: async () => new Uint8Array(bytes) });
  const base: Manifest = {
    format: MANIFEST_FORMAT,
    settingsDigest: "d",
    bucket: "dst",
    prefix: "p/",
    records: {},
  };
  const record = {
    source: { etag: '"e"', size: 1, lastModified: "2026-01-01T00:00:00Z" },
    dest: { size: 1 },
  };

  it("writes gzip JSON as application/json without Content-Encoding, and no journal when nothing changed", async () => {
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error("NotFound"), { name: "NotFound" }));
    s3.on(PutObjectCommand).resolves({});
    const w = new ManifestWriter(new S3Client({}), "s3://m/x.json.gz", base);
    await w.checkpoint();
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    w.set("a", record);
    await w.checkpoint();
    await w.checkpoint();
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      Bucket: "m",
      Key: "x.json.gz.journal/00000001.json.gz",
      ContentType: "application/json",
    });
    expect(puts[0].ContentEncoding).toBeUndefined();
  });

  it("fails with MANIFEST_UNREADABLE naming the location for an object of another format", async () => {
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(GetObjectCommand).resolves({
      Body: body(gzipSync(JSON.stringify({ format: "something/else" }))),
    } as never);
    await expect(readManifest(new S3Client({}), "s3://m/x.json.gz")).rejects.toThrow(
      /^MANIFEST_UNREADABLE: s3:\/\/m\/x\.json\.gz is not a manifest .*"something\/else"/,
    );
  });

  it("fails with MANIFEST_UNREADABLE for an object that is not gzip", async () => {
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(GetObjectCommand).resolves({ Body: body(Buffer.from("<html>")) } as never);
    await expect(readManifest(new S3Client({}), "s3://m/x.json.gz")).rejects.toThrow(
      /^MANIFEST_UNREADABLE: s3:\/\/m\/x\.json\.gz is not a manifest .*not gzip JSON/,
    );
  });

  it("keeps the changes of a failed checkpoint for the next one", async () => {
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error("NotFound"), { name: "NotFound" }));
    s3.on(PutObjectCommand).rejectsOnce(new Error("boom")).resolves({});
    const w = new ManifestWriter(new S3Client({}), "s3://m/x.json.gz", base);
    w.set("a", record);
    await expect(w.checkpoint()).rejects.toThrow(
      /PutObject on s3:\/\/m\/x\.json\.gz\.journal\/00000001\.json\.gz/,
    );
    w.set("b", record);
    await w.checkpoint();
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Key)).toEqual([
      "x.json.gz.journal/00000001.json.gz",
      "x.json.gz.journal/00000002.json.gz",
    ]);
  });
});
