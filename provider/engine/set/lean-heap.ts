/**
 * Bounds on V8's heap for the length of a large set's run. Listing and copying 100,000 objects
 * keeps thousands of SDK requests and listing pages alive at any moment, so V8 grows its young
 * generation to its largest (128 MiB on Node 24) and its old one to several times what is live,
 * and gives neither back: that, more than what the set holds, made its peak RSS (bench/RESULTS.md,
 * "ObjectCopySet memory at 100,000 objects").
 *
 * While a large listing or copy runs: after each garbage collection the young generation's size is
 * looked at, and once it has reached YOUNG_GENERATION_CAP_MIB V8 is told to stop growing it
 * (`--semi-space-growth-factor=1`; below the cap growth is allowed again), so it stays under twice
 * the cap. Stopping it at V8's smallest size instead moves the requests' short-lived objects into
 * the old generation, which then grows the more. And the old generation may grow only
 * OLD_GENERATION_GROWING_PERCENT past what the last full collection left. Afterwards V8's defaults
 * come back. A process whose young generation grew before keeps that size.
 *
 * V8 reads both flags whenever it resizes a generation, which is why setting them at run time
 * works. Node documents `v8.setFlagsFromString` after start-up as unsupported in general, so it is
 * used for these two flags only, and never when the user chose one of them or a young-generation
 * size (NODE_OPTIONS or the command line): the user's choice wins.
 */
import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

/**
 * A copy of at least this many objects runs under the bounds, and so does every listing longer
 * than one page (its size is known only at its end, when the young generation would have grown);
 * a listing that ends smaller restores V8's defaults at once. The bounds cost 20-40 % more client
 * CPU, which below this size (B4's 10,000 objects on MinIO are CPU-bound) outweighs the memory.
 */
export const LEAN_HEAP_MIN_OBJECTS = 50_000;
/**
 * How long the bound outlives the last phase that asked for it: the plan between the listing
 * and the copies, and the deletes and the manifest after them, stay covered.
 */
export const LEAN_HEAP_LINGER_MS = 10_000;

/** The young generation's size (both semi-spaces) past which it may not grow further. */
export const YOUNG_GENERATION_CAP_MIB = 16;

/**
 * How far the old generation may grow past what the last full collection left, in percent. V8's
 * own choice goes up to 4x what is live (about 100 MiB at 100,000 records), which is most of the
 * rest of the peak; 50 % costs some 20 % more CPU in full collections (B5 run), 25 % or 10 %
 * 30-55 % more for little less memory.
 */
export const OLD_GENERATION_GROWING_PERCENT = 50;

const FROZEN = "--semi-space-growth-factor=1";
const GROWING = `--heap-growing-percent=${OLD_GENERATION_GROWING_PERCENT}`;
/** V8's defaults (`node --v8-options`); 0 is "V8 decides". */
const DEFAULT = "--semi-space-growth-factor=2";
const DEFAULT_GROWING = "--heap-growing-percent=0";

const userChose = (): boolean =>
  [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].some((a) =>
    /semi[-_]space|heap[-_]growing/.test(a),
  );

let holders = 0;
let lingering: NodeJS.Timeout | undefined;
let observer: PerformanceObserver | undefined;
let frozen = false;

function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;
}

/** After a collection: stop the young generation's growth at the cap, allow it below. */
function adjust(): void {
  const atCap = youngGenerationBytes() >= YOUNG_GENERATION_CAP_MIB * 1024 * 1024;
  if (atCap === frozen) return;
  setFlagsFromString(atCap ? FROZEN : DEFAULT);
  frozen = atCap;
}

/**
 * Holds the bounds for a phase of a large set (the caller decides what is large); call the
 * returned function when the phase ends (more than once is harmless), with `linger` false when
 * the phase turned out small and nothing large follows it. Nested and overlapping phases share
 * one setting.
 */
export function holdLeanHeap(): (linger?: boolean) => void {
  if (userChose()) return () => undefined;
  holders += 1;
  if (lingering) clearTimeout(lingering);
  lingering = undefined;
  if (!observer) {
    setFlagsFromString(GROWING);
    observer = new PerformanceObserver(adjust);
    observer.observe({ entryTypes: ["gc"] });
    adjust();
  }
  let released = false;
  return (linger = true) => {
    if (released) return;
    released = true;
    holders -= 1;
    if (holders > 0) return;
    if (!linger) return restore();
    lingering = setTimeout(restore, LEAN_HEAP_LINGER_MS);
    // A provider process must not stay alive for this timer.
    lingering.unref();
  };
}

function restore(): void {
  lingering = undefined;
  if (holders > 0 || !observer) return;
  observer.disconnect();
  observer = undefined;
  if (frozen) setFlagsFromString(DEFAULT);
  frozen = false;
  setFlagsFromString(DEFAULT_GROWING);
}
