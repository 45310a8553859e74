import {
  ACLS,
  CHECKSUM_ALGORITHMS,
  CUSTOMER_ALGORITHMS,
  LEGAL_HOLD_STATUSES,
  MAX_CONCURRENCY,
  MAX_KEY_BYTES,
  MAX_METADATA_BYTES,
  MAX_PART_BYTES,
  MAX_SINGLE_COPY_BYTES,
  MAX_TAGS,
  MAX_TAG_KEY_CHARS,
  MAX_TAG_VALUE_CHARS,
  METADATA_DIRECTIVES,
  MIN_PART_BYTES,
  OBJECT_LOCK_MODES,
  REQUEST_PAYERS,
  RESTORE_TIERS,
  SSE_ALGORITHMS,
  STORAGE_CLASSES,
  TAGGING_DIRECTIVES,
  UNKNOWN,
} from "./constants";
import { ObjectCopyError } from "./errors";
import { isSameObject, parseSource } from "./source";
import { decodeCustomerKey } from "./sse";
import type { CheckFailure, CopyInputs } from "./types";

type Raw = Record<string, unknown>;

export const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/** True when any value, however deeply nested, is still unknown (preview). */
export function containsUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

const known = (v: unknown): boolean => v !== undefined && v !== null && !isUnknown(v);

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const LEGACY_BUCKET_NAME = /^[A-Za-z0-9._-]{3,255}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT_ID = /^\d{12}$/;
// HTTP header token characters: anything else cannot travel as an x-amz-meta-* header name.
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e\t]*$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Why a destination bucket name breaks S3's naming rules, or undefined when it is valid. */
export function bucketNameProblem(name: string): string | undefined {
  if (!BUCKET_NAME.test(name)) {
    return "must be 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit";
  }
  if (name.includes("..")) return "must not contain two adjacent dots";
  if (IPV4.test(name)) return "must not be formatted as an IP address";
  if (name.startsWith("xn--") || name.startsWith("sthree-")) return "must not start with xn-- or sthree-";
  if (name.endsWith("-s3alias") || name.endsWith("--ol-s3")) return "must not end with -s3alias or --ol-s3";
  return undefined;
}

function oneOf<T extends string>(
  failures: CheckFailure[],
  property: string,
  value: unknown,
  allowed: readonly T[],
): T | undefined {
  if (!known(value)) return undefined;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  failures.push({
    property,
    reason: `${JSON.stringify(value)} is not allowed; use one of ${allowed.map((a) => `"${a}"`).join(", ")}`,
  });
  return undefined;
}

/** An enum input that S3 defaults when absent; the default is written out so outputs show it. */
function withDefault<T extends string>(
  failures: CheckFailure[],
  property: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T | undefined {
  if (isUnknown(value)) return undefined;
  return known(value) ? oneOf(failures, property, value, allowed) : fallback;
}

function stringMap(
  failures: CheckFailure[],
  property: string,
  value: unknown,
): Record<string, string> | undefined {
  if (!known(value)) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    failures.push({ property, reason: `must be a map of strings, got ${JSON.stringify(value)}` });
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Raw)) {
    if (typeof v !== "string" && !isUnknown(v)) {
      failures.push({ property: `${property}.${k}`, reason: `must be a string, got ${JSON.stringify(v)}` });
      continue;
    }
    out[k] = v as string;
  }
  return out;
}

function positiveInt(
  failures: CheckFailure[],
  property: string,
  value: unknown,
  min: number,
  max: number,
  fix: string,
): number | undefined {
  if (!known(value)) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    failures.push({ property, reason: `${JSON.stringify(value)} is out of range: ${fix}` });
    return undefined;
  }
  return value;
}

/** S3 stores metadata keys in lower case; two keys that differ only by case would collide. */
function normalizeMetadata(
  failures: CheckFailure[],
  metadata: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  let bytes = 0;
  for (const [rawKey, value] of Object.entries(metadata)) {
    const key = rawKey.toLowerCase().replace(/^x-amz-meta-/, "");
    if (!HEADER_TOKEN.test(key)) {
      failures.push({
        property: `metadata.${rawKey}`,
        reason: `key ${JSON.stringify(rawKey)} is not a valid header name; use ASCII letters, digits and -_.`,
      });
      continue;
    }
    if (key in out) {
      failures.push({
        property: `metadata.${rawKey}`,
        reason: `key ${JSON.stringify(rawKey)} collides with another key once lowercased (S3 lowercases metadata keys)`,
      });
      continue;
    }
    if (!isUnknown(value) && !PRINTABLE_ASCII.test(value)) {
      failures.push({
        property: `metadata.${rawKey}`,
        reason: `value ${JSON.stringify(value)} is not printable US-ASCII; encode it (for example with encodeURIComponent)`,
      });
      continue;
    }
    out[key] = value;
    bytes += Buffer.byteLength(key, "utf8") + (isUnknown(value) ? 0 : Buffer.byteLength(value, "utf8"));
  }
  if (bytes > MAX_METADATA_BYTES) {
    failures.push({
      property: "metadata",
      reason: `keys and values take ${bytes} bytes; S3 allows at most ${MAX_METADATA_BYTES} bytes of user metadata`,
    });
  }
  return out;
}

function parseKmsContext(failures: CheckFailure[], value: unknown): Record<string, string> | undefined {
  if (!known(value)) return undefined;
  if (typeof value === "string") {
    // aws.s3.ObjectCopy takes base64-encoded JSON; accept that form so programs port unchanged.
    try {
      const parsed = JSON.parse(Buffer.from(value, "base64").toString("utf8")) as unknown;
      return stringMap(failures, "kmsEncryptionContext", parsed);
    } catch {
      failures.push({
        property: "kmsEncryptionContext",
        reason: `${JSON.stringify(value)} is neither a map nor base64-encoded JSON of a map`,
      });
      return undefined;
    }
  }
  return stringMap(failures, "kmsEncryptionContext", value);
}

const CONTENT_HEADERS = [
  "contentType",
  "cacheControl",
  "contentDisposition",
  "contentEncoding",
  "contentLanguage",
  "expires",
] as const;

const STRING_PROPS = [
  "bucket",
  "key",
  "source",
  ...CONTENT_HEADERS,
  "websiteRedirect",
  "kmsKeyId",
  "customerKey",
  "sourceCustomerKey",
  "objectLockRetainUntilDate",
  "expectedBucketOwner",
  "expectedSourceBucketOwner",
  "region",
  "sourceRegion",
  "endpoint",
  "copyIfMatch",
  "copyIfNoneMatch",
  "copyIfModifiedSince",
  "copyIfUnmodifiedSince",
] as const;

/**
 * Validates and normalizes inputs. Every failure names the property, shows the bad value (never a
 * secret) and says what is allowed. Values still unknown during preview are skipped, not failed.
 */
export function check(
  news: Raw,
  now: Date = new Date(),
  olds: Raw = {},
): { inputs: CopyInputs; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const inputs: Raw = { ...news };

  for (const p of STRING_PROPS) {
    const v = news[p];
    if (known(v) && typeof v !== "string") {
      failures.push({ property: p, reason: `must be a string, got ${JSON.stringify(v)}` });
    }
  }
  for (const p of ["bucket", "key", "source"] as const) {
    if (news[p] === undefined || news[p] === null || news[p] === "") {
      failures.push({ property: p, reason: `is required` });
    }
  }

  const bucket = news.bucket;
  if (typeof bucket === "string" && bucket && !isUnknown(bucket)) {
    const problem = bucketNameProblem(bucket);
    if (problem) failures.push({ property: "bucket", reason: `${JSON.stringify(bucket)} ${problem}` });
  }
  const key = news.key;
  if (typeof key === "string" && !isUnknown(key) && Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
    failures.push({
      property: "key",
      reason: `is ${Buffer.byteLength(key, "utf8")} bytes long in UTF-8; S3 keys are at most ${MAX_KEY_BYTES} bytes`,
    });
  }

  let parsed: ReturnType<typeof parseSource> | undefined;
  if (typeof news.source === "string" && news.source && !isUnknown(news.source)) {
    try {
      parsed = parseSource(news.source);
      if (!parsed.accessPoint && !LEGACY_BUCKET_NAME.test(parsed.bucket)) {
        failures.push({
          property: "source",
          reason: `bucket ${JSON.stringify(parsed.bucket)} in ${JSON.stringify(news.source)} is not a valid bucket name`,
        });
      }
      if (Buffer.byteLength(parsed.key, "utf8") > MAX_KEY_BYTES) {
        failures.push({ property: "source", reason: `key is longer than ${MAX_KEY_BYTES} bytes` });
      }
    } catch (e) {
      failures.push({ property: "source", reason: (e as Error).message });
    }
  }

  const metadataDirective = withDefault(
    failures,
    "metadataDirective",
    news.metadataDirective,
    METADATA_DIRECTIVES,
    "COPY",
  );
  if (metadataDirective) inputs.metadataDirective = metadataDirective;
  const taggingDirective = withDefault(
    failures,
    "taggingDirective",
    news.taggingDirective,
    TAGGING_DIRECTIVES,
    "COPY",
  );
  if (taggingDirective) inputs.taggingDirective = taggingDirective;

  const metadata = stringMap(failures, "metadata", news.metadata);
  if (metadata) inputs.metadata = normalizeMetadata(failures, metadata);
  if (metadataDirective === "COPY") {
    const given = [
      ...(metadata && Object.keys(metadata).length ? ["metadata"] : []),
      ...CONTENT_HEADERS.filter((h) => known(news[h])),
    ];
    for (const p of given) {
      failures.push({
        property: p,
        reason:
          `is set but metadataDirective is "COPY", so S3 would ignore it and copy the source's value; ` +
          `set metadataDirective to "MERGE" (keep the source's other metadata) or "REPLACE" (send only what you declare)`,
      });
    }
  }
  if (known(news.expires) && typeof news.expires === "string" && Number.isNaN(Date.parse(news.expires))) {
    failures.push({
      property: "expires",
      reason: `${JSON.stringify(news.expires)} is not a date; use ISO 8601 or an HTTP date`,
    });
  }

  const tags = stringMap(failures, "tags", news.tags);
  if (tags) {
    const n = Object.keys(tags).length;
    if (n > MAX_TAGS)
      failures.push({ property: "tags", reason: `has ${n} tags; S3 allows at most ${MAX_TAGS} per object` });
    for (const [k, v] of Object.entries(tags)) {
      if (k.length === 0 || k.length > MAX_TAG_KEY_CHARS) {
        failures.push({
          property: `tags.${k}`,
          reason: `tag keys must be 1-${MAX_TAG_KEY_CHARS} characters`,
        });
      }
      if (!isUnknown(v) && v.length > MAX_TAG_VALUE_CHARS) {
        failures.push({
          property: `tags.${k}`,
          reason: `tag values must be at most ${MAX_TAG_VALUE_CHARS} characters`,
        });
      }
    }
    if (taggingDirective === "COPY" && n > 0) {
      failures.push({
        property: "tags",
        reason: `are set but taggingDirective is "COPY", so S3 would ignore them; set taggingDirective to "REPLACE"`,
      });
    }
  }

  // Encryption. Inferring the algorithm from the key inputs saves users a redundant line.
  let sse = oneOf(failures, "serverSideEncryption", news.serverSideEncryption, SSE_ALGORITHMS);
  if (!known(news.serverSideEncryption) && !isUnknown(news.serverSideEncryption) && known(news.kmsKeyId)) {
    sse = "aws:kms";
    inputs.serverSideEncryption = sse;
  }
  if (known(news.kmsKeyId) && sse === "AES256") {
    failures.push({
      property: "kmsKeyId",
      reason: `is set but serverSideEncryption is "AES256" (S3-managed keys); remove kmsKeyId or use "aws:kms"`,
    });
  }
  if (known(news.bucketKeyEnabled) && typeof news.bucketKeyEnabled !== "boolean") {
    failures.push({
      property: "bucketKeyEnabled",
      reason: `must be a boolean, got ${JSON.stringify(news.bucketKeyEnabled)}`,
    });
  }
  const ctx = parseKmsContext(failures, news.kmsEncryptionContext);
  if (ctx) {
    inputs.kmsEncryptionContext = ctx;
    const maybeKms = isUnknown(news.serverSideEncryption) || isUnknown(news.kmsKeyId);
    if (sse !== "aws:kms" && sse !== "aws:kms:dsse" && !maybeKms) {
      failures.push({
        property: "kmsEncryptionContext",
        reason: `only applies with serverSideEncryption "aws:kms" or "aws:kms:dsse"`,
      });
    }
  }

  for (const [keyProp, algProp] of [
    ["customerKey", "customerAlgorithm"],
    ["sourceCustomerKey", "sourceCustomerAlgorithm"],
  ] as const) {
    const k = news[keyProp];
    const alg = oneOf(failures, algProp, news[algProp], CUSTOMER_ALGORITHMS);
    if (known(k) && typeof k === "string") {
      if (!decodeCustomerKey(k)) {
        failures.push({
          property: keyProp,
          reason: `must be a 32-byte AES-256 key, raw or base64-encoded (got ${Buffer.byteLength(k, "utf8")} characters; the value is not shown because it is a secret)`,
        });
      }
      if (!known(news[algProp])) inputs[algProp] = "AES256";
    } else if (alg && !isUnknown(k)) {
      failures.push({ property: keyProp, reason: `is required when ${algProp} is set` });
    }
  }
  if (known(news.customerKey) && sse) {
    failures.push({
      property: "customerKey",
      reason: `cannot be combined with serverSideEncryption ${JSON.stringify(sse)}; SSE-C is chosen by customerKey alone, so remove serverSideEncryption${known(news.kmsKeyId) ? " and kmsKeyId" : ""}`,
    });
  }

  oneOf(failures, "storageClass", news.storageClass, STORAGE_CLASSES);
  oneOf(failures, "acl", news.acl, ACLS);
  oneOf(failures, "checksumAlgorithm", news.checksumAlgorithm, CHECKSUM_ALGORITHMS);
  oneOf(failures, "requestPayer", news.requestPayer, REQUEST_PAYERS);
  oneOf(failures, "objectLockLegalHoldStatus", news.objectLockLegalHoldStatus, LEGAL_HOLD_STATUSES);
  const lockMode = oneOf(failures, "objectLockMode", news.objectLockMode, OBJECT_LOCK_MODES);
  const until = news.objectLockRetainUntilDate;
  if (known(until) && typeof until === "string") {
    if (!ISO_8601.test(until) || Number.isNaN(Date.parse(until))) {
      failures.push({
        property: "objectLockRetainUntilDate",
        reason: `${JSON.stringify(until)} is not an ISO 8601 timestamp such as "2030-01-01T00:00:00Z"`,
      });
    } else if (Date.parse(until) <= now.getTime() && until !== olds.objectLockRetainUntilDate) {
      // Only a new date must lie ahead: an applied one passing must not fail every later preview.
      failures.push({
        property: "objectLockRetainUntilDate",
        reason: `${JSON.stringify(until)} is in the past; retention must end in the future`,
      });
    }
  }
  if (
    (lockMode && !known(until) && !isUnknown(until)) ||
    (known(until) && !known(news.objectLockMode) && !isUnknown(news.objectLockMode))
  ) {
    failures.push({
      property: lockMode ? "objectLockRetainUntilDate" : "objectLockMode",
      reason: `objectLockMode and objectLockRetainUntilDate must be set together`,
    });
  }

  for (const p of ["expectedBucketOwner", "expectedSourceBucketOwner"] as const) {
    const v = news[p];
    if (known(v) && typeof v === "string" && !ACCOUNT_ID.test(v)) {
      failures.push({ property: p, reason: `${JSON.stringify(v)} is not a 12-digit AWS account ID` });
    }
  }
  for (const p of ["copyIfModifiedSince", "copyIfUnmodifiedSince"] as const) {
    const v = news[p];
    if (known(v) && typeof v === "string" && Number.isNaN(Date.parse(v))) {
      failures.push({
        property: p,
        reason: `${JSON.stringify(v)} is not a date; use ISO 8601 such as "2026-01-01T00:00:00Z"`,
      });
    }
  }
  for (const p of ["region", "sourceRegion"] as const) {
    const v = news[p];
    if (known(v) && typeof v === "string" && !REGION.test(v)) {
      failures.push({
        property: p,
        reason: `${JSON.stringify(v)} is not an AWS region name such as "us-east-1"`,
      });
    }
  }
  if (known(news.endpoint) && typeof news.endpoint === "string") {
    try {
      const u = new URL(news.endpoint);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("protocol");
    } catch {
      failures.push({
        property: "endpoint",
        reason: `${JSON.stringify(news.endpoint)} is not an http(s) URL`,
      });
    }
  }
  if (known(news.forcePathStyle) && typeof news.forcePathStyle !== "boolean") {
    failures.push({
      property: "forcePathStyle",
      reason: `must be a boolean, got ${JSON.stringify(news.forcePathStyle)}`,
    });
  }
  if (known(news.trackSourceChanges) && typeof news.trackSourceChanges !== "boolean") {
    failures.push({
      property: "trackSourceChanges",
      reason: `must be a boolean, got ${JSON.stringify(news.trackSourceChanges)}`,
    });
  }

  positiveInt(
    failures,
    "partSize",
    news.partSize,
    MIN_PART_BYTES,
    MAX_PART_BYTES,
    `parts must be ${MIN_PART_BYTES}-${MAX_PART_BYTES} bytes (5 MiB-5 GiB)`,
  );
  positiveInt(
    failures,
    "concurrency",
    news.concurrency,
    1,
    MAX_CONCURRENCY,
    `use 1-${MAX_CONCURRENCY} parallel requests`,
  );
  positiveInt(
    failures,
    "multipartThreshold",
    news.multipartThreshold,
    MIN_PART_BYTES,
    MAX_SINGLE_COPY_BYTES,
    `use ${MIN_PART_BYTES}-${MAX_SINGLE_COPY_BYTES} bytes (a single CopyObject cannot exceed 5 GiB)`,
  );
  positiveInt(
    failures,
    "restoreWaitMinutes",
    news.restoreWaitMinutes,
    0,
    7 * 24 * 60,
    "use 0 (do not wait) up to 10080 (a week)",
  );
  const restore = news.restoreArchivedSource;
  if (known(restore)) {
    if (typeof restore !== "object" || Array.isArray(restore)) {
      failures.push({
        property: "restoreArchivedSource",
        reason: `must be an object { days, tier }, got ${JSON.stringify(restore)}`,
      });
    } else {
      const r = restore as Raw;
      positiveInt(
        failures,
        "restoreArchivedSource.days",
        r.days,
        1,
        365_000,
        "days must be a whole number of at least 1",
      );
      oneOf(failures, "restoreArchivedSource.tier", r.tier, RESTORE_TIERS);
    }
  }

  // Copying an object onto itself is only allowed when something about it changes.
  if (
    parsed &&
    typeof bucket === "string" &&
    typeof key === "string" &&
    !parsed.versionId &&
    isSameObject(parsed, bucket, key)
  ) {
    // A value still unknown (preview) may well be the change; only known-empty inputs are rejected.
    const changes =
      metadataDirective === "REPLACE" ||
      metadataDirective === "MERGE" ||
      isUnknown(news.metadataDirective) ||
      ["storageClass", "serverSideEncryption", "kmsKeyId", "customerKey", "websiteRedirect"].some(
        (p) => known(news[p]) || isUnknown(news[p]),
      );
    if (!changes) {
      failures.push({
        property: "source",
        reason:
          `${JSON.stringify(news.source)} is the destination itself and nothing would change, which S3 rejects; ` +
          `set metadataDirective "MERGE" or "REPLACE" (with metadata or content headers), storageClass, ` +
          `serverSideEncryption/kmsKeyId, customerKey or websiteRedirect`,
      });
    }
  }

  return { inputs: inputs as unknown as CopyInputs, failures };
}

/** Throws the first failure: for engine entry points called without a preceding check. */
export function assertValid(news: Raw): CopyInputs {
  const { inputs, failures } = check(news);
  if (failures.length) {
    throw new ObjectCopyError("INVALID_INPUT", failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
  }
  return inputs;
}
