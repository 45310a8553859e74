import { encodeTagging, resolveHeaders } from "../../provider/engine/object/metadata";
import type { CopyInputs, MetadataDirective } from "../../provider/engine/types";

const SOURCE_EXPIRES = new Date("2029-05-05T05:05:05Z");
const SOURCE = {
  Metadata: { owner: "source-team", build: "1", shared: "from-source" },
  ContentType: "image/png",
  CacheControl: "max-age=60",
  ContentDisposition: "attachment",
  ContentEncoding: "gzip",
  ContentLanguage: "fr",
  Expires: SOURCE_EXPIRES,
};

const inputs = (directive: MetadataDirective | undefined, extra: Partial<CopyInputs> = {}): CopyInputs => ({
  bucket: "dst",
  key: "k",
  source: "src/k",
  metadataDirective: directive,
  ...extra,
});

const DECLARED: Partial<CopyInputs> = {
  metadata: { shared: "declared", added: "yes" },
  contentType: "text/plain",
  cacheControl: "no-store",
  expires: "2031-01-02T03:04:05Z",
};

describe("resolveHeaders under COPY", () => {
  it.each([[undefined], ["COPY" as const]])(
    "takes every header from the source (directive %s), ignoring declared ones",
    (directive) => {
      const out = resolveHeaders(inputs(directive, DECLARED), SOURCE);
      expect(out).toEqual({
        Metadata: { owner: "source-team", build: "1", shared: "from-source" },
        ContentType: "image/png",
        CacheControl: "max-age=60",
        ContentDisposition: "attachment",
        ContentEncoding: "gzip",
        ContentLanguage: "fr",
        Expires: SOURCE_EXPIRES,
      });
      expect(out.Metadata).not.toHaveProperty("added");
    },
  );

  it("gives empty metadata (not undefined) when the source has none", () => {
    expect(resolveHeaders(inputs("COPY"), {})).toEqual({
      Metadata: {},
      ContentType: undefined,
      CacheControl: undefined,
      ContentDisposition: undefined,
      ContentEncoding: undefined,
      ContentLanguage: undefined,
      Expires: undefined,
    });
  });

  it("returns a copy of the source's metadata, not the same object", () => {
    const out = resolveHeaders(inputs("COPY"), SOURCE);
    expect(out.Metadata).not.toBe(SOURCE.Metadata);
    out.Metadata.extra = "x";
    expect(SOURCE.Metadata).not.toHaveProperty("extra");
  });
});

describe("resolveHeaders under REPLACE", () => {
  it("takes only what was declared; undeclared content headers are undefined", () => {
    const out = resolveHeaders(inputs("REPLACE", DECLARED), SOURCE);
    expect(out).toEqual({
      Metadata: { shared: "declared", added: "yes" },
      ContentType: "text/plain",
      CacheControl: "no-store",
      ContentDisposition: undefined,
      ContentEncoding: undefined,
      ContentLanguage: undefined,
      Expires: new Date("2031-01-02T03:04:05Z"),
    });
    expect(out.Metadata).not.toHaveProperty("owner");
    expect(out.Metadata).not.toHaveProperty("build");
  });

  it("drops all of the source's headers when nothing is declared", () => {
    const out = resolveHeaders(inputs("REPLACE"), SOURCE);
    expect(out.Metadata).toEqual({});
    for (const h of [
      "ContentType",
      "CacheControl",
      "ContentDisposition",
      "ContentEncoding",
      "ContentLanguage",
      "Expires",
    ] as const) {
      expect(out[h]).toBeUndefined();
    }
  });
});

describe("resolveHeaders under MERGE", () => {
  it("lays declared headers over the source's: source keys kept, declared values win", () => {
    const out = resolveHeaders(inputs("MERGE", DECLARED), SOURCE);
    expect(out).toEqual({
      Metadata: { owner: "source-team", build: "1", shared: "declared", added: "yes" },
      ContentType: "text/plain",
      CacheControl: "no-store",
      ContentDisposition: "attachment",
      ContentEncoding: "gzip",
      ContentLanguage: "fr",
      Expires: new Date("2031-01-02T03:04:05Z"),
    });
  });

  it("keeps the source's values for everything when nothing is declared", () => {
    expect(resolveHeaders(inputs("MERGE"), SOURCE)).toEqual(resolveHeaders(inputs("COPY"), SOURCE));
  });

  it.each([
    ["contentType", "ContentType", "application/json"],
    ["cacheControl", "CacheControl", "public"],
    ["contentDisposition", "ContentDisposition", "inline"],
    ["contentEncoding", "ContentEncoding", "br"],
    ["contentLanguage", "ContentLanguage", "de"],
  ] as const)("a declared %s overrides only %s", (input, header, value) => {
    const out = resolveHeaders(inputs("MERGE", { [input]: value }), SOURCE);
    expect(out[header]).toBe(value);
    const expected = resolveHeaders(inputs("COPY"), SOURCE);
    expect({ ...out, [header]: undefined }).toEqual({ ...expected, [header]: undefined });
  });

  it.each([
    ["2031-01-02T03:04:05Z", Date.UTC(2031, 0, 2, 3, 4, 5)],
    ["Thu, 02 Jan 2031 03:04:05 GMT", Date.UTC(2031, 0, 2, 3, 4, 5)],
  ])("parses a declared Expires %j into a Date", (expires, ms) => {
    const out = resolveHeaders(inputs("MERGE", { expires }), SOURCE);
    expect(out.Expires).toBeInstanceOf(Date);
    expect(out.Expires?.getTime()).toBe(ms);
  });

  it("keeps the source's metadata when declared metadata is empty", () => {
    expect(resolveHeaders(inputs("MERGE", { metadata: {} }), SOURCE).Metadata).toEqual(SOURCE.Metadata);
  });

  it("works on a source with no metadata at all", () => {
    expect(resolveHeaders(inputs("MERGE", { metadata: { a: "1" } }), {}).Metadata).toEqual({ a: "1" });
  });
});

describe("encodeTagging", () => {
  it.each([
    [{ a: "b" }, "a=b"],
    [{ a: "b", c: "d" }, "a=b&c=d"],
    [{ "k&1": "v=2" }, "k%261=v%3D2"],
    [{ "a=b": "c&d" }, "a%3Db=c%26d"],
    [{ plus: "1+1" }, "plus=1%2B1"],
    [{ path: "a/b:c" }, "path=a%2Fb%3Ac"],
    [{ empty: "" }, "empty="],
    [{ é: "日本" }, "%C3%A9=%E6%97%A5%E6%9C%AC"],
  ])("encodes %j as %j", (tags, expected) => {
    expect(encodeTagging(tags)).toBe(expected);
  });

  it("escapes spaces so none travel raw in the header", () => {
    const out = encodeTagging({ "my key": "my value" });
    expect(out).not.toContain(" ");
    expect(["my+key=my+value", "my%20key=my%20value"]).toContain(out);
  });

  it("encodes an empty tag set as an empty string", () => {
    expect(encodeTagging({})).toBe("");
  });

  it.each([
    [{ "a b": "c d", "e&f": "g=h", "i+j": "k%l", m: "?#" }],
    [{ Project: "Alpha Beta", Cost: "100%", Owner: "a@b.c" }],
  ])("round-trips %j through URL query decoding, with one pair per tag", (tags) => {
    const out = encodeTagging(tags);
    expect(out.split("&")).toHaveLength(Object.keys(tags).length);
    expect(Object.fromEntries(new URLSearchParams(out))).toEqual(tags);
  });
});
