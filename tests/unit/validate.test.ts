import { GiB, MiB, UNKNOWN } from "../../provider/engine/constants";
import { bucketNameProblem, check, containsUnknown } from "../../provider/engine/validate";

type Raw = Record<string, unknown>;

const NOW = new Date("2026-06-01T12:00:00Z");
const FUTURE = "2030-01-01T00:00:00Z";
const BASE: Raw = { bucket: "dest-bucket", key: "dest/key.txt", source: "src-bucket/src/key.txt" };
const RAW_KEY = "0123456789abcdef0123456789abcdef"; // 32 characters = 32 bytes
const B64_KEY = Buffer.alloc(32, 7).toString("base64");

const run = (extra: Raw) => check({ ...BASE, ...extra }, NOW);

describe("check: a valid minimal input", () => {
  it("gives no failures and defaults both directives to COPY, adding nothing else", () => {
    const news = { ...BASE };
    const { inputs, failures } = check(news, NOW);
    expect(failures).toEqual([]);
    expect(inputs).toEqual({ ...BASE, metadataDirective: "COPY", taggingDirective: "COPY" });
    expect(news).toEqual(BASE); // the caller's object is not mutated
  });

  it.each([
    ["metadataDirective", "REPLACE"],
    ["metadataDirective", "MERGE"],
    ["taggingDirective", "REPLACE"],
  ])("keeps an explicit %s of %j", (prop, value) => {
    const { inputs, failures } = run({ [prop]: value });
    expect(failures).toEqual([]);
    expect((inputs as unknown as Raw)[prop]).toBe(value);
  });

  it.each([["abc"], ["a.b-c"], ["1bucket"], ["a".repeat(63)], ["my-bucket.example.com"]])(
    "accepts the bucket name %j",
    (bucket) => {
      expect(bucketNameProblem(bucket)).toBeUndefined();
      expect(run({ bucket }).failures).toEqual([]);
    },
  );

  it.each([
    ["a".repeat(1024)],
    ["é".repeat(512)], // 1024 bytes
    ["日本".repeat(170) + "abcd"], // 1024 bytes
  ])("accepts a key of exactly 1024 UTF-8 bytes (%#)", (key) => {
    expect(Buffer.byteLength(key, "utf8")).toBe(1024);
    expect(run({ key }).failures).toEqual([]);
  });

  it.each([
    [{ metadataDirective: "REPLACE", metadata: { a: "x".repeat(2047) } }], // 1 + 2047 = 2048 bytes
    [{ metadataDirective: "MERGE", metadata: {} }],
    [{ metadata: {} }], // an empty map under COPY sets nothing
    [{ taggingDirective: "REPLACE", tags: Object.fromEntries([...Array(10)].map((_, i) => [`t${i}`, "v"])) }],
    [{ tags: {} }],
    [{ objectLockMode: "GOVERNANCE", objectLockRetainUntilDate: FUTURE }],
    [{ objectLockMode: "COMPLIANCE", objectLockRetainUntilDate: "2030-01-01T00:00:00.123+02:00" }],
    [{ partSize: 5 * MiB, concurrency: 1, multipartThreshold: 5 * MiB }],
    [{ partSize: 5 * GiB, concurrency: 256, multipartThreshold: 5 * GiB }],
    [{ metadataDirective: "MERGE", expires: "Wed, 21 Oct 2030 07:28:00 GMT" }],
    [{ serverSideEncryption: "aws:kms:dsse", kmsKeyId: "alias/k", kmsEncryptionContext: { a: "b" } }],
    [{ expectedBucketOwner: "123456789012", region: "eu-west-1", endpoint: "http://127.0.0.1:5000" }],
    [{ restoreArchivedSource: { days: 1, tier: "Bulk" }, restoreWaitMinutes: 0 }],
  ])("accepts the boundary input %j", (extra) => {
    expect(run(extra).failures).toEqual([]);
  });
});

describe("check: each bad input gives exactly one failure naming the property and the bad value", () => {
  const q = JSON.stringify;
  const longKey = "é".repeat(513); // 513 characters, 1026 bytes
  const elevenTags = Object.fromEntries([...Array(11)].map((_, i) => [`t${i}`, "v"]));
  const cases: [string, Raw, string, string][] = [
    // bucket names
    ["uppercase bucket", { bucket: "MyBucket" }, "bucket", q("MyBucket")],
    ["too-short bucket", { bucket: "ab" }, "bucket", q("ab")],
    ["too-long bucket", { bucket: "a".repeat(64) }, "bucket", q("a".repeat(64))],
    ["adjacent dots", { bucket: "a..b" }, "bucket", `${q("a..b")} must not contain two adjacent dots`],
    ["IP-address bucket", { bucket: "192.168.1.1" }, "bucket", `${q("192.168.1.1")} must not be formatted`],
    ["xn-- bucket", { bucket: "xn--abc" }, "bucket", `${q("xn--abc")} must not start with xn--`],
    ["sthree- bucket", { bucket: "sthree-abc" }, "bucket", q("sthree-abc")],
    ["-s3alias bucket", { bucket: "x-s3alias" }, "bucket", `${q("x-s3alias")} must not end with -s3alias`],
    ["--ol-s3 bucket", { bucket: "abc--ol-s3" }, "bucket", q("abc--ol-s3")],
    ["bucket with underscore", { bucket: "my_bucket" }, "bucket", q("my_bucket")],
    ["bucket ending with hyphen", { bucket: "bucket-" }, "bucket", q("bucket-")],
    // keys
    ["empty key", { key: "" }, "key", "is required"],
    ["missing bucket", { bucket: undefined }, "bucket", "is required"],
    ["key over 1024 bytes in multi-byte chars", { key: longKey }, "key", "is 1026 bytes long in UTF-8"],
    ["key over 1024 bytes in ASCII", { key: "a".repeat(1025) }, "key", "is 1025 bytes long"],
    ["non-string key", { key: 7 }, "key", "must be a string, got 7"],
    // source
    ["empty source", { source: "" }, "source", "is required"],
    ["source without key", { source: "bucket" }, "source", q("bucket")],
    ["source with empty key", { source: "bucket/" }, "source", q("bucket/")],
    ["source without bucket", { source: "/key" }, "source", q("/key")],
    ["non-access-point ARN", { source: "arn:aws:s3:::bucket/key" }, "source", q("arn:aws:s3:::bucket/key")],
    ["empty versionId", { source: "b/k?versionId=" }, "source", q("b/k?versionId=")],
    ["invalid source bucket", { source: "b!d/key" }, "source", `bucket ${q("b!d")}`],
    ["source key over 1024 bytes", { source: `b12/${longKey}` }, "source", "longer than 1024 bytes"],
    // enums
    ["metadataDirective", { metadataDirective: "NOPE" }, "metadataDirective", q("NOPE")],
    ["metadataDirective lowercase", { metadataDirective: "replace" }, "metadataDirective", q("replace")],
    ["taggingDirective", { taggingDirective: "MERGE" }, "taggingDirective", q("MERGE")],
    ["serverSideEncryption", { serverSideEncryption: "aes256" }, "serverSideEncryption", q("aes256")],
    ["storageClass", { storageClass: "COLD" }, "storageClass", q("COLD")],
    ["acl", { acl: "public" }, "acl", q("public")],
    ["checksumAlgorithm", { checksumAlgorithm: "MD5" }, "checksumAlgorithm", q("MD5")],
    ["objectLockMode", { objectLockMode: "FOREVER" }, "objectLockMode", q("FOREVER")],
    ["legal hold", { objectLockLegalHoldStatus: "YES" }, "objectLockLegalHoldStatus", q("YES")],
    ["requestPayer", { requestPayer: "owner" }, "requestPayer", q("owner")],
    ["customerAlgorithm", { customerAlgorithm: "AES128" }, "customerAlgorithm", q("AES128")],
    ["restore tier", { restoreArchivedSource: { tier: "Fast" } }, "restoreArchivedSource.tier", q("Fast")],
    ["enum given a number", { storageClass: 3 }, "storageClass", "3 is not allowed"],
    // encryption
    [
      "kmsKeyId with AES256",
      { serverSideEncryption: "AES256", kmsKeyId: "alias/mine" },
      "kmsKeyId",
      `serverSideEncryption is ${q("AES256")}`,
    ],
    [
      "customerKey with aws:kms",
      { serverSideEncryption: "aws:kms", customerKey: RAW_KEY },
      "serverSideEncryption", // not customerKey: the engine prints the failing property's value
      `serverSideEncryption ${q("aws:kms")}`,
    ],
    [
      "customerKey with an inferred aws:kms",
      { kmsKeyId: "alias/mine", customerKey: RAW_KEY },
      "kmsKeyId",
      "remove serverSideEncryption and kmsKeyId",
    ],
    [
      "customerKey with AES256",
      { serverSideEncryption: "AES256", customerKey: B64_KEY },
      "serverSideEncryption",
      q("AES256"),
    ],
    [
      "customerAlgorithm without key",
      { customerAlgorithm: "AES256" },
      "",
      "customerKey is required when customerAlgorithm",
    ],
    [
      "sourceCustomerAlgorithm without key",
      { sourceCustomerAlgorithm: "AES256" },
      "",
      "sourceCustomerKey is required when sourceCustomerAlgorithm",
    ],
    [
      "kmsEncryptionContext without KMS",
      { kmsEncryptionContext: { a: "b" } },
      "kmsEncryptionContext",
      q("aws:kms"),
    ],
    [
      "kmsEncryptionContext that is not base64 JSON",
      { kmsKeyId: "k", kmsEncryptionContext: "not json" },
      "kmsEncryptionContext",
      q("not json"),
    ],
    ["bucketKeyEnabled not boolean", { bucketKeyEnabled: "yes" }, "bucketKeyEnabled", q("yes")],
    // metadata
    [
      "metadata over 2 KB",
      { metadataDirective: "REPLACE", metadata: { a: "x".repeat(2048) } },
      "metadata",
      "take 2049 bytes",
    ],
    [
      "metadata over 2 KB across keys",
      { metadataDirective: "MERGE", metadata: { k1: "x".repeat(1020), k2: "y".repeat(1025) } },
      "metadata",
      "take 2049 bytes",
    ],
    [
      "metadata key with space",
      { metadataDirective: "REPLACE", metadata: { "bad key": "v" } },
      "metadata.bad key",
      q("bad key"),
    ],
    ["metadata key é", { metadataDirective: "REPLACE", metadata: { é: "v" } }, "metadata.é", q("é")],
    [
      "metadata key with colon",
      { metadataDirective: "MERGE", metadata: { "a:b": "v" } },
      "metadata.a:b",
      q("a:b"),
    ],
    [
      "metadata key that is only the prefix",
      { metadataDirective: "MERGE", metadata: { "x-amz-meta-": "v" } },
      "metadata.x-amz-meta-",
      q("x-amz-meta-"),
    ],
    [
      "metadata keys A and a",
      { metadataDirective: "REPLACE", metadata: { A: "1", a: "2" } },
      "metadata.a",
      `${q("a")} collides`,
    ],
    [
      "metadata keys with and without prefix",
      { metadataDirective: "REPLACE", metadata: { "X-Amz-Meta-Foo": "1", foo: "2" } },
      "metadata.foo",
      `${q("foo")} collides`,
    ],
    [
      "non-ASCII metadata value",
      { metadataDirective: "REPLACE", metadata: { k: "café" } },
      "metadata.k",
      q("café"),
    ],
    [
      "metadata value with newline",
      { metadataDirective: "REPLACE", metadata: { k: "a\nb" } },
      "metadata.k",
      q("a\nb"),
    ],
    [
      "non-string metadata value",
      { metadataDirective: "REPLACE", metadata: { k: 1 } },
      "metadata.k",
      "got 1",
    ],
    ["metadata not a map", { metadataDirective: "REPLACE", metadata: ["a"] }, "metadata", q(["a"])],
    ["expires not a date", { metadataDirective: "MERGE", expires: "soon" }, "expires", q("soon")],
    ["contentType not a string", { metadataDirective: "MERGE", contentType: 5 }, "contentType", "got 5"],
    // directives
    ["metadata under COPY", { metadata: { a: "b" } }, "metadata", `metadataDirective is ${q("COPY")}`],
    [
      "metadata under explicit COPY",
      { metadataDirective: "COPY", metadata: { a: "b" } },
      "metadata",
      q("COPY"),
    ],
    ["contentType under COPY", { contentType: "text/plain" }, "contentType", q("COPY")],
    ["cacheControl under COPY", { cacheControl: "no-cache" }, "cacheControl", q("COPY")],
    ["contentDisposition under COPY", { contentDisposition: "inline" }, "contentDisposition", q("COPY")],
    ["contentEncoding under COPY", { contentEncoding: "gzip" }, "contentEncoding", q("COPY")],
    ["contentLanguage under COPY", { contentLanguage: "en" }, "contentLanguage", q("COPY")],
    ["expires under COPY", { expires: FUTURE }, "expires", q("COPY")],
    ["tags under COPY", { tags: { a: "b" } }, "tags", `taggingDirective is ${q("COPY")}`],
    ["11 tags", { taggingDirective: "REPLACE", tags: elevenTags }, "tags", "has 11 tags"],
    [
      "tag key too long",
      { taggingDirective: "REPLACE", tags: { ["k".repeat(129)]: "v" } },
      `tags.${"k".repeat(129)}`,
      "1-128",
    ],
    [
      "tag value too long",
      { taggingDirective: "REPLACE", tags: { k: "v".repeat(257) } },
      "tags.k",
      "at most 256",
    ],
    ["empty tag key", { taggingDirective: "REPLACE", tags: { "": "v" } }, "tags.", "1-128"],
    // object lock
    [
      "retention in the past",
      { objectLockMode: "GOVERNANCE", objectLockRetainUntilDate: "2020-01-01T00:00:00Z" },
      "objectLockRetainUntilDate",
      `${q("2020-01-01T00:00:00Z")} is in the past`,
    ],
    [
      "retention ending exactly now",
      { objectLockMode: "GOVERNANCE", objectLockRetainUntilDate: NOW.toISOString() },
      "objectLockRetainUntilDate",
      "in the past",
    ],
    [
      "retention date only",
      { objectLockMode: "COMPLIANCE", objectLockRetainUntilDate: "2030-01-01" },
      "objectLockRetainUntilDate",
      `${q("2030-01-01")} is not an ISO 8601`,
    ],
    [
      "retention US date",
      { objectLockMode: "COMPLIANCE", objectLockRetainUntilDate: "01/01/2030" },
      "objectLockRetainUntilDate",
      q("01/01/2030"),
    ],
    [
      "retention without zone",
      { objectLockMode: "COMPLIANCE", objectLockRetainUntilDate: "2030-01-01T00:00:00" },
      "objectLockRetainUntilDate",
      q("2030-01-01T00:00:00"),
    ],
    [
      "retention month 13",
      { objectLockMode: "COMPLIANCE", objectLockRetainUntilDate: "2030-13-01T00:00:00Z" },
      "objectLockRetainUntilDate",
      q("2030-13-01T00:00:00Z"),
    ],
    [
      "lock mode without date",
      { objectLockMode: "GOVERNANCE" },
      "objectLockRetainUntilDate",
      "must be set together",
    ],
    [
      "lock date without mode",
      { objectLockRetainUntilDate: FUTURE },
      "objectLockMode",
      "must be set together",
    ],
    // tuning
    ["partSize below 5 MiB", { partSize: 5 * MiB - 1 }, "partSize", `${5 * MiB - 1} is out of range`],
    ["partSize above 5 GiB", { partSize: 5 * GiB + 1 }, "partSize", `${5 * GiB + 1} is out of range`],
    ["partSize fractional", { partSize: 6 * MiB + 0.5 }, "partSize", `${6 * MiB + 0.5}`],
    ["partSize as a string", { partSize: "8388608" }, "partSize", q("8388608")],
    ["concurrency 0", { concurrency: 0 }, "concurrency", "0 is out of range"],
    ["concurrency 257", { concurrency: 257 }, "concurrency", "257 is out of range"],
    ["concurrency negative", { concurrency: -1 }, "concurrency", "-1 is out of range"],
    ["concurrency fractional", { concurrency: 1.5 }, "concurrency", "1.5 is out of range"],
    ["multipartThreshold below 5 MiB", { multipartThreshold: 1 }, "multipartThreshold", "1 is out of range"],
    [
      "multipartThreshold above 5 GiB",
      { multipartThreshold: 5 * GiB + 1 },
      "multipartThreshold",
      `${5 * GiB + 1} is out of range`,
    ],
    ["restoreWaitMinutes above a week", { restoreWaitMinutes: 10081 }, "restoreWaitMinutes", "10081"],
    [
      "restore days 0",
      { restoreArchivedSource: { days: 0 } },
      "restoreArchivedSource.days",
      "0 is out of range",
    ],
    [
      "restoreArchivedSource not an object",
      { restoreArchivedSource: "yes" },
      "restoreArchivedSource",
      q("yes"),
    ],
    // owners, regions, endpoint, flags
    ["expectedBucketOwner", { expectedBucketOwner: "12345" }, "expectedBucketOwner", q("12345")],
    [
      "expectedSourceBucketOwner",
      { expectedSourceBucketOwner: "abc" },
      "expectedSourceBucketOwner",
      q("abc"),
    ],
    ["copyIfModifiedSince", { copyIfModifiedSince: "yesterday" }, "copyIfModifiedSince", q("yesterday")],
    ["copyIfUnmodifiedSince", { copyIfUnmodifiedSince: "nope" }, "copyIfUnmodifiedSince", q("nope")],
    ["copyIfMatch not a string", { copyIfMatch: 5 }, "copyIfMatch", "must be a string, got 5"],
    ["region", { region: "US-EAST-1" }, "region", q("US-EAST-1")],
    ["sourceRegion", { sourceRegion: "mars" }, "sourceRegion", q("mars")],
    ["endpoint not a URL", { endpoint: "not a url" }, "endpoint", q("not a url")],
    ["endpoint not http", { endpoint: "ftp://host" }, "endpoint", q("ftp://host")],
    ["forcePathStyle", { forcePathStyle: "true" }, "forcePathStyle", q("true")],
    ["trackSourceChanges", { trackSourceChanges: 1 }, "trackSourceChanges", "got 1"],
    // copying onto itself
    [
      "copy onto itself",
      { bucket: "same", key: "k", source: "same/k" },
      "source",
      `${q("same/k")} is the destination itself`,
    ],
    [
      "copy onto itself via s3://",
      { bucket: "same", key: "k", source: "s3://same/k" },
      "source",
      q("s3://same/k"),
    ],
    [
      "copy onto itself with explicit COPY",
      { bucket: "same", key: "k", source: "same/k", metadataDirective: "COPY" },
      "source",
      "nothing would change",
    ],
    [
      "copy onto itself with only tags",
      { bucket: "same", key: "k", source: "same/k", taggingDirective: "REPLACE", tags: { a: "b" } },
      "source",
      "nothing would change",
    ],
  ];

  it.each(cases)("%s", (_name, extra, property, fragment) => {
    const { failures } = run(extra);
    expect(failures).toHaveLength(1);
    expect(failures[0].property).toBe(property);
    expect(failures[0].reason).toContain(fragment);
  });

  it.each([
    ["a 16-character key", "short-secret-val"],
    ["a 33-character key", RAW_KEY + "!"],
    ["base64 of 16 bytes", Buffer.alloc(16, 9).toString("base64")],
    ["base64 of 33 bytes", Buffer.alloc(33, 9).toString("base64")],
    ["base64 of 32 bytes without padding", Buffer.alloc(32, 9).toString("base64").replace(/=+$/, "")],
  ])("rejects an SSE-C customerKey of the wrong length (%s) without echoing it", (_name, key) => {
    for (const prop of ["customerKey", "sourceCustomerKey"]) {
      const { failures } = run({ [prop]: key });
      expect(failures).toHaveLength(1);
      // "" and not the property: the engine would print the key next to a failure on customerKey.
      expect(failures[0].property).toBe("");
      expect(failures[0].reason).toMatch(new RegExp(`^${prop} must be a 32-byte`));
      expect(failures[0].reason).toContain(`got ${Buffer.byteLength(key)} characters`);
      expect(failures[0].reason).not.toContain(key);
      expect(JSON.stringify(failures)).not.toContain(key);
    }
  });

  it("reports every problem at once, not just the first", () => {
    const { failures } = run({ bucket: "BAD", acl: "x", storageClass: "y", concurrency: 0 });
    expect(failures.map((f) => f.property).sort()).toEqual(["acl", "bucket", "concurrency", "storageClass"]);
  });
});

describe("check: copying an object onto itself", () => {
  const SELF: Raw = { bucket: "same", key: "dir/k", source: "same/dir/k" };
  it.each([
    [{ metadataDirective: "MERGE" }],
    [{ metadataDirective: "REPLACE", metadata: { a: "b" } }],
    [{ storageClass: "STANDARD_IA" }],
    [{ kmsKeyId: "alias/other" }],
    [{ serverSideEncryption: "AES256" }],
    [{ customerKey: RAW_KEY }],
    [{ websiteRedirect: "/elsewhere" }],
    [{ source: "same/dir/k?versionId=V1" }],
    [{ metadataDirective: UNKNOWN }],
    [{ storageClass: UNKNOWN }],
    [{ serverSideEncryption: UNKNOWN }],
  ])("is accepted when something changes: %j", (extra) => {
    expect(check({ ...SELF, ...extra }, NOW).failures).toEqual([]);
  });

  it.each([
    [{ bucket: "other" }],
    [{ key: "dir/k2" }],
    [{ source: "same/dir/K" }],
    [{ source: "arn:aws:s3:us-east-1:123456789012:accesspoint/same/object/dir/k" }],
  ])("is not treated as a self-copy when the objects differ: %j", (extra) => {
    expect(check({ ...SELF, ...extra }, NOW).failures).toEqual([]);
  });
});

describe("check: normalizations", () => {
  it("lowercases metadata keys and strips the x-amz-meta- prefix, keeping values as given", () => {
    const { inputs, failures } = run({
      metadataDirective: "REPLACE",
      metadata: { Owner: "Team A", "X-Amz-Meta-Build": "42", "x-amz-meta-env": "Prod", plain: "x" },
    });
    expect(failures).toEqual([]);
    expect(inputs.metadata).toEqual({ owner: "Team A", build: "42", env: "Prod", plain: "x" });
  });

  it("infers serverSideEncryption aws:kms from kmsKeyId alone", () => {
    const { inputs, failures } = run({ kmsKeyId: "alias/mine" });
    expect(failures).toEqual([]);
    expect(inputs.serverSideEncryption).toBe("aws:kms");
    expect(inputs.kmsKeyId).toBe("alias/mine");
  });

  it("keeps an explicit aws:kms:dsse when kmsKeyId is given", () => {
    const { inputs } = run({ kmsKeyId: "alias/mine", serverSideEncryption: "aws:kms:dsse" });
    expect(inputs.serverSideEncryption).toBe("aws:kms:dsse");
  });

  it("does not infer serverSideEncryption without kmsKeyId", () => {
    expect(run({}).inputs).not.toHaveProperty("serverSideEncryption");
  });

  it.each([
    ["customerKey", "customerAlgorithm"],
    ["sourceCustomerKey", "sourceCustomerAlgorithm"],
  ])("infers %s's algorithm %s = AES256", (keyProp, algProp) => {
    const { inputs, failures } = run({ [keyProp]: RAW_KEY });
    expect(failures).toEqual([]);
    expect((inputs as unknown as Raw)[algProp]).toBe("AES256");
    expect(inputs).not.toHaveProperty("serverSideEncryption");
  });

  it("does not add customerAlgorithm when no customerKey is given", () => {
    expect(run({}).inputs).not.toHaveProperty("customerAlgorithm");
    expect(run({}).inputs).not.toHaveProperty("sourceCustomerAlgorithm");
  });

  it.each([
    ["a 32-character raw key", RAW_KEY],
    ["a base64-encoded 32-byte key", B64_KEY],
    ["a 32-byte key of multi-byte characters", "é".repeat(16)],
  ])("accepts %s as customerKey", (_name, key) => {
    expect(Buffer.byteLength(key, "utf8") === 32 || Buffer.from(key, "base64").length === 32).toBe(true);
    expect(run({ customerKey: key }).failures).toEqual([]);
  });

  it("turns a base64-encoded JSON kmsEncryptionContext into a map", () => {
    const ctx = { department: "finance", project: "x" };
    const encoded = Buffer.from(JSON.stringify(ctx)).toString("base64");
    const { inputs, failures } = run({ kmsKeyId: "alias/k", kmsEncryptionContext: encoded });
    expect(failures).toEqual([]);
    expect(inputs.kmsEncryptionContext).toEqual(ctx);
  });

  it("keeps a kmsEncryptionContext given as a map", () => {
    const { inputs } = run({ serverSideEncryption: "aws:kms", kmsEncryptionContext: { a: "b" } });
    expect(inputs.kmsEncryptionContext).toEqual({ a: "b" });
  });

  it("rejects base64 JSON that is not a map of strings", () => {
    const encoded = Buffer.from(JSON.stringify({ a: 1 })).toString("base64");
    const { failures } = run({ kmsKeyId: "k", kmsEncryptionContext: encoded });
    expect(failures).toEqual([{ property: "kmsEncryptionContext.a", reason: "must be a string, got 1" }]);
  });
});

describe("check: values not known yet (preview)", () => {
  // [field, other inputs, what check leaves in the field (UNKNOWN unless said)]
  const fields: [string, Raw, unknown?][] = [
    ["bucket", {}],
    ["key", {}],
    ["source", {}],
    ["metadataDirective", {}],
    ["metadata", { metadataDirective: "REPLACE" }],
    ["contentType", {}],
    ["cacheControl", {}],
    ["contentDisposition", {}],
    ["contentEncoding", {}],
    ["contentLanguage", {}],
    ["expires", {}],
    ["websiteRedirect", {}],
    ["serverSideEncryption", {}],
    ["serverSideEncryption", { kmsKeyId: "alias/k", kmsEncryptionContext: { a: "b" } }],
    ["serverSideEncryption", { customerKey: RAW_KEY }],
    ["kmsKeyId", {}],
    ["kmsKeyId", { serverSideEncryption: "AES256" }],
    ["bucketKeyEnabled", {}],
    ["kmsEncryptionContext", {}],
    ["kmsEncryptionContext", { serverSideEncryption: "AES256" }],
    ["customerAlgorithm", {}],
    // AES256 is the only algorithm there is, so a known key fills it in.
    ["customerAlgorithm", { customerKey: RAW_KEY }, "AES256"],
    ["customerKey", {}],
    ["customerKey", { customerAlgorithm: "AES256" }],
    ["customerKey", { serverSideEncryption: "aws:kms" }],
    ["sourceCustomerAlgorithm", {}],
    ["sourceCustomerKey", {}],
    ["sourceCustomerKey", { sourceCustomerAlgorithm: "AES256" }],
    ["storageClass", {}],
    ["taggingDirective", {}],
    ["taggingDirective", { tags: { a: "b" } }],
    ["tags", { taggingDirective: "REPLACE" }],
    ["tags", {}],
    ["acl", {}],
    ["objectLockMode", {}],
    ["objectLockMode", { objectLockRetainUntilDate: FUTURE }],
    ["objectLockRetainUntilDate", {}],
    ["objectLockRetainUntilDate", { objectLockMode: "GOVERNANCE" }],
    ["objectLockLegalHoldStatus", {}],
    ["checksumAlgorithm", {}],
    ["expectedBucketOwner", {}],
    ["expectedSourceBucketOwner", {}],
    ["requestPayer", {}],
    ["copyIfMatch", {}],
    ["copyIfNoneMatch", {}],
    ["copyIfModifiedSince", {}],
    ["copyIfUnmodifiedSince", {}],
    ["region", {}],
    ["sourceRegion", {}],
    ["endpoint", {}],
    ["forcePathStyle", {}],
    ["trackSourceChanges", {}],
    ["restoreArchivedSource", {}],
    ["restoreWaitMinutes", {}],
    ["multipartThreshold", {}],
    ["partSize", {}],
    ["concurrency", {}],
  ];

  it.each(fields)("an unknown %s (with %j) gives no failure", (field, extra, kept = UNKNOWN) => {
    const { inputs, failures } = run({ ...extra, [field]: UNKNOWN });
    expect(failures).toEqual([]);
    expect((inputs as unknown as Raw)[field]).toBe(kept);
  });

  it("an unknown metadataDirective lets metadata and content headers through", () => {
    const { failures } = run({ metadataDirective: UNKNOWN, metadata: { a: "b" }, contentType: "text/plain" });
    expect(failures).toEqual([]);
  });

  it.each([
    ["metadata", { metadataDirective: "REPLACE", metadata: { a: UNKNOWN, b: "x" } }],
    ["tags", { taggingDirective: "REPLACE", tags: { a: UNKNOWN } }],
    ["kmsEncryptionContext", { kmsKeyId: "k", kmsEncryptionContext: { a: UNKNOWN } }],
    ["restoreArchivedSource", { restoreArchivedSource: { days: UNKNOWN, tier: UNKNOWN } }],
  ])("unknown values nested in %s give no failure", (_name, extra) => {
    expect(run(extra).failures).toEqual([]);
  });

  it("an unknown field does not hide failures in other fields", () => {
    const { failures } = run({ bucket: UNKNOWN, acl: "nope" });
    expect(failures).toEqual([{ property: "acl", reason: expect.stringContaining('"nope"') }]);
  });
});

describe("containsUnknown", () => {
  it.each([
    [UNKNOWN, true],
    ["known", false],
    [`${UNKNOWN}x`, false],
    [undefined, false],
    [null, false],
    [0, false],
    [false, false],
    [[], false],
    [{}, false],
    [[1, "a", [2, [UNKNOWN]]], true],
    [[1, "a", [2, ["b"]]], false],
    [{ a: { b: { c: [UNKNOWN] } } }, true],
    [{ a: { b: { c: ["x"] } } }, false],
    [{ [UNKNOWN]: "key only" }, false],
    [{ metadata: { k: UNKNOWN } }, true],
    [{ bucket: "b", key: "k", tags: {}, partSize: 5 }, false],
  ])("containsUnknown(%j) is %s", (value, expected) => {
    expect(containsUnknown(value)).toBe(expected);
  });
});

describe("values unknown during preview never fail check", () => {
  it("accepts kmsEncryptionContext while kmsKeyId is still unknown", () => {
    const { failures } = check({
      bucket: "dest-bucket",
      key: "k",
      source: "src-bucket/k",
      kmsKeyId: UNKNOWN,
      kmsEncryptionContext: { a: "b" },
    });
    expect(failures).toEqual([]);
  });

  it.each(["kmsKeyId", "customerKey", "websiteRedirect", "storageClass", "serverSideEncryption"])(
    "accepts a copy onto itself while %s is still unknown",
    (prop) => {
      const { failures } = check({ bucket: "same", key: "k", source: "same/k", [prop]: UNKNOWN });
      expect(failures).toEqual([]);
    },
  );
});

describe("an object lock date that has passed since it was applied", () => {
  const base = { bucket: "dest-bucket", key: "k", source: "src-bucket/k", objectLockMode: "GOVERNANCE" };
  const past = "2026-01-01T00:00:00Z";

  it("does not fail check when it is unchanged from the old inputs", () => {
    const { failures } = check({ ...base, objectLockRetainUntilDate: past }, new Date(), {
      objectLockRetainUntilDate: past,
    });
    expect(failures).toEqual([]);
  });

  it("still fails check when it is newly set in the past", () => {
    const { failures } = check({ ...base, objectLockRetainUntilDate: past }, new Date(), {});
    expect(failures).toEqual([
      { property: "objectLockRetainUntilDate", reason: expect.stringContaining("in the past") },
    ]);
  });
});

describe("check: no failure ever names an SSE-C key, whose value the engine would print", () => {
  const HEX_KEY = Buffer.from(RAW_KEY).toString("hex");
  const cases: [string, Raw][] = [
    [
      "a valid key with serverSideEncryption AES256",
      { serverSideEncryption: "AES256", customerKey: RAW_KEY },
    ],
    ["a valid key with aws:kms", { serverSideEncryption: "aws:kms", customerKey: B64_KEY }],
    ["a valid key with kmsKeyId only", { kmsKeyId: "alias/k", customerKey: RAW_KEY }],
    ["a 31-character key", { customerKey: RAW_KEY.slice(1) }],
    ["a 31-character source key", { sourceCustomerKey: RAW_KEY.slice(1) }],
    ["a key given as a number", { customerKey: 1234567890123456 }],
    ["a source key given as an array", { sourceCustomerKey: [...Buffer.from(RAW_KEY)] }],
    ["a key given as an object", { customerKey: { key: RAW_KEY } }],
    ["customerAlgorithm without a key", { customerAlgorithm: "AES256" }],
    ["sourceCustomerAlgorithm without a key", { sourceCustomerAlgorithm: "AES256" }],
  ];

  it.each(cases)("%s: the failure is on a property that is no secret", (_name, extra) => {
    const { failures } = run(extra);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) {
      expect(["customerKey", "sourceCustomerKey"]).not.toContain(f.property.split(".")[0]);
    }
    const text = JSON.stringify(failures);
    for (const form of [RAW_KEY, B64_KEY, HEX_KEY, RAW_KEY.slice(1, 17), "1234567890123456"]) {
      expect(text).not.toContain(form);
    }
  });

  it.each([
    [{ serverSideEncryption: "AES256", customerKey: RAW_KEY }, "serverSideEncryption"],
    [{ serverSideEncryption: "aws:kms:dsse", customerKey: RAW_KEY }, "serverSideEncryption"],
    [{ kmsKeyId: "alias/k", customerKey: RAW_KEY }, "kmsKeyId"],
    [{ customerKey: "short" }, ""],
    [{ sourceCustomerKey: "short" }, ""],
    [{ customerKey: 5 }, ""],
    [{ customerAlgorithm: "AES256" }, ""],
    [{ sourceCustomerAlgorithm: "AES256" }, ""],
  ])("%j fails at exactly the property %j", (extra, property) => {
    const { failures } = run(extra);
    expect(failures.map((f) => f.property)).toEqual([property]);
  });

  it("describes a 32-byte Buffer key by its type only, never its bytes", () => {
    const key = Buffer.alloc(32, 0xab);
    const { failures } = run({ customerKey: key });
    expect(failures).toEqual([
      {
        property: "",
        reason:
          "customerKey must be a string holding a 32-byte AES-256 key, raw or base64-encoded (got a Buffer; the value is not shown because it is a secret)",
      },
    ]);
    expect(JSON.stringify(failures)).not.toMatch(/171|ab|q6ur/i);
  });

  it.each([
    ["the Buffer's JSON form", { type: "Buffer", data: [...Buffer.alloc(32, 7)] }, "an object"],
    ["a number", 42, "a number"],
    ["a boolean", true, "a boolean"],
  ])("describes a source key given as %s by its type (%s)", (_name, key, type) => {
    const { failures } = run({ sourceCustomerKey: key });
    expect(failures).toHaveLength(1);
    expect(failures[0].property).toBe("");
    expect(failures[0].reason).toContain(`got ${type};`);
    expect(failures[0].reason).not.toContain("42");
    expect(failures[0].reason).not.toContain("7,7");
  });
});

describe("check: inputs that become HTTP headers", () => {
  const HEADERS: [string, Raw][] = [
    ["contentType", { metadataDirective: "MERGE" }],
    ["cacheControl", { metadataDirective: "MERGE" }],
    ["contentDisposition", { metadataDirective: "REPLACE" }],
    ["contentEncoding", { metadataDirective: "REPLACE" }],
    ["contentLanguage", { metadataDirective: "MERGE" }],
    ["websiteRedirect", {}],
    ["copyIfMatch", {}],
    ["copyIfNoneMatch", {}],
  ];
  const BAD: [string, string, string][] = [
    ["a line feed", "/a\nb", "U+000A"],
    ["a carriage return", "/a\rb", "U+000D"],
    ["a NUL", "/a\0b", "U+0000"],
    ["an escape character", "/a\x1bb", "U+001B"],
    ["DEL", "/a\x7fb", "U+007F"],
    ["a Latin-1 letter", "/café", "U+00E9"],
    ["a character beyond Latin-1", "/日本", "U+65E5"],
  ];

  for (const [prop, extra] of HEADERS) {
    it.each(BAD)(`rejects ${prop} with %s, naming the character (a tab is fine)`, (_name, value, code) => {
      const { failures } = run({ ...extra, [prop]: value });
      expect(failures).toHaveLength(1);
      expect(failures[0].property).toBe(prop);
      expect(failures[0].reason).toContain(`${JSON.stringify(value)} contains ${code}`);
      expect(failures[0].reason).toContain("printable ASCII");
      expect(run({ ...extra, [prop]: "/a\tb" }).failures).toEqual([]);
    });

    it(`rejects ${prop} of 10,000 characters, naming the limit and showing at most 100 of them`, () => {
      const value = "/" + "x".repeat(9_999);
      const { failures } = run({ ...extra, [prop]: value });
      expect(failures).toHaveLength(1);
      expect(failures[0].property).toBe(prop);
      expect(failures[0].reason).toContain("10000 bytes");
      expect(failures[0].reason).toContain("at most 2048 bytes");
      expect(failures[0].reason).toContain("… (10000 characters)");
      expect(failures[0].reason.length).toBeLessThan(300);
    });
  }

  it.each([
    ["expires", "Wed, 21 Oct 2030 07:28:00 GMT\r\nX-Evil: 1", "U+000D"],
    ["contentType", "text/plain\u2028", "U+2028"],
  ])("rejects %s carrying a line break character", (prop, value, code) => {
    const { failures } = run({ metadataDirective: "REPLACE", [prop]: value });
    expect(failures).toHaveLength(1);
    expect(failures[0].reason).toContain(code);
  });

  it("says how to write a non-ASCII file name in contentDisposition, and accepts that form (RFC 5987)", () => {
    const plain = 'attachment; filename="résumé.pdf"';
    const { failures } = run({ metadataDirective: "REPLACE", contentDisposition: plain });
    expect(failures).toHaveLength(1);
    expect(failures[0].reason).toContain("filename*=UTF-8''");
    const encoded = "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf";
    const ok = run({ metadataDirective: "REPLACE", contentDisposition: encoded });
    expect(ok.failures).toEqual([]);
    expect(ok.inputs.contentDisposition).toBe(encoded);
  });

  it.each([
    ["a NUL", "a\0b", "U+0000"],
    ["a carriage return", "a\rb", "U+000D"],
    ["an emoji", "ok 👍", "U+1F44D"],
  ])("rejects a metadata value with %s and says to encode it with encodeURIComponent", (_n, value, code) => {
    const { failures } = run({ metadataDirective: "REPLACE", metadata: { k: value } });
    expect(failures).toHaveLength(1);
    expect(failures[0].property).toBe("metadata.k");
    expect(failures[0].reason).toContain(code);
    expect(failures[0].reason).toContain("encodeURIComponent");
  });

  it.each([["elsewhere.html"], ["ftp://host/x"], ["www.example.com/x"]])(
    "rejects a websiteRedirect %j that does not start with /, http:// or https://",
    (value) => {
      const { failures } = run({ websiteRedirect: value });
      expect(failures).toEqual([
        {
          property: "websiteRedirect",
          reason: expect.stringContaining('must start with "/", "http://" or "https://"'),
        },
      ]);
    },
  );

  it("rejects a websiteRedirect over 2 KB, accepting one of exactly 2 KB and each allowed start", () => {
    const { failures } = run({ websiteRedirect: "/" + "a".repeat(2048) });
    expect(failures).toEqual([
      { property: "websiteRedirect", reason: expect.stringContaining("at most 2048 bytes") },
    ]);
    for (const ok of [
      "/" + "a".repeat(2047),
      "/index.html",
      "http://example.com/",
      "https://example.com/a?b=c",
    ]) {
      expect(run({ websiteRedirect: ok }).failures).toEqual([]);
    }
  });

  it("rejects headers that together pass what an 8 KB request header leaves, on the largest one", () => {
    const { failures } = run({
      metadataDirective: "REPLACE",
      contentType: "t/" + "a".repeat(1900),
      cacheControl: "c" + "b".repeat(2000),
      contentDisposition: "d" + "c".repeat(1500),
      contentLanguage: "e" + "d".repeat(1000),
    });
    expect(failures).toHaveLength(1);
    expect(failures[0].property).toBe("cacheControl");
    expect(failures[0].reason).toContain("S3 limits a request's headers to 8 KB");
    expect(failures[0].reason).toContain("6144 bytes");
  });

  it("counts the copy source and the tags in the header budget", () => {
    const key = "é".repeat(512); // 1024 bytes, 3072 once percent-encoded in x-amz-copy-source
    const { failures } = run({
      source: `src-bucket/${key}`,
      metadataDirective: "REPLACE",
      metadata: { m: "v".repeat(2000) },
      cacheControl: "c".repeat(1000),
      taggingDirective: "REPLACE",
      tags: { t: "ü".repeat(100) },
    });
    expect(failures).toEqual([{ property: "source", reason: expect.stringContaining("8 KB") }]);
    expect(failures[0].reason).toMatch(/source 3\d{3}, metadata 20\d\d, cacheControl 10\d\d, tags \d+/);
  });
});

describe("check: tags follow S3's tag rules", () => {
  const tagged = (tags: Raw) => run({ taggingDirective: "REPLACE", tags });

  it.each([
    [{ "aws:owner": "me" }, "tags.aws:owner", 'starts with "aws:"'],
    [{ "AWS:Owner": "me" }, "tags.AWS:Owner", 'starts with "aws:"'],
    [{ "a*b": "v" }, "tags.a*b", "contains U+002A"],
    [{ "k#": "v" }, "tags.k#", "contains U+0023"],
    [{ k: "semi;colon" }, "tags.k", "contains U+003B"],
    [{ k: "line\nbreak" }, "tags.k", "contains U+000A"],
    [{ k: 'quote"' }, "tags.k", "contains U+0022"],
  ])("rejects %j", (tags, property, fragment) => {
    const { failures } = tagged(tags);
    expect(failures).toHaveLength(1);
    expect(failures[0].property).toBe(property);
    expect(failures[0].reason).toContain(fragment);
    if (fragment.startsWith("contains")) expect(failures[0].reason).toContain("+ - = . _ : / @");
  });

  it("accepts Unicode letters (counted in characters, not UTF-16 units), spaces, + - = . _ : / @ and empty values", () => {
    const tags = { "Kostenstelle Ü": "Zürich 日本 + - = . _ : / @", "team.name": "", "app:tier": "1" };
    const { inputs, failures } = tagged(tags);
    expect(failures).toEqual([]);
    expect(inputs.tags).toEqual(tags);
    const letter = "\u{20000}"; // a CJK letter outside the BMP: two UTF-16 units
    expect(tagged({ [letter.repeat(128)]: "v" }).failures).toEqual([]);
    expect(tagged({ [letter.repeat(129)]: "v" }).failures).toHaveLength(1);
  });
});

describe("check: null is absent, everywhere", () => {
  it("drops null inputs instead of passing them on, and still writes the defaults", () => {
    const { inputs, failures } = run({
      storageClass: null,
      partSize: null,
      concurrency: null,
      copyIfMatch: null,
      kmsKeyId: null,
      customerKey: null,
      metadataDirective: null,
      taggingDirective: null,
      metadata: null,
      tags: null,
      restoreArchivedSource: null,
      objectLockMode: null,
    });
    expect(failures).toEqual([]);
    expect(inputs).toEqual({ ...BASE, metadataDirective: "COPY", taggingDirective: "COPY" });
    expect(run({ source: null }).failures).toEqual([{ property: "source", reason: "is required" }]);
  });

  it("drops null entries of maps and null fields of objects", () => {
    const { inputs, failures } = run({
      metadataDirective: "REPLACE",
      metadata: { a: "1", b: null },
      taggingDirective: "REPLACE",
      tags: { t: null, u: "2" },
      restoreArchivedSource: { days: null, tier: "Bulk" },
    });
    expect(failures).toEqual([]);
    expect(inputs.metadata).toEqual({ a: "1" });
    expect(inputs.tags).toEqual({ u: "2" });
    expect(inputs.restoreArchivedSource).toEqual({ tier: "Bulk" });
    expect(JSON.stringify(inputs)).not.toContain("null");
  });
});

describe("check: user keys that are also names on Object.prototype", () => {
  it("keeps metadata keys such as constructor and toString as ordinary keys", () => {
    const keys = ["constructor", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf"];
    const { inputs, failures } = run({
      metadataDirective: "REPLACE",
      metadata: Object.fromEntries(keys.map((k) => [k, `${k}-value`])),
    });
    expect(failures).toEqual([]);
    expect(Object.entries(inputs.metadata!)).toEqual(keys.map((k) => [k.toLowerCase(), `${k}-value`]));
  });

  it.each([
    ["metadata", { metadataDirective: "REPLACE" }],
    ["tags", { taggingDirective: "REPLACE" }],
    ["kmsEncryptionContext", { kmsKeyId: "alias/k" }],
  ])("rejects a %s key __proto__, which Pulumi's protocol cannot carry", (prop, extra) => {
    const map = JSON.parse('{"__proto__": "x", "ok": "y"}') as Raw; // an own key, as a program could build
    expect(Object.keys(map)).toContain("__proto__");
    const { failures } = run({ ...extra, [prop]: map });
    expect(failures).toEqual([
      {
        property: `${prop}.__proto__`,
        reason: expect.stringContaining(
          `key "__proto__" cannot be used: Pulumi's dynamic-provider protocol drops it`,
        ),
      },
    ]);
  });
});

describe("check: misspelled or unknown inputs", () => {
  it.each([
    ["storage_class", "storageClass"],
    ["serverSideEncyption", "serverSideEncryption"],
    ["metaData", "metadata"],
    ["kmsKeyID", "kmsKeyId"],
    ["content-type", "contentType"],
    ["CacheControl", "cacheControl"],
    ["customer_key", "customerKey"],
    ["sourceCustomerkey", "sourceCustomerKey"],
    ["partsize", "partSize"],
    ["taggingDirectve", "taggingDirective"],
  ])("reports %j at the whole resource and suggests %j, without its value", (name, near) => {
    const secretish = "s3cr3t-" + RAW_KEY;
    const { failures } = run({ [name]: secretish });
    expect(failures).toEqual([
      {
        property: "",
        reason: `"${name}" is not an input of ObjectCopy, so it would be ignored; did you mean "${near}"? (its value is not shown: it could be a secret)`,
      },
    ]);
  });

  it("names the README when nothing is close", () => {
    const { failures } = run({ frobnicate: 1 });
    expect(failures).toEqual([
      { property: "", reason: expect.stringContaining("see the inputs table in the README") },
    ]);
  });

  it("reports only the misspelled input: never __provider, nor a misspelling that is null or undefined", () => {
    const { inputs, failures } = run({
      __provider: "exports.handler = ...",
      storage_class: "GLACIER",
      metaData: null,
      kmsKeyID: undefined,
    });
    expect(failures).toEqual([
      { property: "", reason: expect.stringContaining('"storage_class" is not an input') },
    ]);
    expect((inputs as unknown as Raw).__provider).toBe("exports.handler = ...");
  });
});

describe("check: outputs given as inputs", () => {
  it.each<[string, unknown]>([
    ["drift", ["x"]],
    ["adopted", true],
    ["etag", '"abc"'],
    ["versionId", "v1"],
    ["uri", "s3://b/k"],
    ["sourceCustomerKeyMd5", "bWQ1"],
  ])("refuses %s, which the resource sets itself, and does not pass it on", (name, value) => {
    const { inputs, failures } = run({ [name]: value });
    expect(failures).toEqual([
      {
        property: name,
        reason: "is an output of ObjectCopy, which the resource sets itself; remove it from the inputs",
      },
    ]);
    expect(Object.hasOwn(inputs, name)).toBe(false);
  });

  it("drops an output whose value is unknown at preview, without a failure", () => {
    const { inputs, failures } = run({ drift: UNKNOWN, etag: UNKNOWN });
    expect(failures).toEqual([]);
    expect(Object.hasOwn(inputs, "drift") || Object.hasOwn(inputs, "etag")).toBe(false);
  });

  it("still takes storageClass, an output that is also an input", () => {
    const { inputs, failures } = run({ storageClass: "STANDARD_IA" });
    expect(failures).toEqual([]);
    expect(inputs.storageClass).toBe("STANDARD_IA");
  });
});

describe("check: an empty string is never a value", () => {
  it('rejects kmsKeyId "" and says to omit it for the AWS-managed key', () => {
    const { failures } = run({ kmsKeyId: "" });
    expect(failures).toEqual([
      {
        property: "kmsKeyId",
        reason: `is an empty string; omit it to use the AWS-managed key "aws/s3" (with serverSideEncryption "aws:kms")`,
      },
    ]);
  });

  it.each([
    ["contentType", { metadataDirective: "MERGE" }],
    ["cacheControl", { metadataDirective: "REPLACE" }],
    ["expires", { metadataDirective: "MERGE" }],
    ["websiteRedirect", {}],
    ["region", {}],
    ["sourceRegion", {}],
    ["endpoint", {}],
    ["expectedBucketOwner", {}],
    ["copyIfMatch", {}],
    ["copyIfModifiedSince", {}],
    ["objectLockRetainUntilDate", { objectLockMode: "GOVERNANCE" }],
  ])('rejects %s "" as empty, saying what omitting it means', (prop, extra) => {
    const { failures } = run({ ...extra, [prop]: "" });
    expect(failures).toEqual([
      { property: prop, reason: expect.stringMatching(/^is an empty string; omit it to /) },
    ]);
  });

  it("rejects an empty metadata value", () => {
    const { failures } = run({ metadataDirective: "REPLACE", metadata: { k: "" } });
    expect(failures).toEqual([
      { property: "metadata.k", reason: expect.stringContaining("is an empty string") },
    ]);
  });
});

describe("check: header whitespace is normalized the way S3 stores it", () => {
  it.each([
    ["contentType", "   "],
    ["cacheControl", "\t"],
    ["contentLanguage", " \t "],
  ])("rejects a whitespace-only %s", (prop, value) => {
    const { failures } = run({ metadataDirective: "MERGE", [prop]: value });
    expect(failures).toEqual([
      { property: prop, reason: expect.stringContaining("is only whitespace, which HTTP drops") },
    ]);
  });

  it("rejects a whitespace-only metadata value", () => {
    const { failures } = run({ metadataDirective: "MERGE", metadata: { k: "  " } });
    expect(failures).toEqual([
      { property: "metadata.k", reason: expect.stringContaining("only whitespace") },
    ]);
  });

  it("trims leading and trailing spaces and tabs, keeping inner ones", () => {
    const { inputs, failures } = run({
      metadataDirective: "REPLACE",
      contentType: "  text/plain; charset=utf-8 ",
      cacheControl: "\tmax-age=60,  public\t",
      websiteRedirect: " /next.html",
      copyIfMatch: ' "etag" ',
      metadata: { owner: "  Team A  ", plain: "x" },
    });
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({
      contentType: "text/plain; charset=utf-8",
      cacheControl: "max-age=60,  public",
      websiteRedirect: "/next.html",
      copyIfMatch: '"etag"',
      metadata: { owner: "Team A", plain: "x" },
    });
  });
});

describe("check: echoed values", () => {
  it.each([
    [NaN, "NaN is out of range"],
    [Infinity, "Infinity is out of range"],
    [-Infinity, "-Infinity is out of range"],
  ])("shows %s as itself, not as null", (value, fragment) => {
    const { failures } = run({ partSize: value });
    expect(failures).toEqual([{ property: "partSize", reason: expect.stringContaining(fragment) }]);
  });

  it.each([
    ["bucket", { bucket: "A".repeat(10_000) }],
    ["source", { source: "b".repeat(10_000) }],
    ["storageClass", { storageClass: "S".repeat(10_000) }],
    ["region", { region: "r".repeat(10_000) }],
    ["tags.k", { taggingDirective: "REPLACE", tags: { k: "v;".repeat(100) } }],
  ])("caps a long bad %s at 100 characters and gives its length", (property, extra) => {
    const { failures } = run(extra);
    expect(failures).toHaveLength(1);
    expect(failures[0].property).toBe(property);
    expect(failures[0].reason).toMatch(/… \(\d+ characters\)/);
    expect(failures[0].reason.length).toBeLessThan(400);
  });
});
