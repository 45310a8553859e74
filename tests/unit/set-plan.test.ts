import { setContext } from "../../provider/engine/set/context";
import { planSet, settingsDigest, type PlanArgs } from "../../provider/engine/set/plan";
import type {
  Manifest,
  ManifestRecord,
  ObjectSettings,
  SetPlan,
  SourceEntry,
} from "../../provider/engine/set/types";
import { MANIFEST_FORMAT } from "../../provider/engine/set/types";

const T0 = "2026-01-01T00:00:00.000Z";
const entry = (key: string, etag = `"e-${key}"`, size = 10, lastModified = T0): SourceEntry => ({
  key,
  etag,
  size,
  lastModified,
});
const recordOf = (e: SourceEntry, digest?: string): ManifestRecord => ({
  source: { etag: e.etag, size: e.size, lastModified: e.lastModified },
  dest: { etag: `"dest-${e.key}"`, size: e.size, lastModified: "2026-02-01T00:00:00Z" },
  ...(digest ? { settingsDigest: digest } : {}),
});
const D = settingsDigest({});
const manifest = (records: Record<string, ManifestRecord>, over: Partial<Manifest> = {}): Manifest => ({
  format: MANIFEST_FORMAT,
  settingsDigest: D,
  bucket: "dst",
  prefix: "out/",
  records,
  ...over,
});
const args = (over: Partial<PlanArgs>): PlanArgs => ({
  entries: [],
  source: { bucket: "src", prefix: "in/" },
  destPrefix: "out/",
  selection: {},
  settingsDigest: D,
  ...over,
});
const keys = (p: SetPlan) => ({
  created: p.created.map((c) => c.relativeKey),
  updated: p.updated.map((c) => c.relativeKey),
  deleted: p.deleted.map((c) => c.relativeKey),
  unchanged: p.unchanged,
});

describe("planSet", () => {
  const a = entry("in/a");
  const b = entry("in/b");
  const c = entry("in/sub/c");

  it("creates every selected key when there is no manifest, with source and destination keys mapped", () => {
    const plan = planSet(args({ entries: [b, a, c] }));
    expect(keys(plan)).toEqual({ created: ["a", "b", "sub/c"], updated: [], deleted: [], unchanged: 0 });
    expect(plan.created[2]).toEqual({
      relativeKey: "sub/c",
      sourceKey: "in/sub/c",
      destKey: "out/sub/c",
      entry: c,
    });
  });

  it("plans nothing when every listed entry equals its record", () => {
    const m = manifest({ a: recordOf(a), b: recordOf(b) });
    expect(keys(planSet(args({ entries: [a, b], manifest: m })))).toEqual({
      created: [],
      updated: [],
      deleted: [],
      unchanged: 2,
    });
  });

  it.each([
    ["the ETag", entry("in/a", '"other"')],
    ["the size", entry("in/a", a.etag, 11)],
    ["LastModified by a second", entry("in/a", a.etag, 10, "2026-01-01T00:00:01.000Z")],
  ])("re-copies a key whose source changed %s, carrying the previous record", (_what, changed) => {
    const m = manifest({ a: recordOf(a), b: recordOf(b) });
    const plan = planSet(args({ entries: [changed, b], manifest: m }));
    expect(keys(plan)).toEqual({ created: [], updated: ["a"], deleted: [], unchanged: 1 });
    expect(plan.updated[0]).toMatchObject({ entry: changed, previous: m.records.a, destKey: "out/a" });
  });

  it("ignores sub-second LastModified differences and ETag quoting", () => {
    const m = manifest({ a: recordOf(entry("in/a", "e-in/a", 10, "2026-01-01T00:00:00.900Z")) });
    expect(planSet(args({ entries: [a], manifest: m })).unchanged).toBe(1);
  });

  it("never compares the destination's ETag with the source's", () => {
    // The written object has a multipart/KMS ETag that never equals the source's: no re-copy.
    const m = manifest({ a: { ...recordOf(a), dest: { etag: '"abc-3"', size: 10 } } });
    expect(planSet(args({ entries: [a], manifest: m })).unchanged).toBe(1);
  });

  it("deletes records whose source is gone, and never anything without a record", () => {
    const m = manifest({ a: recordOf(a), gone: recordOf(entry("in/gone")) });
    const plan = planSet(args({ entries: [a, b], manifest: m }));
    expect(keys(plan)).toEqual({ created: ["b"], updated: [], deleted: ["gone"], unchanged: 1 });
    expect(plan.deleted[0]).toEqual({ relativeKey: "gone", destKey: "out/gone", record: m.records.gone });
  });

  it("deletes records no longer selected, though still listed", () => {
    const m = manifest({ a: recordOf(a), "sub/c": recordOf(c) });
    const plan = planSet(args({ entries: [a, c], manifest: m, selection: { exclude: ["sub/**"] } }));
    expect(keys(plan)).toEqual({ created: [], updated: [], deleted: ["sub/c"], unchanged: 1 });
  });

  it("re-copies every selected recorded key when the settings digest changed, and creates the rest", () => {
    const m = manifest({ a: recordOf(a), b: recordOf(b) });
    const other = settingsDigest({ cacheControl: "max-age=60" });
    const plan = planSet(args({ entries: [a, b, c], manifest: m, settingsDigest: other }));
    expect(keys(plan)).toEqual({ created: ["sub/c"], updated: ["a", "b"], deleted: [], unchanged: 0 });
  });

  it("takes records carrying an accepted older digest as current, and re-copies those carrying any other", () => {
    const byArn = settingsDigest({ kmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/k1" });
    const byAlias = settingsDigest({ kmsKeyId: "alias/release" });
    const byOther = settingsDigest({ kmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/k2" });
    const m = manifest(
      { a: recordOf(a, byAlias), b: recordOf(b, byArn), "sub/c": recordOf(c, byOther) },
      { settingsDigest: byArn },
    );
    const plan = planSet(
      args({ entries: [a, b, c], manifest: m, settingsDigest: byArn, acceptedDigests: [byAlias] }),
    );
    expect(keys(plan)).toEqual({ created: [], updated: ["sub/c"], deleted: [], unchanged: 2 });
    // Without the older digest accepted, the record made under the alias is re-copied too.
    const strict = planSet(args({ entries: [a, b, c], manifest: m, settingsDigest: byArn }));
    expect(keys(strict)).toEqual({ created: [], updated: ["a", "sub/c"], deleted: [], unchanged: 1 });
  });

  it("re-copies only the records still carrying the old digest after a half-done settings change", () => {
    const other = settingsDigest({ cacheControl: "max-age=60" });
    const m = manifest({ a: recordOf(a, other), b: recordOf(b, D) }, { settingsDigest: other });
    expect(keys(planSet(args({ entries: [a, b], manifest: m, settingsDigest: other })))).toEqual({
      created: [],
      updated: ["b"],
      deleted: [],
      unchanged: 1,
    });
  });

  it("with explicit keys copies exactly those, and fails naming a listed key that does not exist", () => {
    const plan = planSet(args({ entries: [a, b, c], selection: { keys: ["sub/c", "a"] } }));
    expect(keys(plan).created).toEqual(["a", "sub/c"]);
    expect(() => planSet(args({ entries: [a], selection: { keys: ["a", "nope", "zip"] } }))).toThrow(
      /^SOURCE_KEYS_MISSING: 2 of the listed keys do not exist under s3:\/\/src\/in\/: "nope", "zip"$/,
    );
  });

  it("maps a prefix without a trailing slash as raw S3 prefixes do", () => {
    const plan = planSet(
      args({
        entries: [entry("src/a"), entry("src2/x")],
        source: { bucket: "s", prefix: "src" },
        destPrefix: "dst",
      }),
    );
    expect(plan.created.map((t) => [t.relativeKey, t.destKey])).toEqual([
      ["/a", "dst/a"],
      ["2/x", "dst2/x"],
    ]);
  });

  it("starts afresh when the destination prefix moved: copies all, deletes the old keys at the old prefix", () => {
    const m = manifest({ a: recordOf(a) }, { prefix: "old/" });
    const plan = planSet(args({ entries: [a], manifest: m }));
    expect(keys(plan)).toEqual({ created: ["a"], updated: [], deleted: ["a"], unchanged: 0 });
    expect(plan.deleted[0].destKey).toBe("old/a");
    expect(plan.created[0].destKey).toBe("out/a");
  });

  it("in place compares the listed object with what the set wrote, not with the old source entry", () => {
    const src = { bucket: "dst", prefix: "out/" };
    const listed = entry("out/a", '"written"', 10, "2026-02-01T00:00:00.000Z");
    const record: ManifestRecord = {
      source: { etag: '"original"', size: 10, lastModified: T0 },
      dest: { etag: '"written"', size: 10, lastModified: "2026-02-01T00:00:00Z" },
    };
    const m = manifest({ a: record });
    expect(planSet(args({ entries: [listed], source: src, manifest: m })).unchanged).toBe(1);
    const overwritten = entry("out/a", '"someone-else"', 10, "2026-03-01T00:00:00.000Z");
    expect(keys(planSet(args({ entries: [overwritten], source: src, manifest: m }))).updated).toEqual(["a"]);
  });

  it("treats keys like __proto__ and constructor as ordinary keys", () => {
    const p = entry("in/__proto__");
    const k = entry("in/constructor");
    expect(keys(planSet(args({ entries: [p, k], manifest: manifest({}) }))).created).toEqual([
      "__proto__",
      "constructor",
    ]);
  });

  it("fails with DESTINATION_KEY_TOO_LONG before planning a key that would not fit", () => {
    const long = entry(`in/${"x".repeat(1021)}`);
    expect(() => planSet(args({ entries: [long] }))).toThrow(/^DESTINATION_KEY_TOO_LONG: /);
  });
});

describe("planSet after applying its plan plans nothing (property)", () => {
  // A small deterministic generator: no timing, no randomness between runs.
  function rng(seed: number) {
    let s = seed >>> 0;
    return () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }
  const NAMES = ["a", "b", ".d", "x y", "ü", "%2F", "+", "", "sub/"];

  function apply(m: Manifest | undefined, plan: SetPlan, digest: string, destPrefix: string): Manifest {
    const records = m && m.prefix === destPrefix ? { ...m.records } : {};
    for (const d of plan.deleted) if (!m || m.prefix === destPrefix) delete records[d.relativeKey];
    for (const t of [...plan.created, ...plan.updated]) records[t.relativeKey] = recordOf(t.entry, digest);
    return manifest(records, { settingsDigest: digest, prefix: destPrefix });
  }

  it.each(Array.from({ length: 200 }, (_, i) => i))("seed %i", (seed) => {
    const r = rng(seed + 1);
    const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
    const randomKey = () => `in/${pick(NAMES)}${pick(NAMES)}${Math.floor(r() * 5)}`;
    const list = (n: number) => {
      const byKey = new Map<string, SourceEntry>();
      for (let i = 0; i < n; i += 1) {
        const k = randomKey();
        byKey.set(
          k,
          entry(
            k,
            `"${Math.floor(r() * 3)}"`,
            Math.floor(r() * 3),
            `2026-01-0${1 + Math.floor(r() * 3)}T00:00:00Z`,
          ),
        );
      }
      return [...byKey.values()];
    };
    const digests = [settingsDigest({}), settingsDigest({ storageClass: "STANDARD_IA" })];
    const selections = [{}, { include: ["**/*1", "**/*2"] }, { exclude: [".*"] }, { include: ["*"] }];
    const before = list(Math.floor(r() * 20));
    const digest0 = pick(digests);
    const m0 = apply(undefined, planSet(args({ entries: before, settingsDigest: digest0 })), digest0, "out/");

    const now = list(Math.floor(r() * 20));
    const selection = pick(selections);
    const digest = pick(digests);
    const destPrefix = pick(["out/", "out/", "moved/"]);
    const a1 = args({ entries: now, manifest: m0, selection, settingsDigest: digest, destPrefix });
    const plan = planSet(a1);
    const m1 = apply(m0, plan, digest, destPrefix);
    const again = planSet({ ...a1, manifest: m1 });
    expect(keys(again)).toEqual({
      created: [],
      updated: [],
      deleted: [],
      unchanged: Object.keys(m1.records).length,
    });
    // Every selected listed key is accounted for exactly once.
    expect(plan.created.length + plan.updated.length + plan.unchanged).toBe(Object.keys(m1.records).length);
  });
});

describe("settingsDigest", () => {
  const base: ObjectSettings = {};
  it("is a stable sha256 hex, independent of key order", () => {
    const x = settingsDigest({ metadata: { a: "1", b: "2" }, cacheControl: "no-cache" });
    expect(x).toMatch(/^[0-9a-f]{64}$/);
    expect(settingsDigest({ cacheControl: "no-cache", metadata: { b: "2", a: "1" } })).toBe(x);
  });

  it.each<[string, ObjectSettings]>([
    ["concurrency", { concurrency: 4 }],
    ["partSize", { partSize: 8 * 1024 * 1024 }],
    ["multipartThreshold", { multipartThreshold: 1 }],
    ["region", { region: "eu-west-1" }],
    ["sourceRegion", { sourceRegion: "eu-west-1" }],
    ["endpoint", { endpoint: "http://localhost:9000" }],
    ["forcePathStyle", { forcePathStyle: true }],
    ["expectedBucketOwner", { expectedBucketOwner: "123456789012" }],
    ["expectedSourceBucketOwner", { expectedSourceBucketOwner: "123456789012" }],
    ["requestPayer", { requestPayer: "requester" }],
    ["trackSourceChanges", { trackSourceChanges: false }],
    ["restoreArchivedSource", { restoreArchivedSource: { days: 1 } }],
    ["restoreWaitMinutes", { restoreWaitMinutes: 5 }],
    ["copyIfMatch", { copyIfMatch: '"x"' }],
    ["sourceCustomerKey", { sourceCustomerKey: "k".repeat(32), sourceCustomerAlgorithm: "AES256" }],
    ["the default metadataDirective spelled out", { metadataDirective: "COPY" }],
    ["the default taggingDirective spelled out", { taggingDirective: "COPY" }],
    ["an empty metadata map", { metadata: {} }],
    ["an empty tags map", { tags: {} }],
  ])("ignores %s, which does not change the written object", (_name, s) => {
    expect(settingsDigest(s)).toBe(settingsDigest(base));
  });

  it.each<[string, ObjectSettings]>([
    ["metadataDirective", { metadataDirective: "REPLACE" }],
    ["metadata", { metadataDirective: "REPLACE", metadata: { a: "1" } }],
    ["contentType", { contentType: "text/plain" }],
    ["cacheControl", { cacheControl: "max-age=1" }],
    ["contentDisposition", { contentDisposition: "inline" }],
    ["contentEncoding", { contentEncoding: "gzip" }],
    ["contentLanguage", { contentLanguage: "en" }],
    ["expires", { expires: "2030-01-01T00:00:00Z" }],
    ["websiteRedirect", { websiteRedirect: "/x" }],
    ["serverSideEncryption", { serverSideEncryption: "AES256" }],
    ["kmsKeyId", { serverSideEncryption: "aws:kms", kmsKeyId: "alias/x" }],
    ["bucketKeyEnabled", { bucketKeyEnabled: true }],
    ["kmsEncryptionContext", { kmsEncryptionContext: { a: "b" } }],
    ["customerAlgorithm", { customerAlgorithm: "AES256" }],
    ["customerKey", { customerKey: "k".repeat(32) }],
    ["storageClass", { storageClass: "STANDARD_IA" }],
    ["taggingDirective", { taggingDirective: "REPLACE" }],
    ["tags", { taggingDirective: "REPLACE", tags: { a: "b" } }],
    ["acl", { acl: "public-read" }],
    ["objectLockMode", { objectLockMode: "GOVERNANCE" }],
    ["objectLockRetainUntilDate", { objectLockRetainUntilDate: "2030-01-01T00:00:00Z" }],
    ["objectLockLegalHoldStatus", { objectLockLegalHoldStatus: "ON" }],
    ["checksumAlgorithm", { checksumAlgorithm: "SHA256" }],
  ])("changes with %s", (_name, s) => {
    expect(settingsDigest(s)).not.toBe(settingsDigest(base));
  });

  it("tells two customer keys apart without containing either", () => {
    const k1 = Buffer.alloc(32, 1).toString("base64");
    const k2 = Buffer.alloc(32, 2).toString("base64");
    const d1 = settingsDigest({ customerAlgorithm: "AES256", customerKey: k1 });
    expect(d1).not.toBe(settingsDigest({ customerAlgorithm: "AES256", customerKey: k2 }));
    expect(d1).not.toContain(k1);
  });

  it("digests a customer key by its bytes: raw and base64 forms of one key are one setting", () => {
    const raw = "0123456789abcdef0123456789abcdef";
    const b64 = Buffer.from(raw).toString("base64");
    expect(settingsDigest({ customerKey: raw })).toBe(settingsDigest({ customerKey: b64 }));
    // A base64 key digests as 0.6.0 digested it; a raw one differs from its as-written digest.
    expect(settingsDigest({ customerKey: b64 })).toBe(
      settingsDigest({ customerKey: b64 }, { keyAsWritten: true }),
    );
    expect(settingsDigest({ customerKey: raw })).not.toBe(
      settingsDigest({ customerKey: raw }, { keyAsWritten: true }),
    );
  });
});

describe("a set's accepted digests", () => {
  const inputs = (customerKey?: string) =>
    ({
      source: "src/p/",
      bucket: "dst",
      prefix: "p/",
      manifestLocation: "s3://dst/m.json.gz",
      customerKey,
    }) as never;
  it("keep records a raw customer key was digested with as written (0.6.0) current, so an upgrade copies nothing", () => {
    const raw = "0123456789abcdef0123456789abcdef";
    const ctx = setContext(inputs(raw));
    expect(ctx.acceptedDigests).toEqual([settingsDigest({ customerKey: raw }, { keyAsWritten: true })]);
    expect(setContext(inputs(Buffer.from(raw).toString("base64"))).acceptedDigests).toBeUndefined();
    expect(setContext(inputs()).acceptedDigests).toBeUndefined();
  });
});
