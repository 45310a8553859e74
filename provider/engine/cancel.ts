import { setMaxListeners } from "node:events";

import { CANCEL_GRACE_MS } from "./constants";
import { timeouts } from "./timeouts";

export type CancelSignal = "SIGINT" | "SIGTERM";
const SIGNALS: readonly CancelSignal[] = ["SIGINT", "SIGTERM"];

/** One unit of work that must be cleaned up before the process may die (an open multipart upload). */
export interface CancelScope {
  /** Aborts when SIGINT/SIGTERM arrives: pass it to every request that may be given up. */
  readonly signal: AbortSignal;
  /** The signal that arrived, once one has. */
  readonly cancelledBy: CancelSignal | undefined;
  /** What is open, for the message printed if the grace period runs out. */
  describe(text: string): void;
  /** Cleaned up (or finished): the process no longer waits for this scope. */
  close(): void;
}

/** What the registry needs from the process; tests pass their own. */
export interface ProcessHooks {
  on(signal: CancelSignal, listener: (signal: CancelSignal) => void): void;
  off(signal: CancelSignal, listener: (signal: CancelSignal) => void): void;
  /** Ends the process as the signal would have, had nobody listened. */
  raise(signal: CancelSignal): void;
  graceMs(): number;
  /** Starts the grace period; returns how to stop it. */
  startTimer(fn: () => void, ms: number): () => void;
  warn(message: string): void;
}

/**
 * The process's single SIGINT/SIGTERM handler and the registry of work it must wait for. Pulumi
 * runs every dynamic resource in one process, so many copies share it: on a signal it cancels
 * them all, waits until every one has cleaned up (or the grace period ends), and only then lets
 * the signal end the process. Listening only while something is registered keeps the signal's
 * default behaviour at all other times.
 */
export class CancelRegistry {
  private readonly open = new Set<{ label: string }>();
  private readonly controller = new AbortController();
  private signalled: CancelSignal | undefined;
  private listening = false;
  private finished = false;
  private stopTimer: () => void = () => undefined;

  constructor(private readonly hooks: ProcessHooks) {
    // Every part in flight listens on this one signal; that is by design, not a leak.
    setMaxListeners(0, this.controller.signal);
  }

  /** Registers work; a scope opened after a signal arrived is cancelled from the start. */
  openScope(label: string): CancelScope {
    const entry = { label };
    this.open.add(entry);
    this.listen();
    const signalled = () => this.signalled;
    return {
      signal: this.controller.signal,
      get cancelledBy() {
        return signalled();
      },
      describe: (text) => {
        entry.label = text;
      },
      close: () => this.close(entry),
    };
  }

  /** Scopes still open (for tests and messages). */
  get size(): number {
    return this.open.size;
  }

  private readonly onSignal = (signal: CancelSignal) => {
    // A second signal while cleaning up changes nothing: the grace period already bounds the wait.
    if (this.signalled) return;
    this.signalled = signal;
    this.controller.abort(new Error(`${signal} received`));
    if (this.open.size === 0) this.finish();
    else this.stopTimer = this.hooks.startTimer(() => this.finish(), this.hooks.graceMs());
  };

  private close(entry: { label: string }) {
    if (!this.open.delete(entry)) return;
    if (this.open.size > 0) return;
    if (this.signalled) this.finish();
    else this.unlisten();
  }

  private listen() {
    if (this.listening || this.finished) return;
    for (const s of SIGNALS) this.hooks.on(s, this.onSignal);
    this.listening = true;
  }

  private unlisten() {
    if (!this.listening) return;
    for (const s of SIGNALS) this.hooks.off(s, this.onSignal);
    this.listening = false;
  }

  private finish() {
    if (this.finished || !this.signalled) return;
    this.finished = true;
    this.stopTimer();
    this.unlisten();
    if (this.open.size > 0) {
      this.hooks.warn(
        `${this.signalled}: stopping after ${this.hooks.graceMs()} ms with ${this.open.size} clean-up(s) unfinished: ` +
          `${[...this.open].map((e) => e.label).join("; ")}. An ObjectCopy's next up on its key aborts what is ` +
          `left; otherwise aws s3api abort-multipart-upload with the ids above does.`,
      );
    }
    this.hooks.raise(this.signalled);
  }
}

const processHooks: ProcessHooks = {
  on: (signal, listener) => process.on(signal, listener),
  off: (signal, listener) => process.off(signal, listener),
  raise: (signal) => process.kill(process.pid, signal),
  graceMs: () => {
    try {
      return timeouts().cancelGraceMs;
    } catch {
      return CANCEL_GRACE_MS; // a malformed override must not keep the process from stopping
    }
  },
  startTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  warn: (message) => console.error(message),
};

/** The registry behind this process's signal handler. */
export const processCancels = new CancelRegistry(processHooks);
