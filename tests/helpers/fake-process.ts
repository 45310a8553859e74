import type { CancelSignal, ProcessHooks } from "../../provider/engine/cancel";

/** A stand-in for the process in CancelRegistry tests: signals are sent by hand, timers fired by hand. */
export function fakeProcess(graceMs = 20_000) {
  const listeners = new Map<CancelSignal, Set<(s: CancelSignal) => void>>();
  const raised: CancelSignal[] = [];
  const warnings: string[] = [];
  let timer: { fire: () => void; ms: number } | undefined;
  const hooks: ProcessHooks = {
    on: (s, l) => {
      listeners.set(s, (listeners.get(s) ?? new Set()).add(l));
    },
    off: (s, l) => {
      listeners.get(s)?.delete(l);
    },
    raise: (s) => {
      raised.push(s);
    },
    graceMs: () => graceMs,
    startTimer: (fire, ms) => {
      timer = { fire, ms };
      return () => (timer = undefined);
    },
    warn: (m) => {
      warnings.push(m);
    },
  };
  return {
    hooks,
    raised,
    warnings,
    listenerCount: (s: CancelSignal) => listeners.get(s)?.size ?? 0,
    send: (s: CancelSignal) => [...(listeners.get(s) ?? [])].forEach((l) => l(s)),
    timer: () => timer,
  };
}
