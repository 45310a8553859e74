// One ObjectCopySet create in a process of its own, like set-child.ts, that also reports memory
// at the phases of the run: after the source listing, after the plan, half-way through the
// copies, before and after the manifest's final write, and at the end. Prints one line:
// `BENCH_MEMORY {json}`.
//
//   node [--expose-gc] bench/out/bench/set/memory-child.js '<set inputs as JSON>'
//
// The phases are found from the outside, without hooks in the engine: the set modules are
// CommonJS and call each other through their `exports` objects, so wrapping `listObjects`
// (listing.js), `planFor` (context.js) and `ManifestWriter.prototype.finish` (manifest.js) sees
// every phase boundary; half-way is the N/2-th CopyObject answer seen by `S3Client.send`. A
// missing hook leaves its phase out rather than failing the run.
//
// With --expose-gc each phase also forces a full GC and reports the live heap after it. A forced
// GC lowers the heap (and with it the later RSS), so the peak RSS that counts comes from a run
// without it; the driver (memory.ts) runs both.

import * as path from "node:path";
import { readFileSync } from "node:fs";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

import { SET_LIFECYCLE, setEngineMissing } from "./set-child";

type SetCreate = (
  inputs: Record<string, unknown>,
) => Promise<{ id?: string; outs?: Record<string, unknown> }>;

/** One phase's figures, MiB. */
export interface PhaseMemory {
  phase: string;
  /** Seconds since the create started. */
  atS: number;
  rssMiB: number;
  /** process.resourceUsage().maxRSS so far. */
  maxRssMiB: number;
  heapUsedMiB: number;
  /** What V8 holds for its heap (used or not), and memory outside it (Buffers, native objects). */
  heapTotalMiB: number;
  externalMiB: number;
  /** After a forced full GC; only with --expose-gc. */
  heapAfterGcMiB?: number;
  rssAfterGcMiB?: number;
  heapTotalAfterGcMiB?: number;
  /** V8's heap spaces: committed size / used, MiB (BENCH_SPACES=1). */
  spaces?: Record<string, string>;
}

export interface MemoryResult {
  copyMs: number;
  cpuMs: number;
  maxRssMiB: number;
  vmHwmMiB: number;
  gc: boolean;
  phases: PhaseMemory[];
  /** The phase most recently passed when RSS was highest (sampled every SAMPLE_MS). */
  peakAfter: string;
  objectCount?: number;
  failed?: number;
}

const MiB = 1024 * 1024;
const SAMPLE_MS = 50;

const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;

function vmHwmMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : -1;
}

async function main() {
  const missing = setEngineMissing();
  if (missing) {
    console.log(`BENCH_SKIP ${missing}`);
    process.exit(3);
  }
  const objects = Number(process.env.BENCH_OBJECTS ?? 100_000);
  const gc = (globalThis as { gc?: () => void }).gc;
  const phases: PhaseMemory[] = [];
  let started = performance.now();
  let lastPhase = "start";
  let peakRss = 0;
  let peakAfter = "start";
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) {
      peakRss = rss;
      peakAfter = lastPhase;
    }
  };
  const mark = (phase: string) => {
    sample();
    const before = process.memoryUsage();
    const p: PhaseMemory = {
      phase,
      atS: Math.round(performance.now() - started) / 1000,
      rssMiB: mib(before.rss),
      maxRssMiB: mib(process.resourceUsage().maxRSS * 1024),
      heapUsedMiB: mib(before.heapUsed),
      heapTotalMiB: mib(before.heapTotal),
      externalMiB: mib(before.external),
    };
    if (process.env.BENCH_SPACES === "1") {
      p.spaces = Object.fromEntries(
        getHeapSpaceStatistics().map((sp) => [
          sp.space_name,
          `${mib(sp.space_size)}/${mib(sp.space_used_size)}`,
        ]),
      );
    }
    if (gc) {
      gc();
      const after = process.memoryUsage();
      p.heapAfterGcMiB = mib(after.heapUsed);
      p.rssAfterGcMiB = mib(after.rss);
      p.heapTotalAfterGcMiB = mib(after.heapTotal);
    }
    phases.push(p);
    lastPhase = phase;
  };

  const dir = path.dirname(SET_LIFECYCLE);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (name: string) => require(path.join(dir, name)) as Record<string, unknown>;
  const listing = load("listing.js");
  const context = load("context.js");
  const manifest = load("manifest.js");
  const wrapAsync = (
    mod: Record<string, unknown>,
    name: string,
    after: (args: unknown[]) => string | undefined,
  ) => {
    const fn = mod[name];
    if (typeof fn !== "function") return;
    mod[name] = async (...args: unknown[]) => {
      const out: unknown = await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      const phase = after(args);
      if (phase) mark(phase);
      return out;
    };
  };
  let listings = 0;
  // The first listing is the source's (planFor lists the source, then the destination if needed).
  wrapAsync(listing, "listObjects", () => (++listings === 1 ? "listed" : undefined));
  wrapAsync(context, "planFor", () => "planned");
  const writer = (manifest.ManifestWriter as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  if (writer && typeof writer.finish === "function") {
    const finish = writer.finish as (this: unknown) => Promise<unknown>;
    writer.finish = async function (this: unknown) {
      mark("copied, before the manifest's final write");
      const out = await finish.call(this);
      mark("manifest written");
      return out;
    };
  }
  // The engine's own copy of the SDK: resolved from where the lifecycle module lives.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require(require.resolve("@aws-sdk/client-s3", { paths: [dir] })) as {
    S3Client: { prototype: { send: (...a: unknown[]) => Promise<unknown> } };
    CopyObjectCommand: new (...a: unknown[]) => unknown;
  };
  const send = sdk.S3Client.prototype.send;
  let copies = 0;
  sdk.S3Client.prototype.send = async function (this: unknown, ...args: unknown[]) {
    const out = await send.apply(this, args);
    if (args[0] instanceof sdk.CopyObjectCommand && ++copies === Math.floor(objects / 2)) mark("half copied");
    return out;
  };

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lifecycle = require(SET_LIFECYCLE) as { create?: SetCreate; createSet?: SetCreate };
  const create = lifecycle.createSet ?? lifecycle.create;
  if (typeof create !== "function") {
    console.log(`BENCH_SKIP ${SET_LIFECYCLE} exports neither createSet() nor create()`);
    process.exit(3);
  }
  const inputs = JSON.parse(process.argv[2] ?? "{}") as Record<string, unknown>;
  // V8 flags set at run time, as the engine could set them itself (to try one out first).
  for (const flag of (process.env.BENCH_V8_FLAGS ?? "").split(" ").filter(Boolean)) setFlagsFromString(flag);
  const sampler = setInterval(sample, SAMPLE_MS);
  started = performance.now();
  const cpuBefore = process.cpuUsage();
  const out = await create(inputs);
  const copyMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  mark("create returned");
  const lastRun = (out.outs?.lastRun ?? {}) as { failed?: number };
  const result: MemoryResult = {
    copyMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    vmHwmMiB: vmHwmMiB(),
    gc: Boolean(gc),
    phases,
    peakAfter,
    objectCount: out.outs?.objectCount as number | undefined,
    failed: lastRun.failed,
  };
  console.log(`BENCH_MEMORY ${JSON.stringify(result)}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    process.exit(1);
  });
}
