// ObjectCopy next to @pulumi/aws resources: the buckets, the KMS key and the source object are
// ordinary aws resources, and the copy takes their outputs, so Pulumi orders everything.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ObjectCopy } from "pulumi-s3-object-copy";

const key = new aws.kms.Key("copies", {
  description: "Encrypts objects copied by ObjectCopy",
  deletionWindowInDays: 7,
  enableKeyRotation: true,
});

const src = new aws.s3.Bucket("source", { forceDestroy: true });
const dest = new aws.s3.Bucket("destination", { forceDestroy: true });

const obj = new aws.s3.BucketObjectv2("artifact", {
  bucket: src.id,
  key: "artifacts/app.txt",
  content: "hello from the source bucket\n",
  contentType: "text/plain",
});

const copy = new ObjectCopy("copy", {
  bucket: dest.bucket,
  key: obj.key,
  // Referencing obj.key also makes the copy wait for the object to exist.
  source: pulumi.interpolate`${src.bucket}/${obj.key}`,
  region: dest.region,
  sourceRegion: src.region,
  serverSideEncryption: "aws:kms",
  kmsKeyId: key.arn,
});

export const sourceBucket = src.bucket;
export const destinationBucket = dest.bucket;
export const copyEtag = copy.etag;
export const kmsKeyArn = copy.kmsKeyArn;
