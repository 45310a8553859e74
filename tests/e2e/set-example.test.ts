/*
 * examples/promote-build-folder under the real Pulumi CLI against moto, across two regions: up
 * copies the build folder; a second preview plans nothing; a file added and one removed at the
 * source show as one update with the set's summary line, and up copies one and deletes one; the
 * exported state stays small; destroy removes exactly what the set wrote and its manifest, and
 * leaves an object someone else put under the release prefix.
 */
import { DeleteObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";

import { bytes, head, newBucket, put, verifier } from "../helpers/s3";
import { exampleStack, plannedChanges } from "./harness";

const BUILD_REGION = "us-west-2";
const RELEASE_REGION = "eu-west-1";
/** The target for a set's state, whatever its object count. */
const MAX_STATE_BYTES = 16 * 1024;

const FILES: Record<string, [string, string]> = {
  "index.html": ["<html>release</html>", "text/html"],
  "app.js": ["console.log(1)", "application/javascript"],
  "app.js.map": ["{}", "application/json"], // the example's default exclude leaves it behind
  "css/site.css": ["body{}", "text/css"],
  "img/logo.svg": ["<svg/>", "image/svg+xml"],
};

async function keysOf(bucket: string, prefix = ""): Promise<string[]> {
  const out = await verifier(RELEASE_REGION).s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }),
  );
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

jest.setTimeout(180_000);

it("promote-build-folder: up copies the folder, an added and a removed file show as one update, destroy leaves others' objects", async () => {
  const build = await newBucket({ region: BUILD_REGION });
  const release = await newBucket({ region: RELEASE_REGION });
  for (const [k, [body, type]] of Object.entries(FILES)) {
    await put(build, `builds/42/${k}`, body, { ContentType: type }, BUILD_REGION);
  }
  await put(release, "www/theirs.txt", "someone else's", {}, RELEASE_REGION);
  const cli = await exampleStack("promote-build-folder");
  try {
    await cli.setConfig({
      buildBucket: build,
      buildRegion: BUILD_REGION,
      buildPrefix: "builds/42/",
      releaseBucket: release,
      releaseRegion: RELEASE_REGION,
      releasePrefix: "www/",
    });

    // 1. up copies every file but the source map, with its own Content-Type and one Cache-Control.
    await cli.up();
    const copied = ["app.js", "css/site.css", "img/logo.svg", "index.html"];
    expect(await keysOf(release, "www/")).toEqual(
      [...copied.map((k) => `www/${k}`), "www/theirs.txt"].sort(),
    );
    for (const k of copied) {
      expect((await bytes(release, `www/${k}`, RELEASE_REGION)).toString()).toBe(FILES[k][0]);
      expect(await head(release, `www/${k}`, RELEASE_REGION)).toMatchObject({
        ContentType: FILES[k][1],
        CacheControl: "public, max-age=300",
      });
    }
    const first = (await cli.outputs()) as { objectCount: number; manifestLocation: string };
    expect(first.objectCount).toBe(4);
    const manifestKey = first.manifestLocation.replace(`s3://${release}/`, "");
    expect(await keysOf(release, ".pulumi-s3-object-copy/")).toEqual([manifestKey]);

    // 2. a second preview plans nothing.
    expect(await plannedChanges(cli)).toEqual({});

    // 3. a file added and one removed out of band: one update, and the summary line says what.
    await put(build, "builds/42/new.js", "new", { ContentType: "application/javascript" }, BUILD_REGION);
    await verifier(BUILD_REGION).s3.send(
      new DeleteObjectCommand({ Bucket: build, Key: "builds/42/css/site.css" }),
    );
    expect(await plannedChanges(cli)).toEqual({ release: ["update"] });
    const preview = await cli.must(["preview"]);
    expect(preview.stdout).toMatch(/copy 1 objects \(0\.0 MiB\), re-copy 0 \(0\.0 MiB\), delete 1; e\.g\. /);

    // 4. up copies one and deletes one; others' object stays.
    await cli.up();
    const second = (await cli.outputs()) as { objectCount: number; lastRun: Record<string, number> };
    expect(second.lastRun).toEqual({ copied: 1, recopied: 0, deleted: 1, adopted: 0, failed: 0 });
    expect(second.objectCount).toBe(4);
    expect(await keysOf(release, "www/")).toEqual(
      ["www/app.js", "www/img/logo.svg", "www/index.html", "www/new.js", "www/theirs.txt"].sort(),
    );
    expect(await plannedChanges(cli)).toEqual({});

    // 5. the state holds counts and the manifest's location, not a record per object.
    const state = await cli.exportState();
    const size = Buffer.byteLength(state, "utf8");
    console.info(`pulumi stack export: ${size} bytes`);
    expect(size).toBeLessThan(MAX_STATE_BYTES);

    // 6. destroy: exactly what the set wrote, then its manifest.
    await cli.destroy();
    expect(await keysOf(release)).toEqual(["www/theirs.txt"]);
    expect((await bytes(build, "builds/42/index.html", BUILD_REGION)).toString()).toBe(
      FILES["index.html"][0],
    );
  } finally {
    await cli.destroy().catch(() => undefined);
    await cli.remove();
  }
});
