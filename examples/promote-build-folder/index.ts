// Promotes a whole build folder (a static site, a dataset) to a release bucket, usually in another
// region, as ONE resource: the next `pulumi up` copies what the build added, re-copies what it
// changed and deletes what it removed, and nothing else under the release prefix.
import * as pulumi from "@pulumi/pulumi";
import { ObjectCopySet } from "pulumi-s3-object-copy";

const config = new pulumi.Config();
const buildBucket = config.require("buildBucket");
const buildRegion = config.get("buildRegion");
// A raw S3 prefix: "builds/1234/" is a folder; "builds/1234" would also match "builds/12345/".
const buildPrefix = config.require("buildPrefix");
const releaseBucket = config.require("releaseBucket");
const releaseRegion = config.get("releaseRegion");
const releasePrefix = config.get("releasePrefix") ?? "";
const exclude = config.getObject<string[]>("exclude") ?? ["**/*.map"];
const cacheControl = config.get("cacheControl") ?? "public, max-age=300";

if (!Array.isArray(exclude) || exclude.some((p) => typeof p !== "string" || p === "")) {
  throw new Error(`config "exclude" must be a JSON array of glob patterns, got ${JSON.stringify(exclude)}`);
}

const site = new ObjectCopySet("release", {
  source: `${buildBucket}/${buildPrefix}`,
  sourceRegion: buildRegion,
  bucket: releaseBucket,
  region: releaseRegion,
  prefix: releasePrefix,
  exclude,
  // Keep each file's own Content-Type and metadata; set one Cache-Control on all of them.
  metadataDirective: "MERGE",
  cacheControl,
});

/** What the release holds, and where the set keeps its per-key record. */
export const objectCount = site.objectCount;
export const totalBytes = site.totalBytes;
export const lastRun = site.lastRun;
export const manifestLocation = site.manifestLocation;
