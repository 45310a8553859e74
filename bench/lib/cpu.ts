// CPU accounting for the MinIO benchmarks. On a 2-core machine the server and the client share
// the CPU, so a copy's time is only explained once we know who used it: the server's own CPU
// seconds (from /proc/<pid>/stat) and the machine's busy share (from /proc/stat) over each run.

import { readFileSync } from "node:fs";

/** Linux reports process times in clock ticks; USER_HZ is 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  /** utime + stime of the watched process, in seconds; NaN when it cannot be read. */
  processSeconds: number;
  /** Jiffies of the whole machine: busy (user, nice, system, irq, softirq, steal) and total. */
  busy: number;
  total: number;
}

function processSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces; fields after its closing ")" are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

function machineJiffies(): { busy: number; total: number } {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

export function cpuSnapshot(pid: number | undefined): CpuSnapshot {
  return { processSeconds: processSeconds(pid), ...machineJiffies() };
}

export interface CpuUse {
  /** CPU seconds the watched process used between the snapshots. */
  processSeconds: number;
  /** Share of all cores that were busy between the snapshots, 0..1. */
  machineBusy: number;
}

export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  return {
    processSeconds: after.processSeconds - before.processSeconds,
    machineBusy: (after.busy - before.busy) / (after.total - before.total),
  };
}
