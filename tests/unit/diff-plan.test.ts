import { createHash } from "node:crypto";

import { UNKNOWN } from "../../provider/engine/constants";
import { stripSecrets } from "../../provider/engine/object/resource";
import { hasChanges, keyMd5, planChanges, type ChangePlan } from "../../provider/engine/diff";
import type { CopyInputs, CopyOutputs } from "../../provider/engine/types";

const RAW_KEY = "0123456789abcdef0123456789abcdef";
const RAW_KEY_B64 = Buffer.from(RAW_KEY, "utf8").toString("base64");
const OTHER_KEY = "fedcba9876543210fedcba9876543210";

const NO_CHANGE: ChangePlan = {
  replaces: [],
  recopy: [],
  tags: false,
  acl: false,
  legalHold: false,
  settings: [],
  resolveKms: false,
};

/** What create would have recorded for these inputs, plus observed values that diff must ignore. */
function outputsOf(news: CopyInputs, extra: Partial<CopyOutputs> = {}): CopyOutputs {
  return {
    ...stripSecrets(news),
    etag: '"etag-1"',
    versionId: "v-1",
    lastModified: "2026-01-01T00:00:00.000Z",
    contentLength: 1234,
    sourceEtag: '"src-etag"',
    sourceVersionId: "sv-1",
    sourceLastModified: "2025-12-31T00:00:00.000Z",
    kmsKeyArn: news.kmsKeyId ? "arn:aws:kms:us-east-1:123456789012:key/abc" : undefined,
    customerKeyMd5: keyMd5(news.customerKey),
    sourceCustomerKeyMd5: keyMd5(news.sourceCustomerKey),
    serverSideEncryption: news.serverSideEncryption ?? "AES256",
    storageClass: news.storageClass ?? "STANDARD",
    copyMethod: "CopyObject",
    partCount: 1,
    inPlace: false,
    deleteBehavior: "delete-version",
    ...extra,
  };
}

const MINIMAL: CopyInputs = {
  bucket: "dst",
  key: "dir/obj.bin",
  source: "src/dir/obj.bin",
  metadataDirective: "COPY",
  taggingDirective: "COPY",
};

/** Every input set (KMS flavour). */
const FULL_KMS: CopyInputs = {
  ...MINIMAL,
  metadataDirective: "MERGE",
  metadata: { b: "2", a: "1" },
  contentType: "text/plain",
  cacheControl: "no-cache",
  contentDisposition: "inline",
  contentEncoding: "gzip",
  contentLanguage: "en",
  expires: "2030-01-01T00:00:00Z",
  websiteRedirect: "/other",
  serverSideEncryption: "aws:kms",
  kmsKeyId: "alias/mine",
  bucketKeyEnabled: true,
  kmsEncryptionContext: { team: "x" },
  sourceCustomerAlgorithm: "AES256",
  sourceCustomerKey: OTHER_KEY,
  storageClass: "STANDARD_IA",
  taggingDirective: "REPLACE",
  tags: { env: "prod", app: "web" },
  acl: "bucket-owner-full-control",
  objectLockMode: "GOVERNANCE",
  objectLockRetainUntilDate: "2031-01-01T00:00:00Z",
  objectLockLegalHoldStatus: "ON",
  checksumAlgorithm: "SHA256",
  expectedBucketOwner: "123456789012",
  expectedSourceBucketOwner: "210987654321",
  requestPayer: "requester",
  region: "us-east-1",
  sourceRegion: "eu-west-1",
  endpoint: "http://127.0.0.1:5000",
  forcePathStyle: true,
  trackSourceChanges: false,
  restoreArchivedSource: { days: 2, tier: "Bulk" },
  restoreWaitMinutes: 30,
  multipartThreshold: 8 * 1024 * 1024,
  partSize: 16 * 1024 * 1024,
  concurrency: 4,
};

/** Every input set (SSE-C flavour). */
const FULL_SSEC: CopyInputs = {
  ...FULL_KMS,
  serverSideEncryption: undefined,
  kmsKeyId: undefined,
  bucketKeyEnabled: undefined,
  kmsEncryptionContext: undefined,
  customerAlgorithm: "AES256",
  customerKey: RAW_KEY,
};

const plan = (olds: CopyOutputs, news: CopyInputs) => planChanges(olds, news);

describe("planChanges: nothing changed", () => {
  it.each([
    ["minimal", MINIMAL],
    ["every input, KMS", FULL_KMS],
    ["every input, SSE-C", FULL_SSEC],
  ])("identical %s inputs give an empty plan and hasChanges false", (_name, news) => {
    const p = plan(outputsOf(news), { ...news });
    expect(p).toEqual(NO_CHANGE);
    expect(hasChanges(p)).toBe(false);
  });

  it("ignores what S3 applied when the input left it out (bucket-default encryption, STANDARD)", () => {
    const olds = outputsOf(MINIMAL, { serverSideEncryption: "aws:kms", storageClass: "STANDARD" });
    expect(plan(olds, MINIMAL)).toEqual(NO_CHANGE);
  });

  it.each([
    ["serverSideEncryption", "aws:kms:dsse"],
    ["serverSideEncryption", "AES256"],
    ["storageClass", "GLACIER_IR"],
    ["storageClass", "INTELLIGENT_TIERING"],
  ])("an undefined %s in news never re-copies, even when olds hold %j", (prop, applied) => {
    const olds = outputsOf(MINIMAL, { [prop]: applied });
    const p = plan(olds, { ...MINIMAL, [prop]: undefined });
    expect(p).toEqual(NO_CHANGE);
  });

  it.each([
    ["metadata", {}, undefined],
    ["metadata", undefined, {}],
    ["kmsEncryptionContext", {}, undefined],
    ["tags", {}, undefined],
    ["tags", undefined, {}],
  ])("treats %s %j and %j as equal", (prop, before, after) => {
    const base: CopyInputs = { ...MINIMAL, metadataDirective: "REPLACE", taggingDirective: "REPLACE" };
    const p = plan(outputsOf({ ...base, [prop]: before }), { ...base, [prop]: after });
    expect(p).toEqual(NO_CHANGE);
  });

  it("ignores the key order of maps", () => {
    const base: CopyInputs = { ...FULL_KMS };
    const olds = outputsOf({
      ...base,
      metadata: { a: "1", b: "2", c: "3" },
      tags: { x: "1", y: "2" },
      kmsEncryptionContext: { p: "1", q: "2" },
    });
    const news = {
      ...base,
      metadata: { c: "3", b: "2", a: "1" },
      tags: { y: "2", x: "1" },
      kmsEncryptionContext: { q: "2", p: "1" },
    };
    expect(plan(olds, news)).toEqual(NO_CHANGE);
  });

  it("sees the same SSE-C key given raw or base64 as no change", () => {
    expect(plan(outputsOf(FULL_SSEC), { ...FULL_SSEC, customerKey: RAW_KEY_B64 })).toEqual(NO_CHANGE);
  });

  it("does not re-copy when only the source's SSE-C key changes (it does not change the object)", () => {
    const p = plan(outputsOf(FULL_KMS), { ...FULL_KMS, sourceCustomerKey: RAW_KEY });
    expect(p).toEqual(NO_CHANGE);
  });
});

describe("planChanges: replacement", () => {
  it.each([
    ["bucket", "dst2"],
    ["key", "dir/other.bin"],
    ["bucket", UNKNOWN],
    ["key", UNKNOWN],
  ])("a new %s (%j) replaces and does not re-copy in place", (prop, value) => {
    const p = plan(outputsOf(MINIMAL), { ...MINIMAL, [prop]: value });
    expect(p).toEqual({ ...NO_CHANGE, replaces: [prop] });
    expect(hasChanges(p)).toBe(true);
  });

  it("an UNKNOWN bucket replaces even when the old bucket was the unknown marker text", () => {
    const p = plan(outputsOf({ ...MINIMAL, bucket: UNKNOWN }), { ...MINIMAL, bucket: UNKNOWN });
    expect(p.replaces).toEqual(["bucket"]);
  });

  it("bucket and key both changing list both", () => {
    const p = plan(outputsOf(MINIMAL), { ...MINIMAL, bucket: "b2", key: "k2" });
    expect(p.replaces).toEqual(["bucket", "key"]);
    expect(p.recopy).toEqual([]);
  });
});

describe("planChanges: re-copy in place", () => {
  const recopyCases: [keyof CopyInputs, unknown][] = [
    ["source", "src/dir/other.bin"],
    ["source", "src/dir/obj.bin?versionId=V2"],
    ["metadataDirective", "REPLACE"],
    ["metadata", { a: "1", b: "3" }],
    ["metadata", { a: "1" }],
    ["metadata", undefined],
    ["contentType", "application/json"],
    ["cacheControl", "max-age=1"],
    ["contentDisposition", "attachment"],
    ["contentEncoding", "br"],
    ["contentLanguage", "fr"],
    ["contentLanguage", undefined],
    ["expires", "2030-01-02T00:00:00Z"],
    ["websiteRedirect", "/elsewhere"],
    ["bucketKeyEnabled", false],
    ["kmsEncryptionContext", { team: "y" }],
    ["objectLockMode", "COMPLIANCE"],
    ["objectLockRetainUntilDate", "2032-01-01T00:00:00Z"],
    ["checksumAlgorithm", "CRC32C"],
    ["checksumAlgorithm", undefined],
    ["serverSideEncryption", "aws:kms:dsse"],
    ["storageClass", "GLACIER_IR"],
  ];

  it.each(recopyCases)("a change of %s to %j re-copies for that reason alone", (prop, value) => {
    const p = plan(outputsOf(FULL_KMS), { ...FULL_KMS, [prop]: value });
    expect(p).toEqual({ ...NO_CHANGE, recopy: [prop] });
    expect(hasChanges(p)).toBe(true);
  });

  it.each([
    ["serverSideEncryption", "AES256", "aws:kms"],
    ["storageClass", "STANDARD", "GLACIER"],
  ])("a declared %s that differs from the applied one re-copies", (prop, applied, declared) => {
    const olds = outputsOf(MINIMAL, { [prop]: applied });
    expect(plan(olds, { ...MINIMAL, [prop]: declared })).toEqual({ ...NO_CHANGE, recopy: [prop] });
  });

  it.each([
    ["serverSideEncryption", "AES256"],
    ["storageClass", "STANDARD"],
  ])("a declared %s equal to the applied %j does not re-copy", (prop, value) => {
    const olds = outputsOf(MINIMAL, { [prop]: value });
    expect(plan(olds, { ...MINIMAL, [prop]: value })).toEqual(NO_CHANGE);
  });

  it("lists every re-copy reason when several change", () => {
    const p = plan(outputsOf(FULL_KMS), { ...FULL_KMS, contentType: "a/b", websiteRedirect: "/x" });
    expect(p.recopy).toEqual(["contentType", "websiteRedirect"]);
  });

  it("re-copies for each drift reason recorded by refresh", () => {
    const drift = ["s3://dst/dir/obj.bin was overwritten out of band (ETag a -> b)"];
    const p = plan(outputsOf(MINIMAL, { drift }), MINIMAL);
    expect(p).toEqual({ ...NO_CHANGE, recopy: drift });
  });

  it("an empty drift list does not re-copy", () => {
    expect(plan(outputsOf(MINIMAL, { drift: [] }), MINIMAL)).toEqual(NO_CHANGE);
  });
});

describe("planChanges: KMS key", () => {
  it.each([
    ["alias/mine", "alias/renamed"],
    ["alias/mine", "arn:aws:kms:us-east-1:123456789012:key/abc"],
    [undefined, "alias/new"],
  ])("a kmsKeyId changing in text (%j -> %j) asks for resolution instead of re-copying", (before, after) => {
    const news = { ...MINIMAL, serverSideEncryption: "aws:kms" as const };
    const p = plan(outputsOf({ ...news, kmsKeyId: before }), { ...news, kmsKeyId: after });
    expect(p).toEqual({ ...NO_CHANGE, resolveKms: true });
    expect(p.recopy).not.toContain("kmsKeyId");
  });

  it("a removed kmsKeyId re-copies and needs no resolution", () => {
    const p = plan(outputsOf(FULL_KMS), { ...FULL_KMS, kmsKeyId: undefined });
    expect(p).toEqual({ ...NO_CHANGE, recopy: ["kmsKeyId"] });
  });

  it("an unchanged kmsKeyId asks for nothing, whatever ARN was recorded", () => {
    const olds = outputsOf(FULL_KMS, { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/zzz" });
    expect(plan(olds, FULL_KMS)).toEqual(NO_CHANGE);
  });
});

describe("planChanges: SSE-C key", () => {
  it.each([
    ["a different key", OTHER_KEY],
    ["a different key in base64", Buffer.from(OTHER_KEY).toString("base64")],
    ["no key any more", undefined],
  ])("re-copies for %s", (_name, customerKey) => {
    const p = plan(outputsOf(FULL_SSEC), { ...FULL_SSEC, customerKey });
    expect(p).toEqual({ ...NO_CHANGE, recopy: ["customerKey"] });
  });

  it("re-copies when a key is added", () => {
    const p = plan(outputsOf(MINIMAL), { ...MINIMAL, customerKey: RAW_KEY });
    expect(p).toEqual({ ...NO_CHANGE, recopy: ["customerKey"] });
  });

  it("compares against customerKeyMd5 in the state, never a stored key", () => {
    const olds = outputsOf(FULL_SSEC);
    expect(olds).not.toHaveProperty("customerKey");
    expect(olds).not.toHaveProperty("sourceCustomerKey");
    expect(olds.customerKeyMd5).toBe(createHash("md5").update(RAW_KEY).digest("base64"));
  });
});

describe("planChanges: tags, ACL, legal hold", () => {
  const REPLACE_TAGS: CopyInputs = { ...MINIMAL, taggingDirective: "REPLACE", tags: { a: "1" } };

  it.each([[{ a: "2" }], [{ a: "1", b: "2" }], [{}], [undefined]])(
    "a tags-only change under REPLACE (to %j) updates tags and does not re-copy",
    (tags) => {
      const p = plan(outputsOf(REPLACE_TAGS), { ...REPLACE_TAGS, tags });
      expect(p).toEqual({ ...NO_CHANGE, tags: true });
    },
  );

  it("a taggingDirective change updates tags only", () => {
    const p = plan(outputsOf(MINIMAL), { ...MINIMAL, taggingDirective: "REPLACE", tags: { a: "1" } });
    expect(p).toEqual({ ...NO_CHANGE, tags: true });
  });

  it("tags are not compared under COPY (the source's tags are what the object carries)", () => {
    const olds = outputsOf({ ...MINIMAL, tags: { a: "1" } });
    expect(plan(olds, { ...MINIMAL, tags: { a: "2" } })).toEqual(NO_CHANGE);
  });

  it.each([
    [undefined, "private"],
    ["private", "bucket-owner-full-control"],
    ["private", undefined],
  ])("an acl-only change (%j -> %j) sets acl and nothing else", (before, after) => {
    const p = plan(outputsOf({ ...MINIMAL, acl: before as CopyInputs["acl"] }), {
      ...MINIMAL,
      acl: after as CopyInputs["acl"],
    });
    expect(p).toEqual({ ...NO_CHANGE, acl: true });
  });

  it.each([
    [undefined, "ON"],
    ["ON", "OFF"],
    ["OFF", undefined],
  ])("a legal-hold-only change (%j -> %j) sets legalHold and nothing else", (before, after) => {
    const p = plan(outputsOf({ ...MINIMAL, objectLockLegalHoldStatus: before as "ON" | "OFF" | undefined }), {
      ...MINIMAL,
      objectLockLegalHoldStatus: after as "ON" | "OFF" | undefined,
    });
    expect(p).toEqual({ ...NO_CHANGE, legalHold: true });
  });
});

describe("planChanges: settings", () => {
  const settingCases: [keyof CopyInputs, unknown][] = [
    ["sourceCustomerAlgorithm", undefined],
    ["customerAlgorithm", "AES256"],
    ["expectedBucketOwner", "111111111111"],
    ["expectedSourceBucketOwner", undefined],
    ["requestPayer", undefined],
    ["copyIfMatch", '"abc"'],
    ["copyIfNoneMatch", "*"],
    ["copyIfModifiedSince", "2026-01-01T00:00:00Z"],
    ["copyIfUnmodifiedSince", "2026-01-01T00:00:00Z"],
    ["region", "eu-central-1"],
    ["sourceRegion", "us-west-2"],
    ["endpoint", "http://localhost:9000"],
    ["forcePathStyle", false],
    ["trackSourceChanges", true],
    ["restoreArchivedSource", { days: 3, tier: "Bulk" }],
    ["restoreWaitMinutes", 60],
    ["multipartThreshold", 64 * 1024 * 1024],
    ["partSize", 8 * 1024 * 1024],
    ["concurrency", 32],
  ];

  it.each(settingCases)("a change of %s to %j is a setting only", (prop, value) => {
    const p = plan(outputsOf(FULL_KMS), { ...FULL_KMS, [prop]: value });
    expect(p).toEqual({ ...NO_CHANGE, settings: [prop] });
    expect(hasChanges(p)).toBe(true);
  });

  it("concurrency, endpoint and trackSourceChanges together are settings, with no re-copy", () => {
    const p = plan(outputsOf(FULL_KMS), {
      ...FULL_KMS,
      concurrency: 64,
      endpoint: "https://s3.example.com",
      trackSourceChanges: true,
    });
    expect(p.recopy).toEqual([]);
    expect(p.replaces).toEqual([]);
    expect([...p.settings].sort()).toEqual(["concurrency", "endpoint", "trackSourceChanges"]);
    expect(p).toEqual({ ...NO_CHANGE, settings: p.settings });
  });
});

describe("keyMd5", () => {
  const md5 = (b: Buffer) => createHash("md5").update(b).digest("base64");
  it.each([
    ["a raw key", RAW_KEY, md5(Buffer.from(RAW_KEY))],
    ["the same key in base64", RAW_KEY_B64, md5(Buffer.from(RAW_KEY))],
    ["undefined", undefined, undefined],
    ["an empty string", "", undefined],
    ["a short key", "short", undefined],
    ["the unknown marker", UNKNOWN, undefined],
  ])("keyMd5 of %s", (_name, key, expected) => {
    expect(keyMd5(key)).toBe(expected);
  });
});

describe("planChanges: null and absent are the same", () => {
  const asNews = (extra: Record<string, unknown>) => ({ ...MINIMAL, ...extra }) as unknown as CopyInputs;

  it.each([["storageClass"], ["serverSideEncryption"]])(
    "a null %s (declared as null, not set) accepts whatever S3 applied",
    (prop) => {
      expect(planChanges(outputsOf(MINIMAL), asNews({ [prop]: null }))).toEqual(NO_CHANGE);
    },
  );

  it("a null kmsKeyId matches state without one, and needs no KMS lookup", () => {
    expect(planChanges(outputsOf(MINIMAL), asNews({ kmsKeyId: null }))).toEqual(NO_CHANGE);
  });

  it("a null customerKey matches state whose customerKeyMd5 is null", () => {
    const olds = { ...outputsOf(MINIMAL), customerKeyMd5: null } as unknown as CopyOutputs;
    expect(planChanges(olds, asNews({ customerKey: null }))).toEqual(NO_CHANGE);
  });

  it("null entries in maps are absent entries", () => {
    const news = asNews({
      metadataDirective: "MERGE",
      metadata: { a: "1", b: null },
      taggingDirective: "REPLACE",
      tags: { t: "v", u: null },
    });
    const olds = outputsOf({
      ...MINIMAL,
      metadataDirective: "MERGE",
      metadata: { a: "1" },
      taggingDirective: "REPLACE",
      tags: { t: "v" },
    });
    expect(planChanges(olds, news)).toEqual(NO_CHANGE);
  });
});
