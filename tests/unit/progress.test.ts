import { MiB, PROGRESS_INTERVAL_MS } from "../../provider/engine/constants";
import { heartbeat, progressReporter, type Ticker } from "../../provider/engine/progress";

const TOTAL_BYTES = 100 * MiB;
const TOTAL_PARTS = 10;

/** A reporter driven by a fake clock; returns the lines with the time they were printed. */
function harness(totalBytes = TOTAL_BYTES, totalParts = TOTAL_PARTS) {
  let now = 1_000_000;
  const start = now;
  const lines: { at: number; line: string }[] = [];
  const report = progressReporter(
    "s3://dst/key",
    totalBytes,
    totalParts,
    (line) => lines.push({ at: now - start, line }),
    () => now,
  );
  return {
    lines,
    /** Moves the clock to `ms` after the start and reports progress. */
    at(ms: number, parts: number, bytes: number, concurrency?: number) {
      now = start + ms;
      report({ parts, bytes, concurrency });
    },
  };
}

describe("progressReporter", () => {
  it("shows the parts in flight the controller allows while the copy runs, not on the last line", () => {
    const h = harness();
    h.at(PROGRESS_INTERVAL_MS, 2, 20 * MiB, 12);
    h.at(3 * PROGRESS_INTERVAL_MS, TOTAL_PARTS, TOTAL_BYTES, 8);
    expect(h.lines.map((l) => l.line)).toEqual([
      expect.stringMatching(/^copying s3:\/\/dst\/key: 2\/10 parts, .*about \d+s left, 12 parts in flight$/),
      expect.stringMatching(/^copying s3:\/\/dst\/key: 10\/10 parts, .*, done$/),
    ]);
  });

  it("prints nothing before PROGRESS_INTERVAL_MS has passed", () => {
    const h = harness();
    h.at(0, 1, 10 * MiB);
    h.at(1, 2, 20 * MiB);
    h.at(PROGRESS_INTERVAL_MS - 1, 5, 50 * MiB);
    expect(h.lines).toEqual([]);
  });

  it("prints a line with parts, MiB, rate and time left once the interval has passed", () => {
    const h = harness();
    h.at(PROGRESS_INTERVAL_MS, 2, 20 * MiB);
    // 20 MiB in 5 s = 4 MiB/s; 80 MiB left = 20 s.
    expect(h.lines).toEqual([
      {
        at: PROGRESS_INTERVAL_MS,
        line: "copying s3://dst/key: 2/10 parts, 20/100 MiB, 4 MiB/s, about 20s left",
      },
    ]);
  });

  it("prints at most one line per interval however often parts finish", () => {
    const h = harness(1000 * MiB, 1000);
    for (let i = 1; i < 1000; i++) h.at(i * 97, i, i * MiB);
    expect(h.lines.length).toBeGreaterThan(5);
    const times = h.lines.map((l) => l.at);
    expect(times[0]).toBeGreaterThanOrEqual(PROGRESS_INTERVAL_MS);
    for (let i = 1; i < times.length; i++) {
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(PROGRESS_INTERVAL_MS);
      expect(times[i] - times[i - 1]).toBeLessThan(PROGRESS_INTERVAL_MS + 97);
    }
    expect(h.lines.every((l) => !l.line.endsWith("done"))).toBe(true);
  });

  it("measures the interval from the last printed line, not the last call", () => {
    const h = harness();
    h.at(PROGRESS_INTERVAL_MS, 1, 10 * MiB);
    h.at(2 * PROGRESS_INTERVAL_MS - 1, 2, 20 * MiB);
    h.at(2 * PROGRESS_INTERVAL_MS, 3, 30 * MiB);
    expect(h.lines.map((l) => l.at)).toEqual([PROGRESS_INTERVAL_MS, 2 * PROGRESS_INTERVAL_MS]);
  });

  it.each([[0], [1], [PROGRESS_INTERVAL_MS - 1]])(
    "prints no done line for a copy that finished in %d ms",
    (ms) => {
      const h = harness();
      h.at(ms / 2, 5, 50 * MiB);
      h.at(ms, TOTAL_PARTS, TOTAL_BYTES);
      expect(h.lines).toEqual([]);
    },
  );

  it("prints a final done line for a copy that took longer than the interval", () => {
    const h = harness();
    h.at(PROGRESS_INTERVAL_MS + 100, 5, 50 * MiB);
    h.at(2 * PROGRESS_INTERVAL_MS, TOTAL_PARTS, TOTAL_BYTES);
    expect(h.lines).toHaveLength(2);
    expect(h.lines[1]).toEqual({
      at: 2 * PROGRESS_INTERVAL_MS,
      line: "copying s3://dst/key: 10/10 parts, 100/100 MiB, 10 MiB/s, done",
    });
  });

  it("prints the done line even right after a progress line", () => {
    const h = harness();
    h.at(PROGRESS_INTERVAL_MS + 1, 9, 90 * MiB);
    h.at(PROGRESS_INTERVAL_MS + 2, TOTAL_PARTS, TOTAL_BYTES);
    expect(h.lines.map((l) => l.line.endsWith("done"))).toEqual([false, true]);
  });

  it("prints the done line when the last part is the first report after a long wait", () => {
    const h = harness(8 * MiB, 1);
    h.at(3 * PROGRESS_INTERVAL_MS, 1, 8 * MiB);
    expect(h.lines.map((l) => l.line)).toEqual(["copying s3://dst/key: 1/1 parts, 8/8 MiB, 1 MiB/s, done"]);
  });
});

/** A heartbeat on a fake clock whose ticks the test fires by moving time. */
function beating(totalBytes = 3 * 1024 * MiB) {
  let now = 0;
  let ticks: { every: number; next: number; tick: () => void } | undefined;
  const lines: string[] = [];
  const ticker: Ticker = {
    now: () => now,
    every: (tick, ms) => {
      ticks = { every: ms, next: ms, tick };
      return () => (ticks = undefined);
    },
  };
  const stop = heartbeat("s3://dst/key", totalBytes, (l) => lines.push(l), ticker);
  return {
    lines,
    stop,
    stopped: () => ticks === undefined,
    /** Moves the clock to `ms` after the start, firing every tick due on the way. */
    to(ms: number) {
      while (ticks && ticks.next <= ms) {
        now = ticks.next;
        ticks.next += ticks.every;
        ticks.tick();
      }
      now = ms;
    },
  };
}

describe("heartbeat (one long CopyObject)", () => {
  it("prints the elapsed time once per PROGRESS_INTERVAL_MS, and a closing line", () => {
    const h = beating();
    h.to(PROGRESS_INTERVAL_MS - 1);
    expect(h.lines).toEqual([]);
    h.to(3 * PROGRESS_INTERVAL_MS + 200);
    h.stop("done");
    const s = PROGRESS_INTERVAL_MS / 1000;
    expect(h.lines).toEqual([
      `copying s3://dst/key: one CopyObject of 3072 MiB, ${s}s elapsed`,
      `copying s3://dst/key: one CopyObject of 3072 MiB, ${2 * s}s elapsed`,
      `copying s3://dst/key: one CopyObject of 3072 MiB, ${3 * s}s elapsed`,
      `copying s3://dst/key: done after ${3 * s}s`,
    ]);
    expect(h.stopped()).toBe(true);
  });

  it("prints nothing at all for a copy that ends within the interval", () => {
    const h = beating();
    h.to(PROGRESS_INTERVAL_MS - 1);
    h.stop("done");
    expect(h.lines).toEqual([]);
    expect(h.stopped()).toBe(true);
  });

  it("says the copy failed when it fails after a heartbeat", () => {
    const h = beating();
    h.to(PROGRESS_INTERVAL_MS);
    h.stop("failed");
    expect(h.lines.at(-1)).toBe(`copying s3://dst/key: failed after ${PROGRESS_INTERVAL_MS / 1000}s`);
  });
});
