import { ObjectCopyError } from "../../provider/engine/errors";
import {
  copySourceHeader,
  encodeKey,
  isSameObject,
  parseSource,
  type ParsedSource,
} from "../../provider/engine/object/address";

const AP = "arn:aws:s3:us-east-1:123456789012:accesspoint/my-ap";
const AP_PARTS = { partition: "aws", region: "us-east-1", account: "123456789012", name: "my-ap" };

/** Keys where copy tools have broken: reserved URL characters, doubled slashes, unicode. */
const AWKWARD_KEYS = [
  "plain.txt",
  "dir/sub/file.txt",
  "with space.txt",
  "a+b.txt",
  "foo?bar",
  "hash#tag",
  "percent%20literal",
  "100%",
  "k=v&x=y",
  "a//b",
  "/leading",
  "//double-leading",
  "trailing/",
  "é/café.txt",
  "日本/語.txt",
  "emoji-😀.png",
  "semi;colon,comma:colon@at",
  "tilde~star*paren()!'",
];

describe("parseSource", () => {
  it.each([
    ["bucket/key", { bucket: "bucket", key: "key" }],
    ["bucket/dir/sub/key.txt", { bucket: "bucket", key: "dir/sub/key.txt" }],
    ["s3://bucket/key", { bucket: "bucket", key: "key" }],
    ["s3://bucket/dir/key", { bucket: "bucket", key: "dir/key" }],
    ["bucket/key?versionId=V1", { bucket: "bucket", key: "key", versionId: "V1" }],
    ["s3://bucket/key?versionId=abc.DEF_123", { bucket: "bucket", key: "key", versionId: "abc.DEF_123" }],
    ["my.dotted.bucket/key", { bucket: "my.dotted.bucket", key: "key" }],
  ])("parses %j into bucket, key and versionId", (source, expected) => {
    expect(parseSource(source)).toEqual({ versionId: undefined, ...expected });
  });

  it("leaves accessPoint undefined and versionId undefined for a plain bucket/key", () => {
    const p = parseSource("bucket/key");
    expect(p.accessPoint).toBeUndefined();
    expect(p.versionId).toBeUndefined();
  });

  it.each(AWKWARD_KEYS)("keeps the key %j literally (no decoding, no trimming)", (key) => {
    expect(parseSource(`bucket/${key}`)).toEqual({ bucket: "bucket", key, versionId: undefined });
    expect(parseSource(`s3://bucket/${key}`)).toEqual({ bucket: "bucket", key, versionId: undefined });
    expect(parseSource(`bucket/${key}?versionId=V9`)).toEqual({ bucket: "bucket", key, versionId: "V9" });
  });

  it("takes only the last ?versionId= as the version, so a key may itself hold ?versionId=", () => {
    expect(parseSource("bucket/a?versionId=x?versionId=V2")).toEqual({
      bucket: "bucket",
      key: "a?versionId=x",
      versionId: "V2",
    });
  });

  it.each([
    [`${AP}/object/key`, "key", undefined],
    [`${AP}/object/dir/sub/key.txt`, "dir/sub/key.txt", undefined],
    [`${AP}/object/with space+plus?q#h%`, "with space+plus?q#h%", undefined],
    [`${AP}/object/key?versionId=V7`, "key", "V7"],
    [`${AP}/object/日本/😀?versionId=V8`, "日本/😀", "V8"],
  ])("parses the access-point object ARN %j", (source, key, versionId) => {
    expect(parseSource(source)).toEqual({ bucket: AP, key, versionId, accessPoint: AP_PARTS });
  });

  it("parses access-point ARNs in other partitions", () => {
    const p = parseSource("arn:aws-cn:s3:cn-north-1:123456789012:accesspoint/ap-1/object/k");
    expect(p).toEqual({
      bucket: "arn:aws-cn:s3:cn-north-1:123456789012:accesspoint/ap-1",
      key: "k",
      versionId: undefined,
      accessPoint: { partition: "aws-cn", region: "cn-north-1", account: "123456789012", name: "ap-1" },
    });
  });

  it.each([
    [""],
    ["bucket"],
    ["bucket/"],
    ["/key"],
    ["s3://"],
    ["s3://bucket"],
    ["s3://bucket/"],
    ["arn:aws:s3:::bucket/key"],
    ["arn:aws:s3:us-east-1:123456789012:bucket/key"],
    ["arn:aws:s3:us-east-1:123456789012:accesspoint/my-ap"],
    ["arn:aws:s3:us-east-1:12345:accesspoint/my-ap/object/key"],
    ["b/k?versionId="],
    ["b/k?versionId=has space"],
    ["b/k?versionId=a/b"],
    [`${AP}/object/key?versionId=`],
  ])("rejects %j with INVALID_SOURCE and quotes the input", (source) => {
    let thrown: unknown;
    try {
      parseSource(source);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ObjectCopyError);
    expect(thrown).toMatchObject({ code: "INVALID_SOURCE", name: "ObjectCopyError" });
    expect((thrown as Error).message).toMatch(/^INVALID_SOURCE: /);
    expect((thrown as Error).message).toContain(JSON.stringify(source));
  });

  it.each([[undefined], [null], [42], [{}]])("rejects the non-string %j with INVALID_SOURCE", (source) => {
    expect(() => parseSource(source as unknown as string)).toThrow(
      expect.objectContaining({ code: "INVALID_SOURCE" }),
    );
  });
});

describe("copySourceHeader", () => {
  it.each([
    ["bucket/key", "bucket/key"],
    ["bucket/dir/sub/key.txt", "bucket/dir/sub/key.txt"],
    ["bucket/with space.txt", "bucket/with%20space.txt"],
    ["bucket/a+b", "bucket/a%2Bb"],
    ["bucket/foo?bar", "bucket/foo%3Fbar"],
    ["bucket/hash#tag", "bucket/hash%23tag"],
    ["bucket/100%", "bucket/100%25"],
    ["bucket/percent%20literal", "bucket/percent%2520literal"],
    ["bucket/k=v&x=y", "bucket/k%3Dv%26x%3Dy"],
    ["bucket/a//b", "bucket/a//b"],
    ["bucket//leading", "bucket//leading"],
    ["bucket/é", "bucket/%C3%A9"],
    ["bucket/日本", "bucket/%E6%97%A5%E6%9C%AC"],
    ["bucket/😀", "bucket/%F0%9F%98%80"],
    ["bucket/key?versionId=V1", "bucket/key?versionId=V1"],
    ["bucket/a b/c?d?versionId=V1", "bucket/a%20b/c%3Fd?versionId=V1"],
    [`${AP}/object/a b?versionId=V2`, `${AP}/object/a%20b?versionId=V2`],
    [`${AP}/object/dir/k`, `${AP}/object/dir/k`],
  ])("encodes %j as %j", (source, header) => {
    expect(copySourceHeader(parseSource(source))).toBe(header);
  });

  it("appends an explicit versionId unencoded, overriding the parsed one", () => {
    const src = parseSource("bucket/a b?versionId=OLD");
    expect(copySourceHeader(src, "NEW+/=")).toBe("bucket/a%20b?versionId=NEW+/=");
  });

  it("omits ?versionId= when neither the source nor the caller gives one", () => {
    expect(copySourceHeader(parseSource("bucket/key"))).not.toContain("versionId");
    expect(copySourceHeader(parseSource("bucket/key"), undefined)).toBe("bucket/key");
  });

  it.each(AWKWARD_KEYS)("round-trips %j: decoding each segment gives back the key", (key) => {
    const header = copySourceHeader(parseSource(`bucket/${key}`));
    expect(header.startsWith("bucket/")).toBe(true);
    const encoded = header.slice("bucket/".length);
    expect(encoded).toBe(encodeKey(key));
    // No character that would end or split the path survives unencoded.
    expect(encoded.replace(/%[0-9A-F]{2}/g, "")).not.toMatch(/[ ?#%+&=\u0080-\uffff]/);
    expect(encoded.split("/").map(decodeURIComponent).join("/")).toBe(key);
    expect(encoded.split("/")).toHaveLength(key.split("/").length);
  });
});

describe("isSameObject", () => {
  const plain = (source: string): ParsedSource => parseSource(source);
  it.each([
    ["dst/key", "dst", "key", true],
    ["s3://dst/key", "dst", "key", true],
    ["dst/key?versionId=V", "dst", "key", true],
    ["dst/dir/key", "dst", "dir/key", true],
    ["dst/key", "dst", "key2", false],
    ["dst/key", "other", "key", false],
    ["dst/Key", "dst", "key", false],
    ["dst//key", "dst", "key", false],
    [`${AP}/object/key`, AP, "key", false],
  ])("source %j vs s3://%s/%s -> %s", (source, bucket, key, same) => {
    expect(isSameObject(plain(source), bucket, key)).toBe(same);
  });
});
