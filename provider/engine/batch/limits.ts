// The limits and prices of an S3 Batch Operations copy job, named once so the request builder, the
// waiter, the cost estimate, their tests and the README agree.

import { MAX_SINGLE_COPY_BYTES } from "../constants";

/**
 * The largest object a job's S3PutObjectCopy task can copy: each task is one CopyObject (user
 * guide, batch-ops-copy-object). Larger objects are copied by the multipart engine beside the job.
 */
export const MAX_JOB_OBJECT_BYTES = MAX_SINGLE_COPY_BYTES;

// Prices from the S3 pricing page (Batch Operations and request rows, us-east-1). They are for
// the estimate printed at preview only; other regions and KMS calls cost differently.
/** What every job costs, however few objects it has. */
export const JOB_FEE_USD = 0.25;
/** What a job costs per million objects it processes. */
export const USD_PER_MILLION_OBJECTS = 1.0;
/** S3 Standard PUT/COPY requests: each task sends one CopyObject, billed as a request. */
export const COPY_REQUEST_USD_PER_1000 = 0.005;

/** How often a job is polled with DescribeJob while waiting: jobs run for minutes to hours. */
export const DEFAULT_POLL_MS = 10_000;
/**
 * How long a job may sit Suspended or Paused before the wait gives up. A job sent with
 * ConfirmationRequired false should never be Suspended; one that stays there waits for a person.
 */
export const SUSPENDED_GRACE_MS = 5 * 60_000;
/**
 * Polls in a row that may fail with throttling or a timeout before the wait gives up. At the
 * default poll interval that is five minutes without one answer: S3 Control is down or out of
 * reach, and the job, which runs at AWS regardless, is picked up by the next up or refresh.
 */
export const MAX_FAILED_POLLS = 30;

// CreateJob's own limits (S3 Control API reference, CreateJob).
/** ClientRequestToken: 1 to 64 characters. */
export const MAX_CLIENT_REQUEST_TOKEN_CHARS = 64;
/** Description: 1 to 256 characters. */
export const MAX_DESCRIPTION_CHARS = 256;
/** Priority: a 32-bit integer from 0; higher numbers run first. */
export const PRIORITY_MIN = 0;
export const PRIORITY_MAX = 2147483647;
/** The priority a job gets when the declaration names none. */
export const DEFAULT_PRIORITY = 10;
