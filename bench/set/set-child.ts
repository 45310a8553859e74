// Runs one ObjectCopySet create through the engine in a process of its own, so its peak RSS
// (VmHWM) is the set's alone, and prints one line: `BENCH_RESULT {json}`.
//
//   node bench/out/bench/set/set-child.js '<set inputs as JSON>'
//
// The engine is the built package: dist/provider/engine/set/lifecycle.js, its exported
// `createSet` (or `create`; the same orchestration the dynamic provider runs: list, read manifest, plan, copy, delete,
// finish the manifest). It is loaded by path at run time rather than imported, so the benchmarks
// compile while the set engine is still being written; without it this exits 3 after printing
// `BENCH_SKIP <reason>`, and the drivers leave "ours" out with that line.
//
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; a self-signed server
// certificate is trusted through NODE_EXTRA_CA_CERTS.

import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

import { REPO_ROOT } from "../lib/common";

/**
 * Where the built set lifecycle lives; the drivers check it before they start a child.
 * BENCH_SET_LIFECYCLE points elsewhere (a stand-in module, to try a driver out).
 */
export const SET_LIFECYCLE =
  process.env.BENCH_SET_LIFECYCLE ??
  path.join(REPO_ROOT, "dist", "provider", "engine", "set", "lifecycle.js");

/** Why "ours" cannot run, or undefined when it can. */
export function setEngineMissing(): string | undefined {
  if (!existsSync(SET_LIFECYCLE)) {
    return (
      `${path.relative(REPO_ROOT, SET_LIFECYCLE)} is missing (the set engine is not built yet: ` +
      "run `npm run build` once provider/engine/set/lifecycle.ts exists)"
    );
  }
  return undefined;
}

type SetCreate = (
  inputs: Record<string, unknown>,
) => Promise<{ id?: string; outs?: Record<string, unknown> }>;

function vmHwmKiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : -1;
}

/** The few outputs worth printing: counts, never settings (which could hold SSE-C keys). */
function summary(outs: Record<string, unknown> | undefined): Record<string, unknown> {
  const pick: Record<string, unknown> = {};
  for (const k of ["objectCount", "totalBytes", "lastRun", "manifestLocation"]) {
    if (outs && k in outs) pick[k] = outs[k];
  }
  return pick;
}

async function main() {
  const missing = setEngineMissing();
  if (missing) {
    console.log(`BENCH_SKIP ${missing}`);
    process.exit(3);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lifecycle = require(SET_LIFECYCLE) as { create?: SetCreate; createSet?: SetCreate };
  const create = lifecycle.createSet ?? lifecycle.create;
  if (typeof create !== "function") {
    console.log(`BENCH_SKIP ${SET_LIFECYCLE} exports neither createSet() nor create()`);
    process.exit(3);
  }
  const inputs = JSON.parse(process.argv[2] ?? "{}") as Record<string, unknown>;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const out = await create(inputs);
  const copyMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const result = {
    copyMs,
    startupMs: started,
    vmHwmKiB: vmHwmKiB(),
    cpuMs: (cpu.user + cpu.system) / 1000,
    outs: summary(out?.outs),
  };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    // Only the message: an error object could carry the request, and with it an SSE-C header.
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    process.exit(1);
  });
}
