// The progress line a waiting job prints: its status, task counts, rate and time left.

import type { JobState } from "./job-state";

const count = (n: number) => n.toLocaleString("en-US");

/** "45s", "1m13s", "2h05m": as precise as a guess about the future deserves. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * Tasks per second: from the time S3 says the job was Active when it says, which is right even for
 * a job this process found half done; else from what changed since this process first saw it.
 */
function rate(s: JobState, first: { at: number; done: number }, now: number): number | undefined {
  const done = s.succeeded + s.failed;
  if (s.activeSeconds && s.activeSeconds > 0) return done / s.activeSeconds;
  if (now > first.at && done > first.done) return (done - first.done) / ((now - first.at) / 1000);
  return undefined;
}

/**
 * The line, and the part of it that decides whether it is news: status and counts, not the rate,
 * which changes on every poll.
 */
export function progressLine(
  s: JobState,
  first: { at: number; done: number },
  now: number,
): { key: string; text: string } {
  const head = `batch job ${s.jobId}: ${s.status}`;
  if (s.totalTasks === 0 && s.succeeded + s.failed === 0) return { key: head, text: head };
  const counts = `${count(s.succeeded)} of ${count(s.totalTasks)} tasks succeeded, ${count(s.failed)} failed`;
  const key = `${head}, ${counts}`;
  const r = rate(s, first, now);
  const left = s.totalTasks - s.succeeded - s.failed;
  if (r === undefined || r <= 0 || s.status === "Complete") return { key, text: key };
  const perSecond = r >= 10 ? count(Math.round(r)) : r.toFixed(1);
  return { key, text: `${key}, ${perSecond} tasks/s${left > 0 ? `, ETA ${duration(left / r)}` : ""}` };
}
