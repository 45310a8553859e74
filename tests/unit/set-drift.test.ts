import { destinationDrift } from "../../provider/engine/set/drift";
import {
  MANIFEST_FORMAT,
  type Manifest,
  type ManifestRecord,
  type SourceEntry,
} from "../../provider/engine/set/types";

const T = "2026-03-01T10:00:00.000Z";

function record(dest: Partial<ManifestRecord["dest"]> = {}): ManifestRecord {
  return {
    source: { etag: '"src"', size: 5, lastModified: T },
    dest: { etag: '"abc"', size: 5, lastModified: T, ...dest },
  };
}

function manifest(records: Record<string, ManifestRecord>, prefix = "out/"): Manifest {
  return { format: MANIFEST_FORMAT, settingsDigest: "d", bucket: "dst", prefix, records };
}

const live = (key: string, over: Partial<SourceEntry> = {}): SourceEntry => ({
  key,
  size: 5,
  etag: '"abc"',
  lastModified: T,
  ...over,
});

describe("destinationDrift", () => {
  it.each<[string, ManifestRecord, SourceEntry[], { missing: string[]; overwritten: string[] }]>([
    ["an object as it was written is no drift", record(), [live("out/a")], { missing: [], overwritten: [] }],
    ["a deleted object is missing", record(), [], { missing: ["a"], overwritten: [] }],
    [
      "the same relative key under another prefix does not count as present",
      record(),
      [live("other/a"), live("a")],
      { missing: ["a"], overwritten: [] },
    ],
    [
      "another ETag is overwritten",
      record(),
      [live("out/a", { etag: '"def"' })],
      { missing: [], overwritten: ["a"] },
    ],
    [
      "another size is overwritten",
      record(),
      [live("out/a", { size: 6 })],
      { missing: [], overwritten: ["a"] },
    ],
    [
      "a later LastModified with the same bytes is overwritten",
      record(),
      [live("out/a", { lastModified: "2026-03-01T10:00:01.000Z" })],
      { missing: [], overwritten: ["a"] },
    ],
    [
      "LastModified is compared to the second only",
      record({ lastModified: "2026-03-01T10:00:00Z" }),
      [live("out/a", { lastModified: "2026-03-01T10:00:00.734Z" })],
      { missing: [], overwritten: [] },
    ],
    [
      "a record without LastModified is judged by ETag and size",
      record({ lastModified: undefined }),
      [live("out/a", { lastModified: "2027-01-01T00:00:00.000Z" })],
      { missing: [], overwritten: [] },
    ],
    [
      "a record without an ETag is judged by size",
      record({ etag: undefined, lastModified: undefined }),
      [live("out/a", { etag: '"anything"' })],
      { missing: [], overwritten: [] },
    ],
    [
      "quoted and unquoted ETags are the same ETag",
      record({ etag: "abc" }),
      [live("out/a", { etag: '"abc"' })],
      { missing: [], overwritten: [] },
    ],
    [
      "a multipart ETag is compared as it is",
      record({ etag: '"abc-3"' }),
      [live("out/a", { etag: '"abc-4"' })],
      { missing: [], overwritten: ["a"] },
    ],
  ])("%s", (_name, rec, listing, expected) => {
    expect(destinationDrift(manifest({ a: rec }), listing)).toEqual(expected);
  });

  it("judges every record, ignores live objects the set did not write, and lists keys in order", () => {
    const m = manifest({ "z/gone": record(), "b/changed": record(), "a/same": record(), "c/gone": record() });
    const listing = [
      live("out/a/same"),
      live("out/b/changed", { etag: '"new"' }),
      live("out/someone-elses"),
      live("out/.pulumi-s3-object-copy/manifest"),
    ];
    expect(destinationDrift(m, listing)).toEqual({
      missing: ["c/gone", "z/gone"],
      overwritten: ["b/changed"],
    });
  });

  it("works with an empty destination prefix (the whole bucket)", () => {
    const m = manifest({ a: record(), b: record() }, "");
    expect(destinationDrift(m, [live("a"), live("b", { size: 1 })])).toEqual({
      missing: [],
      overwritten: ["b"],
    });
  });
});
