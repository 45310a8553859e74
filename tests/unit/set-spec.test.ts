import { ObjectCopyError } from "../../provider/engine/errors";
import { destinationKey, parseSetSource, relativeKey } from "../../provider/engine/set/spec";

describe("parseSetSource", () => {
  it.each([
    ["bucket/prefix/", { bucket: "bucket", prefix: "prefix/" }],
    ["s3://bucket/prefix/", { bucket: "bucket", prefix: "prefix/" }],
    ["bucket", { bucket: "bucket", prefix: "" }],
    ["bucket/", { bucket: "bucket", prefix: "" }],
    ["s3://bucket", { bucket: "bucket", prefix: "" }],
    ["s3://bucket/", { bucket: "bucket", prefix: "" }],
    ["bucket/src", { bucket: "bucket", prefix: "src" }],
    ["bucket//double", { bucket: "bucket", prefix: "/double" }],
    ["bucket/a b/+%20?x#y/", { bucket: "bucket", prefix: "a b/+%20?x#y/" }],
    ["bucket/ünïcødé/", { bucket: "bucket", prefix: "ünïcødé/" }],
  ])("reads %j as the bucket and the raw prefix", (source, expected) => {
    expect(parseSetSource(source)).toEqual(expected);
  });

  it.each([
    "",
    "/prefix",
    "s3://",
    "s3:///prefix",
    "my bucket/x",
    "arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/x",
  ])("rejects %j with INVALID_SOURCE", (source) => {
    expect(() => parseSetSource(source)).toThrow(ObjectCopyError);
    expect(() => parseSetSource(source)).toThrow(/^INVALID_SOURCE: /);
  });

  it("rejects a non-string source with INVALID_SOURCE", () => {
    expect(() => parseSetSource(42 as unknown as string)).toThrow(/^INVALID_SOURCE: .*42/);
  });

  it("rejects a prefix longer than 1,024 UTF-8 bytes", () => {
    expect(() => parseSetSource(`b/${"é".repeat(513)}`)).toThrow(/^INVALID_SOURCE: .*1024-byte/);
    expect(parseSetSource(`b/${"é".repeat(512)}`).prefix).toHaveLength(512);
  });
});

describe("relativeKey and destinationKey", () => {
  it.each([
    ["src/a.txt", "src/", "a.txt"],
    ["src2/x", "src", "2/x"],
    ["src/", "src/", ""],
    ["a//b", "a/", "/b"],
    ["anything", "", "anything"],
  ])("%j under prefix %j is %j relative", (key, prefix, rel) => {
    expect(relativeKey(key, prefix)).toBe(rel);
  });

  it("refuses a key outside the prefix rather than mapping it somewhere wrong", () => {
    expect(() => relativeKey("other/a", "src/")).toThrow(/^KEY_OUTSIDE_PREFIX: .*"other\/a"/);
  });

  it.each([
    ["a.txt", "dst/", "dst/a.txt"],
    ["2/x", "copy", "copy2/x"],
    ["/b", "", "/b"],
    ["x", "", "x"],
    ["", "dst/", "dst/"],
  ])("relative %j under destination prefix %j is %j", (rel, prefix, key) => {
    expect(destinationKey(rel, prefix)).toBe(key);
  });

  it("fails with DESTINATION_KEY_TOO_LONG naming the key when prefix + relative key exceed 1,024 bytes", () => {
    const rel = "€".repeat(340); // 1,020 bytes
    expect(destinationKey(rel, "abcd")).toBe(`abcd${rel}`);
    let err: unknown;
    try {
      destinationKey(rel, "abcde");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ObjectCopyError);
    expect((err as ObjectCopyError).code).toBe("DESTINATION_KEY_TOO_LONG");
    expect((err as Error).message).toContain("1025 bytes");
    expect((err as Error).message).toContain('"abcde€€€');
  });

  it("fails with DESTINATION_KEY_EMPTY when a key equal to the source prefix goes to the bucket root", () => {
    expect(() => destinationKey("", "")).toThrow(/^DESTINATION_KEY_EMPTY: /);
  });
});
