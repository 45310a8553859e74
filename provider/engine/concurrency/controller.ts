/**
 * How many requests to keep in flight, decided while a copy runs: one controller per multipart copy
 * (its parts) and one per set (its objects). No timers and no I/O: it is told when each request
 * starts and how it ended, and reads time from the clock it is given, so tests drive it on a
 * simulated server.
 *
 * Adaptive mode looks for the knee of throughput against concurrency. It measures throughput over
 * windows (a turn of the pipeline after the last change has taken effect), climbs while a step up
 * pays for itself, steps back when it does not, and probes again every few windows: up, or down
 * when latency says requests are queueing. Throttling cuts the limit multiplicatively, once per
 * burst, then climbs quickly back to just below where it was throttled and carefully beyond.
 *
 * Fixed mode keeps `initial`, except that throttling lowers it the same way until the server
 * stops throttling; then it climbs back to `initial` and stays.
 */
import {
  DESCENT_FACTOR,
  DOWN_TOLERANCE,
  GAIN_PER_STEP,
  GROWTH_FACTOR,
  LATENCY_RISE,
  MAX_WINDOW_TURNS,
  MIN_CONCURRENCY,
  MIN_WINDOW_COMPLETIONS,
  PROBE_DOWN_FACTOR,
  PROBE_EVERY_WINDOWS,
  PROBE_COST_SHARE,
  PROBE_UP_FACTOR,
  REGROWTH_FACTOR,
  SATURATION,
  THROTTLE_DECREASE,
} from "./limits";

export type ConcurrencyMode = "adaptive" | "fixed";

export interface ControllerOptions {
  mode: ConcurrencyMode;
  /** The limit to start at; in fixed mode, the limit. Clamped to [min, max]. */
  initial: number;
  /** Adaptive mode never goes below it (default MIN_CONCURRENCY); throttling never either. */
  min?: number;
  /** Adaptive mode never goes above it (default `initial`); fixed mode never above `initial`. */
  max?: number;
  /** Milliseconds, any origin; defaults to Date.now. */
  clock?: () => number;
  /**
   * Work not yet started, when the caller knows it (a copy's parts left). A new limit is tried
   * only while enough is left to pace it and judge a window of it, and to keep the try's cost a
   * small share of what is left (PROBE_COST_SHARE); otherwise the limit stays where it is.
   */
  pending?: () => number;
}

/** One request in flight, as the controller saw it start. End it once; later ends are ignored. */
export interface Token {
  readonly startedAt: number;
  /** The measuring window it started in: the first of a window to end shows the change took effect. */
  readonly window: number;
  /** The throttling generation it started in: answers to requests from before a cut do not cut again. */
  readonly generation: number;
}

export type Phase = "climbing" | "descending" | "steady" | "recovering";

export interface ControllerStats {
  mode: ConcurrencyMode;
  limit: number;
  inFlight: number;
  phase: Phase;
  /** The best limit found so far (adaptive mode, once a window was judged). */
  knee?: number;
  /** Throughput at the knee, in the callers' work units per second. */
  kneeRate?: number;
  /** Cuts made for throttling (not throttled answers: a burst cuts once). */
  cuts: number;
}

interface Level {
  limit: number;
  rate: number;
}

interface Window {
  rate: number;
  latency: number;
  saturated: boolean;
}

const ended = new WeakSet<Token>();

/** Successes that make a window at `limit`: one turn of the pipeline, MIN_WINDOW_COMPLETIONS, MAX_WINDOW_TURNS. */
const windowFor = (limit: number) =>
  Math.max(limit, Math.min(MIN_WINDOW_COMPLETIONS, MAX_WINDOW_TURNS * limit));

export class ConcurrencyController {
  readonly mode: ConcurrencyMode;
  readonly min: number;
  readonly max: number;
  private readonly initial: number;
  private readonly clock: () => number;
  private readonly pending?: () => number;

  private current: number;
  private running = 0;
  private phase: Phase;
  /** The growth or shrink factor of the climb or descent under way. */
  private factor: number;
  /** The accepted level the step under way is compared with. */
  private reference?: Level;
  /** The lowest window latency seen: what this server answers in when nothing queues. */
  private baseLatency = Infinity;
  private steadyWindows = 0;
  /** The reference was measured before a cut: the first steady window replaces it. */
  private stale = false;
  private generation = 0;
  private cuts = 0;
  /** The limit at the last throttling cut, and the step beyond it while recovering. */
  private ceiling = 0;
  private recoveryStep = 1;

  // The window being measured. A new limit has taken effect once the first request sent under
  // it is answered: requests sent from then on (`pacedFrom`) meet the server as this limit
  // leaves it, while those sent before met the queue the old limit left. A step down takes effect
  // sooner: nothing is sent under it until the requests in flight have fallen below it, so the
  // first one sent already meets the server at the new limit.
  private window = 0;
  private pacedFrom?: number;
  /** The window under way is a step down (setLimit): it is paced from its first request. */
  private steppedDown = false;
  private measuringSince = 0;
  private lastEventAt = 0;
  private busy = 0; // ∫ in-flight dt since measuringSince
  private completions = 0;
  private work = 0;
  private latencySum = 0;

  constructor(opts: ControllerOptions) {
    this.mode = opts.mode;
    this.clock = opts.clock ?? Date.now;
    this.pending = opts.pending;
    this.min = Math.max(MIN_CONCURRENCY, Math.floor(opts.min ?? MIN_CONCURRENCY));
    const max = opts.mode === "fixed" ? opts.initial : (opts.max ?? opts.initial);
    this.max = Math.max(this.min, Math.floor(max));
    this.initial = this.clamp(Math.floor(opts.initial));
    this.current = this.initial;
    // Below the ceiling, climb; at it, look downward first (it may be far above the knee).
    const atCeiling = this.current >= this.max;
    this.phase = opts.mode === "fixed" ? "steady" : atCeiling ? "descending" : "climbing";
    this.factor = atCeiling ? DESCENT_FACTOR : GROWTH_FACTOR;
  }

  /** Requests permitted in flight now. */
  get limit(): number {
    return this.current;
  }

  get inFlight(): number {
    return this.running;
  }

  stats(): ControllerStats {
    return {
      mode: this.mode,
      limit: this.current,
      inFlight: this.running,
      phase: this.phase,
      knee: this.mode === "adaptive" ? this.reference?.limit : undefined,
      kneeRate: this.mode === "adaptive" ? this.reference?.rate : undefined,
      cuts: this.cuts,
    };
  }

  /** A request is being sent now. */
  onStart(): Token {
    const now = this.clock();
    if (this.pacedFrom === undefined && this.steppedDown && this.running < this.current) {
      this.pacedFrom = now;
      this.measuringSince = now;
      this.lastEventAt = now;
    }
    this.advance(now);
    this.running += 1;
    return { startedAt: now, window: this.window, generation: this.generation };
  }

  /**
   * The request succeeded. `work` is what it achieved in the caller's unit (bytes, or 1 per
   * request); throughput compares sums of it, so one caller must use one unit throughout.
   */
  onSuccess(token: Token, work = 1): void {
    if (!this.end(token)) return;
    const now = this.clock();
    if (token.window !== this.window) return;
    if (this.pacedFrom === undefined) {
      this.pacedFrom = now;
      this.measuringSince = now;
      this.lastEventAt = now;
      return;
    }
    if (token.startedAt < this.pacedFrom) return;
    this.completions += 1;
    this.work += work;
    this.latencySum += now - token.startedAt;
    if (this.completions >= windowFor(this.current)) this.closeWindow(now);
  }

  /**
   * The server said "slow down" (503 SlowDown, 429, a throttling code). The first such answer to
   * a request sent since the last cut cuts; the rest of its burst only ends their requests.
   * Returns whether this answer cut.
   */
  onThrottle(token: Token): boolean {
    if (!this.end(token)) return false;
    if (token.generation !== this.generation) return false;
    this.generation += 1;
    this.cuts += 1;
    this.ceiling = this.current;
    this.recoveryStep = 1;
    this.current = this.clamp(Math.min(this.current - 1, Math.floor(this.current * THROTTLE_DECREASE)));
    this.phase = "recovering";
    this.steadyWindows = 0;
    // What was measured before the server throttled is no guide to what it takes now.
    this.stale = true;
    this.startWindow();
    return true;
  }

  /** Any other failure (or a cancel): neither a sample of throughput nor a reason to cut. */
  onError(token: Token): void {
    this.end(token);
  }

  private end(token: Token): boolean {
    if (ended.has(token)) return false;
    ended.add(token);
    this.advance(this.clock());
    this.running -= 1;
    return true;
  }

  private advance(now: number): void {
    if (this.pacedFrom === undefined) return;
    this.busy += this.running * (now - this.lastEventAt);
    this.lastEventAt = now;
  }

  /** A new limit: measuring waits until it has taken effect. */
  private startWindow(steppedDown = false): void {
    this.window += 1;
    this.pacedFrom = undefined;
    this.steppedDown = steppedDown;
    this.resetSums();
  }

  private resetSums(): void {
    this.busy = 0;
    this.completions = 0;
    this.work = 0;
    this.latencySum = 0;
  }

  private closeWindow(now: number): void {
    const elapsed = now - this.measuringSince;
    const meanInFlight = this.busy / elapsed;
    // Answers quicker than the clock ticks measure nothing; the limit stays, measuring goes on.
    const measurable = elapsed > 0 && this.latencySum > 0;
    const w: Window = {
      // Little's law: each request in flight achieves work at Σwork / Σlatency. Counting answers
      // over the window's own span instead is several times noisier, because answers come in
      // clusters (requests sent together finish together) and the span's ends fall on clusters.
      rate: ((meanInFlight * this.work) / this.latencySum) * 1000,
      latency: this.latencySum / this.completions,
      saturated: meanInFlight >= SATURATION * this.current,
    };
    // The same limit goes on being measured from here; a new one restarts the window (setLimit).
    this.resetSums();
    this.measuringSince = now;
    this.lastEventAt = now;
    // Recovery needs only a window without throttling, measurable or not.
    if (measurable || this.phase === "recovering") this.judge(w);
  }

  private judge(w: Window): void {
    if (this.phase === "recovering") return this.recover();
    // Fixed mode only ever recovers; a window short of work says nothing about the limit.
    if (this.mode === "fixed" || !w.saturated) return;
    this.baseLatency = Math.min(this.baseLatency, w.latency);
    if (this.phase === "climbing") return this.judgeClimb(w);
    if (this.phase === "descending") return this.judgeDescent(w);
    return this.judgeSteady(w);
  }

  private judgeClimb(w: Window): void {
    const ref = this.reference;
    const needed = ref ? ref.rate * (1 + GAIN_PER_STEP * (this.current / ref.limit - 1)) : 0;
    if (ref && w.rate < needed) {
      // The step did not pay for itself: the knee is at or below the reference.
      this.settle(ref.limit);
      return;
    }
    this.accept(w);
    if (this.current >= this.max) return this.settle(this.current);
    // Past where the server last throttled, climb in probe-sized steps: a burst allowance can make
    // a step look paid for just before the throttling starts.
    const pastThrottle = this.ceiling > 0 && this.current * this.factor > this.ceiling;
    const factor = pastThrottle ? Math.min(this.factor, PROBE_UP_FACTOR) : this.factor;
    this.tryLimit(Math.max(this.current + 1, Math.round(this.current * factor)));
  }

  private judgeDescent(w: Window): void {
    const ref = this.reference;
    if (ref && w.rate < ref.rate * (1 - DOWN_TOLERANCE)) {
      // Fewer in flight is slower: the server was not queueing. Measured at the lower limit, this
      // latency is what the server answers in unqueued, so the baseline starts from it.
      this.baseLatency = w.latency;
      this.settle(ref.limit);
      return;
    }
    this.accept(w);
    if (this.current <= this.min) return this.settle(this.current);
    // A step down that kept the throughput shows the server queueing: there the next step costs
    // nothing, and only the parts to judge it are needed. The first step has no such evidence.
    this.tryLimit(Math.min(this.current - 1, Math.round(this.current * this.factor)), ref !== undefined);
  }

  private judgeSteady(w: Window): void {
    const ref = this.reference;
    const fresh = !ref || ref.limit !== this.current || this.stale;
    // The latest window is the reference: a probe is judged against the server as it is now.
    this.accept(w);
    this.stale = false;
    if (fresh) return;
    this.steadyWindows += 1;
    if (this.steadyWindows < PROBE_EVERY_WINDOWS) return;
    this.steadyWindows = 0;
    if (w.latency > LATENCY_RISE * this.baseLatency && this.current > this.min) {
      this.phase = "descending";
      this.factor = PROBE_DOWN_FACTOR;
      this.tryLimit(Math.min(this.current - 1, Math.round(this.current * PROBE_DOWN_FACTOR)));
    } else if (this.current < this.max) {
      this.phase = "climbing";
      this.factor = REGROWTH_FACTOR;
      this.tryLimit(Math.max(this.current + 1, Math.round(this.current * PROBE_UP_FACTOR)));
    }
  }

  /**
   * After a cut: halve the distance to just below where the server throttled, then (fixed mode)
   * step carefully past it, doubling the step each clean window, back to `initial`; adaptive mode
   * hands over to its probes there.
   */
  private recover(): void {
    const below = Math.max(this.min, this.ceiling - 1);
    if (this.current < below) {
      this.setLimit(Math.min(below, this.current + Math.max(1, Math.ceil((below - this.current) / 2))));
      return;
    }
    if (this.mode === "adaptive") return this.settle(this.current);
    if (this.current >= this.initial) return this.settle(this.current);
    this.setLimit(Math.min(this.initial, this.current + this.recoveryStep));
    this.recoveryStep *= 2;
  }

  private accept(w: Window): void {
    this.reference = { limit: this.current, rate: w.rate };
  }

  private settle(limit: number): void {
    this.phase = "steady";
    this.steadyWindows = 0;
    this.setLimit(limit);
  }

  /** A step of the search: taken only when the work left can judge it and afford it. */
  private tryLimit(limit: number, free = false): void {
    const next = this.clamp(limit);
    if (next === this.current || this.affordable(next, free)) return this.setLimit(next);
    this.phase = "steady";
    this.steadyWindows = 0;
  }

  /**
   * Whether the work not yet started can pace and judge `next`: a turn for the new limit to take
   * effect (a step down takes effect sooner, but its first answers still come a turn later) plus
   * a window. A step down costs, on a server that scales, the throughput it gives up over that
   * try: at most `tried × (current / next - 1)` requests' worth at the current limit (measured:
   * about seven eighths of it), which must stay within PROBE_COST_SHARE of what is left, unless
   * (`free`) the step before it down kept the throughput. On a short copy that rules the search
   * out, and a copy that stays where it started runs as the fixed setting would.
   */
  private affordable(next: number, free: boolean): boolean {
    if (!this.pending) return true;
    const left = this.pending();
    const tried = next + windowFor(next);
    if (left < tried) return false;
    if (next > this.current || free) return true;
    return tried * (this.current / next - 1) <= PROBE_COST_SHARE * left;
  }

  private setLimit(limit: number): void {
    const next = this.clamp(limit);
    if (next !== this.current) this.startWindow(next < this.current);
    this.current = next;
  }

  private clamp(n: number): number {
    return Math.min(this.max, Math.max(this.min, n));
  }
}
