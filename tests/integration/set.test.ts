// ObjectCopySet end to end on a real server, through the dynamic provider's methods as the engine
// calls them (check, then create/diff/update/read/delete): what is copied, what is re-copied, what
// is deleted and what is never touched.
import { createHash, randomBytes } from "node:crypto";

import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  UploadPartCommand,
} from "@aws-sdk/client-s3";

import { objectCopySetProvider } from "../../provider/set-dynamic";
import { MiB } from "../../provider/engine/constants";
import type { SetOutputs } from "../../provider/engine/set";
import { ManifestWriter, readManifest } from "../../provider/engine/set/manifest";
import {
  bytes,
  exists,
  head,
  newBucket,
  openUploads,
  provider,
  put,
  verifier,
  versionsOf,
} from "../helpers/s3";
import { CAN, itIf, SERVER } from "../helpers/server";

let n = 0;
/** What the resource class adds: the default manifest is named after project, stack and name. */
const identity = () => ({ __setProject: "proj", __setStack: "test", __setName: `set-${++n}` });

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
  async read(olds: SetOutputs): Promise<SetOutputs> {
    return (await objectCopySetProvider.read!("id", olds as never)).props as SetOutputs;
  },
  async delete(olds: SetOutputs) {
    await objectCopySetProvider.delete!("id", olds as never);
  },
};

async function keysOf(bucket: string, prefix = ""): Promise<string[]> {
  const out = await verifier().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

const remove = (bucket: string, key: string) =>
  verifier().s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

const userKeys = (keys: string[]) => keys.filter((k) => !k.startsWith(".pulumi-s3-object-copy/"));

async function seed(bucket: string, files: Record<string, string>, extra = {}) {
  for (const [k, body] of Object.entries(files)) await put(bucket, k, body, extra);
}

let logs: string[] = [];
beforeEach(() => {
  provider.reset();
  logs = [];
  jest.spyOn(console, "log").mockImplementation((line: string) => void logs.push(String(line)));
});
afterEach(() => jest.restoreAllMocks());

/** An in-place set over "site/" that sets Cache-Control by MERGE, the usual in-place change. */
const inPlaceSite = (bucket: string) => ({
  source: `${bucket}/site/`,
  bucket,
  prefix: "site/",
  metadataDirective: "MERGE",
  cacheControl: "max-age=60",
  ...identity(),
});

/** What a run killed before its finish leaves in S3: its begin journal, naming `keys`. */
async function killedRun(outs: SetOutputs, keys: string[]) {
  const { s3 } = verifier();
  const { manifest } = await readManifest(s3, outs.manifestLocation);
  await new ManifestWriter(s3, outs.manifestLocation, manifest!).begin(keys);
}

const FILES = {
  "build/index.html": "<html>",
  "build/app.js": "js",
  "build/vendor/lib.js": "lib",
  "build/.well-known/x": "dot",
  "build/img/a b+c%.png": "png",
};

describe("ObjectCopySet", () => {
  it("copies every object under a prefix, and a second preview after up plans nothing", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await seed(src, { ...FILES, "build2/other.js": "not under build/" });
    const news = { source: `${src}/build/`, bucket: dst, prefix: "site/", ...identity() };

    const outs = await sets.create(news);

    expect(userKeys(await keysOf(dst))).toEqual(
      Object.keys(FILES)
        .map((k) => k.replace("build/", "site/"))
        .sort(),
    );
    for (const [k, body] of Object.entries(FILES)) {
      expect((await bytes(dst, k.replace("build/", "site/"))).toString()).toBe(body);
    }
    expect(outs).toMatchObject({
      objectCount: 5,
      totalBytes: Object.values(FILES).join("").length,
      lastRun: { copied: 5, recopied: 0, deleted: 0, adopted: 0, failed: 0 },
      manifestLocation: `s3://${dst}/.pulumi-s3-object-copy/proj/test/${news.__setName}.json.gz`,
    });
    expect(await exists(dst, `.pulumi-s3-object-copy/proj/test/${news.__setName}.json.gz`)).toBe(true);
    logs = [];
    expect(await sets.diff(outs, news)).toMatchObject({ changes: false, replaces: [] });
    expect(logs).toEqual([]);
  });

  it("copies only what include selects and exclude does not", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await seed(src, FILES);
    await sets.create({
      source: `s3://${src}/build/`,
      bucket: dst,
      include: ["**/*.js", ".well-known/*"],
      exclude: ["vendor/**"],
      ...identity(),
    });
    expect(userKeys(await keysOf(dst))).toEqual([".well-known/x", "app.js"]);
  });

  // MinIO refuses keys with . or .. segments (XMinioInvalidResourceName); S3 and moto store them.
  itIf(SERVER === "moto")(
    "applies include and exclude to keys with . and .. segments as to any other key",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await seed(src, {
        "b/app.js": "js",
        "b/../secret.map": "map",
        "b/a/./b.map": "map",
        "b/private/../x.js": "x",
      });
      await sets.create({
        source: `${src}/b/`,
        bucket: dst,
        prefix: "out/",
        exclude: ["**/*.map", "private/**"],
        ...identity(),
      });
      expect(userKeys(await keysOf(dst))).toEqual(["out/app.js"]);
      await sets.create({
        source: `${src}/b/`,
        bucket: dst,
        prefix: "js/",
        include: ["**/*.js"],
        ...identity(),
      });
      expect(userKeys(await keysOf(dst, "js/"))).toEqual(["js/app.js", "js/private/../x.js"]);
    },
  );

  it("copied to the bucket root, skips the folder marker at the source prefix, and fails check on any other object there", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await seed(src, { "site/1234/": "", "site/1234/index.html": "<html>" });
    const news = { source: `${src}/site/1234/`, bucket: dst, ...identity() };
    const outs = await sets.create(news);
    expect(userKeys(await keysOf(dst))).toEqual(["index.html"]);
    expect(outs.lastRun).toMatchObject({ copied: 1, failed: 0 });
    expect(await sets.diff(outs, news)).toMatchObject({ changes: false });

    await put(src, "site/1234/", "not empty");
    const r = await objectCopySetProvider.check!({}, { ...news, ...identity() });
    expect(r.failures).toEqual([
      {
        property: "prefix",
        reason: expect.stringMatching(
          /^DESTINATION_KEY_EMPTY: the source object "site\/1234\/" \(9 bytes\) is the source prefix itself, .* set a destination prefix, or move that object$/,
        ),
      },
    ]);
  });

  itIf(CAN.sseC)(
    "encrypts every object with customerKey, and the same key in its other form is no change",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await seed(src, { "s/a": "a", "s/b": "b" });
      const raw = randomBytes(16).toString("hex"); // 32 characters: a raw 32-byte key
      const news = { source: `${src}/s/`, bucket: dst, customerKey: raw, ...identity() };
      const outs = await sets.create(news);
      expect(outs.lastRun).toMatchObject({ copied: 2, failed: 0 });
      const sse = {
        SSECustomerAlgorithm: "AES256",
        SSECustomerKey: Buffer.from(raw).toString("base64"),
        SSECustomerKeyMD5: createHash("md5").update(raw).digest("base64"),
      };
      expect((await bytes(dst, "a", "us-east-1", sse)).toString()).toBe("a");
      expect(JSON.stringify(outs)).not.toContain(raw);

      const asBase64 = { ...news, customerKey: Buffer.from(raw).toString("base64") };
      expect(await sets.diff(outs, asBase64)).toMatchObject({ changes: false });
      expect(await sets.diff(outs, { ...news, customerKey: randomBytes(16).toString("hex") })).toMatchObject({
        changes: true,
      });
    },
  );

  it("copies exactly the listed keys, and fails the preview naming a key that does not exist", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await seed(src, FILES);
    const outs = await sets.create({
      source: `${src}/build/`,
      bucket: dst,
      keys: ["index.html", "img/a b+c%.png"],
      ...identity(),
    });
    expect(userKeys(await keysOf(dst))).toEqual(["img/a b+c%.png", "index.html"]);
    expect(outs.objectCount).toBe(2);

    const r = await objectCopySetProvider.check!(
      {},
      { source: `${src}/build/`, bucket: dst, keys: ["index.html", "nope.js"], ...identity() },
    );
    expect(r.failures).toEqual([{ property: "keys", reason: expect.stringContaining('"nope.js"') }]);
    // An existing set finds it in diff, which lists the source anyway.
    const listed = { source: `${src}/build/`, bucket: dst, keys: ["index.html"], ...identity() };
    const existing = await sets.create(listed);
    await expect(sets.diff(existing, { ...listed, keys: ["index.html", "nope.js"] })).rejects.toThrow(
      /SOURCE_KEYS_NOT_FOUND: .*"nope.js"/,
    );
  });

  it("applies COPY, REPLACE and MERGE to every object of the set", async () => {
    const src = await newBucket();
    await seed(
      src,
      { "in/a.txt": "a", "in/b.txt": "b" },
      { ContentType: "text/plain", CacheControl: "no-cache", Metadata: { origin: "src" } },
    );
    const copyDst = await newBucket();
    const replaceDst = await newBucket();
    const mergeDst = await newBucket();
    await sets.create({ source: `${src}/in/`, bucket: copyDst, ...identity() });
    await sets.create({
      source: `${src}/in/`,
      bucket: replaceDst,
      metadataDirective: "REPLACE",
      contentType: "text/markdown",
      metadata: { build: "42" },
      ...identity(),
    });
    await sets.create({
      source: `${src}/in/`,
      bucket: mergeDst,
      metadataDirective: "MERGE",
      cacheControl: "max-age=300",
      metadata: { build: "42" },
      ...identity(),
    });
    for (const k of ["a.txt", "b.txt"]) {
      expect(await head(copyDst, k)).toMatchObject({
        ContentType: "text/plain",
        CacheControl: "no-cache",
        Metadata: { origin: "src" },
      });
      const replaced = await head(replaceDst, k);
      expect(replaced).toMatchObject({ ContentType: "text/markdown", Metadata: { build: "42" } });
      expect(replaced.CacheControl).toBeUndefined();
      expect(await head(mergeDst, k)).toMatchObject({
        ContentType: "text/plain",
        CacheControl: "max-age=300",
        Metadata: { origin: "src", build: "42" },
      });
    }
  });

  it("sets Cache-Control on every object under a prefix in place, leaving other objects and the bytes alone", async () => {
    const b = await newBucket();
    await seed(
      b,
      { "assets/a.css": "a", "assets/sub/b.js": "b", "other/c.js": "c" },
      { ContentType: "text/css" },
    );
    const news = {
      source: `${b}/assets/`,
      bucket: b,
      prefix: "assets/",
      metadataDirective: "MERGE",
      cacheControl: "public, max-age=31536000",
      ...identity(),
    };
    const outs = await sets.create(news);
    for (const k of ["assets/a.css", "assets/sub/b.js"]) {
      expect(await head(b, k)).toMatchObject({
        CacheControl: "public, max-age=31536000",
        ContentType: "text/css",
      });
    }
    expect((await bytes(b, "assets/sub/b.js")).toString()).toBe("b");
    expect((await head(b, "other/c.js")).CacheControl).toBeUndefined();
    expect(await sets.diff(outs, news)).toMatchObject({ changes: false });

    // Unversioned: the objects are the originals, so destroy leaves them.
    await sets.delete(outs);
    expect(userKeys(await keysOf(b))).toEqual(["assets/a.css", "assets/sub/b.js", "other/c.js"]);
    expect(await keysOf(b, ".pulumi-s3-object-copy/")).toEqual([]);
  });

  it("between two ups copies the added object, re-copies the changed one, deletes the removed one, and touches no other", async () => {
    const src = await newBucket();
    const dst = await newBucket({ versioned: true });
    await seed(src, { "s/keep1": "k1", "s/keep2": "k2", "s/change": "old", "s/remove": "bye" });
    const news = { source: `${src}/s/`, bucket: dst, prefix: "d/", ...identity() };
    const first = await sets.create(news);
    const untouched = await Promise.all(["d/keep1", "d/keep2"].map((k) => versionsOf(dst, k)));

    await put(src, "s/added", "new");
    await put(src, "s/change", "changed");
    await remove(src, "s/remove");
    logs = [];
    const d = await sets.diff(first, news);
    expect(d).toMatchObject({ changes: true, replaces: [] });
    expect(logs).toEqual([
      expect.stringMatching(/^copy 1 objects \(0\.0 MiB\), re-copy 1 \(0\.0 MiB\), delete 1; e\.g\. /),
    ]);

    const second = await sets.update(first, news);
    expect(second.lastRun).toEqual({ copied: 1, recopied: 1, deleted: 1, adopted: 0, failed: 0 });
    expect(second.objectCount).toBe(4);
    expect(userKeys(await keysOf(dst))).toEqual(["d/added", "d/change", "d/keep1", "d/keep2"]);
    expect((await bytes(dst, "d/change")).toString()).toBe("changed");
    expect(await Promise.all(["d/keep1", "d/keep2"].map((k) => versionsOf(dst, k)))).toEqual(untouched);
    // The re-copy's superseded version and the removed key's version are gone, no delete markers.
    expect(await versionsOf(dst, "d/change")).toHaveLength(1);
    expect(await versionsOf(dst, "d/remove")).toEqual([]);
    expect(await sets.diff(second, news)).toMatchObject({ changes: false });
  });

  it("never deletes an object someone else put under the destination prefix, on deleteRemoved or destroy", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await seed(src, { "s/a": "a", "s/b": "b" });
    await put(dst, "d/theirs", "not ours");
    const news = { source: `${src}/s/`, bucket: dst, prefix: "d/", ...identity() };
    const first = await sets.create(news);
    await remove(src, "s/b");
    const second = await sets.update(first, news);
    expect(second.lastRun).toMatchObject({ deleted: 1 });
    expect(userKeys(await keysOf(dst))).toEqual(["d/a", "d/theirs"]);
    await sets.delete(second);
    expect(userKeys(await keysOf(dst))).toEqual(["d/theirs"]);
    expect(await keysOf(dst, ".pulumi-s3-object-copy/")).toEqual([]);
  });

  it("on an unversioned bucket leaves an object someone overwrote since the set copied it", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await seed(src, { "s/a": "a", "s/b": "b" });
    const outs = await sets.create({ source: `${src}/s/`, bucket: dst, ...identity() });
    await put(dst, "a", "theirs now");
    await sets.delete(outs);
    expect(userKeys(await keysOf(dst))).toEqual(["a"]);
    expect((await bytes(dst, "a")).toString()).toBe("theirs now");
  });

  it("on partial failure records every success, fails naming the key and its code, and the next up copies only the rest", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await seed(src, { "s/a": "a", "s/b": "b", "s/c": "c" });
    // An object the copy cannot read: archived on moto, SSE-C without its key on MinIO.
    const key = randomBytes(32);
    await put(
      src,
      "s/bad",
      "x",
      CAN.glacier
        ? { StorageClass: "GLACIER" }
        : {
            SSECustomerAlgorithm: "AES256",
            SSECustomerKey: key.toString("base64"),
            SSECustomerKeyMD5: createHash("md5").update(key).digest("base64"),
          },
    );
    const news = { source: `${src}/s/`, bucket: dst, ...identity() };
    const failed = sets.create(news);
    await expect(failed).rejects.toThrow(/SET_COPY_FAILED: 1 of 4 objects failed to copy: s\/bad \(\w+\)/);
    // The reason the copy failed is repeated, not only its code: what to do about it.
    await expect(failed).rejects.toThrow(
      CAN.glacier
        ? /\. The first, s\/bad: .*GLACIER.*restoreArchivedSource/
        : /\. The first, s\/bad: .*SSE-C.*sourceCustomerKey/,
    );
    expect(userKeys(await keysOf(dst))).toEqual(["a", "b", "c"]);

    await put(src, "s/bad", "readable now");
    const outs = await sets.create(news);
    expect(outs.lastRun).toEqual({ copied: 1, recopied: 0, deleted: 0, adopted: 0, failed: 0 });
    expect(outs.objectCount).toBe(4);
    expect((await bytes(dst, "bad")).toString()).toBe("readable now");
  });

  it("destroy on a versioned bucket deletes exactly the versions it wrote, then the manifest", async () => {
    const src = await newBucket();
    const dst = await newBucket({ versioned: true });
    await seed(src, { "s/a": "a", "s/b": "b" });
    const older = await put(dst, "a", "an older object at the same key");
    const outs = await sets.create({ source: `${src}/s/`, bucket: dst, ...identity() });
    expect(await versionsOf(dst, "a")).toHaveLength(2);
    await sets.delete(outs);
    expect(await versionsOf(dst, "a")).toEqual([older]);
    expect((await bytes(dst, "a")).toString()).toBe("an older object at the same key");
    expect(await versionsOf(dst, "b")).toEqual([]);
    expect(await keysOf(dst, ".pulumi-s3-object-copy/")).toEqual([]);
  });

  it("destroy of an in-place set on a versioned bucket restores the originals", async () => {
    const b = await newBucket({ versioned: true });
    await seed(b, { "p/a": "a", "p/b": "b" });
    const originals = await Promise.all(["p/a", "p/b"].map((k) => versionsOf(b, k)));
    const outs = await sets.create({
      source: `${b}/p/`,
      bucket: b,
      prefix: "p/",
      metadataDirective: "MERGE",
      cacheControl: "max-age=1",
      ...identity(),
    });
    expect((await head(b, "p/a")).CacheControl).toBe("max-age=1");
    await sets.delete(outs);
    expect(await Promise.all(["p/a", "p/b"].map((k) => versionsOf(b, k)))).toEqual(originals);
    expect((await head(b, "p/a")).CacheControl).toBeUndefined();
  });

  it("refresh reports objects deleted or overwritten out of band as drift, and the next up repairs them", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await seed(src, { "s/a": "a", "s/b": "b", "s/c": "c" });
    const news = { source: `${src}/s/`, bucket: dst, ...identity() };
    const outs = await sets.create(news);
    await put(dst, "a", "tampered");
    await remove(dst, "b");

    const refreshed = await sets.read(outs);
    expect(refreshed.drift).toEqual({ missing: 1, overwritten: 1, examples: ["b", "a"] });
    expect(await sets.diff(refreshed, news)).toMatchObject({ changes: true });
    const repaired = await sets.update(refreshed, news);
    expect(repaired.lastRun).toMatchObject({ recopied: 2 });
    expect(repaired.drift).toBeUndefined();
    expect((await bytes(dst, "a")).toString()).toBe("a");
    expect((await bytes(dst, "b")).toString()).toBe("b");
    expect(await sets.read(repaired)).toEqual(repaired);
  });

  it("with adopt records an equal destination object instead of copying it, and copies over one that differs", async () => {
    const src = await newBucket();
    const dst = await newBucket({ versioned: true });
    await seed(src, { "s/same": "same", "s/diff": "source" });
    const sameVersion = await put(dst, "same", "same");
    await put(dst, "diff", "other");
    const outs = await sets.create({ source: `${src}/s/`, bucket: dst, adopt: true, ...identity() });
    expect(outs.lastRun).toEqual({ copied: 1, recopied: 0, deleted: 0, adopted: 1, failed: 0 });
    expect(await versionsOf(dst, "same")).toEqual([sameVersion]);
    expect((await bytes(dst, "diff")).toString()).toBe("source");
    // Adopted objects belong to the set: destroy deletes them too.
    await sets.delete(outs);
    expect(await versionsOf(dst, "same")).toEqual([]);
  });

  it("a create that finds the manifest of an earlier run copies nothing again", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await seed(src, { "s/a": "a" });
    const news = { source: `${src}/s/`, bucket: dst, ...identity() };
    await sets.create(news);
    // A create after a lost state (Pulumi never recorded it) finds the manifest and copies nothing.
    const again = await sets.create(news);
    expect(again.lastRun).toEqual({ copied: 0, recopied: 0, deleted: 0, adopted: 0, failed: 0 });
  });

  // MinIO lists multipart uploads only for an exact object name, not under a prefix, so one
  // listing per set finds none there.
  describe("multipart uploads open under the destination prefix", () => {
    const start = (bucket: string, Key: string) =>
      verifier()
        .s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }))
        .then((o) => `${Key}:${o.UploadId}`);

    itIf(SERVER === "moto")("a first up aborts none, not even one on a key it copies", async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await seed(src, { "s/a": "a" });
      const onOurKey = await start(dst, "d/a");
      const elsewhere = await start(dst, "d/someone-elses");
      await sets.create({ source: `${src}/s/`, bucket: dst, prefix: "d/", ...identity() });
      expect(await openUploads(dst)).toEqual([onOurKey, elsewhere].sort());
    });

    itIf(SERVER === "moto")(
      "after a killed run, aborts only the uploads on keys it was copying",
      async () => {
        const src = await newBucket();
        const dst = await newBucket();
        await seed(src, { "s/a": "a", "s/b": "b", "s/c": "c" });
        const news = { source: `${src}/s/`, bucket: dst, prefix: "d/", ...identity() };
        const outs = await sets.create(news);
        await killedRun(outs, ["a", "b"]);
        await start(dst, "d/a");
        await start(dst, "d/b");
        const notPlanned = await start(dst, "d/c");
        const outside = await start(dst, "e/a");
        await put(src, "s/a", "a, changed"); // so the next up has a copy to make

        await sets.update(outs, news);

        expect(await openUploads(dst)).toEqual([notPlanned, outside].sort());
      },
    );

    itIf(SERVER === "moto")(
      "in place, aborts none after a killed run and prints the command that would",
      async () => {
        const bucket = await newBucket();
        await seed(bucket, { "site/a.js": "a", "site/b.js": "b" });
        const news = inPlaceSite(bucket);
        const outs = await sets.create(news);
        await killedRun(outs, ["a.js"]);
        const yours = await start(bucket, "site/a.js");
        const warnings: string[] = [];
        jest.spyOn(console, "warn").mockImplementation((line: string) => void warnings.push(String(line)));

        await sets.update(outs, { ...news, cacheControl: "max-age=120" });

        expect(await openUploads(bucket)).toEqual([yours]);
        const uploadId = yours.split(":")[1];
        expect(warnings.join("\n")).toContain(
          `aws s3api abort-multipart-upload --bucket '${bucket}' --key 'site/a.js' --upload-id '${uploadId}'`,
        );
        expect(warnings.join("\n")).toMatch(
          /^warning: 1 multipart upload\(s\) begun before this run are open on keys an earlier, killed run/,
        );
      },
    );
  });

  it("re-copies every object when a per-object setting changes, and forgets removed keys when deleteRemoved is false", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await seed(src, { "s/a": "a", "s/b": "b", "s/c": "c" });
    const news = { source: `${src}/s/`, bucket: dst, deleteRemoved: false, ...identity() };
    const first = await sets.create(news);
    const changed = { ...news, metadataDirective: "MERGE", cacheControl: "max-age=5" };
    logs = [];
    expect(await sets.diff(first, changed)).toMatchObject({ changes: true, replaces: [] });
    expect(logs).toEqual([expect.stringMatching(/^copy 0 objects \(0\.0 MiB\), re-copy 3 /)]);
    const second = await sets.update(first, changed);
    expect(second.lastRun).toMatchObject({ copied: 0, recopied: 3 });
    expect((await head(dst, "c")).CacheControl).toBe("max-age=5");

    await remove(src, "s/c");
    const third = await sets.update(second, changed);
    expect(third.lastRun).toMatchObject({ deleted: 0 });
    expect(third.objectCount).toBe(2);
    expect(userKeys(await keysOf(dst))).toEqual(["a", "b", "c"]);
    expect(await sets.diff(third, changed)).toMatchObject({ changes: false });
  });

  it("replaces the set, deleting the old one first, when the destination prefix changes", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await seed(src, { "s/a": "a" });
    const news = { source: `${src}/s/`, bucket: dst, prefix: "v1/", ...identity() };
    const outs = await sets.create(news);
    expect(await sets.diff(outs, { ...news, prefix: "v2/" })).toMatchObject({
      changes: true,
      replaces: ["prefix"],
      deleteBeforeReplace: true,
    });
  });

  itIf(SERVER === "moto")(
    "after a killed in-place run, a key someone rewrote since with other bytes of the same size is copied from their version, which stays",
    async () => {
      const bucket = await newBucket({ versioned: true });
      const size = 5 * MiB + 1;
      await put(bucket, "site/a.bin", Buffer.alloc(size, 1));
      const news = inPlaceSite(bucket);
      const outs = await sets.create(news);
      await killedRun(outs, ["a.bin"]);
      // Their rewrite, as a multipart upload: same size, another ETag that is no MD5.
      const { s3 } = verifier();
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: "site/a.bin" }),
      );
      const parts = [];
      for (const [n, body] of [Buffer.alloc(5 * MiB, 2), Buffer.alloc(1, 2)].entries()) {
        const { ETag } = await s3.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: "site/a.bin",
            UploadId,
            PartNumber: n + 1,
            Body: body,
          }),
        );
        parts.push({ ETag, PartNumber: n + 1 });
      }
      const { VersionId: theirs } = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: "site/a.bin",
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );

      await sets.update(outs, { ...news, cacheControl: "max-age=120" });

      expect(await versionsOf(bucket, "site/a.bin")).toContain(theirs);
      expect((await bytes(bucket, "site/a.bin")).equals(Buffer.alloc(size, 2))).toBe(true);
    },
  );

  it("replaces an in-place set whose source moves elsewhere, so the user's originals are not deleted as removed", async () => {
    const bucket = await newBucket();
    await seed(bucket, {
      "site/app.js": "old app",
      "site/legacy.js": "only copy",
      "build/app.js": "new app",
    });
    const inPlace = inPlaceSite(bucket);
    const outs = await sets.create(inPlace);
    const moved = { ...inPlace, source: `${bucket}/build/` };

    const answer = await sets.diff(outs, moved);
    expect(answer).toMatchObject({ changes: true, replaces: ["source"], deleteBeforeReplace: true });
    await expect(sets.update(outs, moved)).rejects.toThrow(/^UNEXPECTED_REPLACE: source changed/);
    // What the engine does for that answer: the old set's delete, then the new set's create.
    await sets.delete(outs);
    const replaced = await sets.create(moved);

    expect(replaced.lastRun).toMatchObject({ copied: 1, deleted: 0, failed: 0 });
    expect((await bytes(bucket, "site/app.js")).toString()).toBe("new app");
    expect((await bytes(bucket, "site/legacy.js")).toString()).toBe("only copy");
  });

  it("updates, not replaces, a set whose source becomes its own destination: its copies are kept", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await seed(src, { "s/a": "a" });
    const news = {
      source: `${src}/s/`,
      bucket: dst,
      prefix: "s/",
      metadataDirective: "MERGE",
      cacheControl: "max-age=60",
      ...identity(),
    };
    const outs = await sets.create(news);
    // The source bucket may be gone by now: a replacement's destroy would delete the only copy.
    const inPlace = { ...news, source: `${dst}/s/` };
    expect(await sets.diff(outs, inPlace)).toMatchObject({ replaces: [] });
    const updated = await sets.update(outs, inPlace);
    expect(updated.lastRun).toMatchObject({ deleted: 0, failed: 0 });
    expect((await bytes(dst, "s/a")).toString()).toBe("a");
  });
});
