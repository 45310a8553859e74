// Benchmark 1: one large object on a local MinIO: our engine vs `aws s3 cp` (defaults, and tuned to
// our part size and concurrency) vs `rclone copyto`.
//
//   bash bench/run.sh large-object     (BENCH_SIZES_MIB=1024,10240 BENCH_REPS=5 BENCH_REPS_LARGE=5
//                                        BENCH_COUNT=1 to add the untimed request-counting runs)
//
// Each tool runs as its own process (ours: bench/copy-child.ts, cold, no warm-up), timed from
// spawn to exit; the tools alternate within each repetition in a rotating order, and the
// destination is deleted and the disk synced after every run. After the timed runs, one untimed
// run per tool and size goes through a counting proxy (plain HTTP in front of MinIO, Host header
// passed through so signatures still verify) to count requests by operation.
//
// Every timed run also records MinIO's CPU seconds and the machine's busy share, because on a
// small machine the server's CPU, not the client's plan, can set the pace.

import { execFileSync } from "node:child_process";

import { DEFAULT_CONCURRENCY, DEFAULT_PART_SIZE } from "pulumi-s3-object-copy/engine";

import {
  factsMarkdown,
  GiB,
  humanBytes,
  machineFacts,
  median,
  MiB,
  secs,
  sleep,
  table,
  uptimeLine,
  writeOut,
} from "../lib/common";
import { cpuBetween, cpuSnapshot } from "../lib/cpu";
import { formatCounts, totalRequests } from "../lib/s3ops";
import {
  type BenchMinio,
  createBuckets,
  deleteAndSync,
  headSize,
  makeSource,
  minioBinary,
  startBenchMinio,
  startCountingProxy,
} from "./harness";
import { awsTool, type Measured, oursTool, rcloneTool, type Target, type Tool } from "./tools";

const SIZES = (process.env.BENCH_SIZES_MIB ?? "1024,10240").split(",").map((s) => Number(s) * MiB);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const REPS_LARGE = Number(process.env.BENCH_REPS_LARGE ?? REPS);
const COUNT = process.env.BENCH_COUNT !== "0";
/**
 * BENCH_SWEEP=1: issue 16's B1 sweep instead of the usual tools: ours at fixed concurrency
 * (BENCH_OURS_CONCURRENCY, default 4,8,16,32,64, automatic part plan for each), ours at the
 * defaults (adaptive) and `aws s3 cp` at its defaults, alternating as usual.
 */
const SWEEP = process.env.BENCH_SWEEP === "1";
const SWEEP_CONCURRENCY = (process.env.BENCH_OURS_CONCURRENCY ?? "4,8,16,32,64").split(",").map(Number);

interface Sample {
  wall: number[];
  copy: number[];
  rss: number[];
  vmHwm: number[];
  minioCpu: number[];
  busy: number[];
}

const retries: string[] = [];
const failures: string[] = [];

function freeDisk(): string {
  try {
    return (
      execFileSync("df", ["-h", "--output=avail", "/tmp"], { encoding: "utf8" }).split("\n")[1].trim() +
      " free"
    );
  } catch {
    return "?";
  }
}

function freeBytes(): number {
  try {
    return Number(execFileSync("df", ["-B1", "--output=avail", "/tmp"], { encoding: "utf8" }).split("\n")[1]);
  } catch {
    return NaN;
  }
}

/**
 * Runs a tool. MinIO answers 507 XMinioStorageFull when its drive looks too full (this disk is
 * shared with other work): then wait (up to 3 minutes) until twice the object's size is free again
 * and try again, at most 3 more times. Every retry is reported.
 */
async function runWithRetry(
  m: BenchMinio,
  tool: Tool,
  src: Target,
  dst: Target,
  endpoint: string,
  size: number,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tool.run(src, dst, endpoint);
    } catch (err) {
      const message = (err as Error).message;
      if (attempt >= 4 || !/StorageFull/.test(message)) throw err;
      const note = `${tool.name} ${dst.key}: MinIO answered XMinioStorageFull (disk ${freeDisk()}), retried`;
      retries.push(note);
      console.log(note);
      await deleteAndSync(m, dst.bucket, dst.key).catch(() => undefined);
      const deadline = Date.now() + 180_000;
      do await sleep(10_000);
      while (Date.now() < deadline && !(freeBytes() > 2 * size + 5 * GiB));
    }
  }
}

async function main() {
  const started = performance.now();
  const startUptime = uptimeLine();
  console.log(`large-object; ${startUptime}`);
  const m = await startBenchMinio();
  const defaults = oursTool(
    m,
    "ours",
    `engine defaults: adaptive under a ceiling of ${DEFAULT_CONCURRENCY}, parts of about ${DEFAULT_PART_SIZE / MiB} MiB spread evenly over the workers`,
    {},
  );
  const sweep: Tool[] = [
    defaults,
    ...SWEEP_CONCURRENCY.map((c) =>
      oursTool(m, `ours (c ${c})`, `concurrency ${c} (fixed), automatic part plan`, { concurrency: c }),
    ),
    awsTool(m, "aws s3 cp (defaults)", {}),
  ];
  const usual: Tool[] = [
    defaults,
    oursTool(m, "ours (c 8)", "concurrency 8, automatic part plan: fewer requests in flight at MinIO", {
      concurrency: 8,
    }),
    oursTool(m, "ours (64 MiB x 16)", "partSize 64 MiB, concurrency 16: the aws cli's tuned settings", {
      partSize: 64 * MiB,
      concurrency: 16,
    }),
    awsTool(m, "aws s3 cp (defaults)", {}),
    awsTool(m, "aws s3 cp (64 MiB x 16)", { multipart_chunksize: "64MB", max_concurrent_requests: "16" }),
    rcloneTool(m, "rclone copyto"),
  ];
  const tools = SWEEP ? sweep : usual;
  try {
    await createBuckets(m, "src", "dst");
    for (const size of SIZES) {
      const t = performance.now();
      await makeSource(m, "src", `source-${size / MiB}MiB`, size);
      console.log(`made ${humanBytes(size)} source in ${secs(performance.now() - t)} s`);
    }
    const samples = new Map<string, Sample>();
    for (const size of SIZES) {
      const src = { bucket: "src", key: `source-${size / MiB}MiB` };
      const dst = { bucket: "dst", key: `copy-${size / MiB}MiB` };
      // One untimed copy first, so that whichever tool goes first does not alone meet a cold source.
      const warm = await runWithRetry(m, tools[0], src, dst, m.server.endpoint, size);
      await deleteAndSync(m, dst.bucket, dst.key);
      console.log(`${humanBytes(size)} untimed warm-up copy: ${secs(warm.wallMs)} s; disk: ${freeDisk()}`);
      const reps = size > GiB ? REPS_LARGE : REPS;
      for (let rep = 0; rep < reps; rep++) {
        for (let i = 0; i < tools.length; i++) {
          const tool = tools[(i + rep) % tools.length];
          let r: Measured;
          const cpuBefore = cpuSnapshot(m.server.pid);
          try {
            r = await runWithRetry(m, tool, src, dst, m.server.endpoint, size);
          } catch (err) {
            const note = `${humanBytes(size)} ${tool.name} run ${rep + 1} failed: ${(err as Error).message.split("\n").slice(0, 3).join(" ")}`;
            failures.push(note);
            console.log(note);
            await deleteAndSync(m, dst.bucket, dst.key).catch(() => undefined);
            continue;
          }
          const cpu = cpuBetween(cpuBefore, cpuSnapshot(m.server.pid));
          const got = await headSize(m, dst.bucket, dst.key);
          if (got !== size) throw new Error(`${tool.name}: destination has ${got} bytes, expected ${size}`);
          await deleteAndSync(m, dst.bucket, dst.key);
          const k = `${size}|${tool.name}`;
          const s = samples.get(k) ?? { wall: [], copy: [], rss: [], vmHwm: [], minioCpu: [], busy: [] };
          s.wall.push(r.wallMs);
          if (r.copyMs !== undefined) s.copy.push(r.copyMs);
          s.rss.push(r.rssMiB);
          if (r.vmHwmMiB !== undefined) s.vmHwm.push(r.vmHwmMiB);
          s.minioCpu.push(cpu.processSeconds);
          s.busy.push(cpu.machineBusy);
          samples.set(k, s);
          console.log(
            `${humanBytes(size)} ${tool.name} #${rep + 1}: ${secs(r.wallMs)} s` +
              `${r.copyMs !== undefined ? ` (performCopy ${secs(r.copyMs)} s, ${r.partCount ?? 1} parts)` : ""}, ` +
              `rss ${r.rssMiB.toFixed(0)} MiB, MinIO CPU ${cpu.processSeconds.toFixed(1)} s, ` +
              `machine busy ${(cpu.machineBusy * 100).toFixed(0)}%`,
          );
        }
      }
    }
    const timedUptime = uptimeLine();

    // Untimed runs through the counting proxy.
    const counted = new Map<string, string>();
    if (COUNT) {
      const proxy = await startCountingProxy(m);
      try {
        for (const size of SIZES) {
          const src = { bucket: "src", key: `source-${size / MiB}MiB` };
          const dst = { bucket: "dst", key: `copy-${size / MiB}MiB` };
          for (const tool of tools) {
            proxy.reset();
            try {
              await runWithRetry(m, tool, src, dst, proxy.endpoint, size);
            } catch (err) {
              failures.push(
                `counting run ${humanBytes(size)} ${tool.name} failed: ${(err as Error).message.split("\n")[0]}`,
              );
              continue;
            }
            const counts = proxy.counts();
            const statuses = proxy.statuses();
            counted.set(
              `${size}|${tool.name}`,
              `${totalRequests(counts)}: ${formatCounts(counts)} (HTTP ${formatCounts(statuses)})`,
            );
            console.log(`${humanBytes(size)} ${tool.name} requests: ${counted.get(`${size}|${tool.name}`)}`);
            await deleteAndSync(m, dst.bucket, dst.key);
          }
        }
      } finally {
        await proxy.close();
      }
    }

    const rows: (string | number)[][] = [];
    const sweepLines: string[] = [];
    const ratios: (string | number)[][] = [];
    for (const size of SIZES) {
      const med = (name: string) => median(samples.get(`${size}|${name}`)?.wall ?? []);
      const ours = med("ours");
      for (const tool of tools) {
        const s = samples.get(`${size}|${tool.name}`);
        if (!s) continue;
        const wall = median(s.wall);
        rows.push([
          humanBytes(size),
          tool.name,
          tool.settings,
          s.wall.map((x) => secs(x)).join(", "),
          secs(wall),
          ((size / MiB / wall) * 1000).toFixed(0),
          s.copy.length ? secs(median(s.copy)) : "",
          median(s.minioCpu).toFixed(1),
          ((median(s.minioCpu) / (size / GiB)) * 1000).toFixed(0),
          (median(s.busy) * 100).toFixed(0),
          Math.max(...s.rss).toFixed(0) +
            (s.vmHwm.length ? ` (VmHWM ${Math.max(...s.vmHwm).toFixed(0)})` : ""),
          counted.get(`${size}|${tool.name}`) ?? "",
        ]);
      }
      ratios.push([
        humanBytes(size),
        (ours / med("aws s3 cp (defaults)")).toFixed(2),
        (med("ours (64 MiB x 16)") / med("aws s3 cp (64 MiB x 16)")).toFixed(2),
        (ours / med("aws s3 cp (64 MiB x 16)")).toFixed(2),
        (ours / med("rclone copyto")).toFixed(2),
        (med("ours (c 8)") / med("aws s3 cp (defaults)")).toFixed(2),
      ]);
      if (SWEEP) {
        const best = Math.min(...SWEEP_CONCURRENCY.map((c) => med(`ours (c ${c})`)));
        const bestName = SWEEP_CONCURRENCY.find((c) => med(`ours (c ${c})`) === best);
        sweepLines.push(
          `- ${humanBytes(size)}: ours (defaults) / best fixed (c ${bestName}) = **${(ours / best).toFixed(3)}** ` +
            `(target <= 1.05); ours (defaults) / aws s3 cp (defaults) = **${(ours / med("aws s3 cp (defaults)")).toFixed(2)}** (target <= 0.7)`,
        );
      }
    }
    const md = [
      `Machine:\n\n${factsMarkdown(machineFacts({ minioBinary: minioBinary(), diskPath: "/tmp", tools: true }))}\n`,
      `Load at start: \`${startUptime}\`; after the timed runs: \`${timedUptime}\`; whole benchmark took ` +
        `${((performance.now() - started) / 1000).toFixed(0)} s.\n`,
      `Runs: ${REPS} per tool at 1 GiB, ${REPS_LARGE} above, after one untimed warm-up copy per size; ` +
        `alternating, rotating order; times are whole processes (spawn to exit), medians.\n`,
      `Retries after MinIO's 507 XMinioStorageFull: ${retries.length ? retries.join("; ") : "none"}.\n`,
      `Failed runs (left out of the medians): ${failures.length ? failures.join("; ") : "none"}.\n`,
      table(
        [
          "size",
          "tool",
          "settings",
          "runs s",
          "median s",
          "MiB/s",
          "ours: performCopy median s",
          "MinIO CPU s (median)",
          "MinIO CPU ms per GiB",
          "machine busy % (median, 2 cores = 100)",
          "peak RSS MiB",
          "requests (untimed counting run)",
        ],
        rows,
      ),
      ...(SWEEP ? [`\nB1 sweep (issue 16), ratios of medians:\n`, ...sweepLines] : []),
      `\nRatios of medians (below 1 means ours is faster):\n`,
      table(
        [
          "size",
          "ours (defaults) / aws (defaults), target <= 0.7",
          "ours / aws, both 64 MiB x 16, target <= 1.0",
          "ours (defaults) / aws (64 MiB x 16)",
          "ours (defaults) / rclone",
          "ours (c 8) / aws (defaults)",
        ],
        ratios,
      ),
    ].join("\n");
    const file = writeOut("large-object.md", md);
    console.log(`\n${md}\n\nwritten to ${file}`);
  } finally {
    for (const tool of tools) tool.dispose?.();
    await m.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
