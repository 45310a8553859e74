import * as pulumi from "@pulumi/pulumi";
import { ObjectCopy, ObjectCopySet } from "pulumi-s3-object-copy";

// Bucket names, regions and keys come from stack config, which scripts/demo.sh fills in after
// creating them on the local server; against AWS, set them to your own.
const config = new pulumi.Config();
const build = config.requireObject<{ bucket: string; region: string; artifact: string }>("build");
const releases = config.requireObject<{ bucket: string; region: string; kmsKeyId: string }[]>("releases");
const site = config.requireObject<{ bucket: string; keys: string[] }>("site");
const large = config.requireObject<{ key: string; bucket: string }>("large");
const web = config.requireObject<{ bucket: string; region: string }>("web");

// 1. Promote one artifact from the build bucket to a release bucket in each region, re-encrypted
//    with that region's KMS key (an alias: resolved to the key ARN, so it never diffs).
const promoted = releases.map(
  (r) =>
    new ObjectCopy(`release-${r.region}`, {
      source: `${build.bucket}/${build.artifact}`,
      sourceRegion: build.region,
      bucket: r.bucket,
      region: r.region,
      key: `releases/${build.artifact}`,
      kmsKeyId: r.kmsKeyId,
      taggingDirective: "REPLACE",
      tags: { stage: "release" },
    }),
);

// 2. Give site assets a long Cache-Control by copying them onto themselves; MERGE keeps their
//    Content-Type and other metadata.
const assets = site.keys.map(
  (key) =>
    new ObjectCopy(`cache-${key.replace(/[^a-z0-9]+/gi, "-")}`, {
      bucket: site.bucket,
      key,
      source: `${site.bucket}/${key}`,
      metadataDirective: "MERGE",
      cacheControl: "public, max-age=31536000, immutable",
    }),
);

// 3. A large object, copied in parallel parts (the threshold is lowered so the demo stays small).
const big = new ObjectCopy("large-object", {
  source: `${build.bucket}/${large.key}`,
  sourceRegion: build.region,
  bucket: large.bucket,
  region: build.region,
  key: `copies/${large.key}`,
  multipartThreshold: 5 * 1024 * 1024,
  partSize: 5 * 1024 * 1024,
});

// 4. A whole build folder as one resource: every file under web/ except source maps, each keeping
//    its own Content-Type and gaining a Cache-Control. Files added or removed at the source are
//    copied or deleted by the next up; state holds counts, the records live in a manifest in S3.
const webRelease = new ObjectCopySet("web-release", {
  source: `${build.bucket}/web/`,
  sourceRegion: build.region,
  bucket: web.bucket,
  region: web.region,
  prefix: "www/",
  exclude: ["**/*.map"],
  metadataDirective: "MERGE",
  cacheControl: "public, max-age=300",
});

export const releaseCopies = promoted.map((c) => ({
  bucket: c.bucket,
  key: c.key,
  region: c.region,
  kmsKeyArn: c.kmsKeyArn,
  etag: c.etag,
  sourceEtag: c.sourceEtag,
}));
export const siteAssets = assets.map((c) => ({ key: c.key, deleteBehavior: c.deleteBehavior }));
export const largeObject = { key: big.key, copyMethod: big.copyMethod, partCount: big.partCount };
export const webSite = {
  objects: webRelease.objectCount,
  lastRun: webRelease.lastRun,
  manifest: webRelease.manifestLocation,
};
