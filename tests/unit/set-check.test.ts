// ObjectCopySet's check (its rule table and cross rules) and the size of its state. Check runs at
// every preview, so a mistake must be reported there, naming the input; the state must stay small
// whatever the number of objects, because Pulumi rewrites it on every step.
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

import { resetClientCaches } from "../../provider/engine/clients";
import { UNKNOWN } from "../../provider/engine/constants";
import { checkSet, createSet } from "../../provider/engine/set";

const s3 = mockClient(S3Client);
const NOW = new Date("2026-06-01T12:00:00Z");
const KEY = "0123456789abcdef0123456789abcdef";
const ID = { __setProject: "proj", __setStack: "dev", __setName: "site" };
const BASE = { source: "src-bucket/build/", bucket: "dst-bucket", prefix: "site/", ...ID };

/** The prefix part of a set's source, as the rule sees it. */
const parseSetSourcePrefix = (source: string) =>
  source.includes("/") ? source.slice(source.indexOf("/") + 1) : "";

const check = (news: Record<string, unknown>, olds: Record<string, unknown> = {}) =>
  checkSet(news, NOW, olds);
const failuresOf = async (news: Record<string, unknown>) => (await check(news)).failures;

/** A ListObjectsV2 over a fixed key list, honouring Prefix, Delimiter and continuation. */
function fakeListing(keys: string[], size = 16) {
  const sorted = [...keys].sort();
  return async (input: ListObjectsV2CommandInput) => {
    const prefix = input.Prefix ?? "";
    const start = Number(input.ContinuationToken ?? 0);
    const matching = sorted.filter((k) => k.startsWith(prefix) && k > (input.StartAfter ?? ""));
    const contents: string[] = [];
    const common = new Set<string>();
    let i = start;
    for (; i < matching.length && contents.length + common.size < (input.MaxKeys ?? 1000); i++) {
      const rest = matching[i].slice(prefix.length);
      const cut = input.Delimiter ? rest.indexOf(input.Delimiter) : -1;
      if (cut >= 0) common.add(prefix + rest.slice(0, cut + 1));
      else contents.push(matching[i]);
    }
    return {
      Contents: contents.map((Key) => ({
        Key,
        Size: size,
        ETag: `"${Buffer.from(Key).toString("hex").slice(0, 32).padEnd(32, "0")}"`,
        LastModified: new Date("2026-01-01T00:00:00Z"),
      })),
      CommonPrefixes: [...common].map((Prefix) => ({ Prefix })),
      IsTruncated: i < matching.length,
      NextContinuationToken: i < matching.length ? String(i) : undefined,
      KeyCount: contents.length + common.size,
    };
  };
}

beforeEach(() => {
  s3.reset();
  resetClientCaches();
  jest.spyOn(console, "log").mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe("ObjectCopySet check", () => {
  it("writes the defaults out: prefix, deleteRemoved, adopt and the manifest named after project, stack and resource", async () => {
    const { inputs, failures } = await check({ source: "src-bucket/build/", bucket: "dst-bucket", ...ID });
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({
      prefix: "",
      deleteRemoved: true,
      adopt: false,
      metadataDirective: "COPY",
      taggingDirective: "COPY",
      manifestLocation: "s3://dst-bucket/.pulumi-s3-object-copy/proj/dev/site.json.gz",
    });
    // A new set's preview lists the source and reads its manifest for the summary line, nothing else.
    const sent = s3.calls().map((c) => (c.args[0] as object).constructor.name);
    expect([...new Set(sent)].sort()).toEqual(["GetObjectCommand", "ListObjectsV2Command"]);
  });

  it.each<[string, Record<string, unknown>, { property: string; reason: RegExp }]>([
    [
      "keys with include",
      { keys: ["a"], include: ["*.js"] },
      { property: "include", reason: /cannot be combined with keys/ },
    ],
    [
      "keys with exclude",
      { keys: ["a"], exclude: ["*.map"] },
      { property: "exclude", reason: /cannot be combined with keys/ },
    ],
    ["an empty include list", { include: [] }, { property: "include", reason: /empty list/ }],
    ["a key listed twice", { keys: ["a", "b", "a"] }, { property: "keys", reason: /"a" more than once/ }],
    ["an empty pattern", { exclude: [""] }, { property: "exclude", reason: /non-empty string/ }],
    [
      "a prefix inside the reserved prefix",
      { prefix: ".pulumi-s3-object-copy/x/" },
      { property: "prefix", reason: /manifests under/ },
    ],
    [
      "a source inside the reserved prefix",
      { source: "src/.pulumi-s3-object-copy/backup/" },
      { property: "source", reason: /inside ".pulumi-s3-object-copy\/".*so it would copy nothing/ },
    ],
    [
      "a bad destination bucket",
      { bucket: "Bad_Bucket" },
      { property: "bucket", reason: /lowercase letters/ },
    ],
    ["a source with no bucket", { source: "s3://" }, { property: "source", reason: /INVALID_SOURCE/ }],
    ["concurrency 0", { concurrency: 0 }, { property: "concurrency", reason: /1-256 objects in flight/ }],
    ["deleteRemoved as a string", { deleteRemoved: "yes" }, { property: "deleteRemoved", reason: /boolean/ }],
    [
      "metadata under COPY",
      { metadata: { a: "1" } },
      { property: "metadata", reason: /metadataDirective is "COPY"/ },
    ],
    [
      "tags under taggingDirective COPY",
      { tags: { a: "1" } },
      { property: "tags", reason: /taggingDirective is "COPY"/ },
    ],
    [
      "a manifest that is not an s3:// URI",
      { manifestLocation: "bucket/key" },
      { property: "manifestLocation", reason: /./ },
    ],
    [
      "a manifest under the destination prefix",
      { manifestLocation: "s3://dst-bucket/site/manifest.json.gz" },
      { property: "manifestLocation", reason: /under the destination prefix "site\/"/ },
    ],
    [
      "a manifest under the source prefix",
      { manifestLocation: "s3://src-bucket/build/m.json.gz" },
      { property: "manifestLocation", reason: /copy its own manifest/ },
    ],
    [
      "an in-place copy that changes nothing",
      { source: "dst-bucket/site/" },
      { property: "source", reason: /destination prefix itself and nothing would change/ },
    ],
  ])("fails %s, naming the input", async (_what, extra, expected) => {
    const failures = await failuresOf({ ...BASE, ...extra });
    expect(failures).toEqual([
      { property: expected.property, reason: expect.stringMatching(expected.reason) },
    ]);
    expect(s3.calls()).toHaveLength(0);
  });

  it("accepts an in-place copy that sets Cache-Control on every object (MERGE)", async () => {
    const { failures } = await check({
      ...BASE,
      source: "dst-bucket/site/",
      metadataDirective: "MERGE",
      cacheControl: "max-age=60",
    });
    expect(failures).toEqual([]);
  });

  it("rejects per-object options that make no sense for a set, and misspellings, as unknown inputs", async () => {
    const failures = await failuresOf({
      ...BASE,
      websiteRedirect: "/x",
      restoreWaitMinutes: 5,
      deleteRemove: true,
    });
    expect(failures.map((f) => f.property)).toEqual(["", "", ""]);
    expect(failures[0].reason).toMatch(/"websiteRedirect" is not an input of ObjectCopySet/);
    expect(failures[1].reason).toMatch(/"restoreWaitMinutes" is not an input of ObjectCopySet/);
    expect(failures[2].reason).toMatch(/did you mean "deleteRemoved"\?/);
  });

  it("refuses outputs given as inputs (drift would drive every diff), naming each", async () => {
    const failures = await failuresOf({ ...BASE, drift: { missing: 1, overwritten: 0 }, objectCount: 3 });
    expect(failures).toEqual([
      {
        property: "drift",
        reason: "is an output of ObjectCopySet, which the resource sets itself; remove it from the inputs",
      },
      {
        property: "objectCount",
        reason: "is an output of ObjectCopySet, which the resource sets itself; remove it from the inputs",
      },
    ]);
  });

  it("asks for manifestLocation when the resource is driven without the class (no project, stack, name)", async () => {
    const failures = await failuresOf({ source: "src-bucket/a/", bucket: "dst-bucket" });
    expect(failures).toEqual([
      { property: "manifestLocation", reason: expect.stringMatching(/is required/) },
    ]);
  });

  it("never echoes an SSE-C key in a failure", async () => {
    const failures = await failuresOf({ ...BASE, customerKey: `${KEY}x`, serverSideEncryption: "AES256" });
    expect(failures.length).toBeGreaterThan(0);
    expect(JSON.stringify(failures)).not.toContain(KEY);
  });

  it("skips values not yet known (preview) and sends no request", async () => {
    const { failures, inputs } = await check({ ...BASE, bucket: UNKNOWN, keys: UNKNOWN });
    expect(failures).toEqual([]);
    expect(inputs.manifestLocation).toBeUndefined();
    expect(s3.calls()).toHaveLength(0);
  });

  it("fails a new set's preview naming each listed key that is not in the source", async () => {
    s3.on(ListObjectsV2Command).callsFake(fakeListing(["build/a.js", "build/b.css", "other/c"]));
    const failures = await failuresOf({ ...BASE, keys: ["a.js", "missing.js", "c"] });
    expect(failures).toEqual([
      {
        property: "keys",
        reason: expect.stringMatching(
          /SOURCE_KEYS_NOT_FOUND: 2 of the listed keys are not under .*"missing.js", "c"/,
        ),
      },
    ]);
  });

  it.each<[string, string, string]>([
    ["a source folder copied to the whole bucket", "bkt/data/", ""],
    ["a destination inside the source", "bkt/data/", "data/copy/"],
    ["a source inside the destination", "bkt/data/copy/", "data/"],
    ["the whole bucket copied into a folder of it", "bkt", "data/"],
    ["raw prefixes that overlap as strings", "bkt/data", "data2/"],
  ])("fails %s in one bucket, naming both prefixes", async (_what, source, prefix) => {
    const failures = await failuresOf({ ...ID, source, bucket: "bkt", prefix });
    expect(failures).toEqual([
      {
        property: "prefix",
        reason: expect.stringMatching(
          /^the destination prefix ".*" and the source prefix ".*" overlap in bucket "bkt"/,
        ),
      },
    ]);
    expect(failures[0].reason).toContain(JSON.stringify(prefix));
    expect(failures[0].reason).toContain(JSON.stringify(parseSetSourcePrefix(source)));
    expect(failures[0].reason).toMatch(/separate prefixes.*same prefix/);
    expect(s3.calls()).toHaveLength(0);
  });

  it("checks overlap only within one bucket and only once both prefixes are known", async () => {
    s3.on(ListObjectsV2Command).callsFake(fakeListing([]));
    expect(await failuresOf({ ...ID, source: "other/data/", bucket: "bkt", prefix: "" })).toEqual([]);
    expect(await failuresOf({ ...ID, source: "bkt/data/", bucket: "bkt", prefix: "copy/" })).toEqual([]);
    expect(await failuresOf({ ...ID, source: UNKNOWN, bucket: "bkt", prefix: "" })).toEqual([]);
    expect(await failuresOf({ ...ID, source: "bkt/data/", bucket: "bkt", prefix: UNKNOWN })).toEqual([]);
    // The same prefixes once known: a failure, so the cases above passed for the right reason.
    expect(await failuresOf({ ...ID, source: "bkt/data/", bucket: "bkt", prefix: "" })).toHaveLength(1);
  });

  it("fails adopt on an in-place set, which would record the originals as the set's to delete", async () => {
    const failures = await failuresOf({
      ...BASE,
      source: "dst-bucket/site/",
      metadataDirective: "MERGE",
      cacheControl: "max-age=60",
      adopt: true,
    });
    expect(failures).toEqual([
      { property: "adopt", reason: expect.stringMatching(/cannot be true for an in-place copy/) },
    ]);
    expect(s3.calls()).toHaveLength(0);
  });

  it("prints a new set's summary at its first preview, from one listing and one manifest read", async () => {
    const logged: string[] = [];
    jest.spyOn(console, "log").mockImplementation((line: string) => void logged.push(String(line)));
    s3.on(ListObjectsV2Command).callsFake(fakeListing(["build/a.js", "build/b.css", "other/c"], 1024 * 1024));
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error("no"), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }),
    );
    const { failures } = await check({ ...BASE, endpoint: "http://127.0.0.1:9", region: "us-east-1" });
    expect(failures).toEqual([]);
    expect(logged).toEqual([
      expect.stringMatching(/^copy 2 objects \(2\.0 MiB\), re-copy 0 \(0\.0 MiB\), delete 0; e\.g\. /),
    ]);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect(s3.calls().filter((c) => !(c.args[0] instanceof ListObjectsV2Command))).toHaveLength(1);
  });

  it("prints a replacement's summary at preview: a new prefix copies everything again", async () => {
    const logged: string[] = [];
    jest.spyOn(console, "log").mockImplementation((line: string) => void logged.push(String(line)));
    s3.on(ListObjectsV2Command).callsFake(fakeListing(["build/a.js"]));
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error("no"), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }),
    );
    const old = (await check({ ...BASE, endpoint: "http://127.0.0.1:9", region: "us-east-1" })).inputs;
    logged.length = 0;
    const { failures } = await check(
      { ...BASE, endpoint: "http://127.0.0.1:9", region: "us-east-1", prefix: "site2/" },
      old as unknown as Record<string, unknown>,
    );
    expect(failures).toEqual([]);
    expect(logged).toEqual([
      expect.stringMatching(/^copy 1 objects \(0\.0 MiB\), re-copy 0 .*e\.g\. a\.js$/),
    ]);
  });

  it("leaves an existing set's key check to diff, which lists the source anyway", async () => {
    s3.on(ListObjectsV2Command).callsFake(fakeListing(["build/a.js"]));
    const { failures } = await check({ ...BASE, keys: ["missing.js"] }, { ...BASE, keys: ["a.js"] });
    expect(failures).toEqual([]);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });
});

describe("ObjectCopySet state", () => {
  it("stays under 16 KB for a set of 10,000 objects: the records live in the manifest", async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `build/dir${i % 50}/file-${i}.js`);
    s3.onAnyCommand().resolves({});
    s3.on(ListObjectsV2Command).callsFake(fakeListing(keys));
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error("no"), { name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }),
    );
    s3.on(ListMultipartUploadsCommand).resolves({ Uploads: [] });
    s3.on(CopyObjectCommand).callsFake(async (input: { CopySourceIfMatch?: string }) => ({
      CopyObjectResult: { ETag: input.CopySourceIfMatch, LastModified: new Date("2026-02-01T00:00:00Z") },
    }));
    s3.on(PutObjectCommand).resolves({});
    s3.on(DeleteObjectsCommand).resolves({});

    const { inputs, failures } = await check({
      ...BASE,
      endpoint: "http://127.0.0.1:9",
      region: "us-east-1",
    });
    expect(failures).toEqual([]);
    const { outs } = await createSet(inputs);

    expect(outs.objectCount).toBe(10_000);
    expect(outs.totalBytes).toBe(10_000 * 16);
    expect(outs.lastRun).toEqual({ copied: 10_000, recopied: 0, deleted: 0, adopted: 0, failed: 0 });
    expect(JSON.stringify(outs).length).toBeLessThan(16 * 1024);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(10_000);
  });
});
