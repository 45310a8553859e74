// Limits that check enforces on top of S3's object limits in ../constants.ts. Named once here so
// rules, messages and tests agree.
import { KiB } from "../constants";

/**
 * S3 limits the whole PUT request header to 8 KB (S3 User Guide, "Working with object metadata",
 * UsingMetadata.html: "The PUT request header is limited to 8 KB in size"; user-defined metadata
 * within it to 2 KB).
 */
export const MAX_REQUEST_HEADER_BYTES = 8 * KiB;
/**
 * What the SDK adds to every copy request on its own (Authorization with its signed-header list,
 * x-amz-date, x-amz-content-sha256, host, user-agent, and the SSE headers). The declared headers
 * must fit in what is left of MAX_REQUEST_HEADER_BYTES.
 */
export const SDK_HEADER_ALLOWANCE_BYTES = 2 * KiB;
/** The room the headers an ObjectCopy declares may take together. */
export const MAX_DECLARED_HEADER_BYTES = MAX_REQUEST_HEADER_BYTES - SDK_HEADER_ALLOWANCE_BYTES;
/**
 * One declared header value (Content-Type, Cache-Control, ...). S3 documents 2 KB for the website
 * redirect location and for all user metadata together; no single content header needs more, and a
 * larger one fails at up with HTTP 431 or 400 instead of at preview.
 */
export const MAX_HEADER_VALUE_BYTES = 2 * KiB;
/** x-amz-website-redirect-location: "The length of the value is limited to 2 KB" (PutObject API). */
export const MAX_WEBSITE_REDIRECT_BYTES = 2 * KiB;

/** restoreArchivedSource.days: S3 takes a whole number of days; a thousand years is plenty. */
export const MAX_RESTORE_DAYS = 365_000;
/** restoreWaitMinutes: at most a week. */
export const MAX_RESTORE_WAIT_MINUTES = 7 * 24 * 60;
