// Benchmark 2: the engine against the latency-model S3 server (server.ts), on a scaled clock.
//
//   bash bench/run.sh latency-model            (BENCH_REPS=3 BENCH_BUDGET_S=5 BENCH_FLOOR_MS=5)
//
// For each scenario (object size x concurrency x part size) it picks a timeScale, runs one copy per
// repetition in a child process (bench/copy-child.ts, so the peak RSS is the copy's own), and
// reports the measured model time (the copy's real duration x timeScale), the model's lower bound
// for the engine's part plan, their ratio, the requests by operation and the peak RSS.
//
// Lower bound for a multipart copy of P parts of p bytes (the last r bytes) at concurrency c:
//   3 L (HeadObject, CreateMultipartUpload, CompleteMultipartUpload)
//   + (R - 1) (L + p/B) + (L + t/B),   R = ceil(P / c) rounds,
//   where t = r when the last round holds only the short last part, else p.
// (Greedy rounds are optimal for equal parts; a short part can only end a round early if it is
// alone in it.) The engine also sends GetObjectTagging and ListMultipartUploads, both beside
// HeadObject, so its bound ("engine bound") is the minimal one. (Before c49a0d0 it sent HeadBucket,
// the tags and the listing one after another, and a HeadObject on the result: 4 L more.)
// A single CopyObject: 2 L + size/B (minimal and engine).
//
// Time scale: our own per-request CPU time is real time and is NOT scaled, so at a time scale s
// every real millisecond the client (or the server, or the machine's other load) adds shows up as
// s model milliseconds. Two calibrations measure that before the scenarios run:
//   - zero model delays, 1,024 parts: the copying process's CPU per request;
//   - model delays on, 256 parts of 5 MiB one at a time, at 10 ms real per part: the real time each
//     request/response round adds beyond its scheduled delay (client CPU, wake-ups, timer lateness).
// Each scenario then gets the largest time scale that fits BENCH_BUDGET_S real seconds while every
// part request still lasts at least BENCH_FLOOR_MS and 10x the per-round overhead (real ms), and the
// client's CPU stays at most a quarter busy (4 x parts in flight x CPU per request <= one round),
// and the start-up stagger (the first round's requests leave one CPU slice apart, and the
// sequential requests each add a serial overhead) stays under BENCH_MAX_OVERHEAD (default 3%) of the
// bound. Without that last rule a one-round copy at high concurrency, like 5 GiB at 256, ran at a
// scale where the client's real CPU for its 256 requests was about a tenth of the model time. (The
// per-round overhead of long copies is what the part floor above bounds, to about 10%.)
// Scenarios that would need more than BENCH_MAX_S real seconds are skipped. Runs expected to take
// over 20 s real are done once instead of BENCH_REPS times. The report shows beside each result
// the overhead the calibration predicts at that scale, and the ratio with it taken out.

import {
  DEFAULT_CONCURRENCY,
  DEFAULT_PART_SIZE,
  MAX_OBJECT_BYTES,
  MAX_PART_BYTES,
  MAX_PARTS,
  MIN_PART_BYTES,
  planParts,
} from "pulumi-s3-object-copy/engine";

import {
  checkOk,
  COPY_CHILD,
  factsMarkdown,
  GiB,
  humanBytes,
  machineFacts,
  median,
  MiB,
  parseChildResult,
  secs,
  table,
  TiB,
  timedRun,
  uptimeLine,
  writeOut,
} from "../lib/common";
import { formatCounts, totalRequests } from "../lib/s3ops";
import { type LatencyModelServer, type ModelStats, startLatencyModelServer } from "./server";

const L = Number(process.env.BENCH_LATENCY_MS ?? 20);
const BW = 64 * MiB;
const REPS = Number(process.env.BENCH_REPS ?? 3);
const BUDGET_MS = Number(process.env.BENCH_BUDGET_S ?? 5) * 1000;
const FLOOR_MS = Number(process.env.BENCH_FLOOR_MS ?? 5);
const MAX_REAL_MS = Number(process.env.BENCH_MAX_S ?? 60) * 1000;
// A copy allowed MAX_REAL_MS must not be killed by the hang guard before it can finish.
const CHILD_TIMEOUT_MS = Math.max(5 * 60_000, 2 * MAX_REAL_MS);
const LONG_MS = 20_000;
/** Real ms per part request, as a multiple of the measured serial per-request overhead. */
const SERIAL_FACTOR = Number(process.env.BENCH_SERIAL_FACTOR ?? 10);
/** Largest predicted client overhead, as a share of the bound, a scenario's time scale may allow. */
const MAX_OVERHEAD = Number(process.env.BENCH_MAX_OVERHEAD ?? 0.03);
const ONLY = process.env.BENCH_ONLY; // a substring of scenario names, for quick checks

interface Scenario {
  group: string;
  name: string;
  size: number;
  concurrency: number;
  partSize?: number;
  single?: boolean;
  /** Forces a multipart copy (multipartThreshold 5 MiB) even below the default threshold. */
  multipart?: boolean;
  /** Forces a time scale (the scale-sensitivity check). */
  timeScale?: number;
  /**
   * Leaves `concurrency` out of the copy's inputs, so the engine's defaults decide: the adaptive
   * controller under the default ceiling. `concurrency` is then that ceiling, for the bound.
   */
  defaults?: boolean;
}

interface Bounds {
  parts: number;
  partSize: number;
  rounds: number;
  workers: number;
  perRoundMs: number;
  minimalMs: number;
  engineMs: number;
}

const partMs = (bytes: number) => L + (bytes / BW) * 1000;

export function bounds(s: Pick<Scenario, "size" | "concurrency" | "partSize" | "single">): Bounds {
  if (s.single) {
    const copy = partMs(s.size);
    return {
      parts: 0,
      partSize: s.size,
      rounds: 1,
      workers: 1,
      perRoundMs: copy,
      minimalMs: L + copy,
      engineMs: L + copy,
    };
  }
  const plan = planParts(s.size, s.partSize, s.concurrency);
  const P = plan.partCount;
  const p = plan.partSize;
  const r = s.size - (P - 1) * p;
  const c = s.concurrency;
  const R = Math.ceil(P / c);
  const lastCount = P - (R - 1) * c;
  const lastRound = P === 1 || lastCount === 1 ? partMs(r) : partMs(p);
  const partsMs = (R - 1) * partMs(p) + lastRound;
  return {
    parts: P,
    partSize: p,
    rounds: R,
    workers: Math.min(c, P),
    perRoundMs: partMs(p),
    minimalMs: 3 * L + partsMs,
    engineMs: 3 * L + partsMs,
  };
}

/** The best minimal bound over all part sizes (whole MiB) at this concurrency. */
function bestPartSize(size: number, concurrency: number): { partSize: number; ms: number } {
  let best = { partSize: 0, ms: Infinity };
  const from = Math.max(MIN_PART_BYTES, Math.ceil(size / MAX_PARTS / MiB) * MiB);
  for (let p = from; p <= Math.min(MAX_PART_BYTES, Math.ceil(size / MiB) * MiB); p += MiB) {
    const ms = bounds({ size, concurrency, partSize: p }).minimalMs;
    if (ms < best.ms - 1e-9) best = { partSize: p, ms };
  }
  return best;
}

function expectedCounts(b: Bounds, single: boolean | undefined): Record<string, number> {
  if (single) return { HeadObject: 1, GetObjectTagging: 1, ListMultipartUploads: 1, CopyObject: 1 };
  return {
    HeadObject: 1,
    GetObjectTagging: 1,
    ListMultipartUploads: 1,
    CreateMultipartUpload: 1,
    UploadPartCopy: b.parts,
    CompleteMultipartUpload: 1,
  };
}

const sameCounts = (a: Record<string, number>, b: Record<string, number>) =>
  Object.keys({ ...a, ...b }).every((k) => (a[k] ?? 0) === (b[k] ?? 0));

interface Calibration {
  /** CPU ms of the copying process per request. */
  cpuMs: number;
  /** Real ms each sequential request round adds beyond its scheduled delay. */
  roundMs: number;
  note: string;
}

interface Run {
  copyMs: number;
  cpuMs: number;
  modelMs: number;
  rssMiB: number;
  stats: ModelStats;
}

async function copyOnce(
  server: LatencyModelServer,
  s: Scenario,
  timeScale: number,
  modelDelays: boolean,
  key: string,
): Promise<Run> {
  server.reset();
  server.setConfig({
    sourceSize: s.size,
    timeScale,
    latencyMs: modelDelays ? L : 0,
    bytesPerSecond: modelDelays ? BW : Number.POSITIVE_INFINITY,
  });
  const inputs = {
    bucket: "dst",
    key,
    source: `${server.config.sourceBucket}/object`,
    endpoint: server.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    multipartThreshold: s.single ? MAX_PART_BYTES : s.multipart ? MIN_PART_BYTES : undefined,
    partSize: s.partSize,
    concurrency: s.defaults ? undefined : s.concurrency,
  };
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench-secret",
    BENCH_WARMUP: "1",
  };
  const r = checkOk(
    `copy ${s.name}`,
    await timedRun(process.execPath, [COPY_CHILD, JSON.stringify(inputs)], {
      env,
      timeoutMs: CHILD_TIMEOUT_MS,
    }),
  );
  const child = parseChildResult(r);
  const stats = server.stats();
  if (Object.keys(stats.errors).length) {
    throw new Error(`${s.name}: the server answered errors: ${stats.errorSamples.join("; ")}`);
  }
  return {
    copyMs: child.copyMs,
    cpuMs: child.cpuMs,
    modelMs: child.copyMs * timeScale,
    rssMiB: child.vmHwmKiB / 1024,
    stats: structuredClone(stats),
  };
}

/** See the header: CPU per request, and real overhead per sequential round. */
async function calibrate(server: LatencyModelServer): Promise<Calibration> {
  const cpu: number[] = [];
  const round: number[] = [];
  const zero = { group: "calibration", name: "calibration zero-delay", size: 5 * GiB, partSize: 5 * MiB };
  const delayed = {
    group: "calibration",
    name: "calibration delayed",
    size: 1.25 * GiB,
    partSize: 5 * MiB,
    concurrency: 1,
  };
  const b = bounds(delayed);
  const scale = b.perRoundMs / 10;
  for (let i = 0; i < 3; i++) {
    const a = await copyOnce(server, { ...zero, concurrency: 16 }, 1, false, `cal-${i}`);
    cpu.push(a.cpuMs / 1031);
    const d = await copyOnce(server, delayed, scale, true, `cal-delayed-${i}`);
    round.push((d.copyMs - b.engineMs / scale) / (b.rounds + 7));
  }
  return {
    cpuMs: median(cpu),
    roundMs: median(round),
    note:
      `${median(cpu).toFixed(3)} ms of the copying process's CPU per request (zero-delay copy of 1,024 parts ` +
      `at concurrency 16); ${median(round).toFixed(3)} ms real added per sequential request round (256 parts ` +
      `of 5 MiB at concurrency 1, 10 ms real per part); medians of 3`,
  };
}

/**
 * Real milliseconds the client's own unscaled work adds to a copy: per round, the serial overhead
 * or the CPU the round's requests take, whichever is larger (an upper estimate: with many parts in
 * flight some of that CPU overlaps the waiting), plus the sequential requests.
 */
function predictedOverheadRealMs(b: Bounds, single: boolean | undefined, cal: Calibration): number {
  const perRound = Math.max(cal.roundMs, b.workers * cal.cpuMs);
  return b.rounds * perRound + (single ? 3 : 7) * cal.roundMs;
}

function chooseScale(s: Scenario, b: Bounds, cal: Calibration): { scale?: number; why: string } {
  if (s.timeScale) return { scale: s.timeScale, why: "fixed" };
  let scale = b.engineMs / BUDGET_MS;
  if (s.single) return { scale, why: "budget" };
  // Each part request must last much longer than the per-round overhead, and the client's CPU must
  // stay at most a quarter busy.
  const serialNeed = Math.max(FLOOR_MS, SERIAL_FACTOR * cal.roundMs);
  const cpuNeed = 4 * b.workers * cal.cpuMs;
  const need = Math.max(serialNeed, cpuNeed);
  let why = "budget";
  if (b.perRoundMs / scale < need) {
    scale = b.perRoundMs / need;
    why = cpuNeed > serialNeed ? "client CPU" : `${need.toFixed(1)} ms/part floor`;
  }
  const stagger = b.workers * cal.cpuMs + 7 * cal.roundMs;
  const overheadScale = (MAX_OVERHEAD * b.minimalMs) / stagger;
  if (overheadScale < scale) {
    scale = overheadScale;
    why = `overhead <= ${(MAX_OVERHEAD * 100).toFixed(0)}%`;
  }
  if (b.engineMs / scale > MAX_REAL_MS) {
    return { why: `would take ${(b.engineMs / scale / 1000).toFixed(0)} s real (> ${MAX_REAL_MS / 1000} s)` };
  }
  return { scale, why };
}

function scenarios(): Scenario[] {
  const list: Scenario[] = [];
  const sizes: [string, number][] = [
    ["5 GiB", 5 * GiB],
    ["1 TiB", TiB],
    ["48.8 TiB", MAX_OBJECT_BYTES],
  ];
  for (const [label, size] of sizes) {
    for (const c of [1, 4, 16, 64, 256]) {
      list.push({ group: "grid", name: `${label} c=${c}`, size, concurrency: c });
    }
  }
  list.push({ group: "grid", name: "5 GiB single CopyObject", size: 5 * GiB, concurrency: 1, single: true });
  // The engine's defaults (issue 16): the adaptive controller under the default ceiling, against
  // the bound at that ceiling. A search step it takes on this model (which scales) costs time, so
  // these rows show what the search costs where it cannot win.
  for (const [label, size] of sizes) {
    list.push({
      group: "defaults",
      name: `${label} defaults (adaptive, ceiling ${DEFAULT_CONCURRENCY})`,
      size,
      concurrency: DEFAULT_CONCURRENCY,
      defaults: true,
    });
  }
  for (const mib of [5, 8, 16, 32, 64, 128, 256, 320, 512, 1024, 5120]) {
    list.push({
      group: "sweep-5GiB-c16",
      name: `5 GiB c=16 part ${mib} MiB`,
      size: 5 * GiB,
      concurrency: 16,
      partSize: mib * MiB,
    });
  }
  for (const mib of [16, 32, 64, 80, 128, 256]) {
    list.push({
      group: "sweep-5GiB-c64",
      name: `5 GiB c=64 part ${mib} MiB`,
      size: 5 * GiB,
      concurrency: 64,
      partSize: mib * MiB,
    });
  }
  for (const mib of [105, 128, 256, 512, 1024, 2048, 5120]) {
    list.push({
      group: "sweep-1TiB-c16",
      name: `1 TiB c=16 part ${mib} MiB`,
      size: TiB,
      concurrency: 16,
      partSize: mib * MiB,
    });
  }
  // Where multipart starts to pay under the model, at the default concurrency: single CopyObject
  // vs multipart with the default plan (parts spread over the workers) vs 64 MiB parts.
  for (const mib of [8, 16, 32, 64, 96, 128, 256]) {
    const size = mib * MiB;
    list.push({
      group: "threshold",
      name: `${mib} MiB single CopyObject`,
      size,
      concurrency: DEFAULT_CONCURRENCY,
      single: true,
    });
    list.push({
      group: "threshold",
      name: `${mib} MiB multipart default plan`,
      size,
      concurrency: DEFAULT_CONCURRENCY,
      multipart: true,
    });
    list.push({
      group: "threshold",
      name: `${mib} MiB multipart part 64 MiB`,
      size,
      concurrency: DEFAULT_CONCURRENCY,
      multipart: true,
      partSize: Math.max(MIN_PART_BYTES, Math.min(64 * MiB, Math.ceil(size / MiB) * MiB)),
    });
  }
  for (const scale of [0.5, 1, 10, 100]) {
    list.push({
      group: "scale-check",
      name: `5 GiB c=16 at timeScale ${scale}`,
      size: 5 * GiB,
      concurrency: 16,
      timeScale: scale,
    });
  }
  if (!ONLY) return list;
  const wanted = ONLY.split(",").map((w) => w.trim());
  return list.filter((s) => wanted.some((w) => s.name.includes(w) || s.group.includes(w)));
}

interface Row {
  s: Scenario;
  b: Bounds;
  scale?: number;
  why: string;
  runs: Run[];
}

function report(rows: Row[], cal: Calibration, startUptime: string, elapsedS: number): string {
  const out: string[] = [];
  out.push(`Machine:\n\n${factsMarkdown(machineFacts())}\n`);
  out.push(`Load at start: \`${startUptime}\`; whole benchmark took ${elapsedS.toFixed(0)} s real.\n`);
  out.push(
    `Model: L = ${L} ms per request, ${BW / MiB} MiB/s per copying request; ${REPS} runs per scenario ` +
      `(medians), 1 when a run takes over ${LONG_MS / 1000} s real; budget ${BUDGET_MS / 1000} s real per run, ` +
      `floor ${FLOOR_MS} ms real per part request, skip above ${MAX_REAL_MS / 1000} s real.\n`,
  );
  out.push(`Calibration: ${cal.note}.\n`);
  const groups = [...new Set(rows.map((r) => r.s.group))];
  for (const g of groups) {
    out.push(`\n#### ${g}\n`);
    const body = rows
      .filter((r) => r.s.group === g)
      .map((r) => {
        const b = r.b;
        const plan = r.s.single ? "CopyObject" : `${b.parts} x ${humanBytes(b.partSize)}, ${b.rounds} rounds`;
        if (!r.scale || r.runs.length === 0) {
          return [
            r.s.name,
            plan,
            "skipped",
            r.why,
            secs(b.minimalMs),
            secs(b.engineMs),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
          ];
        }
        const model = median(r.runs.map((x) => x.modelMs));
        const real = median(r.runs.map((x) => x.copyMs));
        const rss = Math.max(...r.runs.map((x) => x.rssMiB));
        const counts = r.runs[r.runs.length - 1].stats.counts;
        const countsOk = r.runs.every((x) => sameCounts(x.stats.counts, expectedCounts(b, r.s.single)));
        const overheadMs = r.scale * predictedOverheadRealMs(b, r.s.single, cal);
        const late = r.runs[r.runs.length - 1].stats.latenessMs;
        return [
          r.s.name,
          plan,
          `${r.scale < 10 ? r.scale.toFixed(3) : r.scale.toFixed(0)} (${r.why})`,
          `${secs(real)} s x ${r.runs.length}`,
          secs(b.minimalMs),
          secs(b.engineMs),
          secs(model),
          (model / b.minimalMs).toFixed(3),
          `${((overheadMs / b.minimalMs) * 100).toFixed(1)}%`,
          ((model - overheadMs) / b.minimalMs).toFixed(3),
          (late.sum / Math.max(late.n, 1)).toFixed(2),
          `${formatCounts(counts)}${countsOk ? "" : " (UNEXPECTED)"}`,
          rss.toFixed(0),
          (median(r.runs.map((x) => x.cpuMs)) / Math.max(1, totalRequests(counts))).toFixed(2),
        ];
      });
    out.push(
      table(
        [
          "scenario",
          "plan",
          "timeScale (why)",
          "real s (median) x runs",
          "bound s (minimal)",
          "engine bound s",
          "measured model s (median)",
          "measured / bound",
          "overhead est. (% of bound)",
          "ratio, overhead taken out",
          "timer late ms (mean)",
          "requests (last run)",
          "peak RSS MiB",
          "client CPU ms / request",
        ],
        body,
      ),
    );
  }
  out.push(`\n#### best part size under the model (minimal bound, whole MiB)\n`);
  const best: (string | number)[][] = [];
  for (const [label, size] of [
    ["5 GiB", 5 * GiB],
    ["1 TiB", TiB],
    ["48.8 TiB", MAX_OBJECT_BYTES],
  ] as [string, number][]) {
    for (const c of [1, 4, 16, 64, 256]) {
      const d = bounds({ size, concurrency: c });
      const o = bestPartSize(size, c);
      best.push([
        label,
        c,
        humanBytes(d.partSize),
        secs(d.minimalMs),
        humanBytes(o.partSize),
        secs(o.ms),
        (d.minimalMs / o.ms).toFixed(3),
      ]);
    }
  }
  out.push(
    table(
      [
        "size",
        "concurrency",
        "default part",
        "bound s at default",
        "best part",
        "bound s at best",
        "default / best",
      ],
      best,
    ),
  );
  return out.join("\n");
}

async function main() {
  const started = performance.now();
  const startUptime = uptimeLine();
  console.log(`latency-model benchmark; ${startUptime}`);
  console.log(
    `engine defaults: parts of about ${DEFAULT_PART_SIZE / MiB} MiB spread over concurrency ${DEFAULT_CONCURRENCY}`,
  );
  const server = await startLatencyModelServer();
  const rows: Row[] = [];
  try {
    const cal = await calibrate(server);
    console.log(`calibration: ${cal.note}`);
    for (const s of scenarios()) {
      const b = bounds(s);
      const { scale, why } = chooseScale(s, b, cal);
      const row: Row = { s, b, scale, why, runs: [] };
      rows.push(row);
      if (!scale) {
        console.log(`${s.name}: skipped, ${why}`);
        continue;
      }
      const reps = b.engineMs / scale > LONG_MS ? 1 : REPS;
      for (let i = 0; i < reps; i++) {
        const run = await copyOnce(server, s, scale, true, `${s.group}-${s.name}-${i}`.replace(/\W+/g, "-"));
        row.runs.push(run);
        console.log(
          `${s.name} #${i + 1}: scale ${scale.toFixed(3)}, real ${secs(run.copyMs)} s, model ${secs(run.modelMs)} s, ` +
            `bound ${secs(b.minimalMs)} s, ratio ${(run.modelMs / b.minimalMs).toFixed(3)}, ` +
            `rss ${run.rssMiB.toFixed(0)} MiB; ${formatCounts(run.stats.counts)}`,
        );
      }
    }
    const elapsed = (performance.now() - started) / 1000;
    const md = report(rows, cal, startUptime, elapsed);
    const file = writeOut("latency-model.md", md);
    writeOut(
      "latency-model.json",
      JSON.stringify(
        { cal, rows: rows.map((r) => ({ ...r, runs: r.runs.map((x) => ({ ...x })) })) },
        null,
        1,
      ),
    );
    console.log(`\n${md}\n\nwritten to ${file}`);
  } finally {
    await server.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
