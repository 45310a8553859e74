import { ConcurrencyController, type Token } from "../../provider/engine/concurrency";
import { PROBE_COST_SHARE } from "../../provider/engine/concurrency/limits";
import { DEFAULT_CONCURRENCY, GiB, MAX_OBJECT_BYTES, MiB } from "../../provider/engine/constants";
import { partRange, planParts, type PartPlan } from "../../provider/engine/object/parts";

// An adaptive multipart copy (no `concurrency` set) as multipart.ts drives it: the plan planParts
// makes at the default ceiling, and its parts run through a ConcurrencyController with
// the parts left as `pending`, on simulated servers (virtual clock, no timers).

const TiB = 1024 * GiB;

/** When a part of `bytes` sent at `now` is answered. */
interface Server {
  submit(now: number, bytes: number): number;
}

/** S3-like (the latency model's rule): 20 ms plus 64 MiB/s per request, however many are in flight. */
const s3Like = (): Server => ({ submit: (now, bytes) => now + 20 + (bytes / (64 * MiB)) * 1000 });

/**
 * MinIO-like: 8 requests are served at once at 40 MiB/s each (plus 2 ms), the rest wait in line
 * (FIFO). Throughput grows with concurrency up to 8 and is flat beyond it while latency grows.
 */
function minioLike(): Server {
  const freeAt = new Array<number>(8).fill(0);
  return {
    submit(now, bytes) {
      let lane = 0;
      for (let i = 1; i < freeAt.length; i++) if (freeAt[i] < freeAt[lane]) lane = i;
      freeAt[lane] = Math.max(now, freeAt[lane]) + 2 + (bytes / (40 * MiB)) * 1000;
      return freeAt[lane];
    },
  };
}

interface CopyRun {
  /** Milliseconds from the first part sent to the last answered. */
  ms: number;
  /** The limit when each part was sent, in send order. */
  limits: number[];
  knee?: number;
}

/** Runs every part of `plan` with at most `ceiling` in flight, adaptive or fixed, as copyParts does. */
function copy(server: Server, plan: PartPlan, adaptive: boolean, ceiling = DEFAULT_CONCURRENCY): CopyRun {
  let now = 0;
  let next = 1;
  const control = new ConcurrencyController({
    mode: adaptive ? "adaptive" : "fixed",
    initial: Math.min(ceiling, plan.partCount),
    max: Math.min(ceiling, plan.partCount),
    clock: () => now,
    pending: () => plan.partCount - next + 1,
  });
  const flying: { at: number; token: Token; bytes: number }[] = [];
  const limits: number[] = [];
  const pump = () => {
    while (control.inFlight < control.limit && next <= plan.partCount) {
      const r = partRange(plan, next++);
      const bytes = r.last - r.first + 1;
      limits.push(control.limit);
      flying.push({ at: server.submit(now, bytes), token: control.onStart(), bytes });
    }
  };
  pump();
  while (flying.length > 0) {
    let first = 0;
    for (let i = 1; i < flying.length; i++) if (flying[i].at < flying[first].at) first = i;
    const [done] = flying.splice(first, 1);
    now = done.at;
    control.onSuccess(done.token, done.bytes);
    pump();
  }
  return { ms: now, limits, knee: control.stats().knee };
}

/** Parts sent before the limit entered [low, high] for good. */
function partsBeforeSettling(run: CopyRun, low: number, high: number): number {
  let last = 0;
  run.limits.forEach((l, i) => {
    if (l < low || l > high) last = i + 1;
  });
  return last;
}

const plan = (size: number) => planParts(size, undefined, DEFAULT_CONCURRENCY);
const shape = (p: PartPlan) => ({ partCount: p.partCount, partSizeMiB: p.partSize / MiB });

describe("the part plan of an adaptive copy (the automatic plan at the default ceiling of 64)", () => {
  // The adaptive copy keeps the fixed plan: on S3 more, smaller parts cost 20 ms a round each
  // and a step down costs more than a short copy can win back (see the simulations below).
  it.each([
    ["1 GiB: one turn of 64 parts of 16 MiB", GiB, { partCount: 64, partSizeMiB: 16 }],
    ["5 GiB: two turns, 128 parts of 40 MiB", 5 * GiB, { partCount: 128, partSizeMiB: 40 }],
    ["10 GiB: three turns, 190 parts of 54 MiB", 10 * GiB, { partCount: 190, partSizeMiB: 54 }],
    [
      "1 TiB: the 10,000-part limit decides, 9,987 parts of 105 MiB",
      TiB,
      { partCount: 9987, partSizeMiB: 105 },
    ],
    ["48.8 TiB: 10,000 parts of 5 GiB", MAX_OBJECT_BYTES, { partCount: 10_000, partSizeMiB: 5120 }],
  ])("%s", (_name, size, expected) => {
    expect(shape(plan(size))).toEqual(expected);
  });

  it("is the plan a fixed concurrency of 64 makes", () => {
    for (const size of [GiB, 5 * GiB, 10 * GiB, TiB])
      expect(plan(size)).toEqual(planParts(size, undefined, 64));
  });
});

describe("an adaptive copy on an S3-like server (linear to 64 and beyond)", () => {
  it.each([
    ["1 GiB", GiB],
    ["5 GiB", 5 * GiB],
    ["10 GiB", 10 * GiB],
  ])(
    "%s: too short to pay for a step down, so every part is sent at 64 and it takes the fixed time",
    (_n, size) => {
      const p = plan(size);
      const adaptive = copy(s3Like(), p, true);
      expect(new Set(adaptive.limits)).toEqual(new Set([64]));
      expect(adaptive.ms).toBe(copy(s3Like(), p, false).ms);
    },
  );

  it("1 TiB: tries 32 once, finds it slower and goes back, within 1 % of the fixed time", () => {
    const p = plan(TiB);
    const adaptive = copy(s3Like(), p, true);
    const fixed = copy(s3Like(), p, false);
    expect(Math.min(...adaptive.limits)).toBe(32);
    expect(adaptive.limits.filter((l) => l !== 64).length).toBeLessThan(100);
    expect(adaptive.limits.slice(-5000).every((l) => l === 64)).toBe(true);
    expect(adaptive.knee).toBe(64);
    expect(adaptive.ms / fixed.ms).toBeLessThan(1.01);
  });

  it("50 GiB: 826 parts cannot pay for a try either, so it stays at 64", () => {
    const p = plan(50 * GiB);
    expect(p.partCount).toBe(826);
    const adaptive = copy(s3Like(), p, true);
    expect(new Set(adaptive.limits)).toEqual(new Set([64]));
    expect(adaptive.ms).toBe(copy(s3Like(), p, false).ms);
  });

  it("100 GiB: tries 32 for one turn only (a step down is judged on the parts sent under it), within 5 % of the fixed time", () => {
    const p = plan(100 * GiB);
    const adaptive = copy(s3Like(), p, true);
    const fixed = copy(s3Like(), p, false);
    expect(Math.min(...adaptive.limits)).toBe(32);
    expect(adaptive.knee).toBe(64);
    // One turn of 32 and the parts sent as it ended, before the window closed: not a second turn.
    expect(adaptive.limits.filter((l) => l !== 64).length).toBeLessThan(64);
    expect(adaptive.ms / fixed.ms).toBeLessThan(1 + PROBE_COST_SHARE);
  });

  it("48.8 TiB: at 64 for all but its first tries, within 1 % of the fixed time", () => {
    const p = plan(MAX_OBJECT_BYTES);
    const adaptive = copy(s3Like(), p, true);
    const fixed = copy(s3Like(), p, false);
    expect(adaptive.limits.slice(-9000).every((l) => l === 64)).toBe(true);
    expect(adaptive.ms / fixed.ms).toBeLessThan(1.01);
  });
});

describe("an adaptive copy on a MinIO-like server (flat beyond 8)", () => {
  it.each([
    ["1 GiB", GiB],
    ["10 GiB", 10 * GiB],
  ])("%s: stays at 64, as fast as the fixed 64 on this curve", (_n, size) => {
    const p = plan(size);
    const adaptive = copy(minioLike(), p, true);
    expect(new Set(adaptive.limits)).toEqual(new Set([64]));
    expect(adaptive.ms).toBe(copy(minioLike(), p, false).ms);
  });

  it("1 TiB: comes down to the knee (8-10) within 450 parts and stays there, as fast as fixed 64", () => {
    const p = plan(TiB);
    const adaptive = copy(minioLike(), p, true);
    const settled = partsBeforeSettling(adaptive, 8, 10);
    expect(settled).toBeGreaterThan(0);
    expect(settled).toBeLessThan(450);
    expect(adaptive.knee).toBeGreaterThanOrEqual(8);
    expect(adaptive.knee).toBeLessThanOrEqual(10);
    // On a flat curve fewer in flight lose nothing: the server is busy throughout.
    expect(adaptive.ms / copy(minioLike(), p, false).ms).toBeLessThan(1.01);
  });
});

describe("the cost rule (PROBE_COST_SHARE) for a step down", () => {
  const controllerAt = (pending: number) => {
    let now = 0;
    const c = new ConcurrencyController({
      mode: "adaptive",
      initial: 64,
      max: 64,
      clock: () => now,
      pending: () => pending,
    });
    // 64 in flight, an answer a millisecond, each replaced at once: the first answer shows the
    // limit took effect, and the window is the 64 answers to requests sent from then on.
    const flying = Array.from({ length: 64 }, () => c.onStart());
    for (let i = 0; i < 64 + 1 + 64; i++) {
      now += 1;
      c.onSuccess(flying.shift()!, MiB);
      if (c.inFlight < c.limit) flying.push(c.onStart());
    }
    return c;
  };
  // A try at 32 is priced as 32 to pace and a turn of 32 to judge: 64 parts at half speed, 64
  // parts' worth lost (a step down takes effect with its first part, so it costs a little less).
  const needed = 64 / PROBE_COST_SHARE;

  it("steps down after the first turn when the parts left can pay for the try", () => {
    expect(controllerAt(needed).limit).toBe(32);
  });

  it("stays at the ceiling, steady, when they cannot", () => {
    const c = controllerAt(needed - 1);
    expect(c.limit).toBe(64);
    expect(c.stats()).toMatchObject({ phase: "steady", knee: 64 });
  });
});
