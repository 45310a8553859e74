// The CreateJob request of a copy job: the operation, where the manifest and the report are, the
// layouts a job can express, and the token that makes a retried create start no second job.

import { createHash } from "node:crypto";

import type { CreateJobCommandInput } from "@aws-sdk/client-s3-control";

import { ObjectCopyError, showValue } from "../errors";
import { copyOperation, type JobCopySettings, unsupportedJobSettings } from "./copy-settings";
import { MANIFEST_CSV_FORMAT } from "./manifest-csv";
import { MAX_CLIENT_REQUEST_TOKEN_CHARS, MAX_DESCRIPTION_CHARS, PRIORITY_MAX, PRIORITY_MIN } from "./limits";

export { type JobCopySettings, unsupportedJobSettings } from "./copy-settings";

export interface JobSpec {
  accountId: string;
  roleArn: string;
  priority: number;
  description: string;
  destBucket: string;
  /** Prepended to every source key; "" keeps the keys. */
  targetKeyPrefix: string;
  manifest: { bucket: string; key: string; etag: string; withVersionIds: boolean };
  /** The report is always on, for all tasks: it is how the set learns each key's result. */
  report: { bucket: string; prefix: string };
  settings: JobCopySettings;
  clientRequestToken: string;
  /** The ARN partition of the destination's region ("aws" unless given; see partitionOf). */
  partition?: string;
}

/** The ARN partition of a region: the S3 ARNs of a job must name it. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/**
 * Where a destination key is `destPrefix + (key - sourcePrefix)`, the TargetKeyPrefix that gives
 * it, or undefined when none can. S3 prepends TargetKeyPrefix to the full source key and cannot
 * strip anything, so the layout is expressible only when destPrefix ends with sourcePrefix.
 */
export function targetKeyPrefix(sourcePrefix: string, destPrefix: string): string | undefined {
  if (!destPrefix.endsWith(sourcePrefix)) return undefined;
  return destPrefix.slice(0, destPrefix.length - sourcePrefix.length);
}

/**
 * A job's ClientRequestToken from what identifies it (set, plan, manifest ETag): the same parts
 * always give the same token, so a create that is retried, by the SDK or by the next up after a
 * crash, is answered with the job already made instead of starting a second one.
 */
export function clientRequestToken(parts: string[]): string {
  // JSON keeps ["a,b"] and ["a", "b"] apart.
  return createHash("sha256")
    .update(JSON.stringify(parts))
    .digest("hex")
    .slice(0, MAX_CLIENT_REQUEST_TOKEN_CHARS);
}

function invalid(message: string): never {
  throw new ObjectCopyError("BATCH_JOB_INVALID", message);
}

function checkSpec(spec: JobSpec): void {
  if (!/^\d{12}$/.test(spec.accountId)) {
    invalid(`accountId ${showValue(spec.accountId)} is not a 12-digit AWS account id`);
  }
  if (!/^arn:[^:]+:iam::\d{12}:role\/./.test(spec.roleArn)) {
    invalid(`roleArn ${showValue(spec.roleArn)} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  }
  if (!Number.isInteger(spec.priority) || spec.priority < PRIORITY_MIN || spec.priority > PRIORITY_MAX) {
    invalid(
      `priority ${showValue(spec.priority)} must be a whole number from ${PRIORITY_MIN} to ${PRIORITY_MAX}`,
    );
  }
  const token = spec.clientRequestToken;
  if (token.length < 1 || token.length > MAX_CLIENT_REQUEST_TOKEN_CHARS) {
    invalid(
      `clientRequestToken has ${token.length} characters; CreateJob takes 1 to ${MAX_CLIENT_REQUEST_TOKEN_CHARS}`,
    );
  }
  const why = unsupportedJobSettings(spec.settings);
  if (why.length > 0) invalid(`these settings cannot run as a Batch Operations job: ${why.join("; ")}`);
}

/** The CreateJob input for a spec; throws BATCH_JOB_INVALID for what CreateJob or a job cannot take. */
export function createJobInput(spec: JobSpec): CreateJobCommandInput {
  checkSpec(spec);
  const arn = (resource: string) => `arn:${spec.partition ?? "aws"}:s3:::${resource}`;
  const description = [...spec.description].slice(0, MAX_DESCRIPTION_CHARS).join("");
  return {
    AccountId: spec.accountId,
    // Without this a job may wait in Suspended for someone to confirm it in the console.
    ConfirmationRequired: false,
    Operation: { S3PutObjectCopy: copyOperation(spec.settings, arn(spec.destBucket), spec.targetKeyPrefix) },
    Manifest: {
      Spec: {
        Format: MANIFEST_CSV_FORMAT,
        Fields: spec.manifest.withVersionIds ? ["Bucket", "Key", "VersionId"] : ["Bucket", "Key"],
      },
      // AWS's examples give the ETag without the quotes S3 puts around it.
      Location: {
        ObjectArn: arn(`${spec.manifest.bucket}/${spec.manifest.key}`),
        ETag: spec.manifest.etag.replace(/^"|"$/g, ""),
      },
    },
    Report: {
      Bucket: arn(spec.report.bucket),
      ...(spec.report.prefix !== "" ? { Prefix: spec.report.prefix } : {}),
      Format: "Report_CSV_20180820",
      Enabled: true,
      ReportScope: "AllTasks",
    },
    Priority: spec.priority,
    RoleArn: spec.roleArn,
    ClientRequestToken: spec.clientRequestToken,
    ...(description !== "" ? { Description: description } : {}),
  };
}
