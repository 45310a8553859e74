// A dataset of millions of objects promoted by ONE S3 Batch Operations job: the job's role and its
// report bucket are ordinary @pulumi/aws resources, and the ObjectCopySet hands the job the keys
// to copy. Later ups send a job only for what changed; deletes and objects over 5 GiB are done by
// the provider itself.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ObjectCopySet } from "pulumi-s3-object-copy";

const config = new pulumi.Config();
const sourceBucket = config.require("sourceBucket");
// A raw S3 prefix; the destination prefix must END with it (a job prepends, it cannot rename).
const sourcePrefix = config.require("sourcePrefix");
const destinationBucket = config.require("destinationBucket");
const destinationPrefix = config.get("destinationPrefix") ?? `promoted/${sourcePrefix}`;
const wait = config.get("wait") === "started" ? "started" : "complete";

const reports = new aws.s3.Bucket("job-reports", { forceDestroy: true });

// The role the job runs as: S3 Batch Operations assumes it.
const role = new aws.iam.Role("batch-copy", {
  assumeRolePolicy: JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "batchoperations.s3.amazonaws.com" },
        Action: "sts:AssumeRole",
      },
    ],
  }),
});

new aws.iam.RolePolicy("batch-copy", {
  role: role.id,
  policy: pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadSource",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"],
        Resource: `arn:aws:s3:::${sourceBucket}/${sourcePrefix}*`,
      },
      {
        Sid: "WriteDestination",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:PutObjectTagging", "s3:PutObjectAcl"],
        Resource: `arn:aws:s3:::${destinationBucket}/${destinationPrefix}*`,
      },
      {
        Sid: "ReadManifestWriteReport",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
        Resource: pulumi.interpolate`${reports.arn}/*`,
      },
    ],
  }),
});

const dataset = new ObjectCopySet("dataset", {
  source: `${sourceBucket}/${sourcePrefix}`,
  bucket: destinationBucket,
  prefix: destinationPrefix,
  storageClass: "INTELLIGENT_TIERING",
  batchOperations: {
    roleArn: role.arn,
    report: { bucket: reports.bucket, prefix: "copy-reports" },
    priority: 10,
    wait,
  },
});

export const reportBucket = reports.bucket;
export const roleArn = role.arn;
export const job = dataset.batchJob;
export const objectCount = dataset.objectCount;
