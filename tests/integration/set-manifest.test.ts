import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { gunzipSync } from "node:zlib";

import {
  defaultManifestLocation,
  deleteManifest,
  ManifestWriter,
  parseManifestLocation,
  readManifest,
} from "../../provider/engine/set/manifest";
import { MANIFEST_FORMAT, type Manifest, type ManifestRecord } from "../../provider/engine/set/types";
import { bytes, head, newBucket, put, verifier } from "../helpers/s3";

const empty = (bucket: string, digest = "d1"): Manifest => ({
  format: MANIFEST_FORMAT,
  settingsDigest: digest,
  bucket,
  prefix: "out/",
  records: {},
});
const rec = (i: number): ManifestRecord => ({
  source: {
    etag: `"${i.toString(16).padStart(32, "0")}"`,
    size: i,
    lastModified: "2026-01-01T00:00:00.000Z",
  },
  dest: { etag: `"${(i + 1).toString(16).padStart(32, "0")}-2"`, size: i, versionId: `v${i}` },
});

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const out = await verifier().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

const AWKWARD = [
  "with space.txt",
  "plus+sign",
  "per%25cent",
  "ünï/çødé",
  "a//b",
  "/lead",
  ".env",
  "__proto__",
];

describe("manifest in S3", () => {
  it("round-trips 10,000 records as gzip JSON at the default location, digest matching", async () => {
    const bucket = await newBucket();
    const location = defaultManifestLocation({
      destBucket: bucket,
      project: "proj",
      stack: "dev",
      name: "my set",
    });
    const { s3 } = verifier();
    const w = new ManifestWriter(s3, location, empty(bucket));
    for (let i = 0; i < 10_000; i += 1) w.set(`dir${i % 10}/file-${i}.bin`, rec(i));
    const done = await w.finish();
    console.log(`manifest of 10,000 records: ${done.bytes} bytes gzip`);
    expect(done).toMatchObject({ records: 10_000, warnings: [] });
    expect(done.digest).toMatch(/^[0-9a-f]{64}$/);

    const { key } = parseManifestLocation(location);
    const h = await head(bucket, key);
    expect(h.ContentType).toBe("application/json");
    expect(h.ContentEncoding).toBeUndefined();
    expect(h.ContentLength).toBe(done.bytes);
    expect(JSON.parse(gunzipSync(await bytes(bucket, key)).toString()).records["dir3/file-3.bin"]).toEqual({
      ...rec(3),
      settingsDigest: "d1",
    });

    const read = await readManifest(s3, location);
    expect(read.digest).toBe(done.digest);
    expect(Object.keys(read.manifest!.records)).toHaveLength(10_000);
    expect(read.manifest!.records["dir7/file-9997.bin"]).toEqual({ ...rec(9997), settingsDigest: "d1" });
  });

  it("reads nothing where no manifest was written", async () => {
    const bucket = await newBucket();
    expect(await readManifest(verifier().s3, `s3://${bucket}/none.json.gz`)).toEqual({});
  });

  it("replays checkpoints after a run killed before finish, and finish then removes the journal objects", async () => {
    const bucket = await newBucket();
    const location = `s3://${bucket}/m/set.json.gz`;
    const { s3 } = verifier();
    // An earlier run finished with a, b and c.
    const first = new ManifestWriter(s3, location, empty(bucket));
    for (const k of ["a", "b", "c"]) first.set(k, rec(1));
    await first.finish();

    // The killed run: two checkpoints, one change after them never checkpointed, no finish.
    const killed = new ManifestWriter(s3, location, (await readManifest(s3, location)).manifest!);
    killed.set("d", rec(4));
    killed.remove("a");
    await killed.checkpoint();
    killed.set("b", rec(22));
    killed.set("e", rec(5));
    await killed.checkpoint();
    killed.set("lost", rec(9));
    expect(await keysUnder(bucket, "m/")).toEqual([
      "m/set.json.gz",
      "m/set.json.gz.journal/00000001.json.gz",
      "m/set.json.gz.journal/00000002.json.gz",
    ]);

    const replayed = (await readManifest(s3, location)).manifest!;
    expect(Object.keys(replayed.records).sort()).toEqual(["b", "c", "d", "e"]);
    expect(replayed.records.b.source.size).toBe(22);

    // The next run continues the journal numbering, then compacts everything.
    const next = new ManifestWriter(s3, location, replayed);
    next.set("f", rec(6));
    await next.checkpoint();
    expect(await keysUnder(bucket, "m/")).toContain("m/set.json.gz.journal/00000003.json.gz");
    const done = await next.finish();
    expect(await keysUnder(bucket, "m/")).toEqual(["m/set.json.gz"]);
    const final = await readManifest(s3, location);
    expect(final.digest).toBe(done.digest);
    expect(Object.keys(final.manifest!.records).sort()).toEqual(["b", "c", "d", "e", "f"]);
  });

  it("ignores journals the manifest already includes (killed between finish's write and its journal delete)", async () => {
    const bucket = await newBucket();
    const location = `s3://${bucket}/m.json.gz`;
    const { s3 } = verifier();
    const w = new ManifestWriter(s3, location, empty(bucket));
    w.set("a", rec(1));
    await w.checkpoint();
    w.remove("a");
    const stale = (await bytes(bucket, "m.json.gz.journal/00000001.json.gz")) as Buffer;
    await w.finish();
    // Put the compacted journal back, as a kill before the delete would have left it.
    await put(bucket, "m.json.gz.journal/00000001.json.gz", stale);
    const read = await readManifest(s3, location);
    expect(read.manifest!.records).toEqual({});
    // Included already: no run was interrupted after it.
    expect(read.interrupted).toBeUndefined();
  });

  it("tells what a killed run began to copy, and since when, from the journal it wrote before its first copy; a finished run tells nothing", async () => {
    const bucket = await newBucket();
    const location = `s3://${bucket}/m.json.gz`;
    const { s3 } = verifier();
    const finished = new ManifestWriter(s3, location, empty(bucket, "dA"));
    await finished.begin(["a"]);
    finished.set("a", rec(1));
    await finished.finish();
    expect((await readManifest(s3, location)).interrupted).toBeUndefined();

    const before = Date.now();
    const killed = new ManifestWriter(s3, location, {
      ...(await readManifest(s3, location)).manifest!,
      settingsDigest: "dB",
    });
    await killed.begin(["b", "c"]);
    // Written though no record has changed yet; a plain checkpoint with nothing to say writes nothing.
    await killed.checkpoint();
    expect(await keysUnder(bucket, "m.json.gz.journal/")).toEqual(["m.json.gz.journal/00000002.json.gz"]);
    killed.set("b", rec(2));
    await killed.checkpoint();

    const read = await readManifest(s3, location);
    expect(Object.keys(read.manifest!.records).sort()).toEqual(["a", "b"]);
    expect(read.interrupted?.planned).toEqual(new Set(["b", "c"]));
    expect(read.interrupted?.settingsDigests).toEqual(new Set(["dB"]));
    // S3's Last-Modified of the first journal (whole seconds; the server runs on this machine's clock).
    const since = read.interrupted!.since.getTime();
    expect(since).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(since).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it("builds the manifest from journals alone when the first run was killed before any finish", async () => {
    const bucket = await newBucket();
    const location = `s3://${bucket}/m.json.gz`;
    const { s3 } = verifier();
    const w = new ManifestWriter(s3, location, empty(bucket, "dX"));
    w.set("a", rec(1));
    await w.checkpoint();
    const read = await readManifest(s3, location);
    expect(read.manifest).toEqual({
      ...empty(bucket, "dX"),
      records: { a: { ...rec(1), settingsDigest: "dX" } },
    });
  });

  it("keeps awkward keys exactly", async () => {
    const bucket = await newBucket();
    const location = `s3://${bucket}/m.json.gz`;
    const { s3 } = verifier();
    const w = new ManifestWriter(s3, location, empty(bucket));
    AWKWARD.forEach((k, i) => w.set(k, rec(i)));
    await w.checkpoint();
    expect(Object.keys((await readManifest(s3, location)).manifest!.records).sort()).toEqual(
      [...AWKWARD].sort(),
    );
    await w.finish();
    const read = (await readManifest(s3, location)).manifest!;
    expect(Object.keys(read.records).sort()).toEqual([...AWKWARD].sort());
    expect(Object.getPrototypeOf(read.records)).toBe(Object.prototype);
    expect(read.records["__proto__"]).toEqual({ ...rec(7), settingsDigest: "d1" });
  });

  it("fails with MANIFEST_UNREADABLE naming the location for an object of another format", async () => {
    const bucket = await newBucket();
    await put(bucket, "site/index.json", JSON.stringify({ hello: "world" }));
    await expect(readManifest(verifier().s3, `s3://${bucket}/site/index.json`)).rejects.toThrow(
      new RegExp(`^MANIFEST_UNREADABLE: s3://${bucket}/site/index\\.json is not a manifest`),
    );
  });

  it.each([false, true])(
    "deleteManifest removes the manifest and its journals (versioned: %s), nothing else",
    async (versioned) => {
      const bucket = await newBucket({ versioned });
      const location = `s3://${bucket}/m.json.gz`;
      const { s3 } = verifier();
      await put(bucket, "m.json.gz.other", "keep");
      const w = new ManifestWriter(s3, location, empty(bucket));
      w.set("a", rec(1));
      await w.finish();
      const again = new ManifestWriter(s3, location, (await readManifest(s3, location)).manifest!);
      again.set("b", rec(2));
      await again.checkpoint();
      await deleteManifest(s3, location);
      expect(await keysUnder(bucket, "")).toEqual(["m.json.gz.other"]);
      expect(await readManifest(s3, location)).toEqual({});
      if (versioned) {
        const { ListObjectVersionsCommand } = await import("@aws-sdk/client-s3");
        const v = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
        const left = [...(v.Versions ?? []), ...(v.DeleteMarkers ?? [])].map((x) => x.Key);
        expect(left).toEqual(["m.json.gz.other"]);
      }
    },
  );
});
