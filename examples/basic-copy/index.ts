// Copies one object to another bucket (or key) with a server-side copy: the bytes never leave S3.
import * as pulumi from "@pulumi/pulumi";
import { ObjectCopy } from "pulumi-s3-object-copy";

const config = new pulumi.Config();
const sourceBucket = config.require("sourceBucket");
const sourceKey = config.require("sourceKey");
const destinationBucket = config.require("destinationBucket");
const destinationKey = config.get("destinationKey") ?? sourceKey;
// Optional: pin one version of a versioned source instead of following its latest version.
const sourceVersionId = config.get("sourceVersionId");
// Optional: a storage class for the copy (S3 does not carry the source's over).
const storageClass = config.get("storageClass") as "STANDARD" | "STANDARD_IA" | undefined;

const copy = new ObjectCopy("copy", {
  source: `${sourceBucket}/${sourceKey}` + (sourceVersionId ? `?versionId=${sourceVersionId}` : ""),
  bucket: destinationBucket,
  key: destinationKey,
  storageClass,
});

export const etag = copy.etag;
export const versionId = copy.versionId;
export const copyMethod = copy.copyMethod;
