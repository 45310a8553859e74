// ObjectCopySet's `batchOperations` input: its own fields, and what an S3 Batch Operations job
// cannot do, said at preview instead of failing inside a job at AWS.
import { unsupportedJobSettings } from "../batch/copy-settings";
import { targetKeyPrefix } from "../batch/job-request";
import { jobCopySettings } from "../set/job-settings";
import type { SetInputs } from "../set/state";
import { parseSetSource } from "../set/spec";
import { all, int, isUnknown, oneOf, shape, str } from "./primitives";
import { show } from "./show";
import type { CrossRule, Rule } from "./types";
import { accountIdRule, bucketRule, endpointRule } from "./values";

/** S3 Batch Operations job priorities: a 32-bit signed integer, zero or more (CreateJob's Priority). */
export const JOB_PRIORITY_MAX = 2_147_483_647;
export const JOB_WAITS = ["complete", "started"] as const;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

const roleArnRule: Rule<string> = all(str(), (value, ctx) =>
  ROLE_ARN.test(value as string)
    ? (value as string)
    : ctx.fail(
        `${show(value)} is not an IAM role ARN such as "arn:aws:iam::111122223333:role/batch-copy"; ` +
          `the job runs as this role (see the README's IAM section)`,
      ),
);

/** A report prefix: S3 writes `<prefix>/job-<id>/...`, so a leading or doubled slash makes odd keys. */
const reportPrefixRule: Rule<string> = (value, ctx) => {
  if (typeof value !== "string") return ctx.fail(`must be a string, got ${show(value)}`);
  if (value.startsWith("/"))
    return ctx.fail(`${show(value)} starts with "/"; write "reports/batch", not "/reports/batch"`);
  return value;
};

const reportShape = shape({ bucket: bucketRule, prefix: reportPrefixRule }, "{ bucket, prefix }");

const reportRule: Rule<Record<string, unknown>> = (value, ctx) => {
  const out = reportShape(value, ctx);
  if (typeof out === "object" && out.bucket === undefined) {
    return ctx
      .at(`${ctx.property}.bucket`)
      .fail(`is required: the bucket S3 writes the job's completion report to`);
  }
  return out;
};

const fields = shape(
  {
    roleArn: roleArnRule,
    report: reportRule,
    priority: int(0, JOB_PRIORITY_MAX, `use a whole number 0-${JOB_PRIORITY_MAX} (higher runs first)`),
    accountId: accountIdRule,
    wait: oneOf(JOB_WAITS),
    endpoint: endpointRule,
  },
  "{ roleArn, report: { bucket, prefix }, priority, accountId, wait, endpoint }",
);

export const batchOperationsRule: Rule<Record<string, unknown>> = (value, ctx) => {
  const out = fields(value, ctx);
  if (typeof out === "object") {
    if (out.roleArn === undefined) {
      return ctx.at(`${ctx.property}.roleArn`).fail(`is required: the IAM role the job runs as`);
    }
    if (out.report === undefined) {
      return ctx
        .at(`${ctx.property}.report`)
        .fail(`is required: { bucket, prefix } for the completion report`);
    }
  }
  return out;
};

const isKnownString = (v: unknown): v is string => typeof v === "string";

/** One thing a job cannot do: the property that asks for it, and what to use instead. */
interface JobLimit {
  property: string;
  applies: (c: Parameters<CrossRule>[0]) => boolean;
  reason: string;
}

const JOB_LIMITS: readonly JobLimit[] = [
  // Reported at batchOperations, not at the key: the engine prints a failing property's value.
  {
    property: "batchOperations",
    applies: (c) => c.declared("customerKey"),
    reason:
      `cannot be used with customerKey: S3 Batch Operations cannot write SSE-C objects (a job takes no customer key); ` +
      `remove batchOperations to copy with the provider, or encrypt with serverSideEncryption "aws:kms"`,
  },
  {
    property: "batchOperations",
    applies: (c) => c.declared("sourceCustomerKey"),
    reason:
      `cannot be used with sourceCustomerKey: S3 Batch Operations cannot read SSE-C objects; ` +
      `remove batchOperations to copy them with the provider`,
  },
  {
    property: "metadataDirective",
    applies: (c) => c.valid("metadataDirective") === "MERGE",
    reason:
      `is "MERGE", which a job cannot do (S3PutObjectCopy takes COPY or REPLACE, and MERGE needs each object's own headers); ` +
      `use "REPLACE" with the full headers, or remove batchOperations to merge with the provider`,
  },
  {
    property: "kmsEncryptionContext",
    applies: (c) => c.declared("kmsEncryptionContext"),
    reason: `is set, but a job's S3PutObjectCopy has no encryption context; remove it or remove batchOperations`,
  },
  ...(["expectedBucketOwner", "expectedSourceBucketOwner"] as const).map((property) => ({
    property,
    applies: (c: Parameters<CrossRule>[0]) => c.declared(property),
    reason:
      `is set, but a job cannot check bucket owners on each copy; ` +
      `restrict the job's role to the buckets instead, or remove batchOperations`,
  })),
];

/** What a job cannot do, and a destination layout it cannot express, fail check at preview. */
export const batchOperationsLimits: CrossRule = (c) => {
  if (!c.declared("batchOperations")) return;
  for (const limit of JOB_LIMITS) if (limit.applies(c)) c.fail(limit.property, limit.reason);
  // What S3PutObjectCopy itself refuses (DSSE-KMS, classes and ACLs it does not take, ...).
  const inputs = c.inputs as unknown as SetInputs;
  const known = Object.values(c.inputs).every((v) => !isUnknown(v));
  for (const why of unsupportedJobSettings(known ? jobCopySettings(inputs, inputs.kmsKeyId) : {})) {
    c.fail("batchOperations", `cannot run these settings as a job: ${why}`);
  }
  const source = c.valid("source");
  const prefix = c.valid("prefix");
  if (!isKnownString(source) || !isKnownString(prefix) || isUnknown(c.news.batchOperations)) return;
  const src = parseSetSource(source);
  // The report and the provider's CSVs under the source would be listed as new objects at the next
  // up, and copied by another job, at every up.
  const report = (
    c.valid("batchOperations") as { report?: { bucket?: unknown; prefix?: unknown } } | undefined
  )?.report;
  if (isKnownString(report?.bucket) && report.bucket === src.bucket) {
    const trimmed = isKnownString(report.prefix) ? report.prefix.replace(/\/+$/, "") : "";
    const base = trimmed ? `${trimmed}/` : "";
    // What S3 and the provider write there: `<prefix>/job-<id>/...` and `<prefix>/pulumi-s3-object-copy-jobs/...`.
    const written = [`${base}job-`, `${base}pulumi-s3-object-copy-jobs/`];
    if (written.some((k) => k.startsWith(src.prefix) || src.prefix.startsWith(k))) {
      c.fail(
        "batchOperations.report",
        `${show(`s3://${report.bucket}/${base}`)} is inside the source ${show(source)}: the next up would copy ` +
          `the job's report and CSV as new objects, with another job; put the report in another bucket or outside the source prefix`,
      );
    }
  }
  if (targetKeyPrefix(src.prefix, prefix) === undefined) {
    c.fail(
      "prefix",
      `${show(prefix)} does not end with the source prefix ${show(src.prefix)}, and a Batch Operations job can only ` +
        `prepend a prefix to each source key (TargetKeyPrefix), not rename it; use a destination prefix that ends with ` +
        `${show(src.prefix)} (for example ${show(`promoted/${src.prefix}`)}), or remove batchOperations`,
    );
  }
};
