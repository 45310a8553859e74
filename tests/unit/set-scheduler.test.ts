import { CancelRegistry } from "../../provider/engine/cancel";
import { MiB } from "../../provider/engine/constants";
import { ObjectCopyError, wrapAwsError } from "../../provider/engine/errors";
import { DEFAULT_SET_CONCURRENCY, MAX_THROTTLE_RETRIES } from "../../provider/engine/set/limits";
import { isThrottling, runCopies, type RunOptions } from "../../provider/engine/set/scheduler";
import type { CopyTaskResult, PlannedCopy } from "../../provider/engine/set/types";
import { fakeProcess } from "../helpers/fake-process";
import { plannedCopies, sleep, slowDown, written } from "../helpers/set-tasks";

// Every test runs on jest's fake clock: copies "take" simulated milliseconds, nothing waits for real.
beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
afterEach(() => jest.useRealTimers());

const tasks = (n: number, size = 1024) => plannedCopies(n, size, 5);

/** A fake copy that tracks how many calls are in flight, and what started when. */
function fakeServer(behave: (t: PlannedCopy, inFlight: number, now: number) => Promise<void>) {
  const state = { inFlight: 0, peak: 0, starts: [] as { key: string; inFlight: number; at: number }[] };
  const copy = async (t: PlannedCopy) => {
    state.inFlight += 1;
    state.peak = Math.max(state.peak, state.inFlight);
    state.starts.push({ key: t.sourceKey, inFlight: state.inFlight, at: Date.now() });
    try {
      await behave(t, state.inFlight, Date.now());
      return written(t);
    } finally {
      state.inFlight -= 1;
    }
  };
  return { state, copy };
}

/** Runs to the end on the fake clock (one registry per run, so no real signal handler is touched). */
async function run(opts: Partial<RunOptions> & Pick<RunOptions, "tasks" | "copy">) {
  const lines: string[] = [];
  const done: string[] = [];
  const p = runCopies({
    onDone: (t) => done.push(t.sourceKey),
    checkpoint: async () => undefined,
    log: (l) => lines.push(l),
    cancels: new CancelRegistry(fakeProcess().hooks),
    ...opts,
  });
  await jest.runAllTimersAsync();
  const report = await p;
  return { report, lines, done };
}

describe("runCopies: concurrency", () => {
  it("never has more than maxConcurrency copies in flight, reaches it, and starts them in the given order", async () => {
    const server = fakeServer(() => sleep(10 + Math.floor(Math.random() * 20)));
    const all = tasks(200);
    const { report, done } = await run({ tasks: all, copy: server.copy, maxConcurrency: 7 });
    expect(server.state.peak).toBe(7);
    expect(report.maxConcurrencyUsed).toBe(7);
    expect(server.state.starts.map((s) => s.key)).toEqual(all.map((t) => t.sourceKey));
    expect(report).toMatchObject({
      copied: 200,
      bytes: 200 * 1024,
      failures: [],
      cancelled: false,
      throttled: 0,
    });
    expect(done.sort()).toEqual(all.map((t) => t.sourceKey));
  });

  it("uses DEFAULT_SET_CONCURRENCY (128) at once by default", async () => {
    const server = fakeServer(() => sleep(50));
    const { report } = await run({ tasks: tasks(300), copy: server.copy });
    expect(DEFAULT_SET_CONCURRENCY).toBe(128);
    expect(server.state.peak).toBe(DEFAULT_SET_CONCURRENCY);
    expect(report.maxConcurrencyUsed).toBe(DEFAULT_SET_CONCURRENCY);
  });
});

/**
 * A MinIO-like server: `lanes` copies are served at once, each for `serviceMs`; the rest queue.
 * Objects per second stop growing past `lanes` in flight while every copy waits longer.
 */
function laneServer(lanes: number, serviceMs: number) {
  const freeAt = Array.from({ length: lanes }, () => 0);
  return fakeServer(async () => {
    const now = Date.now();
    const lane = freeAt.indexOf(Math.min(...freeAt));
    freeAt[lane] = Math.max(now, freeAt[lane]) + serviceMs;
    await sleep(freeAt[lane] - now);
  });
}

/** The mean of the in-flight counts seen by the last half of the copies started. */
const lateMeanInFlight = (starts: { inFlight: number }[]) => {
  const late = starts.slice(starts.length / 2);
  return late.reduce((sum, s) => sum + s.inFlight, 0) / late.length;
};

describe("runCopies: adaptive concurrency", () => {
  it("by default comes down from 128 to about 8 on a server that serves 8 at once, and says so", async () => {
    const server = laneServer(8, 10);
    const { report, lines } = await run({ tasks: tasks(4000), copy: server.copy });
    expect(report).toMatchObject({ copied: 4000, failures: [], maxConcurrencyUsed: DEFAULT_SET_CONCURRENCY });
    const mean = lateMeanInFlight(server.state.starts);
    expect(mean).toBeGreaterThanOrEqual(7);
    expect(mean).toBeLessThanOrEqual(11);
    expect(lines[lines.length - 1]).toMatch(/, concurrency (8|9|10) at the end \(at most 128 in flight\)$/);
  });

  it("by default stays at 128 on a server whose copies take as long however many run", async () => {
    const server = fakeServer(() => sleep(50));
    const { report } = await run({ tasks: tasks(4000), copy: server.copy });
    expect(report.copied).toBe(4000);
    expect(lateMeanInFlight(server.state.starts)).toBeGreaterThan(DEFAULT_SET_CONCURRENCY - 3);
  });

  it("with adaptive, takes maxConcurrency as its ceiling and finds the knee below it", async () => {
    const server = laneServer(4, 10);
    const { report } = await run({
      tasks: tasks(3000),
      copy: server.copy,
      maxConcurrency: 20,
      adaptive: true,
    });
    expect(report).toMatchObject({ copied: 3000, maxConcurrencyUsed: 20 });
    expect(server.state.peak).toBe(20);
    const mean = lateMeanInFlight(server.state.starts);
    expect(mean).toBeGreaterThanOrEqual(3.5);
    expect(mean).toBeLessThanOrEqual(6);
  });

  it("with maxConcurrency alone, keeps that many in flight even past the server's knee", async () => {
    const server = laneServer(4, 10);
    const { report } = await run({ tasks: tasks(3000), copy: server.copy, maxConcurrency: 20 });
    expect(report.copied).toBe(3000);
    // Every start but those of the last 20 (the queue runs dry) finds 20 in flight.
    expect(server.state.starts.slice(20, -20).every((s) => s.inFlight === 20)).toBe(true);
  });
});

describe("runCopies: throttling (AIMD)", () => {
  it("settles at or below what a server that throttles above 20 concurrent requests accepts, and completes with no failures", async () => {
    const server = fakeServer(async (_t, inFlight) => {
      await sleep(100);
      if (inFlight > 20) throw slowDown();
    });
    const { report } = await run({ tasks: tasks(3000), copy: server.copy, maxConcurrency: 64 });
    expect(report.failures).toEqual([]);
    expect(report.copied).toBe(3000);
    expect(report.throttled).toBeGreaterThan(0);
    // After the first burst has drained, the limit probes at most one above what the server takes
    // (that probe is how it learns), and stays at or below 20 on average.
    const end = server.state.starts[server.state.starts.length - 1].at;
    const begin = server.state.starts[0].at;
    const settled = server.state.starts.filter((s) => s.at > begin + (end - begin) / 2);
    expect(settled.length).toBeGreaterThan(500);
    expect(Math.max(...settled.map((s) => s.inFlight))).toBeLessThanOrEqual(21);
    const mean = settled.reduce((sum, s) => sum + s.inFlight, 0) / settled.length;
    expect(mean).toBeLessThanOrEqual(20);
    // Far fewer throttled answers than copies: the cut is what keeps the server happy, not retries.
    expect(report.throttled).toBeLessThan(report.copied / 5);
  });

  it("climbs back to the maximum once the server stops throttling", async () => {
    const throttleUntil = Date.now() + 2_000;
    const server = fakeServer(async (_t, inFlight, now) => {
      await sleep(100);
      if (now < throttleUntil && inFlight > 8) throw slowDown();
    });
    const { report } = await run({ tasks: tasks(6000), copy: server.copy, maxConcurrency: 32 });
    expect(report).toMatchObject({ copied: 6000, failures: [] });
    const during = server.state.starts.filter((s) => s.at > throttleUntil - 1_000 && s.at < throttleUntil);
    expect(Math.max(...during.map((s) => s.inFlight))).toBeLessThanOrEqual(16);
    const last = server.state.starts.slice(-200);
    expect(Math.max(...last.map((s) => s.inFlight))).toBe(32);
  });

  it("fails an object the server throttles every time after the retry cap, naming the key and the count, and copies the rest", async () => {
    const calls = new Map<string, number>();
    const copy = async (t: PlannedCopy) => {
      calls.set(t.sourceKey, (calls.get(t.sourceKey) ?? 0) + 1);
      await sleep(5);
      if (t.sourceKey === "src/k00001") throw slowDown();
      return written(t);
    };
    const started = Date.now();
    const { report, done } = await run({ tasks: tasks(3), copy, maxConcurrency: 2 });
    const attempts = MAX_THROTTLE_RETRIES + 1;
    expect(calls.get("src/k00001")).toBe(attempts);
    expect(calls.get("src/k00000")).toBe(1);
    expect(calls.get("src/k00002")).toBe(1);
    expect(done.sort()).toEqual(["src/k00000", "src/k00002"]);
    expect(report.failures).toEqual([
      {
        key: "src/k00001",
        code: "COPY_THROTTLED",
        message: expect.stringMatching(new RegExp(`^src/k00001 was throttled ${attempts} times .*SlowDown`)),
      },
    ]);
    expect(report.throttled).toBe(attempts);
    // Backoff is capped, so even the always-throttled object gives up within a bounded time.
    expect(Date.now() - started).toBeLessThan(attempts * 5_000);
  });

  it.each([
    ["SlowDown (503)", true, slowDown()],
    [
      "HTTP 429",
      true,
      Object.assign(new Error("x"), { name: "Unknown", $metadata: { httpStatusCode: 429 } }),
    ],
    ["ThrottlingException", true, Object.assign(new Error("x"), { name: "ThrottlingException" })],
    ["RequestLimitExceeded", true, Object.assign(new Error("x"), { name: "RequestLimitExceeded" })],
    ["wrapped by wrapAwsError", true, wrapAwsError("CopyObject", "a -> b", slowDown())],
    [
      "wrapped 503 without a code",
      true,
      wrapAwsError("UploadPartCopy", "a", { $metadata: { httpStatusCode: 503 } }),
    ],
    [
      "AccessDenied",
      false,
      Object.assign(new Error("x"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }),
    ],
    ["wrapped AccessDenied", false, wrapAwsError("CopyObject", "a -> b", { name: "AccessDenied" })],
    ["an ObjectCopyError", false, new ObjectCopyError("SOURCE_CHANGED", "the source changed")],
  ])("%s is throttling: %s", (_name, expected, err) => {
    expect(isThrottling(err)).toBe(expected);
  });
});

describe("runCopies: partial failure", () => {
  it("keeps copying after failures and reports every failed key with its code and message", async () => {
    const copy = async (t: PlannedCopy) => {
      await sleep(5);
      if (t.sourceKey === "src/k00003")
        throw new ObjectCopyError("SOURCE_CHANGED", "src/k00003 changed while copying");
      if (t.sourceKey === "src/k00007") {
        throw Object.assign(new Error("Access Denied"), {
          name: "AccessDenied",
          $metadata: { httpStatusCode: 403 },
        });
      }
      return written(t);
    };
    const { report, done } = await run({ tasks: tasks(10), copy, maxConcurrency: 3 });
    expect(report.failures).toEqual([
      { key: "src/k00003", code: "SOURCE_CHANGED", message: "src/k00003 changed while copying" },
      { key: "src/k00007", code: "AccessDenied", message: "Access Denied" },
    ]);
    expect(report.copied).toBe(8);
    expect(done).toHaveLength(8);
    expect(done).not.toContain("src/k00003");
    expect(done).not.toContain("src/k00007");
  });
});

describe("runCopies: checkpoints", () => {
  it("checkpoints after every 1% of the objects when that comes before a second", async () => {
    let done = 0;
    const atCheckpoint: number[] = [];
    const { report } = await run({
      tasks: tasks(1000),
      copy: async (t) => {
        await sleep(7);
        return written(t);
      },
      maxConcurrency: 1,
      onDone: () => (done += 1),
      checkpoint: async () => {
        atCheckpoint.push(done);
      },
    });
    expect(report.copied).toBe(1000);
    const gaps = atCheckpoint.slice(1).map((n, i) => n - atCheckpoint[i]);
    expect(Math.max(atCheckpoint[0], ...gaps)).toBeLessThanOrEqual(10);
    expect(atCheckpoint[atCheckpoint.length - 1]).toBe(1000);
    // 100 by count, a few more from the 1 s timer, and the closing one.
    expect(atCheckpoint.length).toBeGreaterThanOrEqual(101);
    expect(atCheckpoint.length).toBeLessThanOrEqual(110);
  });

  it("checkpoints at least every second when 1% takes longer, never two at once, and once at the end", async () => {
    let done = 0;
    let open = 0;
    let mostOpen = 0;
    const calls: { at: number; done: number }[] = [];
    const started = Date.now();
    const { report } = await run({
      tasks: tasks(1000),
      copy: async (t) => {
        await sleep(300);
        return written(t);
      },
      maxConcurrency: 1,
      onDone: () => (done += 1),
      checkpoint: async () => {
        calls.push({ at: Date.now(), done });
        open += 1;
        mostOpen = Math.max(mostOpen, open);
        await sleep(400);
        open -= 1;
      },
    });
    expect(report.copied).toBe(1000);
    expect(mostOpen).toBe(1);
    const times = [started, ...calls.map((c) => c.at)];
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // A second from the last checkpoint's start, plus at most one running checkpoint's 400 ms.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1_400);
    expect(calls.length).toBeGreaterThan(200);
    expect(calls[calls.length - 1].done).toBe(1000);
  });

  it("makes the closing checkpoint after the last copy even when nothing else triggered one", async () => {
    const calls: number[] = [];
    let done = 0;
    await run({
      tasks: tasks(3),
      copy: async (t) => written(t),
      onDone: () => (done += 1),
      checkpoint: async () => {
        calls.push(done);
      },
    });
    // 1% of 3 objects is every object; the last call is the closing one.
    expect(calls[calls.length - 1]).toBe(3);
  });
});

describe("runCopies: progress", () => {
  it("prints a line every 5 s with objects, MiB, rates, ETA and concurrency, and a closing line", async () => {
    const { lines } = await run({
      tasks: tasks(100, 2 * MiB),
      copy: async (t) => {
        await sleep(1_000);
        return written(t);
      },
      maxConcurrency: 10,
    });
    // 100 objects, 10 at a time, 1 s each: 10 s, so lines at 5 s and 10 s (maybe), then the summary.
    expect(lines[0]).toBe(
      "copying 40/100 objects, 80/200 MiB, 8 objects/s, 16 MiB/s, about 8s left, concurrency 10",
    );
    expect(lines[lines.length - 1]).toBe(
      "copied 100/100 objects, 200 MiB in 10.0s (10 objects/s, 20 MiB/s), 0 failed, throttled 0 times, " +
        "concurrency 10 at the end (at most 10 in flight)",
    );
    expect(lines.length).toBeLessThanOrEqual(3);
  });

  it("prints only the closing line for a run under 5 s", async () => {
    const { lines } = await run({
      tasks: tasks(40),
      copy: async (t) => {
        await sleep(400);
        return written(t);
      },
      maxConcurrency: 4,
    });
    expect(lines).toEqual([expect.stringMatching(/^copied 40\/40 objects, .* in 4\.0s /)]);
  });
});

describe("runCopies: cancel", () => {
  it("on SIGINT starts nothing new, aborts the copies in flight, checkpoints, and only then lets the signal end the process", async () => {
    const proc = fakeProcess();
    const cancels = new CancelRegistry(proc.hooks);
    const events: string[] = [];
    const signals: AbortSignal[] = [];
    const copy = (t: PlannedCopy, signal: AbortSignal) =>
      new Promise<CopyTaskResult>((resolve, reject) => {
        events.push(`start ${t.sourceKey}`);
        signals.push(signal);
        const timer = setTimeout(() => resolve(written(t)), 100);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(new ObjectCopyError("COPY_CANCELLED", "cancelled"));
        });
      });
    const p = runCopies({
      tasks: tasks(100),
      copy,
      maxConcurrency: 4,
      onDone: (t) => events.push(`done ${t.sourceKey}`),
      checkpoint: async () => {
        events.push(`checkpoint, raised: ${proc.raised.length}`);
      },
      log: () => undefined,
      cancels,
    });
    await jest.advanceTimersByTimeAsync(250);
    const startedBefore = events.filter((e) => e.startsWith("start")).length;
    expect(startedBefore).toBe(12);
    proc.send("SIGINT");
    await jest.runAllTimersAsync();
    const report = await p;

    expect(events.filter((e) => e.startsWith("start"))).toHaveLength(startedBefore);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(report).toMatchObject({ cancelled: true, copied: 8, failures: [] });
    expect(events[events.length - 1]).toBe("checkpoint, raised: 0");
    expect(proc.raised).toEqual(["SIGINT"]);
  });
});
