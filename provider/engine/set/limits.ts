// The limits of a set's run: how many copies at once, how throttling is answered, how often the
// manifest is saved, how deletes are batched. Named once so code, tests and docs agree.

/**
 * Objects in flight at once when `concurrency` is not given. A starting point until the set
 * benchmark (bench/RESULTS.md, B5) places the optimum; throttling lowers it at run time anyway.
 */
export const DEFAULT_SET_CONCURRENCY = 64;

/**
 * Times one object may be throttled and put back in the queue before it counts as failed: enough to
 * ride out S3 repartitioning a prefix (minutes at most), few enough that a server which throttles
 * everything fails the run instead of spinning forever.
 */
export const MAX_THROTTLE_RETRIES = 20;
/** First wait before a throttled object is tried again; doubles on each throttle of that object. */
export const THROTTLE_BACKOFF_BASE_MS = 100;
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
