/**
 * Runs a set's copies: as many in flight as the concurrency controller permits, started in the
 * given order; throttling answered by backing off and lowering the concurrency instead of failing;
 * every other failure kept for the report without stopping the rest; the manifest checkpointed as
 * records arrive; progress printed at most every PROGRESS_INTERVAL_MS; SIGINT/SIGTERM stop new
 * starts and abort what runs.
 */
import { type CancelRegistry, processCancels } from "../cancel";
import { ConcurrencyController, isThrottling } from "../concurrency";
import { MiB, PROGRESS_INTERVAL_MS } from "../constants";
import { awsErrorCode, ObjectCopyError } from "../errors";
import { holdLeanHeap, LEAN_HEAP_MIN_OBJECTS } from "./lean-heap";
import {
  CHECKPOINT_FRACTION,
  CHECKPOINT_INTERVAL_MS,
  DEFAULT_SET_CONCURRENCY,
  MAX_THROTTLE_RETRIES,
  THROTTLE_BACKOFF_BASE_MS,
  THROTTLE_BACKOFF_MAX_MS,
} from "./limits";
import type { CopyTaskResult, PlannedCopy } from "./types";

export interface RunFailure {
  /** The source key (full S3 key) of the object that failed. */
  key: string;
  code: string;
  message: string;
}

export interface RunReport {
  copied: number;
  bytes: number;
  failures: RunFailure[];
  cancelled: boolean;
  /** The most copies that were in flight at once. */
  maxConcurrencyUsed: number;
  seconds: number;
  /** Attempts answered with throttling (each was put back in the queue, not failed). */
  throttled: number;
}

export interface RunOptions {
  tasks: PlannedCopy[];
  copy: (task: PlannedCopy, signal: AbortSignal) => Promise<CopyTaskResult>;
  /**
   * Objects in flight. Unset: the controller finds the best number itself, at most
   * DEFAULT_SET_CONCURRENCY. Set: that many (lowered only while the server throttles), or, with
   * `adaptive`, the most the controller may use.
   */
  maxConcurrency?: number;
  /** Whether the controller searches for the best concurrency; defaults to `maxConcurrency === undefined`. */
  adaptive?: boolean;
  onDone: (task: PlannedCopy, result: CopyTaskResult) => void;
  checkpoint: () => Promise<void>;
  log?: (line: string) => void;
  clock?: () => number;
  /** Where SIGINT/SIGTERM reach this run; tests pass their own registry. */
  cancels?: CancelRegistry;
}

// Where the set and the multipart copy both find it (concurrency/throttling.ts).
export { isThrottling };

/**
 * What the controller weighs one copied object as: its bytes plus this much for the request itself,
 * so that a window of small objects and one of large ones both measure work done (a CopyObject of
 * a few KiB costs S3 about what copying a MiB costs, in time) and empty objects count at all.
 */
const OBJECT_OVERHEAD_BYTES = MiB;

/** The controller a run uses: see RunOptions.maxConcurrency. */
function setController(
  opts: Pick<RunOptions, "maxConcurrency" | "adaptive">,
  clock: () => number,
): ConcurrencyController {
  const ceiling = Math.max(1, Math.floor(opts.maxConcurrency ?? DEFAULT_SET_CONCURRENCY));
  const adaptive = opts.adaptive ?? opts.maxConcurrency === undefined;
  // Adaptive starts at its ceiling, where today's fixed default ran, and looks downward first: no
  // worse than the fixed setting from the first request, and on a server past its knee at 64 the
  // descent finds it within a few hundred objects.
  return new ConcurrencyController({
    mode: adaptive ? "adaptive" : "fixed",
    initial: ceiling,
    max: ceiling,
    clock,
  });
}

/** The code and message a failure is reported with: the ObjectCopyError code, else the AWS code. */
export function describeError(err: unknown): { code: string; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ObjectCopyError) {
    return { code: err.code, message: err.detail };
  }
  const leading = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(message);
  if (leading) return { code: leading[1], message: leading[2] };
  const code = awsErrorCode(err);
  return { code: code && code !== "Error" ? code : "COPY_FAILED", message };
}

interface Item {
  task: PlannedCopy;
  throttles: number;
}

const mib = (bytes: number) => (bytes / MiB).toFixed(bytes >= 10 * MiB || bytes === 0 ? 0 : 1);

export async function runCopies(opts: RunOptions): Promise<RunReport> {
  const clock = opts.clock ?? (() => Date.now());
  const log = opts.log ?? ((line: string) => console.log(line));
  const controller = setController(opts, clock);
  const tasks = opts.tasks;
  const total = tasks.length;
  const totalBytes = tasks.reduce((sum, t) => sum + t.entry.size, 0);
  const started = clock();
  const scope = (opts.cancels ?? processCancels).openScope(`copying ${total} objects of a set`);
  const releaseHeap = total >= LEAN_HEAP_MIN_OBJECTS ? holdLeanHeap() : () => undefined;
  const signal = scope.signal;

  const report: RunReport = {
    copied: 0,
    bytes: 0,
    failures: [],
    cancelled: false,
    maxConcurrencyUsed: 0,
    seconds: 0,
    throttled: 0,
  };
  let next = 0; // the next task in the given order that has not started yet
  const retries: Item[] = []; // throttled objects whose backoff is over: they go first
  let backingOff = 0;
  let inFlight = 0;
  let settled = 0; // objects copied or failed

  // Checkpoints: never two at once; one more runs after the current one when records arrived.
  const everyRecords = Math.max(1, Math.ceil(total * CHECKPOINT_FRACTION));
  let unsaved = 0;
  let saving: Promise<void> | undefined;
  let again = false;
  const checkpoint = () => {
    if (saving) {
      again = true;
      return;
    }
    unsaved = 0;
    again = false;
    saving = opts
      .checkpoint()
      .catch((err: unknown) =>
        log(`checkpoint of the set's manifest failed (tried again later): ${describe(err)}`),
      )
      .finally(() => {
        saving = undefined;
        if (again && unsaved > 0) checkpoint();
      });
  };
  const describe = (err: unknown) => {
    const d = describeError(err);
    return `${d.code}: ${d.message}`;
  };

  let finish: () => void = () => undefined;
  const allSettled = new Promise<void>((resolve) => (finish = resolve));
  const wakeups = new Set<() => void>();

  const pump = () => {
    while (!signal.aborted && inFlight < controller.limit && (retries.length > 0 || next < total)) {
      void attempt(retries.shift() ?? { task: tasks[next++], throttles: 0 });
    }
    const drained = retries.length === 0 && next >= total && backingOff === 0;
    if (inFlight === 0 && (drained || signal.aborted)) finish();
  };

  const onThrottle = (item: Item, err: unknown) => {
    report.throttled += 1;
    item.throttles += 1;
    if (item.throttles > MAX_THROTTLE_RETRIES) {
      settled += 1;
      report.failures.push({
        key: item.task.sourceKey,
        code: "COPY_THROTTLED",
        message:
          `${item.task.sourceKey} was throttled ${item.throttles} times (the server kept answering ` +
          `"slow down"); the last answer: ${describe(err)}`,
      });
      return;
    }
    const ceiling = Math.min(THROTTLE_BACKOFF_MAX_MS, THROTTLE_BACKOFF_BASE_MS * 2 ** (item.throttles - 1));
    // Jitter spreads the retries of one burst so they do not come back as another burst.
    const wait = ceiling / 2 + Math.random() * (ceiling / 2);
    backingOff += 1;
    const wake = () => {
      clearTimeout(timer);
      wakeups.delete(wake);
      backingOff -= 1;
      if (!signal.aborted) retries.push(item);
    };
    const timer = setTimeout(() => {
      wake();
      pump();
    }, wait);
    wakeups.add(wake);
  };

  const attempt = async (item: Item) => {
    inFlight += 1;
    report.maxConcurrencyUsed = Math.max(report.maxConcurrencyUsed, inFlight);
    const token = controller.onStart();
    try {
      const result = await opts.copy(item.task, signal);
      controller.onSuccess(token, item.task.entry.size + OBJECT_OVERHEAD_BYTES);
      settled += 1;
      report.copied += 1;
      report.bytes += item.task.entry.size;
      try {
        opts.onDone(item.task, result);
      } catch (err) {
        report.failures.push({ key: item.task.sourceKey, ...describeError(err) });
      }
      unsaved += 1;
      if (unsaved >= everyRecords) checkpoint();
    } catch (err) {
      // A burst of throttled answers cuts the limit once (the controller's generations).
      if (!signal.aborted && isThrottling(err)) controller.onThrottle(token);
      else controller.onError(token);
      // After a signal, what breaks is the cancel itself, not the object.
      if (signal.aborted) return;
      if (isThrottling(err)) onThrottle(item, err);
      else {
        settled += 1;
        report.failures.push({ key: item.task.sourceKey, ...describeError(err) });
      }
    } finally {
      inFlight -= 1;
      pump();
    }
  };

  const progress = () => {
    const now = clock();
    const seconds = Math.max((now - started) / 1000, 0.001);
    const objectRate = settled / seconds;
    const byteRate = report.bytes / seconds;
    const etaObjects = objectRate > 0 ? (total - settled) / objectRate : Infinity;
    const etaBytes = byteRate > 0 ? (totalBytes - report.bytes) / byteRate : totalBytes > 0 ? Infinity : 0;
    const eta = Math.max(etaObjects, etaBytes);
    log(
      `copying ${settled}/${total} objects, ${mib(report.bytes)}/${mib(totalBytes)} MiB, ` +
        `${objectRate.toFixed(0)} objects/s, ${mib(byteRate)} MiB/s, ` +
        `${Number.isFinite(eta) ? `about ${Math.ceil(eta)}s left` : "time left unknown"}, concurrency ${controller.limit}`,
    );
  };

  const checkpointTimer = setInterval(() => {
    if (unsaved > 0) checkpoint();
  }, CHECKPOINT_INTERVAL_MS);
  const progressTimer = setInterval(progress, PROGRESS_INTERVAL_MS);
  const onAbort = () => {
    report.cancelled = true;
    for (const wake of [...wakeups]) wake();
    pump();
  };
  signal.addEventListener("abort", onAbort, { once: true });

  try {
    pump();
    await allSettled;
  } finally {
    clearInterval(checkpointTimer);
    clearInterval(progressTimer);
    signal.removeEventListener("abort", onAbort);
  }
  try {
    report.cancelled ||= signal.aborted;
    while (saving) await saving;
    // The closing checkpoint is the one that must not fail quietly: the caller needs to know.
    await opts.checkpoint();
  } finally {
    report.seconds = (clock() - started) / 1000;
    const failed = report.failures.length;
    // Said before the scope closes: after a SIGTERM, closing it lets the process end by the signal.
    log(
      `${report.cancelled ? "cancelled after copying" : "copied"} ${report.copied}/${total} objects, ` +
        `${mib(report.bytes)} MiB in ${report.seconds.toFixed(1)}s ` +
        `(${(report.copied / Math.max(report.seconds, 0.001)).toFixed(0)} objects/s, ` +
        `${mib(report.bytes / Math.max(report.seconds, 0.001))} MiB/s), ${failed} failed, ` +
        `throttled ${report.throttled} times, concurrency ${controller.limit} at the end (at most ${report.maxConcurrencyUsed} in flight)`,
    );
    scope.close();
    releaseHeap();
  }
  return report;
}
