// What a set may delete of its records (pure), and the requests that decide it for unversioned
// records: another set's manifest under the reserved prefix, and the "null" version on a bucket
// that keeps versions now.
import { gzipSync } from "node:zlib";

import {
  GetBucketVersioningCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

import { ownerOf, readOwnManifest, setContext } from "../../provider/engine/set/context";
import {
  provablyOurs,
  recordItems,
  type DeleteItem,
  type KeptObject,
} from "../../provider/engine/set/ownership";
import { planSet } from "../../provider/engine/set/plan";
import type { SetInputs } from "../../provider/engine/set/state";
import { MANIFEST_FORMAT, type Manifest, type ManifestRecord } from "../../provider/engine/set/types";

const T = "2026-03-01T10:00:00.000Z";
const OWN = "s3://dst/.pulumi-s3-object-copy/proj/test/mine.json.gz";
const inputs = (over: Partial<SetInputs> = {}): SetInputs => ({
  source: "src/s/",
  bucket: "dst",
  prefix: "d/",
  manifestLocation: OWN,
  region: "us-east-1",
  __setProject: "proj",
  __setStack: "test",
  __setName: "mine",
  ...over,
});
const record = (dest: Partial<ManifestRecord["dest"]> = {}): ManifestRecord => ({
  source: { etag: '"e"', size: 1, lastModified: T },
  dest: { etag: '"abc"', size: 1, lastModified: T, ...dest },
});
const live = (key: string, over: { etag?: string; lastModified?: string } = {}) =>
  new Map([[key, { key, size: 1, etag: over.etag ?? '"abc"', lastModified: over.lastModified ?? T }]]);

describe("recordItems on an unversioned bucket", () => {
  const ctx = setContext(inputs());
  it("deletes an object whose ETag and Last-Modified second match the record", () => {
    expect(
      recordItems(ctx, "a", record(), live("d/a", { lastModified: "2026-03-01T10:00:00.900Z" })),
    ).toEqual([{ key: "d/a" }]);
  });
  it.each<[string, ManifestRecord, ReturnType<typeof live>]>([
    ["a record without an ETag", record({ etag: undefined }), live("d/a")],
    ["a record without a Last-Modified", record({ lastModified: undefined }), live("d/a")],
    [
      "the same bytes rewritten a second later",
      record(),
      live("d/a", { lastModified: "2026-03-01T10:00:01.000Z" }),
    ],
    ["another ETag", record(), live("d/a", { etag: '"other"' })],
  ])("keeps the object and says why for %s", (_what, r, l) => {
    const kept: KeptObject[] = [];
    expect(recordItems(ctx, "a", r, l, kept)).toEqual([]);
    expect(kept).toHaveLength(1);
    expect(kept[0].key).toBe("d/a");
  });
  it("never deletes under the reserved prefix, even by version id", () => {
    const root = setContext(inputs({ prefix: "" }));
    const kept: KeptObject[] = [];
    const key = ".pulumi-s3-object-copy/proj/test/other.json.gz";
    expect(recordItems(root, key, record({ versionId: "v1" }), live(key), kept)).toEqual([]);
    expect(kept[0].why).toMatch(/manifests/);
  });
});

describe("planSet", () => {
  it("skips a source key whose destination is under the reserved prefix or is the set's manifest, and lists it", () => {
    const entries = [
      { key: "b/.pulumi-s3-object-copy/proj/test/victim.json.gz", size: 1, etag: '"x"', lastModified: T },
      { key: "b/m.json.gz.journal/00000001.json.gz", size: 1, etag: '"x"', lastModified: T },
      { key: "b/index.html", size: 1, etag: '"x"', lastModified: T },
    ];
    const plan = planSet({
      entries,
      source: { bucket: "src", prefix: "b/" },
      destPrefix: "",
      selection: {},
      settingsDigest: "d",
      isManifestKey: (k) => k.startsWith(".pulumi-s3-object-copy/") || k.startsWith("m.json.gz.journal/"),
    });
    expect(plan.created.map((c) => c.destKey)).toEqual(["index.html"]);
    expect(plan.skipped).toEqual([entries[0].key, entries[1].key]);
  });
});

describe("ownership requests (exact shape)", () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const body = (m: Manifest) => ({
    transformToByteArray: async () => new Uint8Array(gzipSync(JSON.stringify(m))),
  });
  const manifest = (over: Partial<Manifest>): Manifest => ({
    format: MANIFEST_FORMAT,
    settingsDigest: "d",
    bucket: "dst",
    prefix: "d/",
    records: {},
    ...over,
  });
  const item = (key: string): { item: DeleteItem; record: ManifestRecord } => ({
    item: { key },
    record: record(),
  });

  it("keeps an object that another set's manifest under the reserved prefix records", async () => {
    const other = ".pulumi-s3-object-copy/proj/test/renamed.json.gz";
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: other }] });
    s3.on(GetObjectCommand, { Key: other }).resolves({
      Body: body(manifest({ records: { a: record() } })),
    } as never);
    s3.on(GetBucketVersioningCommand).resolves({});
    const kept: KeptObject[] = [];
    const out = await provablyOurs(setContext(inputs()), [item("d/a"), item("d/b")], kept);
    expect(out.items.map((i) => i.item)).toEqual([{ key: "d/b" }]);
    expect(out.versioned).toBe(false);
    expect(kept).toEqual([{ key: "d/a", why: "another set records it" }]);
  });

  it("deletes the matching null version by id on a suspended bucket, and keeps a null version written since", async () => {
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(GetBucketVersioningCommand).resolves({ Status: "Suspended" });
    s3.on(ListObjectVersionsCommand, { Prefix: "d/a" }).resolves({
      Versions: [{ Key: "d/a", VersionId: "null", ETag: '"abc"', LastModified: new Date(T) }],
    });
    s3.on(ListObjectVersionsCommand, { Prefix: "d/b" }).resolves({
      Versions: [
        { Key: "d/b", VersionId: "null", ETag: '"abc"', LastModified: new Date("2026-03-01T10:00:05Z") },
      ],
    });
    const kept: KeptObject[] = [];
    const out = await provablyOurs(setContext(inputs()), [item("d/a"), item("d/b")], kept);
    expect(out.items.map((i) => i.item)).toEqual([{ key: "d/a", versionId: "null" }]);
    expect(out.versioned).toBe(true);
    expect(kept.map((k) => k.key)).toEqual(["d/b"]);
  });

  it("sends no request for items that already name a version", async () => {
    const out = await provablyOurs(
      setContext(inputs()),
      [{ item: { key: "d/a", versionId: "v1" }, record: record() }],
      [],
    );
    expect(out.items).toHaveLength(1);
    expect(s3.calls()).toHaveLength(0);
  });

  it("refuses a manifest of another owner with MANIFEST_MISMATCH naming both, and accepts the old identity of the same resource", async () => {
    const owner = { project: "proj", stack: "test", name: "theirs" };
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(GetObjectCommand).resolves({ Body: body(manifest({ owner })) } as never);
    const ctx = setContext(inputs());
    await expect(readOwnManifest(ctx)).rejects.toThrow(
      /^MANIFEST_MISMATCH: .*"proj\/test\/theirs".*"proj\/test\/mine"/,
    );
    await expect(readOwnManifest(ctx, ownerOf(inputs({ __setName: "theirs" })))).resolves.toHaveProperty(
      "manifest.owner",
      owner,
    );
  });
});
