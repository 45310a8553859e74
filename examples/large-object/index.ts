// Copies a large object. Above the multipart threshold (64 MiB unless set) the copy is split
// into byte ranges copied in parallel with UploadPartCopy; objects over 5 GiB need this anyway.
import * as pulumi from "@pulumi/pulumi";
import { ObjectCopy } from "pulumi-s3-object-copy";

const config = new pulumi.Config();
const sourceBucket = config.require("sourceBucket");
const sourceKey = config.require("sourceKey");
const destinationBucket = config.require("destinationBucket");
const destinationKey = config.get("destinationKey") ?? sourceKey;
// Optional tuning; unset lets the provider choose (see README.md).
const partSize = config.getNumber("partSize");
const concurrency = config.getNumber("concurrency");
const multipartThreshold = config.getNumber("multipartThreshold");

const copy = new ObjectCopy("large-copy", {
  source: `${sourceBucket}/${sourceKey}`,
  bucket: destinationBucket,
  key: destinationKey,
  partSize,
  concurrency,
  multipartThreshold,
});

/** "UploadPartCopy" for a multipart copy, "CopyObject" for a single request. */
export const copyMethod = copy.copyMethod;
export const partCount = copy.partCount;
export const contentLength = copy.contentLength;
export const etag = copy.etag;
