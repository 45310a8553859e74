// The limits of a set's run: how many copies at once, how throttling is answered, how often the
// manifest is saved, how deletes are batched. Named once so code, tests and docs agree.

/**
 * Objects in flight at the start, and at most, when `concurrency` is not given (the controller
 * then moves it). S3 takes about 3,500 writes/s per prefix, and a small copy lasts 20-30 ms, so
 * filling that limit needs 70-105 copies in flight: 64 reaches only about 85 % of it (bench B5),
 * 128 is throttled down by the controller to where the limit is. A small server past its knee
 * at 128 is found by the controller's descent.
 */
export const DEFAULT_SET_CONCURRENCY = 128;

/**
 * Times one object may be throttled and put back in the queue before it counts as failed: enough to
 * ride out S3 repartitioning a prefix (minutes at most; at the waits below, 30 throttles of one
 * object span one and a half to two minutes), few enough that a server which throttles everything fails the run
 * instead of spinning forever.
 */
export const MAX_THROTTLE_RETRIES = 30;
/**
 * First wait before a throttled object is tried again (between half and all of it, jittered);
 * doubles on each throttle of that object. Short, because the wait is not what relieves the
 * server: the controller's cut is, and a retry takes one of the places the cut left. What the
 * wait does cost is at the end of a run, where the last throttled objects' waits are its tail: at
 * 100 ms a 10,000-object set under S3's 3,500 writes/s ended 50 ms (2 %) later
 * (tests/unit/set-throttle-limit.test.ts). The same as a multipart copy's parts
 * (PART_THROTTLE_WAIT_BASE_MS).
 */
export const THROTTLE_BACKOFF_BASE_MS = 50;
/** Longest wait between two tries of a throttled object. */
export const THROTTLE_BACKOFF_MAX_MS = 5_000;

/**
 * A killed run loses at most the records of the last interval (and of the objects in flight): the
 * manifest is checkpointed at least this often while records are new...
 */
export const CHECKPOINT_INTERVAL_MS = 1_000;
/** ...and after every this fraction of the run's objects, whichever comes first. */
export const CHECKPOINT_FRACTION = 0.01;

/** Keys one DeleteObjects request may name (an S3 limit). */
export const MAX_DELETE_BATCH = 1_000;
/** DeleteObjects requests in flight at once: each already deletes up to 1,000 keys. */
export const DELETE_CONCURRENCY = 4;
