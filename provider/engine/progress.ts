import { PROGRESS_INTERVAL_MS } from "./constants";

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

/**
 * Prints a progress line at most every PROGRESS_INTERVAL_MS. A Pulumi dynamic provider's stdout is
 * shown to the user as info lines, which is the only progress channel a provider has.
 */
export function progressReporter(
  target: string,
  totalBytes: number,
  totalParts: number,
  log: (line: string) => void = (l) => console.log(l),
  clock: () => number = Date.now,
): (done: { parts: number; bytes: number; concurrency?: number }) => void {
  const started = clock();
  let lastPrinted = started;
  return ({ parts, bytes, concurrency }) => {
    const now = clock();
    if (now - lastPrinted < PROGRESS_INTERVAL_MS && parts < totalParts) return;
    if (parts === totalParts && now - started < PROGRESS_INTERVAL_MS) return;
    lastPrinted = now;
    const seconds = Math.max((now - started) / 1000, 0.001);
    const rate = bytes / seconds;
    const eta = rate > 0 ? Math.round((totalBytes - bytes) / rate) : 0;
    log(
      `copying ${target}: ${parts}/${totalParts} parts, ${mib(bytes)}/${mib(totalBytes)} MiB, ` +
        `${mib(rate)} MiB/s, ${parts === totalParts ? "done" : `about ${eta}s left`}` +
        (concurrency === undefined || parts === totalParts ? "" : `, ${concurrency} parts in flight`),
    );
  };
}

/** How a heartbeat schedules itself; tests pass a fake one. */
export interface Ticker {
  now: () => number;
  /** Calls `tick` every `ms` until the returned function is called. */
  every: (tick: () => void, ms: number) => () => void;
}

const realTicker: Ticker = {
  now: () => Date.now(),
  every: (tick, ms) => {
    const timer = setInterval(tick, ms);
    // A heartbeat must never be what keeps the provider process alive.
    timer.unref();
    return () => clearInterval(timer);
  },
};

/**
 * Progress for one long request that reports nothing until it ends (a single CopyObject of up
 * to 5 GiB runs for over a minute): a line with the elapsed time every PROGRESS_INTERVAL_MS, and
 * a closing line if any was printed. Returns the function that stops it.
 */
export function heartbeat(
  target: string,
  totalBytes: number,
  log: (line: string) => void = (l) => console.log(l),
  ticker: Ticker = realTicker,
): (outcome: "done" | "failed") => void {
  const started = ticker.now();
  const elapsed = () => Math.round((ticker.now() - started) / 1000);
  let printed = false;
  const stop = ticker.every(() => {
    printed = true;
    log(`copying ${target}: one CopyObject of ${mib(totalBytes)} MiB, ${elapsed()}s elapsed`);
  }, PROGRESS_INTERVAL_MS);
  return (outcome) => {
    stop();
    if (printed) log(`copying ${target}: ${outcome} after ${elapsed()}s`);
  };
}
