import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";

import {
  canonicalDigest,
  canonicalJson,
  canonicalJsonPieces,
  gzipCanonicalJson,
  manifestDigest,
} from "../../provider/engine/set/manifest";
import { MANIFEST_FORMAT, type Manifest, type ManifestRecord } from "../../provider/engine/set/types";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

// Keys that trip up a hand-written serializer: JSON escapes, non-ASCII and astral characters (a
// surrogate pair must not be split between two chunks), a lone surrogate, an own `__proto__`,
// keys that sort differently by code unit than by code point, and an empty key.
const AWKWARD = [
  'quote"and\\backslash',
  "tab\tnew\nline\u0000nul",
  "ünï/çødé",
  "emoji/😀/𝄞",
  "lone-\ud800-surrogate",
  "__proto__",
  "constructor",
  "\uffff-after-astral",
  "",
  "a//b",
  "10",
  "9",
];

function record(i: number): ManifestRecord {
  return {
    source: {
      etag: `"${i.toString(16).padStart(32, "0")}"`,
      size: i,
      lastModified: "2026-01-01T00:00:00.000Z",
    },
    dest: {
      etag: `"${(i + 1).toString(16).padStart(32, "0")}-2"`,
      size: i,
      versionId: i % 3 ? `v${i}` : undefined,
      superseded: i % 7 === 0 ? [`old${i}`, `older${i}`] : undefined,
    },
    ...(i % 5 === 0 ? { adopted: true } : {}),
    settingsDigest: i % 2 ? "d1" : "d2",
  };
}

/** A manifest whose records hold the awkward keys, then enough plain ones to span many chunks. */
function awkwardManifest(plain: number): Manifest {
  const records: Record<string, ManifestRecord> = {};
  const add = (key: string, r: ManifestRecord) =>
    Object.defineProperty(records, key, { value: r, enumerable: true, writable: true, configurable: true });
  AWKWARD.forEach((k, i) => add(k, record(i)));
  // Long non-ASCII keys put multi-byte characters at every offset of a 64 Ki-character chunk.
  for (let i = 0; i < plain; i += 1) add(`dir${i % 13}/ü😀-${"x".repeat(i % 37)}-${i}`, record(i));
  return {
    format: MANIFEST_FORMAT,
    settingsDigest: "d1",
    bucket: "dst",
    prefix: "out/ü/",
    owner: { project: "p", stack: "s", name: 'n"1' },
    records,
  };
}

describe("the manifest's streamed serializer", () => {
  it("writes exactly the bytes and the digest of canonicalJson for a manifest with awkward keys", async () => {
    const m = awkwardManifest(20_000);
    const text = canonicalJson(m);
    // The fixture really spans many chunks, and the awkward keys are in it.
    expect(text.length).toBeGreaterThan(20 * 64 * 1024);
    expect(text).toContain('"__proto__":{');
    expect(text).toContain('"lone-\\ud800-surrogate":');

    expect([...canonicalJsonPieces(m)].join("")).toBe(text);
    const { body, digest } = await gzipCanonicalJson(m);
    expect(gunzipSync(body).toString("utf8")).toBe(text);
    expect(Buffer.compare(gunzipSync(body), Buffer.from(text, "utf8"))).toBe(0);
    expect(digest).toBe(sha256(text));
    expect(canonicalDigest(m)).toBe(sha256(text));
    expect(manifestDigest(m)).toBe(sha256(text));
    // Not only the same text: the same compressed bytes as the one-shot gzip it replaces.
    expect(Buffer.compare(body, gzipSync(text))).toBe(0);
  });

  it.each([
    ["an empty manifest", { ...awkwardManifest(0), records: {} }],
    [
      "undefined members and holes in arrays",
      { b: [1, undefined, { z: undefined, y: [undefined] }], a: undefined },
    ],
    ["arrays and scalars at the top", [{ b: 2, a: 1 }, "s", 3, null, true]],
    ["a scalar", "just a string"],
    ["nesting deeper than the streamed levels", { a: { b: { c: { e: 1, d: [{ g: 1, f: 2 }] } } } }],
  ])("matches canonicalJson for %s", async (_what, value) => {
    const text = canonicalJson(value);
    expect([...canonicalJsonPieces(value)].join("")).toBe(text);
    for (const depth of [0, 1, 2, 5]) expect([...canonicalJsonPieces(value, depth)].join("")).toBe(text);
    const { body, digest } = await gzipCanonicalJson(value);
    expect(gunzipSync(body).toString("utf8")).toBe(text);
    expect(digest).toBe(sha256(text));
  });

  it("never yields the records as one piece: each record is a piece of its own", () => {
    const m = awkwardManifest(100);
    const pieces = [...canonicalJsonPieces(m)];
    const longest = Math.max(...pieces.map((p) => p.length));
    expect(longest).toBeLessThan(400);
    expect(pieces.length).toBeGreaterThan(2 * Object.keys(m.records).length);
  });
});
