// Promotes one build artifact to release buckets in other regions. Each release bucket gets its
// own regional KMS key (KMS keys cannot be used outside their region) and the release tags.
import * as pulumi from "@pulumi/pulumi";
import { ObjectCopy } from "pulumi-s3-object-copy";

interface Release {
  /** Release bucket. */
  bucket: string;
  /** Region of the release bucket; also names the resource, so one release per region. */
  region: string;
  /** KMS key in that region: key id, key ARN or alias ("alias/release"). */
  kmsKeyId: string;
  /** Key in the release bucket. Default: the artifact's key. */
  key?: string;
}

const config = new pulumi.Config();
const buildBucket = config.require("buildBucket");
const buildRegion = config.require("buildRegion");
const artifactKey = config.require("artifactKey");
// Optional: promote exactly this version of the artifact to every region.
const artifactVersionId = config.get("artifactVersionId");
const releases = config.requireObject<Release[]>("releases");
const tags = config.getObject<Record<string, string>>("tags") ?? { stage: "release" };

if (!Array.isArray(releases) || releases.length === 0) {
  throw new Error(`config "releases" must be a non-empty JSON array of {bucket, region, kmsKeyId}`);
}
for (const r of releases) {
  for (const field of ["bucket", "region", "kmsKeyId"] as const) {
    if (typeof r?.[field] !== "string" || r[field] === "") {
      throw new Error(`config "releases": every entry needs a "${field}" string, got ${JSON.stringify(r)}`);
    }
  }
}
if (new Set(releases.map((r) => r.region)).size !== releases.length) {
  throw new Error(`config "releases" names a region more than once`);
}

const source = `${buildBucket}/${artifactKey}` + (artifactVersionId ? `?versionId=${artifactVersionId}` : "");

const copies = releases.map(
  (release) =>
    new ObjectCopy(`release-${release.region}`, {
      source,
      sourceRegion: buildRegion,
      bucket: release.bucket,
      key: release.key ?? artifactKey,
      region: release.region,
      serverSideEncryption: "aws:kms",
      kmsKeyId: release.kmsKeyId,
      taggingDirective: "REPLACE",
      tags,
    }),
);

/** Per release region: where the artifact went, its ETag, and the ARN of the key encrypting it. */
export const promoted = Object.fromEntries(
  releases.map((release, i) => [
    release.region,
    { bucket: release.bucket, etag: copies[i].etag, kmsKeyArn: copies[i].kmsKeyArn },
  ]),
);
