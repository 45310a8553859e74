// A set under a request-rate limit answered 503 SlowDown (S3: 3,500 writes/s per prefix), on
// jest's fake clock: the scheduler and its controller reach the limit, and a throttled object
// comes back soon enough that the last ones do not trail the run.
import { CancelRegistry } from "../../provider/engine/cancel";
import { runCopies, type RunOptions } from "../../provider/engine/set/scheduler";
import type { PlannedCopy } from "../../provider/engine/set/types";
import { fakeProcess } from "../helpers/fake-process";
import { plannedCopies, sleep, slowDown, written } from "../helpers/set-tasks";

beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

const tasks = (n: number, size = 16 * 1024) => plannedCopies(n, size, 6);

/** The same jitter on every run: a small linear congruential generator in place of Math.random. */
function seededRandom(seed = 1) {
  let x = seed;
  jest.spyOn(Math, "random").mockImplementation(() => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  });
}

async function run(opts: Pick<RunOptions, "tasks" | "copy"> & Partial<RunOptions>) {
  const p = runCopies({
    onDone: () => undefined,
    checkpoint: async () => undefined,
    log: () => undefined,
    cancels: new CancelRegistry(fakeProcess().hooks),
    ...opts,
  });
  await jest.runAllTimersAsync();
  return p;
}

describe("runCopies under a request-rate limit", () => {
  it("sends a throttled object again after 25-50 ms, then 50-100 ms: the controller's cut relieves the server, the wait only spreads the retries", async () => {
    jest.spyOn(Math, "random").mockReturnValue(0.999);
    const sends: { at: number; answered: number }[] = [];
    const copy = async (t: PlannedCopy) => {
      const send = { at: Date.now(), answered: 0 };
      sends.push(send);
      await sleep(20);
      send.answered = Date.now();
      if (sends.length <= 2) throw slowDown();
      return written(t);
    };
    const report = await run({ tasks: tasks(1), copy });
    expect(report).toMatchObject({ copied: 1, throttled: 2, failures: [] });
    const waits = [sends[1].at - sends[0].answered, sends[2].at - sends[1].answered];
    expect(waits[0]).toBeGreaterThan(25);
    expect(waits[0]).toBeLessThanOrEqual(50);
    expect(waits[1]).toBeGreaterThan(50);
    expect(waits[1]).toBeLessThanOrEqual(100);
  });

  it("copies 10,000 objects under 3,500 writes/s (503 SlowDown past a 0.1 s burst) in at most 99% of N / limit, with no failures", async () => {
    seededRandom();
    const N = 10_000;
    const LIMIT = 3_500;
    const burst = LIMIT * 0.1;
    let tokens = burst;
    let refilledAt = Date.now();
    let throttled = 0;
    // S3's per-prefix limit as a token bucket; a refused write is answered after the usual latency.
    const copy = async (t: PlannedCopy) => {
      const now = Date.now();
      tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * LIMIT);
      refilledAt = now;
      const accepted = tokens >= 1;
      if (accepted) tokens -= 1;
      await sleep(20 + Math.random() * 0.5);
      if (!accepted) {
        throttled += 1;
        throw slowDown();
      }
      return written(t);
    };
    const started = Date.now();
    const report = await run({ tasks: tasks(N), copy });
    const seconds = (Date.now() - started) / 1000;
    expect(report).toMatchObject({ copied: N, failures: [] });
    expect(report.throttled).toBe(throttled);
    // The burst alone is worth 0.1 s; what eats it is a slow first descent or a trailing retry.
    expect(seconds).toBeLessThanOrEqual(0.99 * (N / LIMIT));
    // Throttled answers stay a small share of the requests: the cut, not the retries, holds the rate.
    expect(throttled).toBeLessThan(N * 0.05);
  });
});
