import { ConcurrencyController, type ControllerOptions, type Token } from "../../provider/engine/concurrency";
import { MAX_WINDOW_TURNS, THROTTLE_DECREASE } from "../../provider/engine/concurrency/limits";

// The controller on simulated servers: discrete events on a virtual clock (milliseconds), no
// timers, the same answers on every run (a seeded random source jitters service times by ±10 %).

/** A small deterministic random source (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** When a request sent at `now` is answered, and whether the answer is a 503 SlowDown. */
interface Server {
  submit(now: number): { at: number; throttled: boolean };
}

/**
 * MinIO-like: `lanes(now)` requests are served at once, each for `serviceMs`; the rest queue (FIFO).
 * Throughput grows with concurrency up to the lane count and is flat beyond, while latency grows.
 */
function queueingServer(lanes: (now: number) => number, serviceMs: number, seed = 1): Server {
  const jitter = random(seed);
  const freeAt: number[] = [];
  return {
    submit(now) {
      const open = lanes(now);
      while (freeAt.length < open) freeAt.push(0);
      let lane = 0;
      for (let i = 1; i < open; i++) if (freeAt[i] < freeAt[lane]) lane = i;
      const start = Math.max(now, freeAt[lane]);
      freeAt[lane] = start + serviceMs * (0.9 + 0.2 * jitter());
      return { at: freeAt[lane], throttled: false };
    },
  };
}

/** S3-like: every request takes `latencyMs(now)` however many are in flight. */
function latencyServer(latencyMs: (now: number) => number, seed = 2): Server {
  const jitter = random(seed);
  return { submit: (now) => ({ at: now + latencyMs(now) * (0.9 + 0.2 * jitter()), throttled: false }) };
}

/**
 * A request-rate limit in front of a latency server: a token bucket of `perSecond` with room for
 * `burst`; a request that finds it empty is answered 503 SlowDown after 1 ms.
 */
function rateLimitedServer(perSecond: number, burst: number, latencyMs: number, seed = 3): Server {
  const inner = latencyServer(() => latencyMs, seed);
  let tokens = burst;
  let last = 0;
  return {
    submit(now) {
      tokens = Math.min(burst, tokens + ((now - last) * perSecond) / 1000);
      last = now;
      if (tokens < 1) return { at: now + 1, throttled: true };
      tokens -= 1;
      return inner.submit(now);
    },
  };
}

interface Event {
  at: number;
  seq: number;
  token: Token;
  throttled: boolean;
}

/** A binary min-heap of events by time, then by send order. */
class Events {
  private readonly heap: Event[] = [];
  get size() {
    return this.heap.length;
  }
  private less(a: Event, b: Event) {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
  push(e: Event) {
    const h = this.heap;
    h.push(e);
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): Event {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

interface Run {
  controller: ConcurrencyController;
  /** The limit after every event, with the event's time and the count of requests sent so far. */
  timeline: { at: number; limit: number; sent: number; inFlight: number }[];
  successes: number[];
  throttled: number;
  end: number;
}

/**
 * Keeps as many requests in flight as the controller permits (a client with endless work), for
 * `untilMs` of simulated time or `requests` requests, whichever ends first.
 */
function simulate(
  server: Server,
  opts: Omit<ControllerOptions, "clock">,
  limits: { untilMs?: number; requests?: number },
): Run {
  let now = 0;
  const controller = new ConcurrencyController({ ...opts, clock: () => now });
  const events = new Events();
  const run: Run = { controller, timeline: [], successes: [], throttled: 0, end: 0 };
  const untilMs = limits.untilMs ?? Infinity;
  const requests = limits.requests ?? Infinity;
  let sent = 0;
  const fill = () => {
    while (controller.inFlight < controller.limit && sent < requests && now < untilMs) {
      const token = controller.onStart();
      const answer = server.submit(now);
      events.push({ ...answer, seq: sent++, token });
    }
  };
  fill();
  while (events.size > 0) {
    const e = events.pop();
    now = e.at;
    if (e.throttled) {
      run.throttled += 1;
      controller.onThrottle(e.token);
    } else {
      run.successes.push(now);
      controller.onSuccess(e.token);
    }
    run.timeline.push({ at: now, limit: controller.limit, sent, inFlight: controller.inFlight });
    fill();
  }
  run.end = now;
  return run;
}

/** The time-weighted mean limit over [from, to). */
function meanLimit(run: Run, from: number, to: number): number {
  let sum = 0;
  let prev = { at: from, limit: limitAt(run, from) };
  for (const p of run.timeline) {
    if (p.at <= from) continue;
    if (p.at >= to) break;
    sum += prev.limit * (p.at - prev.at);
    prev = p;
  }
  sum += prev.limit * (to - prev.at);
  return sum / (to - from);
}

function limitAt(run: Run, at: number): number {
  let limit = run.timeline[0]?.limit ?? run.controller.limit;
  for (const p of run.timeline) {
    if (p.at > at) break;
    limit = p.limit;
  }
  return limit;
}

/** The limits held after `from` (ms), lowest and highest. */
function rangeAfter(run: Run, from: number): [number, number] {
  const after = run.timeline.filter((p) => p.at >= from).map((p) => p.limit);
  return [Math.min(...after), Math.max(...after)];
}

/** Requests sent before the limit entered [low, high] and never left it again. */
function sentBeforeSettling(run: Run, low: number, high: number): number {
  let settledAt = 0;
  for (const p of run.timeline) if (p.limit < low || p.limit > high) settledAt = p.sent;
  return settledAt;
}

const successesBetween = (run: Run, from: number, to: number) =>
  run.successes.filter((t) => t >= from && t < to).length;

describe("ConcurrencyController on a MinIO-like server (8 lanes, flat beyond, latency grows)", () => {
  const server = () => queueingServer(() => 8, 10);

  it("climbing from 2, settles at the knee (8, probes to 10) within 200 requests and never reaches 64", () => {
    const run = simulate(server(), { mode: "adaptive", initial: 2, max: 64 }, { requests: 5_000 });
    expect(sentBeforeSettling(run, 8, 10)).toBeLessThan(200);
    expect(rangeAfter(run, 0)[1]).toBeLessThanOrEqual(16);
    expect(meanLimit(run, run.end / 2, run.end)).toBeGreaterThanOrEqual(8);
    expect(meanLimit(run, run.end / 2, run.end)).toBeLessThan(9);
    expect(run.controller.stats()).toMatchObject({ knee: 8, cuts: 0 });
    // At the knee the server is busy all the time: 8 lanes of 10 ms is 800 requests/s.
    const rate = successesBetween(run, run.end / 2, run.end) / (run.end / 2 / 1000);
    expect(rate).toBeGreaterThan(0.97 * 800);
  });

  it("starting at the ceiling of 64, comes down to the knee within 700 requests", () => {
    const run = simulate(server(), { mode: "adaptive", initial: 64, max: 64 }, { requests: 5_000 });
    expect(sentBeforeSettling(run, 8, 10)).toBeLessThan(700);
    expect(run.controller.stats()).toMatchObject({ knee: 8 });
  });
});

describe("ConcurrencyController on an S3-like server (20 ms whatever the concurrency)", () => {
  it("climbing from 8, reaches the ceiling of 256 within 400 ms and stays there", () => {
    const run = simulate(
      latencyServer(() => 20),
      { mode: "adaptive", initial: 8, max: 256 },
      { untilMs: 3_000 },
    );
    const reached = run.timeline.find((p) => p.limit === 256);
    expect(reached?.at).toBeLessThan(400);
    expect(rangeAfter(run, reached!.at)).toEqual([256, 256]);
  });

  it("starting at its ceiling of 64, leaves it for one window and averages ≥ 95 % of it", () => {
    const run = simulate(
      latencyServer(() => 20),
      { mode: "adaptive", initial: 64, max: 64 },
      { untilMs: 3_000 },
    );
    expect(rangeAfter(run, 0)).toEqual([32, 64]);
    expect(meanLimit(run, 0, 3_000)).toBeGreaterThan(0.95 * 64);
    expect(rangeAfter(run, 200)).toEqual([64, 64]);
  });

  it("stays at the ceiling when every answer turns slower (latency 20 → 60 ms), with no queueing", () => {
    const run = simulate(
      latencyServer((now) => (now < 1_000 ? 20 : 60)),
      { mode: "adaptive", initial: 64, max: 64 },
      { untilMs: 6_000 },
    );
    expect(meanLimit(run, 1_000, 6_000)).toBeGreaterThan(0.9 * 64);
    expect(rangeAfter(run, 2_500)).toEqual([64, 64]);
  });
});

describe("ConcurrencyController under a request-rate limit (3,500 requests/s, excess answered 503 at once)", () => {
  let run: Run;
  beforeAll(() => {
    run = simulate(
      rateLimitedServer(3_500, 50, 20),
      { mode: "adaptive", initial: 8, max: 256 },
      { untilMs: 10_000 },
    );
  });

  it("succeeds at ≥ 90 % of the limit over the whole run", () => {
    expect(run.successes.length / (10 * 3_500)).toBeGreaterThanOrEqual(0.9);
  });

  it("oscillates around rate × latency (70 in flight)", () => {
    const [low, high] = rangeAfter(run, 2_000);
    expect(low).toBeGreaterThanOrEqual(50);
    expect(high).toBeLessThanOrEqual(100);
    const mean = meanLimit(run, 2_000, 10_000);
    expect(mean).toBeGreaterThan(62);
    expect(mean).toBeLessThan(80);
  });

  it("is throttled on fewer than 2 % of its requests", () => {
    expect(run.throttled / (run.throttled + run.successes.length)).toBeLessThan(0.02);
  });
});

describe("ConcurrencyController: throttling", () => {
  const start = (c: ConcurrencyController, n: number) => Array.from({ length: n }, () => c.onStart());

  it("cuts once for a burst of throttled answers to requests sent before the cut, again for one sent after", () => {
    const c = new ConcurrencyController({ mode: "adaptive", initial: 20, max: 64, clock: () => 0 });
    const before = start(c, 20);
    expect(c.onThrottle(before[0])).toBe(true);
    expect(c.limit).toBe(Math.floor(20 * THROTTLE_DECREASE));
    for (const t of before.slice(1)) expect(c.onThrottle(t)).toBe(false);
    expect(c.limit).toBe(16);
    const after = c.onStart();
    expect(c.onThrottle(after)).toBe(true);
    expect(c.limit).toBe(12);
    expect(c.stats()).toMatchObject({ cuts: 2, inFlight: 0, phase: "recovering" });
  });

  it("ignores a second end of the same request", () => {
    const c = new ConcurrencyController({ mode: "fixed", initial: 10, clock: () => 0 });
    const [a] = start(c, 2);
    expect(c.onThrottle(a)).toBe(true);
    expect(c.onThrottle(a)).toBe(false);
    c.onSuccess(a);
    c.onError(a);
    expect(c.stats()).toMatchObject({ limit: 8, inFlight: 1, cuts: 1 });
  });

  it("never goes below min, however long the server throttles everything", () => {
    const always: Server = { submit: (now) => ({ at: now + 1, throttled: true }) };
    const run = simulate(always, { mode: "adaptive", initial: 64, min: 3, max: 64 }, { untilMs: 1_000 });
    expect(rangeAfter(run, 0)[0]).toBe(3);
    expect(run.controller.limit).toBe(3);
    expect(Math.max(...run.timeline.filter((p) => p.at > 500).map((p) => p.limit))).toBeLessThanOrEqual(4);
  });

  it("comes back to where it was once the server stops throttling", () => {
    // 1,000 requests/s at 20 ms is 20 in flight for the first 2 s, then no limit at all.
    const limited = rateLimitedServer(1_000, 20, 20);
    const free = latencyServer(() => 20);
    const server: Server = { submit: (now) => (now < 2_000 ? limited : free).submit(now) };
    const run = simulate(server, { mode: "adaptive", initial: 64, max: 64 }, { untilMs: 5_000 });
    expect(meanLimit(run, 1_000, 2_000)).toBeLessThan(24);
    const back = run.timeline.find((p) => p.at > 2_000 && p.limit === 64);
    expect(back?.at).toBeLessThan(3_500);
    expect(rangeAfter(run, 4_000)).toEqual([64, 64]);
  });
});

describe("ConcurrencyController: bounds and modes", () => {
  it("never exceeds max, and never has more in flight than the limit it set", () => {
    const run = simulate(
      latencyServer(() => 20),
      { mode: "adaptive", initial: 1, max: 48 },
      { untilMs: 2_000 },
    );
    expect(rangeAfter(run, 0)[1]).toBe(48);
    expect(run.timeline.every((p) => p.inFlight <= Math.max(p.limit, 48))).toBe(true);
    expect(run.controller.limit).toBe(48);
  });

  it("clamps initial into [min, max]", () => {
    const c = new ConcurrencyController({ mode: "adaptive", initial: 500, min: 2, max: 100 });
    expect(c.limit).toBe(100);
    expect(new ConcurrencyController({ mode: "adaptive", initial: 0, max: 100 }).limit).toBe(1);
  });

  it("in fixed mode keeps its limit on a server whose knee is far below it", () => {
    const run = simulate(
      queueingServer(() => 8, 10),
      { mode: "fixed", initial: 32 },
      { requests: 3_000 },
    );
    expect(rangeAfter(run, 0)).toEqual([32, 32]);
    expect(run.controller.stats()).toMatchObject({ mode: "fixed", knee: undefined, limit: 32 });
  });

  it("in fixed mode lowers its limit while throttled and never goes above it", () => {
    const run = simulate(
      rateLimitedServer(1_000, 20, 20),
      { mode: "fixed", initial: 32 },
      { untilMs: 5_000 },
    );
    expect(rangeAfter(run, 0)[1]).toBeLessThanOrEqual(32);
    expect(meanLimit(run, 1_000, 5_000)).toBeLessThan(24);
    expect(run.successes.length / (5 * 1_000)).toBeGreaterThanOrEqual(0.9);
  });
});

describe("ConcurrencyController: a server that changes", () => {
  it("follows a slow-down (16 lanes, then 4) down to the new knee within 1.5 s", () => {
    const run = simulate(
      queueingServer((now) => (now < 3_000 ? 16 : 4), 10),
      { mode: "adaptive", initial: 4, max: 128 },
      { untilMs: 8_000 },
    );
    expect(meanLimit(run, 1_500, 3_000)).toBeGreaterThanOrEqual(15);
    expect(meanLimit(run, 1_500, 3_000)).toBeLessThan(19);
    const [low, high] = rangeAfter(run, 4_500);
    expect(low).toBeGreaterThanOrEqual(3);
    expect(high).toBeLessThanOrEqual(6);
  });

  it("follows a speed-up (4 lanes, then 32) up to the new knee by its probes", () => {
    const run = simulate(
      queueingServer((now) => (now < 2_000 ? 4 : 32), 10),
      { mode: "adaptive", initial: 4, max: 128 },
      { untilMs: 8_000 },
    );
    expect(meanLimit(run, 1_000, 2_000)).toBeLessThan(6);
    const [low, high] = rangeAfter(run, 6_000);
    expect(low).toBeGreaterThanOrEqual(28);
    expect(high).toBeLessThanOrEqual(48);
  });
});

describe("ConcurrencyController: windows", () => {
  it("judges a window after MAX_WINDOW_TURNS turns (16 answers at 4) to requests sent once the limit took effect", () => {
    let now = 0;
    const c = new ConcurrencyController({ mode: "adaptive", initial: 4, max: 64, clock: () => now });
    // 4 in flight, each answer replaced at once, one answer a millisecond.
    const flying = Array.from({ length: 4 }, () => c.onStart());
    const answer = () => {
      now += 1;
      c.onSuccess(flying.shift()!);
      flying.push(c.onStart());
    };
    // The first answer shows the limit took effect; the 3 others sent before it do not count.
    for (let i = 0; i < 4 + MAX_WINDOW_TURNS * 4 - 1; i++) answer();
    expect(c.limit).toBe(4);
    answer();
    expect(c.limit).toBe(8);
  });
});
