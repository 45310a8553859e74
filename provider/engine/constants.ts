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
/**
 * Throttled answers (503 SlowDown) one part may get before the copy fails. They do not count as
 * attempts: a throttled part goes back in line and the controller lowers the parts in flight, so a
 * throttled copy completes. At the waits below, 30 throttles of one part span one and a half to
 * two minutes.
 */
export const MAX_PART_THROTTLES = 30;
/**
 * A throttled part's first wait before it is sent again (between half and all of it, jittered),
 * doubling with each throttle of that part. Short, because the wait is not what relieves the
 * server: the controller's cut is. The SDK's own wait for a throttled retry, up to a second
 * inside `send`, left parts idle in the count in flight and a copy's last parts trailing.
 */
export const PART_THROTTLE_WAIT_BASE_MS = 50;
/** The longest wait between two sends of a throttled part. */
export const PART_THROTTLE_WAIT_MAX_MS = 5_000;
/** How often a long copy reports progress. */
export const PROGRESS_INTERVAL_MS = 5_000;
/** How often a restore of an archived source is polled while waiting. */
export const RESTORE_POLL_MS = 30_000;

// Timeouts (README "Timeouts and cancels"). The SDK has none by default, so a held or half-open
// connection would stall a copy forever. Each can be overridden by PULUMI_S3_COPY_TIMEOUTS.
/** The environment variable that overrides the timeouts below (README "Timeouts and cancels"). */
export const TIMEOUTS_ENV = "PULUMI_S3_COPY_TIMEOUTS";

/** Opening a TCP (and TLS) connection: S3 accepts in milliseconds; longer means the path is down. */
export const CONNECT_TIMEOUT_MS = 10_000;
/**
 * Until the answer's headers arrive, for every request that moves no data (HEAD, tagging, Create,
 * List, Abort, Delete, KMS): S3 answers those in well under a second; 30 s leaves room for a slow
 * server or a long pause in this process, and the SDK retries a request that runs out of it.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
/** The fixed part of a copy request's timeout (CopyObject, UploadPartCopy), before the bytes count. */
export const COPY_TIMEOUT_FLOOR_MS = 60_000;
/**
 * The slowest rate a healthy copy request may run at; a copy's timeout is the floor plus its bytes
 * at this rate. One CopyObject moves about 60-70 MiB/s on S3, so this is over 15x slack: 64 MiB
 * parts get 76 s, a 5 GiB part or CopyObject about 22 minutes.
 */
export const COPY_MIN_BYTES_PER_SECOND = 4 * MiB;
/** CompleteMultipartUpload: S3 documents that it can take several minutes for a large upload. */
export const COMPLETE_TIMEOUT_MS = 10 * 60_000;
/** Sockets each pooled client keeps beyond its part slots, so HEAD, Create and Complete never wait for parts. */
export const CONTROL_SOCKETS = 8;
/** Attempts the SDK makes for an AbortMultipartUpload (its default is 3): a leftover upload bills. */
export const ABORT_MAX_ATTEMPTS = 5;
/**
 * After SIGINT/SIGTERM, how long the process waits for open multipart uploads to be aborted before
 * it lets the signal end it anyway (an upload still open then is aborted by the next up on its key).
 */
export const CANCEL_GRACE_MS = 20_000;
/**
 * Slack around "now" when matching an upload's Initiated time to a CreateMultipartUpload this
 * process sent: S3 reports it to the second, and its clock may differ from ours.
 */
export const INITIATED_MARGIN_MS = 5_000;

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
