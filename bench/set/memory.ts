// ObjectCopySet's memory at 100,000 objects (issue 14's B5 target: peak RSS < 300 MB): one
// createSet() on the latency model, as in B5 (latency-set.ts), at the engine's default
// concurrency, in a child process of its own (memory-child.ts), and its memory at the run's
// phases. Memory, not time, is the figure, so the run may use a faster time scale than B5 and
// other load on the machine does not change it much.
//
//   bash bench/run.sh set-memory   (BENCH_OBJECTS=100000 BENCH_TIME_SCALE=0.171 BENCH_REPS=1
//                                   BENCH_GC_RUN=1 BENCH_NODE_OPTIONS= BENCH_WRITES_PER_S=3500
//                                   BENCH_V8_FLAGS= BENCH_SPACES=0)
//
// BENCH_V8_FLAGS: V8 flags the child sets with v8.setFlagsFromString before the create, as the
// engine could itself; BENCH_SPACES=1 adds V8's heap spaces to each phase.
//
// Two kinds of run: a plain one, whose peak RSS (GNU time %M, and maxRSS inside) is the figure,
// and, with BENCH_GC_RUN=1, one under --expose-gc that forces a full GC at each phase and reports
// the live heap after it (the forced GCs lower the later RSS, so its peak does not count).
// BENCH_SET_LIFECYCLE=<module.js> measures another build of the engine (before/after a change).

import { existsSync } from "node:fs";

import {
  factsMarkdown,
  machineFacts,
  median,
  modelClientEnv,
  table,
  timedRun,
  uptimeLine,
  writeOut,
} from "../lib/common";
import { formatCounts } from "../lib/s3ops";
import { S3_WRITES_PER_PREFIX, startLatencyModelServer } from "../latency-model/server";
import type { MemoryResult } from "./memory-child";
import { SET_LIFECYCLE, setEngineMissing } from "./set-child";
import { REPO_ROOT } from "../lib/common";
import * as path from "node:path";

const N = Number(process.env.BENCH_OBJECTS ?? 100_000);
const REPS = Number(process.env.BENCH_REPS ?? 1);
// B5's default row ran at 0.171 (at most 600 real requests/s); memory does not depend on it much.
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.171);
const GC_RUN = process.env.BENCH_GC_RUN !== "0";
const NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS ?? "";
const LIMIT = Number(process.env.BENCH_WRITES_PER_S ?? S3_WRITES_PER_PREFIX);
const OBJECT_BYTES = 16 * 1024;
const RUN_TIMEOUT_MS = 30 * 60_000;
const TIME = "/usr/bin/time";
const CHILD = path.join(REPO_ROOT, "bench", "out", "bench", "set", "memory-child.js");

interface Measured {
  label: string;
  result: MemoryResult;
  timeRssMiB?: number;
  requests: string;
  slowDowns: number;
}

async function main() {
  const startUptime = uptimeLine();
  console.log(`set-memory; ${N} objects; time scale ${TIME_SCALE}; ${startUptime}`);
  const missing = setEngineMissing();
  if (missing) {
    console.log(`set-memory: nothing to run: ${missing}`);
    return;
  }
  const server = await startLatencyModelServer({
    latencyMs: 20,
    timeScale: TIME_SCALE,
    keyspace: N,
    keyspacePrefix: "data/",
    sourceSize: OBJECT_BYTES,
    writesPerSecond: LIMIT,
  });
  const env = modelClientEnv(server.config.region, { BENCH_OBJECTS: String(N), NODE_OPTIONS });
  const inputs = {
    source: `${server.config.sourceBucket}/data/`,
    bucket: "dst",
    prefix: "data/",
    manifestLocation: "s3://dst/.pulumi-s3-object-copy/bench/set-memory.manifest",
    endpoint: server.endpoint,
    forcePathStyle: true,
    region: server.config.region,
  };
  const runs: Measured[] = [];
  try {
    for (let rep = 0; rep < REPS; rep++) {
      for (const gc of GC_RUN ? [false, true] : [false]) {
        server.reset();
        const label = gc ? "phases (--expose-gc, forced GC at each phase)" : "plain";
        const args = [...(gc ? ["--expose-gc"] : []), CHILD, JSON.stringify(inputs)];
        const r = existsSync(TIME)
          ? await timedRun(TIME, ["-f", "BENCH_TIME %M", process.execPath, ...args], {
              env,
              timeoutMs: RUN_TIMEOUT_MS,
            })
          : await timedRun(process.execPath, args, { env, timeoutMs: RUN_TIMEOUT_MS });
        const line = r.stdout
          .split("\n")
          .reverse()
          .find((l) => l.startsWith("BENCH_MEMORY "));
        if (r.code !== 0 || !line) {
          console.log(`${label} run ${rep + 1}: exit ${r.code ?? r.signal}: ${r.stderr.trim().slice(-1500)}`);
          continue;
        }
        const result = JSON.parse(line.slice("BENCH_MEMORY ".length)) as MemoryResult;
        const m = /BENCH_TIME (\d+)/.exec(r.stderr);
        const stats = server.stats();
        const measured: Measured = {
          label,
          result,
          timeRssMiB: m ? Number(m[1]) / 1024 : undefined,
          requests: formatCounts(stats.counts),
          slowDowns: stats.slowDowns,
        };
        runs.push(measured);
        console.log(
          `${label} #${rep + 1}: peak RSS ${measured.timeRssMiB?.toFixed(0) ?? "?"} MiB (maxRSS ${result.maxRssMiB}), ` +
            `real ${(result.copyMs / 1000).toFixed(1)} s, client CPU ${(result.cpuMs / 1000).toFixed(1)} s, ` +
            `${result.objectCount} objects, failed ${result.failed ?? 0}, ${stats.slowDowns} SlowDown; peak after "${result.peakAfter}"`,
        );
        for (const p of result.phases) console.log(`  ${JSON.stringify(p)}`);
      }
    }
  } finally {
    await server.close();
  }

  const plain = runs.filter((r) => !r.result.gc);
  const summary = table(
    [
      "run",
      "peak RSS MiB (time %M)",
      "maxRSS MiB",
      "peak after phase",
      "real s",
      "client CPU s",
      "objects",
      "failed",
      "503 SlowDown",
    ],
    runs.map((r) => [
      r.label,
      r.timeRssMiB?.toFixed(0) ?? "",
      r.result.maxRssMiB.toFixed(0),
      r.result.peakAfter,
      (r.result.copyMs / 1000).toFixed(1),
      (r.result.cpuMs / 1000).toFixed(1),
      r.result.objectCount ?? "",
      r.result.failed ?? 0,
      r.slowDowns,
    ]),
  );
  const phaseTables = runs.map(
    (r) =>
      `Phases, ${r.label}:\n\n` +
      table(
        [
          "phase",
          "at s",
          "RSS MiB",
          "maxRSS MiB",
          "heap used MiB",
          "heap total MiB",
          "external MiB",
          "heap after GC MiB",
          "heap total after GC MiB",
          "RSS after GC MiB",
        ],
        r.result.phases.map((p) => [
          p.phase,
          p.atS.toFixed(1),
          p.rssMiB.toFixed(0),
          p.maxRssMiB.toFixed(0),
          p.heapUsedMiB.toFixed(0),
          p.heapTotalMiB.toFixed(0),
          p.externalMiB.toFixed(0),
          p.heapAfterGcMiB?.toFixed(0) ?? "",
          p.heapTotalAfterGcMiB?.toFixed(0) ?? "",
          p.rssAfterGcMiB?.toFixed(0) ?? "",
        ]),
      ),
  );
  const md = [
    `Machine:\n\n${factsMarkdown(machineFacts())}\n`,
    `Load at start: \`${startUptime}\`; at the end: \`${uptimeLine()}\`.\n`,
    `Ours: createSet() of ${SET_LIFECYCLE}, default concurrency; NODE_OPTIONS=${JSON.stringify(NODE_OPTIONS)}` +
      `${process.env.BENCH_V8_FLAGS ? `; V8 flags set at run time: ${process.env.BENCH_V8_FLAGS}` : ""}.\n`,
    `Model: ${N} objects of ${OBJECT_BYTES / 1024} KiB, latency 20 ms, ${LIMIT} writes/s per prefix, time scale ${TIME_SCALE}. ` +
      `Median peak RSS of the plain runs: ${median(plain.map((r) => r.timeRssMiB ?? r.result.maxRssMiB)).toFixed(0)} MiB. ` +
      `Requests (last run): ${runs[runs.length - 1]?.requests ?? ""}.\n`,
    summary,
    "",
    ...phaseTables.flatMap((t) => [t, ""]),
  ].join("\n");
  const file = writeOut("set-memory.md", md);
  console.log(`\n${md}\nwritten to ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
