// The tuning of the concurrency controller (controller.ts). Named once so the code, its tests and
// the docs agree on them; tests/unit/concurrency-controller.test.ts shows what each one buys.

/** The lowest limit the controller ever sets: one request in flight always makes progress. */
export const MIN_CONCURRENCY = 1;

/**
 * Successes a measuring window needs before it is judged, at the least; a window also waits for
 * as many successes as the limit, one full turn of the pipeline. Fewer samples and the noise of
 * one slow answer decides; more and every step of the search costs longer...
 */
export const MIN_WINDOW_COMPLETIONS = 24;
/**
 * ...but a window never waits for more than this many turns: at a limit of 1, 24 successes would be
 * 24 round trips for one step, and at low limits the latencies averaged are the steadiest anyway.
 */
export const MAX_WINDOW_TURNS = 4;

/**
 * A window counts only when the requests really filled the limit on average (by time): a window
 * short of work (the tail of a copy, parts waiting for sockets) says nothing about the limit.
 */
export const SATURATION = 0.9;

/** The first climb doubles: far below the knee, every doubling doubles the throughput. */
export const GROWTH_FACTOR = 2;
/** A climb that starts from a probe: the knee was near, so the steps are smaller. */
export const REGROWTH_FACTOR = 1.5;
/** A start at the ceiling halves its way down while less concurrency is as fast. */
export const DESCENT_FACTOR = 0.5;
/** A probe upward from a steady limit: small, so a wrong guess costs little. */
export const PROBE_UP_FACTOR = 1.25;
/** A probe downward (when latency rose): small for the same reason. */
export const PROBE_DOWN_FACTOR = 0.8;

/**
 * A step up is kept when the throughput grew by at least this fraction of the step's own growth:
 * a doubling must bring 50 % more, a 1.25× probe 12.5 %. Below the knee a step brings all of its
 * growth, above it none, so the bar sits halfway, clear of the noise between two windows.
 */
export const GAIN_PER_STEP = 0.5;
/**
 * A step down is kept when the throughput fell by at most this fraction: as fast with fewer
 * requests in flight means the server was queueing them (and on MinIO, slowing down for it).
 */
export const DOWN_TOLERANCE = 0.05;

/** Windows at a steady limit between two probes: often enough to follow a change of the server. */
export const PROBE_EVERY_WINDOWS = 4;
/**
 * Mean latency this many times the lowest seen means the requests queue at the server: the next
 * probe goes down instead of up. Plain latency (S3 answering slower for everyone) passes this test
 * once; the probe that then finds less concurrency slower resets the baseline.
 */
export const LATENCY_RISE = 1.5;

/**
 * The cut on throttling (503 SlowDown, 429, throttling codes), once per burst. Gentle: a server
 * that limits the request rate is then used at ≥ 80 % right after a cut and climbs back within a
 * few windows, which keeps the average above 90 % of the limit; halving would sit near 75 %.
 */
export const THROTTLE_DECREASE = 0.8;

/**
 * The most a step down of the search may cost, as a share of the work left, when the caller says
 * how much is left (a multipart copy: its parts not yet started). On a server that scales (S3) a
 * try at half the limit gives up half the throughput for about a turn and a window; a copy of a
 * few turns cannot earn that back even where the try would pay (MinIO: 8 in flight beat 64 by at
 * most ~23 %), so such copies stay where they start. At 5 % a copy at the default ceiling of 64
 * tries 32 only with 1,280 parts or more left when its first window closes (about 1,470 parts in
 * all, 92 GiB at the default part size): copies up to 50 GiB never leave 64, 100 GiB and 1 TiB
 * copies try 32 once (tests/unit/adaptive-parts.test.ts), at a cost within 5 % of what is left
 * (measured on the latency model: 3.9 % at 100 GiB; bench/RESULTS.md, 2026-12-01 night). It was
 * 10 % until then, and a try cost two turns.
 */
export const PROBE_COST_SHARE = 0.05;
