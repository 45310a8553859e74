/*
 * User-keyed maps (metadata, tags) end to end: check -> resolveHeaders -> compact. Keys such as
 * "constructor" are ordinary keys; "__proto__" is refused at check, because Pulumi's dynamic-provider
 * protocol cannot carry it (google-protobuf's Struct conversion drops it), so it could never reach
 * the object or stay in state.
 */
import { compact } from "../../provider/engine/lifecycle";
import { resolveHeaders } from "../../provider/engine/object/metadata";
import { check } from "../../provider/engine/validate";

const BASE = { bucket: "dest-bucket", key: "k", source: "src-bucket/k" };
const SOURCE = { Metadata: { constructor: "from-source", owner: "src" }, ContentType: "image/png" };

describe("metadata keys named like Object.prototype members, from check to the request", () => {
  it("REPLACE sends exactly the declared keys, constructor and toString included", () => {
    const { inputs, failures } = check({
      ...BASE,
      metadataDirective: "REPLACE",
      metadata: { constructor: "c", toString: "t", valueOf: " v " },
    });
    expect(failures).toEqual([]);
    const headers = resolveHeaders(inputs, SOURCE);
    expect(Object.entries(headers.Metadata)).toEqual([
      ["constructor", "c"],
      ["tostring", "t"],
      ["valueof", "v"],
    ]);
  });

  it("MERGE lays a declared constructor key over the source's", () => {
    const { inputs, failures } = check({
      ...BASE,
      metadataDirective: "MERGE",
      metadata: { Constructor: "mine" },
    });
    expect(failures).toEqual([]);
    expect({ ...resolveHeaders(inputs, SOURCE).Metadata }).toEqual({ constructor: "mine", owner: "src" });
  });

  it("refuses a __proto__ key at check, so nothing is silently dropped on the way", () => {
    const metadata = JSON.parse('{"__proto__": "x", "owner": "me"}') as Record<string, string>;
    const { failures } = check({ ...BASE, metadataDirective: "REPLACE", metadata });
    expect(failures).toEqual([
      {
        property: "metadata.__proto__",
        reason: `key "__proto__" cannot be used: Pulumi's dynamic-provider protocol drops it on the way to the provider; rename the key`,
      },
    ]);
  });

  it("resolveHeaders keeps a source's own __proto__ key as a key, never as a prototype", () => {
    const source = { Metadata: JSON.parse('{"__proto__": "s", "a": "1"}') as Record<string, string> };
    const { inputs } = check({ ...BASE, metadataDirective: "MERGE", metadata: { b: "2" } });
    const merged = resolveHeaders(inputs, source).Metadata;
    expect(Object.keys(merged).sort()).toEqual(["__proto__", "a", "b"]);
    expect(Object.getPrototypeOf(merged)).toBeNull();
  });
});

describe("compact keeps user keys of nested maps", () => {
  it("copies __proto__ and constructor keys of metadata and tags as plain keys", () => {
    const map = () =>
      JSON.parse('{"__proto__": "p", "constructor": "c", "gone": null}') as Record<string, string>;
    const out = compact({ bucket: "b", metadata: map(), tags: map(), versionId: null as unknown as string });
    expect(Object.keys(out)).toEqual(["bucket", "metadata", "tags"]);
    for (const m of [out.metadata, out.tags]) {
      expect(Object.getPrototypeOf(m)).toBeNull();
      expect(Object.entries(m)).toEqual([
        ["__proto__", "p"],
        ["constructor", "c"],
      ]);
    }
  });
});
