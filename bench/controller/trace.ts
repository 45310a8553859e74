// Issue 16's trace: throughput and parts in flight against time for single multipart copies, as
// the server saw them, so a reader can watch the concurrency controller settle. One chart per
// server (bench/controller-trace-model.svg, bench/controller-trace-minio.svg) and a table.
//
//   bash bench/run.sh controller-trace   (BENCH_TRACE_SERVERS=model,minio BENCH_TRACE_LIMIT=400
//                                         BENCH_TRACE_MINIO_GIB=10 BENCH_ONLY=<name parts>)
//
// Each copy is one performCopy in a child process (bench/copy-child.ts) whose endpoint is a
// recording proxy (bench/lib/trace-proxy.ts) in front of the server. The copies:
//   - latency model (a simulator of S3's timing, not S3; time scale 1, so model s = real s):
//     100 GiB at the defaults (1,600 parts of 64 MiB: enough parts for the controller to try a
//     step down, which this server, scaling like S3, does not reward) and at a fixed 64; 10 GiB in 5 MiB parts
//     (2,048) under a write limit of BENCH_TRACE_LIMIT per second answered 503 SlowDown, at the
//     defaults and at a fixed 64 (the default ceiling would send ~650 parts/s);
//   - MinIO (TLS, on this machine's disk): 10 GiB at the defaults (190 parts: too few to pay for a
//     try, so it stays at 64, as designed) and 10 GiB in 5 MiB parts (2,048: enough to search) at
//     the defaults and at a fixed 64.
// Throughput in a time bin spreads each part's bytes evenly over its request's life (arrival at
// the proxy to the end of its answer), which on the model is exactly how a part copies and on
// MinIO a smoothed view; parts in flight is the time-averaged count of open UploadPartCopy
// requests. The proxy adds a hop of its own (CPU on this 2-core machine, shared with MinIO), so
// these copies are for the shape of the curves; the timed comparisons are benchmarks 1 and 2.

import { readFileSync } from "node:fs";
import * as path from "node:path";

import {
  checkOk,
  COPY_CHILD,
  GiB,
  factsMarkdown,
  machineFacts,
  MiB,
  modelClientEnv,
  parseChildResult,
  secs,
  table,
  timedRun,
  uptimeLine,
  writeOut,
} from "../lib/common";
import { timeChart, type TimePanel } from "../lib/svg";
import { startTraceProxy, type TracedRequest } from "../lib/trace-proxy";
import { startLatencyModelServer } from "../latency-model/server";
import { createBuckets, deleteAndSync, makeSource, startBenchMinio } from "../minio/harness";

const SERVERS = (process.env.BENCH_TRACE_SERVERS ?? "model,minio").split(",").filter(Boolean);
/** Only the copies whose name contains one of these (comma list), for quick checks. */
const ONLY = process.env.BENCH_ONLY?.split(",").map((w) => w.trim());
const LIMIT = Number(process.env.BENCH_TRACE_LIMIT ?? 400);
const MINIO_BYTES = Number(process.env.BENCH_TRACE_MINIO_GIB ?? 10) * GiB;
/** Time bins per copy in the chart and the table's settled figures, each at least MIN_BIN_MS wide. */
const BINS = 120;
const MIN_BIN_MS = 200;
const WRITE_OPS = new Set([
  "CreateMultipartUpload",
  "UploadPartCopy",
  "CompleteMultipartUpload",
  "AbortMultipartUpload",
  "CopyObject",
]);

interface Plan {
  server: "model" | "minio";
  name: string;
  size: number;
  partSize?: number;
  concurrency?: number;
  /** Writes per second the model lets through; the rest are answered 503 SlowDown. */
  limit?: number;
}

interface Result {
  plan: Plan;
  ok: boolean;
  error?: string;
  elapsedS: number;
  parts: number;
  slowDowns: number;
  writesPerS: number;
  settledInFlight: number;
  maxInFlight: number;
  peakMiBs: number;
  meanMiBs: number;
  engineLines: string[];
  series: { t: number; mibs: number; inFlight: number; writes: number; throttled: number }[];
}

function plans(): Plan[] {
  const list: Plan[] = [];
  if (SERVERS.includes("model")) {
    list.push(
      { server: "model", name: "model: 100 GiB, defaults", size: 100 * GiB },
      { server: "model", name: "model: 100 GiB, fixed 64", size: 100 * GiB, concurrency: 64 },
      {
        server: "model",
        name: `model: 10 GiB in 5 MiB parts, defaults, ${LIMIT} writes/s limit`,
        size: 10 * GiB,
        partSize: 5 * MiB,
        limit: LIMIT,
      },
      {
        server: "model",
        name: `model: 10 GiB in 5 MiB parts, fixed 64, ${LIMIT} writes/s limit`,
        size: 10 * GiB,
        partSize: 5 * MiB,
        concurrency: 64,
        limit: LIMIT,
      },
    );
  }
  if (SERVERS.includes("minio")) {
    const g = `${MINIO_BYTES / GiB} GiB`;
    list.push(
      { server: "minio", name: `MinIO: ${g}, defaults`, size: MINIO_BYTES },
      { server: "minio", name: `MinIO: ${g} in 5 MiB parts, defaults`, size: MINIO_BYTES, partSize: 5 * MiB },
      {
        server: "minio",
        name: `MinIO: ${g} in 5 MiB parts, fixed 64`,
        size: MINIO_BYTES,
        partSize: 5 * MiB,
        concurrency: 64,
      },
    );
  }
  return ONLY ? list.filter((p) => ONLY.some((w) => p.name.includes(w))) : list;
}

/** Bins the trace: bytes spread over each part's life, open parts averaged over time, writes by end. */
export function binTrace(trace: TracedRequest[], bins: number): Result["series"] {
  const parts = trace.filter((r) => r.op === "UploadPartCopy");
  if (parts.length === 0) return [];
  const t0 = Math.min(...trace.map((r) => r.start));
  const t1 = Math.max(...trace.map((r) => r.end));
  const width = Math.max((t1 - t0) / bins, 1);
  const out = Array.from({ length: bins }, (_, i) => ({
    t: ((i + 0.5) * width) / 1000,
    mibs: 0,
    inFlight: 0,
    writes: 0,
    throttled: 0,
  }));
  for (const r of parts) {
    const life = Math.max(r.end - r.start, 1e-3);
    const ok = r.status >= 200 && r.status < 300;
    for (let i = Math.floor((r.start - t0) / width); i < bins && i * width + t0 < r.end; i++) {
      const from = Math.max(r.start, t0 + i * width);
      const to = Math.min(r.end, t0 + (i + 1) * width);
      if (to <= from) continue;
      out[i].inFlight += (to - from) / width;
      if (ok) out[i].mibs += (r.bytes / MiB) * ((to - from) / life) * (1000 / width);
    }
  }
  for (const r of trace) {
    if (!WRITE_OPS.has(r.op)) continue;
    const i = Math.min(bins - 1, Math.floor((r.end - t0) / width));
    if (r.status === 503) out[i].throttled += 1000 / width;
    else if (r.status >= 200 && r.status < 300) out[i].writes += 1000 / width;
  }
  return out;
}

async function runCopy(
  plan: Plan,
  endpoint: string,
  env: NodeJS.ProcessEnv,
  trace: () => TracedRequest[],
): Promise<Result> {
  const inputs = {
    bucket: "dst",
    key: `trace-${plan.name.replace(/\W+/g, "-")}`,
    source: plan.server === "model" ? "src/object" : "src/trace-source",
    endpoint,
    forcePathStyle: true,
    region: env.AWS_REGION ?? "us-east-1",
    partSize: plan.partSize,
    concurrency: plan.concurrency,
  };
  const r = await timedRun(process.execPath, [COPY_CHILD, JSON.stringify(inputs)], {
    env: { ...env, BENCH_WARMUP: "1" },
    timeoutMs: 20 * 60_000,
  });
  const all = trace().filter((x) => !x.url.startsWith("/bench-warmup"));
  const span = Math.max(...all.map((x) => x.end)) - Math.min(...all.map((x) => x.start));
  const series = binTrace(all, Math.max(10, Math.min(BINS, Math.floor(span / MIN_BIN_MS))));
  const partsOk = all.filter((x) => x.op === "UploadPartCopy" && x.status >= 200 && x.status < 300);
  const t0 = Math.min(...all.map((x) => x.start));
  const t1 = Math.max(...all.map((x) => x.end));
  const elapsedS = (t1 - t0) / 1000;
  const writes = all.filter((x) => WRITE_OPS.has(x.op) && x.status >= 200 && x.status < 300).length;
  const lastQuarter = series.slice(Math.floor(series.length / 2), Math.floor((series.length * 9) / 10));
  const settled = lastQuarter.length
    ? lastQuarter.reduce((s, b) => s + b.inFlight, 0) / lastQuarter.length
    : 0;
  let error: string | undefined;
  if (r.code !== 0) error = `exit ${r.code ?? r.signal}: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`;
  else parseChildResult(checkOk(plan.name, r));
  return {
    plan,
    ok: r.code === 0,
    error,
    elapsedS,
    parts: partsOk.length,
    slowDowns: all.filter((x) => x.status === 503).length,
    writesPerS: writes / elapsedS,
    settledInFlight: settled,
    maxInFlight: Math.max(0, ...series.map((b) => b.inFlight)),
    peakMiBs: Math.max(0, ...series.map((b) => b.mibs)),
    meanMiBs: partsOk.reduce((s, x) => s + x.bytes, 0) / MiB / elapsedS,
    engineLines: r.stdout.split("\n").filter((l) => /in flight/.test(l)),
    series,
  };
}

async function traceModel(list: Plan[]): Promise<Result[]> {
  const server = await startLatencyModelServer({ timeScale: 1 });
  const proxy = await startTraceProxy(server.endpoint);
  const env = modelClientEnv(server.config.region);
  const results: Result[] = [];
  try {
    for (const plan of list) {
      server.reset();
      proxy.reset();
      server.setConfig({ sourceSize: plan.size, writesPerSecond: plan.limit ?? 0 });
      const res = await runCopy(plan, proxy.endpoint, env, proxy.trace);
      results.push(res);
      console.log(summaryLine(res));
    }
  } finally {
    await proxy.close();
    await server.close();
  }
  return results;
}

async function traceMinio(list: Plan[]): Promise<Result[]> {
  const m = await startBenchMinio();
  const proxy = await startTraceProxy(m.server.endpoint, { ca: readFileSync(m.server.caFile) });
  const results: Result[] = [];
  try {
    await createBuckets(m, "src", "dst");
    await makeSource(m, "src", "trace-source", MINIO_BYTES);
    for (const plan of list) {
      proxy.reset();
      const res = await runCopy(plan, proxy.endpoint, m.env, proxy.trace);
      results.push(res);
      console.log(summaryLine(res));
      await deleteAndSync(m, "dst", `trace-${plan.name.replace(/\W+/g, "-")}`).catch(() => undefined);
    }
  } finally {
    await proxy.close();
    await m.stop();
  }
  return results;
}

function summaryLine(r: Result): string {
  return (
    `${r.plan.name}: ${r.ok ? "ok" : `FAILED (${r.error})`}, ${secs(r.elapsedS * 1000)} s, ${r.parts} parts, ` +
    `${r.meanMiBs.toFixed(0)} MiB/s mean, parts in flight settled ~${r.settledInFlight.toFixed(1)} (max ${r.maxInFlight.toFixed(1)}), ` +
    `${r.writesPerS.toFixed(0)} writes/s accepted${r.plan.limit ? ` of ${r.plan.limit} (${((r.writesPerS / r.plan.limit) * 100).toFixed(0)}%)` : ""}, ` +
    `${r.slowDowns} answered 503`
  );
}

function chart(title: string, results: Result[]): string {
  const panels: TimePanel[] = [];
  for (const r of results) {
    if (r.plan.limit) {
      panels.push({
        title: `${r.plan.name}: writes per second`,
        yLabel: "requests/s",
        series: [
          { name: "writes accepted/s", points: r.series.map((b) => [b.t, b.writes]) },
          { name: "503 SlowDown/s", points: r.series.map((b) => [b.t, b.throttled]) },
        ],
        references: [{ name: `limit ${r.plan.limit}/s`, value: r.plan.limit }],
      });
    } else {
      panels.push({
        title: `${r.plan.name}: copy rate`,
        yLabel: "MiB/s",
        series: [{ name: "MiB/s copied", points: r.series.map((b) => [b.t, b.mibs]) }],
      });
    }
    panels.push({
      title: `${r.plan.name}: parts in flight`,
      yLabel: "UploadPartCopy open",
      series: [{ name: "parts in flight", points: r.series.map((b) => [b.t, b.inFlight]) }],
    });
  }
  return timeChart({ title, xLabel: "seconds since the copy's first request", panels });
}

async function main() {
  const started = performance.now();
  const startUptime = uptimeLine();
  console.log(`controller-trace; ${startUptime}`);
  const all = plans();
  const model = await traceModel(all.filter((p) => p.server === "model"));
  const minio = await traceMinio(all.filter((p) => p.server === "minio"));
  const rows = [...model, ...minio].map((r) => [
    r.plan.name,
    r.ok ? "ok" : `failed: ${r.error}`,
    secs(r.elapsedS * 1000),
    r.parts,
    r.meanMiBs.toFixed(0),
    r.settledInFlight.toFixed(1),
    r.maxInFlight.toFixed(1),
    r.plan.limit
      ? `${r.writesPerS.toFixed(0)} of ${r.plan.limit} (${((r.writesPerS / r.plan.limit) * 100).toFixed(0)}%)`
      : r.writesPerS.toFixed(0),
    r.slowDowns,
    r.engineLines.slice(-2).join(" / "),
  ]);
  const md = [
    `Machine:\n\n${factsMarkdown(machineFacts())}\n`,
    `Load at start: \`${startUptime}\`; at the end: \`${uptimeLine()}\`; took ${((performance.now() - started) / 1000).toFixed(0)} s.\n`,
    table(
      [
        "copy",
        "outcome",
        "first request to last answer, s",
        "parts copied",
        "mean MiB/s",
        "parts in flight, 50-90% of the copy (mean)",
        "max in flight (bin mean)",
        "writes/s accepted",
        "503 answers",
        "engine's last progress lines",
      ],
      rows,
    ),
  ].join("\n");
  const file = writeOut("controller-trace.md", md);
  writeOut(
    "controller-trace.json",
    JSON.stringify(
      [...model, ...minio].map((r) => ({ ...r, engineLines: r.engineLines })),
      null,
      1,
    ),
  );
  if (model.length)
    writeOut("controller-trace-model.svg", chart("Latency model (simulator): one copy each", model));
  if (minio.length)
    writeOut("controller-trace-minio.svg", chart("MinIO on this machine: one copy each", minio));
  console.log(`\n${md}\n\nwritten to ${file} and ${path.basename(file, ".md")}-*.svg`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
