// S3's own limits. Named here once so that planning, validation and docs agree.

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** The largest object one CopyObject request may copy. */
export const MAX_SINGLE_COPY_BYTES = 5 * GiB;
/** Smallest part of a multipart upload (the last part may be smaller). */
export const MIN_PART_BYTES = 5 * MiB;
/** Largest part of a multipart upload. */
export const MAX_PART_BYTES = 5 * GiB;
/** Most parts in one multipart upload. */
export const MAX_PARTS = 10_000;
/**
 * The largest object S3 can store (about 48.8 TiB since December 2025). Derived from the part
 * rules rather than hard-coded, because older documentation still says 5 TB.
 */
export const MAX_OBJECT_BYTES = MAX_PARTS * MAX_PART_BYTES;

/** User metadata keys and values together, in UTF-8 bytes. */
export const MAX_METADATA_BYTES = 2 * KiB;
/** Tags per object. */
export const MAX_TAGS = 10;
export const MAX_TAG_KEY_CHARS = 128;
export const MAX_TAG_VALUE_CHARS = 256;
/** Object key length in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/**
 * Above this size a copy is done in parallel parts. Benchmark 3 (bench/RESULTS.md) puts the
 * break-even here on MinIO; below it one CopyObject is faster, costs one request and gives the
 * copy an ETag without the multipart `-N` suffix.
 */
export const DEFAULT_MULTIPART_THRESHOLD = 64 * MiB;
/**
 * The part size automatic plans aim at (planParts spreads parts evenly over the workers, so they
 * come out at or below it unless the 10,000-part limit forces larger).
 */
export const DEFAULT_PART_SIZE = 64 * MiB;
/**
 * Parallel UploadPartCopy requests per copy. bench/RESULTS.md (latency model): copy time falls as
 * 1/concurrency until every part is in flight, at about 1 ms of client CPU per part request; 64
 * was 2.4x faster than 16 at 5 GiB and 4x at 1 TiB, and stays far below S3's per-prefix limits.
 */
export const DEFAULT_CONCURRENCY = 64;
export const MAX_CONCURRENCY = 256;

/** Attempts per part (the SDK retries underneath too); a part that fails them all aborts the copy. */
export const MAX_PART_ATTEMPTS = 3;
/** How often a long copy reports progress. */
export const PROGRESS_INTERVAL_MS = 5_000;
/** How often a restore of an archived source is polled while waiting. */
export const RESTORE_POLL_MS = 30_000;

/** The string the Pulumi engine sends for a value that is not known yet (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const METADATA_DIRECTIVES = ["COPY", "REPLACE", "MERGE"] as const;
export const TAGGING_DIRECTIVES = ["COPY", "REPLACE"] as const;
export const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"] as const;
export const STORAGE_CLASSES = [
  "STANDARD",
  "REDUCED_REDUNDANCY",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER",
  "DEEP_ARCHIVE",
  "GLACIER_IR",
  "EXPRESS_ONEZONE",
] as const;
/** Storage classes whose objects must be restored before they can be read or copied. */
export const ARCHIVED_STORAGE_CLASSES = ["GLACIER", "DEEP_ARCHIVE"] as const;
export const ACLS = [
  "private",
  "public-read",
  "public-read-write",
  "authenticated-read",
  "aws-exec-read",
  "bucket-owner-read",
  "bucket-owner-full-control",
] as const;
export const CHECKSUM_ALGORITHMS = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"] as const;
export const OBJECT_LOCK_MODES = ["GOVERNANCE", "COMPLIANCE"] as const;
export const LEGAL_HOLD_STATUSES = ["ON", "OFF"] as const;
export const REQUEST_PAYERS = ["requester"] as const;
export const RESTORE_TIERS = ["Standard", "Bulk", "Expedited"] as const;
export const CUSTOMER_ALGORITHMS = ["AES256"] as const;
