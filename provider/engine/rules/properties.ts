// The property tables: which inputs a resource takes and the rule for each. PER_OBJECT_PROPERTIES
// describe one destination object and are meant to be shared by every resource that writes objects
// (ObjectCopy, and a resource copying a set of objects with its own prefix/include/keys/concurrency).
import {
  ACLS,
  CHECKSUM_ALGORITHMS,
  CUSTOMER_ALGORITHMS,
  LEGAL_HOLD_STATUSES,
  MAX_CONCURRENCY,
  MAX_PART_BYTES,
  MAX_SINGLE_COPY_BYTES,
  METADATA_DIRECTIVES,
  MIN_PART_BYTES,
  OBJECT_LOCK_MODES,
  REQUEST_PAYERS,
  RESTORE_TIERS,
  SSE_ALGORITHMS,
  STORAGE_CLASSES,
  TAGGING_DIRECTIVES,
} from "../constants";
import { headerValue, metadataMap } from "./headers";
import { MAX_RESTORE_DAYS, MAX_RESTORE_WAIT_MINUTES, MAX_WEBSITE_REDIRECT_BYTES } from "./limits";
import { all, bool, date, int, oneOf, shape, str } from "./primitives";
import { customerKeyRule } from "./secrets";
import { show } from "./show";
import { tagMap } from "./tags";
import type { PropertySpec, PropertyTable, Rule } from "./types";
import {
  accountIdRule,
  bucketRule,
  endpointRule,
  keyRule,
  kmsContextRule,
  regionRule,
  retainUntilRule,
  sourceRule,
} from "./values";

const SOURCE_OR_NONE = "keep the source's value (MERGE) or send none (REPLACE)";
const ASCII_ONLY = "so percent-encode other characters or use their ASCII form";

const contentHeader = (header: string, encoding = ASCII_ONLY): PropertySpec => ({
  rule: headerValue({ whenOmitted: SOURCE_OR_NONE, encoding }),
  header,
});

const websiteRedirectRule: Rule<string> = all(
  headerValue({
    whenOmitted: "set no redirect",
    encoding: "so percent-encode other characters (encodeURI)",
    maxBytes: MAX_WEBSITE_REDIRECT_BYTES,
  }),
  (value, ctx) =>
    /^(\/|https?:\/\/)/.test(value as string)
      ? (value as string)
      : ctx.fail(
          `${show(value)} must start with "/", "http://" or "https://" (S3's rule for website redirects)`,
        ),
);

const expiresRule: Rule<string> = all(
  headerValue({ whenOmitted: SOURCE_OR_NONE, encoding: ASCII_ONLY }),
  date("use ISO 8601 or an HTTP date"),
);

const preconditionDate: PropertySpec = {
  rule: all(
    str({ whenOmitted: "copy without this condition" }),
    date('use ISO 8601 such as "2026-01-01T00:00:00Z"'),
  ),
};
const preconditionTag = (header: string): PropertySpec => ({
  rule: headerValue({ whenOmitted: "copy without this condition", encoding: ASCII_ONLY }),
  header,
});

const tuning = (min: number, max: number, fix: string): PropertySpec => ({ rule: int(min, max, fix) });

/** Options of one destination object, shared by every resource that writes objects. */
export const PER_OBJECT_PROPERTIES: PropertyTable = {
  metadataDirective: { rule: oneOf(METADATA_DIRECTIVES), default: "COPY" },
  metadata: { rule: metadataMap() },
  contentType: contentHeader("Content-Type"),
  cacheControl: contentHeader("Cache-Control"),
  contentDisposition: contentHeader(
    "Content-Disposition",
    `so write a non-ASCII file name as RFC 5987's filename*=UTF-8''<percent-encoded name>`,
  ),
  contentEncoding: contentHeader("Content-Encoding"),
  contentLanguage: contentHeader("Content-Language"),
  expires: { rule: expiresRule, header: "Expires" },
  websiteRedirect: { rule: websiteRedirectRule, header: "x-amz-website-redirect-location" },

  serverSideEncryption: { rule: oneOf(SSE_ALGORITHMS) },
  kmsKeyId: {
    rule: str({ whenOmitted: `use the AWS-managed key "aws/s3" (with serverSideEncryption "aws:kms")` }),
    header: "x-amz-server-side-encryption-aws-kms-key-id",
  },
  bucketKeyEnabled: { rule: bool() },
  kmsEncryptionContext: { rule: kmsContextRule },
  customerAlgorithm: { rule: oneOf(CUSTOMER_ALGORITHMS) },
  customerKey: { rule: customerKeyRule("customerKey"), secret: true },
  sourceCustomerAlgorithm: { rule: oneOf(CUSTOMER_ALGORITHMS) },
  sourceCustomerKey: { rule: customerKeyRule("sourceCustomerKey"), secret: true },

  storageClass: { rule: oneOf(STORAGE_CLASSES) },
  taggingDirective: { rule: oneOf(TAGGING_DIRECTIVES), default: "COPY" },
  tags: { rule: tagMap() },
  acl: { rule: oneOf(ACLS) },
  objectLockMode: { rule: oneOf(OBJECT_LOCK_MODES) },
  objectLockRetainUntilDate: { rule: retainUntilRule },
  objectLockLegalHoldStatus: { rule: oneOf(LEGAL_HOLD_STATUSES) },
  checksumAlgorithm: { rule: oneOf(CHECKSUM_ALGORITHMS) },
  expectedBucketOwner: { rule: accountIdRule },
  expectedSourceBucketOwner: { rule: accountIdRule },
  requestPayer: { rule: oneOf(REQUEST_PAYERS) },

  region: { rule: regionRule },
  sourceRegion: { rule: regionRule },
  endpoint: { rule: endpointRule },
  forcePathStyle: { rule: bool() },

  restoreArchivedSource: {
    rule: shape(
      {
        days: int(1, MAX_RESTORE_DAYS, "days must be a whole number of at least 1"),
        tier: oneOf(RESTORE_TIERS),
      },
      "{ days, tier }",
    ),
  },
  restoreWaitMinutes: tuning(
    0,
    MAX_RESTORE_WAIT_MINUTES,
    `use 0 (do not wait) up to ${MAX_RESTORE_WAIT_MINUTES} (a week)`,
  ),
  multipartThreshold: tuning(
    MIN_PART_BYTES,
    MAX_SINGLE_COPY_BYTES,
    `use ${MIN_PART_BYTES}-${MAX_SINGLE_COPY_BYTES} bytes (a single CopyObject cannot exceed 5 GiB)`,
  ),
  partSize: tuning(
    MIN_PART_BYTES,
    MAX_PART_BYTES,
    `parts must be ${MIN_PART_BYTES}-${MAX_PART_BYTES} bytes (5 MiB-5 GiB)`,
  ),
};

/** ObjectCopy: one source, one destination, plus the per-object options. */
export const OBJECT_COPY_PROPERTIES: PropertyTable = {
  bucket: { rule: bucketRule, required: true },
  key: { rule: keyRule, required: true },
  source: { rule: sourceRule, required: true, header: "x-amz-copy-source" },
  ...PER_OBJECT_PROPERTIES,
  copyIfMatch: preconditionTag("x-amz-copy-source-if-match"),
  copyIfNoneMatch: preconditionTag("x-amz-copy-source-if-none-match"),
  copyIfModifiedSince: preconditionDate,
  copyIfUnmodifiedSince: preconditionDate,
  trackSourceChanges: { rule: bool() },
  // Absent means false; not written out, so state from before `adopt` existed shows no change.
  adopt: { rule: bool() },
  concurrency: tuning(1, MAX_CONCURRENCY, `use 1-${MAX_CONCURRENCY} parallel requests`),
};
