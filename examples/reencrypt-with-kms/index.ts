// Re-encrypts an object with a customer-managed KMS key: in place (a copy onto itself, which S3
// allows because the encryption changes), or to another key when inPlace is false.
import * as pulumi from "@pulumi/pulumi";
import { ObjectCopy } from "pulumi-s3-object-copy";

const config = new pulumi.Config();
const bucket = config.require("bucket");
const key = config.require("key");
// Key id, key ARN, alias name ("alias/my-key") or alias ARN; the provider resolves it to the key ARN.
const kmsKeyId = config.require("kmsKeyId");
const inPlace = config.getBoolean("inPlace") ?? true;
const destinationBucket = inPlace ? bucket : (config.get("destinationBucket") ?? bucket);
const destinationKey = inPlace ? key : config.require("destinationKey");
// Optional: S3 Bucket Keys cut KMS request costs; unset leaves the bucket's setting.
const bucketKeyEnabled = config.getBoolean("bucketKeyEnabled");

const copy = new ObjectCopy("reencrypted", {
  source: `${bucket}/${key}`,
  bucket: destinationBucket,
  key: destinationKey,
  serverSideEncryption: "aws:kms",
  kmsKeyId,
  bucketKeyEnabled,
});

/** The ARN of the key that now encrypts the object (an alias is resolved to it). */
export const kmsKeyArn = copy.kmsKeyArn;
export const etag = copy.etag;
export const versionId = copy.versionId;
export const deleteBehavior = copy.deleteBehavior;
