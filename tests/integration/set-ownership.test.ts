// Which objects an ObjectCopySet may delete, on a real server: never what a newer set (a renamed
// stack or resource, a moved manifest) now records, never another set's objects through a shared
// or overwritten manifest, never a record that cannot prove the object is the set's own; and, on a
// bucket that keeps versions, the "null" version the set wrote, by id, without a delete marker.
import { gzipSync } from "node:zlib";

import {
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
} from "@aws-sdk/client-s3";

import { objectCopySetProvider } from "../../provider/set-dynamic";
import type { SetOutputs } from "../../provider/engine/set";
import { readManifest } from "../../provider/engine/set/manifest";
import { bytes, newBucket, provider, put, verifier } from "../helpers/s3";

const identity = (name: string, stack = "test") => ({
  __setProject: "proj",
  __setStack: stack,
  __setName: `${name}-${Math.random().toString(36).slice(2, 8)}`,
});

const sets = {
  async checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
    const r = await objectCopySetProvider.check!(olds, news);
    if (r.failures?.length) throw new Error(`check failed: ${JSON.stringify(r.failures)}`);
    return r.inputs as Record<string, unknown>;
  },
  async create(news: Record<string, unknown>): Promise<SetOutputs> {
    return (await objectCopySetProvider.create(await this.checked(news))).outs as SetOutputs;
  },
  async diff(olds: SetOutputs, news: Record<string, unknown>) {
    const inputs = await this.checked(news, olds as never);
    return objectCopySetProvider.diff!("id", olds, inputs);
  },
  async update(olds: SetOutputs, news: Record<string, unknown>): Promise<SetOutputs> {
    const inputs = await this.checked(news, olds as never);
    return (await objectCopySetProvider.update!("id", olds, inputs)).outs as SetOutputs;
  },
  async delete(olds: SetOutputs) {
    await objectCopySetProvider.delete!("id", olds as never);
  },
};

async function keysOf(bucket: string, prefix = ""): Promise<string[]> {
  const out = await verifier().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

const userKeys = (keys: string[]) => keys.filter((k) => !k.startsWith(".pulumi-s3-object-copy/"));

async function recorded(location: string): Promise<string[]> {
  const { manifest } = await readManifest(verifier().s3, location);
  return Object.keys(manifest?.records ?? {}).sort();
}

/** Every version and delete marker under a key prefix, as "key@version" and "key@marker". */
async function allVersions(bucket: string, prefix = ""): Promise<string[]> {
  const out = await verifier().s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
  return [
    ...(out.Versions ?? []).map((v) => `${v.Key}@${v.VersionId}`),
    ...(out.DeleteMarkers ?? []).map((m) => `${m.Key}@marker`),
  ].sort();
}

const versioning = (bucket: string, Status: "Enabled" | "Suspended") =>
  verifier().s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status } }));

/** Waits past the current second, so a rewrite gets another Last-Modified (S3 keeps seconds). */
const nextSecond = () => new Promise((r) => setTimeout(r, 1_100));

let logs: string[] = [];
beforeEach(() => {
  provider.reset();
  logs = [];
  jest.spyOn(console, "log").mockImplementation((line: string) => void logs.push(String(line)));
});
afterEach(() => jest.restoreAllMocks());

describe("a moved manifest never costs the objects the new set holds (finding 1)", () => {
  it("a stack rename keeps the default manifest: no replace, the objects stay and stay recorded", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "s/a", "a");
    const news = { source: `${src}/s/`, bucket: dst, ...identity("site", "dev") };
    const one = await sets.create(news);
    const renamed = { ...news, __setStack: "dev2" };
    const d = await sets.diff(one, renamed);
    expect(d.replaces ?? []).toEqual([]);
    const two = await sets.update(one, renamed);
    expect(two.manifestLocation).toBe(one.manifestLocation);
    expect(userKeys(await keysOf(dst))).toEqual(["a"]);
    expect(await recorded(two.manifestLocation)).toEqual(["a"]);
  });

  it("an explicit manifestLocation change on the same bucket and prefix deletes the old set first, and the new one ends holding every object", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "s/a", "a");
    await put(src, "s/b", "b");
    const news = {
      source: `${src}/s/`,
      bucket: dst,
      prefix: "d/",
      manifestLocation: `s3://${dst}/m/one.json.gz`,
      ...identity("moved"),
    };
    const one = await sets.create(news);
    const moved = { ...news, manifestLocation: `s3://${dst}/m/two.json.gz` };
    const d = await sets.diff(one, moved);
    expect(d.replaces).toEqual(["manifestLocation"]);
    expect(d.deleteBeforeReplace).toBe(true);
    // What Pulumi does with that answer: the old one goes, then the new one is created.
    await sets.delete(one);
    const two = await sets.create(moved);
    expect(await keysOf(dst, "d/")).toEqual(["d/a", "d/b"]);
    expect(await recorded(two.manifestLocation)).toEqual(["a", "b"]);
  });

  it("a renamed resource (a new set created before the old one is destroyed) keeps every object the new set recorded", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "s/a", "a");
    const old = await sets.create({ source: `${src}/s/`, bucket: dst, ...identity("site") });
    const renamed = await sets.create({ source: `${src}/s/`, bucket: dst, ...identity("site-renamed") });
    await sets.delete(old);
    expect(userKeys(await keysOf(dst))).toEqual(["a"]);
    expect(await recorded(renamed.manifestLocation)).toEqual(["a"]);
    expect(logs.join("\n")).toMatch(/left 1 object\(s\) in place .*(another set records it|rewritten since)/);
  });

  it("destroy keeps an object rewritten with the same bytes since the set copied it (Last-Modified differs)", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "s/a", "a");
    await put(src, "s/b", "b");
    const one = await sets.create({
      source: `${src}/s/`,
      bucket: dst,
      prefix: "d/",
      manifestLocation: `s3://${dst}/m/x.json.gz`,
      ...identity("rewritten"),
    });
    await nextSecond();
    await put(dst, "d/a", "a");
    await sets.delete(one);
    expect(await keysOf(dst, "d/")).toEqual(["d/a"]);
  });
});

describe("a multipart copy proves itself its own (finding 1)", () => {
  it("a multipart copy onto an unversioned bucket records its Last-Modified, and destroy deletes it", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "s/big", Buffer.alloc(6 * 1024 * 1024, 7));
    const one = await sets.create({
      source: `${src}/s/`,
      bucket: dst,
      prefix: "d/",
      multipartThreshold: 5 * 1024 * 1024,
      partSize: 5 * 1024 * 1024,
      ...identity("multipart"),
    });
    const { manifest } = await readManifest(verifier().s3, one.manifestLocation);
    expect(manifest?.records.big.dest.lastModified).toEqual(expect.any(String));
    await sets.delete(one);
    expect(await keysOf(dst, "d/")).toEqual([]);
  });
});

describe("one manifest, one owner (finding 2)", () => {
  it("a second set given another set's manifest fails with MANIFEST_MISMATCH naming both, before copying or deleting anything", async () => {
    const s1 = await newBucket();
    const s2 = await newBucket();
    const dst = await newBucket();
    await put(s1, "a", "a");
    await put(s2, "b", "b");
    const loc = `s3://${dst}/shared.json.gz`;
    const first = { source: s1, bucket: dst, prefix: "d/", manifestLocation: loc, ...identity("first") };
    await sets.create(first);
    const second = { source: s2, bucket: dst, prefix: "d/", manifestLocation: loc, ...identity("second") };
    const failed = sets.create(second);
    await expect(failed).rejects.toThrow(/MANIFEST_MISMATCH/);
    const message = String(await failed.catch((e: unknown) => e));
    expect(message).toContain(first.__setName);
    expect(message).toContain(second.__setName);
    expect(await keysOf(dst, "d/")).toEqual(["d/a"]);
    expect(await recorded(loc)).toEqual(["a"]);
  });
});

describe("a set's own records cannot be forged through its objects (finding 3)", () => {
  it("a source key that would land on another set's manifest is skipped with a warning, and the victim keeps precious", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    const other = await newBucket();
    await put(other, "v/site.html", "victim");
    await put(dst, "precious", "someone else's object");
    const victimNews = { source: `${other}/v/`, bucket: dst, ...identity("victim") };
    const victim = await sets.create(victimNews);
    const victimKey = victim.manifestLocation.replace(`s3://${dst}/`, "");
    const crafted = {
      format: "pulumi-s3-object-copy/set-manifest/1",
      settingsDigest: "x",
      bucket: dst,
      prefix: "",
      records: {
        precious: { source: { etag: "e", size: 1, lastModified: "2020-01-01T00:00:00Z" }, dest: { size: 1 } },
      },
    };
    await put(src, `build/${victimKey}`, gzipSync(JSON.stringify(crafted)));
    await put(src, "build/index.html", "i");
    logs = [];
    await sets.create({ source: `${src}/build/`, bucket: dst, ...identity("attacker") });
    expect(logs.join("\n")).toMatch(/skipped 1 source key/);
    expect(await recorded(victim.manifestLocation)).toEqual(["site.html"]);
    await sets.update(victim, victimNews);
    expect((await bytes(dst, "precious")).toString()).toBe("someone else's object");
  });

  it("a manifest record without an ETag on an unversioned bucket is never deleted", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "v/site.html", "victim");
    await put(dst, "precious", "someone else's object");
    const news = { source: `${src}/v/`, bucket: dst, ...identity("forged") };
    const victim = await sets.create(news);
    const key = victim.manifestLocation.replace(`s3://${dst}/`, "");
    const { manifest } = await readManifest(verifier().s3, victim.manifestLocation);
    const forged = {
      ...manifest!,
      records: {
        ...manifest!.records,
        precious: { source: { etag: "e", size: 1, lastModified: "2020-01-01T00:00:00Z" }, dest: { size: 1 } },
      },
    };
    await put(dst, key, gzipSync(JSON.stringify(forged)));
    await sets.update(victim, news);
    expect((await bytes(dst, "precious")).toString()).toBe("someone else's object");
    await sets.delete(victim);
    expect((await bytes(dst, "precious")).toString()).toBe("someone else's object");
    expect(userKeys(await keysOf(dst))).toEqual(["precious"]);
  });
});

describe("a bucket whose versioning changed since the copy (finding 6)", () => {
  it("destroy on a versioning-suspended bucket deletes the null version the set wrote, without a delete marker", async () => {
    const src = await newBucket();
    await put(src, "s/a", "a");
    const dst = await newBucket({ versioned: true });
    await versioning(dst, "Suspended");
    const one = await sets.create({
      source: `${src}/s/`,
      bucket: dst,
      prefix: "d/",
      ...identity("suspended"),
    });
    await sets.delete(one);
    expect(await allVersions(dst, "d/")).toEqual([]);
  });

  it("destroy on a bucket versioned after the copy deletes the null version the set wrote, without a delete marker", async () => {
    const src = await newBucket();
    await put(src, "s/a", "a");
    const dst = await newBucket();
    const one = await sets.create({ source: `${src}/s/`, bucket: dst, prefix: "d/", ...identity("later") });
    await versioning(dst, "Enabled");
    await sets.delete(one);
    expect(await allVersions(dst, "d/")).toEqual([]);
  });

  it("deleteRemoved on a bucket versioned after the copy deletes the removed key's null version and keeps the rest", async () => {
    const src = await newBucket();
    await put(src, "s/a", "a");
    await put(src, "s/b", "b");
    const dst = await newBucket();
    const news = { source: `${src}/s/`, bucket: dst, prefix: "d/", ...identity("removed") };
    const one = await sets.create(news);
    await versioning(dst, "Enabled");
    const two = await sets.update(one, { ...news, exclude: ["b"] });
    expect(two.lastRun?.deleted).toBe(1);
    expect(await allVersions(dst, "d/")).toEqual(["d/a@null"]);
  });

  it("a null version rewritten with the same bytes since the copy is left alone on a suspended bucket", async () => {
    const src = await newBucket();
    await put(src, "s/a", "a");
    const dst = await newBucket({ versioned: true });
    await versioning(dst, "Suspended");
    const one = await sets.create({ source: `${src}/s/`, bucket: dst, prefix: "d/", ...identity("kept") });
    await nextSecond();
    await put(dst, "d/a", "a");
    await sets.delete(one);
    expect(await allVersions(dst, "d/")).toEqual(["d/a@null"]);
  });
});
