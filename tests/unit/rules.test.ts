import { UNKNOWN } from "../../provider/engine/constants";
import {
  nearestName,
  OBJECT_COPY_RULES,
  PER_OBJECT_CROSS_RULES,
  PER_OBJECT_PROPERTIES,
  runRules,
  show,
  typeName,
  withoutSecrets,
  type ResourceRules,
} from "../../provider/engine/rules";
import { INVALID } from "../../provider/engine/rules/types";
import { MAX_SHOWN_VALUE_CHARS } from "../../provider/engine/errors";
import { int, str } from "../../provider/engine/rules/primitives";
import { customerKey, decodeCustomerKey } from "../../provider/engine/object/encryption";

const NOW = new Date("2026-06-01T12:00:00Z");
const KEY = "0123456789abcdef0123456789abcdef";

describe("the runner's last pass keeps secrets out of every failure", () => {
  // A rule written carelessly: it fails at its own property and quotes its value.
  const careless: ResourceRules = {
    resource: "Careless",
    properties: {
      customerKey: {
        rule: (v, ctx) => (v === KEY ? ctx.fail(`value ${String(v)} is not welcome`) : v),
        secret: true,
      },
      sourceCustomerKey: { rule: (_v, ctx) => ctx.fail("is wrong", "sourceCustomerKey.inner"), secret: true },
      note: { rule: str({ whenOmitted: "say nothing" }) },
      other: { rule: (v, ctx) => ctx.fail(`copied the key: ${String(v)}`) },
    },
    cross: [(c) => c.fail("customerKey", "cross rule blamed the key")],
    passThrough: [],
  };

  it("moves a failure named after a secret input to the resource, naming the input in the reason", () => {
    const { failures } = runRules(
      careless,
      { customerKey: "not the key", sourceCustomerKey: "x" },
      {
        now: NOW,
        olds: {},
      },
    );
    expect(failures).toEqual([
      { property: "", reason: "sourceCustomerKey.inner: is wrong" },
      { property: "", reason: "customerKey: cross rule blamed the key" },
    ]);
  });

  it("replaces a secret's value wherever a reason quotes it", () => {
    const { failures } = runRules(careless, { customerKey: KEY, other: KEY }, { now: NOW, olds: {} });
    expect(failures).toEqual([
      { property: "", reason: "customerKey: value [secret] is not welcome" },
      { property: "other", reason: "copied the key: [secret]" },
      { property: "", reason: "customerKey: cross rule blamed the key" },
    ]);
    expect(JSON.stringify(failures)).not.toContain(KEY);
  });

  it("withoutSecrets leaves other failures alone", () => {
    expect(withoutSecrets([{ property: "bucket", reason: "is bad" }], [KEY])).toEqual([
      { property: "bucket", reason: "is bad" },
    ]);
  });

  it("never lets ObjectCopy's own rules name a secret, over many bad inputs", () => {
    const inputs = [
      { customerKey: KEY, serverSideEncryption: "AES256" },
      { customerKey: 7 },
      { customerKey: "" },
      { sourceCustomerKey: [1, 2] },
      { customerAlgorithm: "AES256", sourceCustomerAlgorithm: "AES256" },
      { customerKey: KEY, kmsKeyId: "k", kmsEncryptionContext: { a: "b" } },
    ];
    for (const extra of inputs) {
      const { failures } = runRules(
        OBJECT_COPY_RULES,
        { bucket: "dest-bucket", key: "k", source: "src-bucket/k", ...extra },
        { now: NOW, olds: {} },
      );
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.filter((f) => /^(customerKey|sourceCustomerKey)\b/.test(f.property))).toEqual([]);
    }
  });
});

describe("a second resource reuses the per-object rules with its own properties", () => {
  const SET_RULES: ResourceRules = {
    resource: "ObjectCopySet",
    properties: {
      ...PER_OBJECT_PROPERTIES,
      prefix: { rule: str({ whenOmitted: "copy the whole bucket" }) },
      concurrency: { rule: int(1, 64, "use 1-64 objects at a time") },
    },
    cross: PER_OBJECT_CROSS_RULES,
    passThrough: ["__provider"],
  };
  const runSet = (news: Record<string, unknown>) => runRules(SET_RULES, news, { now: NOW, olds: {} });

  it("applies the shared defaults and checks its own properties", () => {
    const { inputs, failures } = runSet({ prefix: "logs/", concurrency: 8, storageClass: "GLACIER_IR" });
    expect(failures).toEqual([]);
    expect(inputs).toEqual({
      prefix: "logs/",
      concurrency: 8,
      storageClass: "GLACIER_IR",
      metadataDirective: "COPY",
      taggingDirective: "COPY",
    });
  });

  it("reports shared and cross-property problems under its own name", () => {
    const { failures } = runSet({ prefix: "", bucket: "b", contentType: "text/plain\n" });
    expect(failures).toEqual([
      { property: "", reason: expect.stringContaining('"bucket" is not an input of ObjectCopySet') },
      { property: "contentType", reason: expect.stringContaining("contains U+000A") },
      { property: "prefix", reason: "is an empty string; omit it to copy the whole bucket" },
      { property: "contentType", reason: expect.stringContaining('metadataDirective is "COPY"') },
    ]);
  });
});

describe("nearestName", () => {
  const known = Object.keys(OBJECT_COPY_RULES.properties);
  it.each([
    ["storage_class", "storageClass"],
    ["STORAGECLASS", "storageClass"],
    ["server-side-encryption", "serverSideEncryption"],
    ["serverSideEncyption", "serverSideEncryption"],
    ["metaData", "metadata"],
    ["kmsKeyID", "kmsKeyId"],
    ["kmsKeyArn", undefined], // an output, and too far from any input
    ["tag", "tags"],
    ["acls", "acl"],
    ["xyz", undefined],
  ])("%j -> %j", (name, expected) => {
    expect(nearestName(name, known)).toBe(expected);
  });
});

describe("show and typeName", () => {
  it.each([
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
    [5, "5"],
    ["a", '"a"'],
    [{ a: NaN }, '{"a": NaN}'],
    [undefined, "undefined"],
    [null, "null"],
  ])("show(%p) is %s", (value, text) => {
    expect(show(value)).toBe(text);
  });

  it("cuts strings at MAX_SHOWN_VALUE_CHARS and gives the full length", () => {
    expect(MAX_SHOWN_VALUE_CHARS).toBe(100);
    expect(show("x".repeat(101))).toMatch(/^"x{99}… \(101 characters\)$/);
    expect(show("x".repeat(100))).toBe(`"${"x".repeat(100)}"`);
    expect(show(Array(200).fill(1))).toMatch(/^\[1, 1, .*… \(600 characters\)$/);
  });

  it.each([
    [Buffer.alloc(2), "a Buffer"],
    [new Uint8Array(2), "a byte array"],
    [[1], "an array"],
    [{}, "an object"],
    [1, "a number"],
    ["s", "a string"],
    [null, "null"],
  ])("typeName(%p) is %s", (value, name) => {
    expect(typeName(value)).toBe(name);
  });
});

describe("rules see only present, known values", () => {
  it("never calls a rule with null, undefined or an unknown value", () => {
    const seen: unknown[] = [];
    const rules: ResourceRules = {
      resource: "Probe",
      properties: {
        a: { rule: (v) => (seen.push(v), v) },
        b: { rule: (v) => (seen.push(v), v) },
        c: { rule: (v) => (seen.push(v), v) },
        d: { rule: (v, ctx) => (seen.push(v), v === 1 ? ctx.fail("no") : INVALID) },
      },
      cross: [],
      passThrough: [],
    };
    const { inputs } = runRules(rules, { a: null, b: UNKNOWN, c: undefined, d: 2 }, { now: NOW, olds: {} });
    expect(seen).toEqual([2]);
    expect(inputs).toEqual({ b: UNKNOWN, d: 2 });
  });
});

describe("an SSE-C key that skipped check", () => {
  it.each([
    [1234567890123456, "a number"],
    [{ type: "Buffer", data: [1, 2, 3] }, "an object"],
  ])("is refused by customerKey() naming only its type (%p)", (value, type) => {
    let message = "";
    try {
      customerKey(value as unknown as string, "customerKey");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      `INVALID_CUSTOMER_KEY: customerKey must be a string holding 32 bytes, raw or base64-encoded (got ${type}; the value is not shown because it is a secret)`,
    );
    expect(decodeCustomerKey(value as unknown as string)).toBeUndefined();
  });
});
