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
): (done: { parts: number; bytes: number }) => void {
  const started = clock();
  let lastPrinted = started;
  return ({ parts, bytes }) => {
    const now = clock();
    if (now - lastPrinted < PROGRESS_INTERVAL_MS && parts < totalParts) return;
    if (parts === totalParts && now - started < PROGRESS_INTERVAL_MS) return;
    lastPrinted = now;
    const seconds = Math.max((now - started) / 1000, 0.001);
    const rate = bytes / seconds;
    const eta = rate > 0 ? Math.round((totalBytes - bytes) / rate) : 0;
    log(
      `copying ${target}: ${parts}/${totalParts} parts, ${mib(bytes)}/${mib(totalBytes)} MiB, ` +
        `${mib(rate)} MiB/s, ${parts === totalParts ? "done" : `about ${eta}s left`}`,
    );
  };
}
