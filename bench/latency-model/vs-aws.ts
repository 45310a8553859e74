// An addition to benchmark 2: ours vs `aws s3 cp` against the same latency-model server at time
// scale 1 (real time), so the comparison of benchmark 1 can be seen on an S3-like server where each
// request copies at 64 MiB/s, instead of a disk-bound local MinIO.
//
//   bash bench/run.sh latency-vs-aws        (BENCH_REPS=3, BENCH_SIZES_MIB=1024,10240)
//
// Each tool runs as its own process; its time is the server's view, first request to last answer,
// so process start-up (Python's, Node's) is left out for both. Requests are counted by the server.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { DEFAULT_CONCURRENCY, DEFAULT_PART_SIZE } from "pulumi-s3-object-copy/engine";

import {
  AWS_CLI,
  checkOk,
  COPY_CHILD,
  factsMarkdown,
  humanBytes,
  machineFacts,
  median,
  MiB,
  secs,
  table,
  timedRun,
  uptimeLine,
  writeOut,
} from "../lib/common";
import { formatCounts } from "../lib/s3ops";
import { startLatencyModelServer } from "./server";

const REPS = Number(process.env.BENCH_REPS ?? 3);
const SIZES = (process.env.BENCH_SIZES_MIB ?? "1024,10240").split(",").map((s) => Number(s) * MiB);

async function main() {
  const started = performance.now();
  const startUptime = uptimeLine();
  console.log(`latency model vs aws s3 cp; ${startUptime}`);
  const server = await startLatencyModelServer({ timeScale: 1 });
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-aws-model-"));
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench-secret",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "none"),
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const awsConfig = (name: string, settings: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, `[default]\nregion = us-east-1\n${settings}`);
    return file;
  };
  const defaults = awsConfig("defaults", "");
  const tuned = awsConfig("tuned", "s3 =\n  multipart_chunksize = 64MB\n  max_concurrent_requests = 16\n");
  const aws = (config: string) => async (key: string) =>
    checkOk(
      "aws s3 cp",
      await timedRun(
        AWS_CLI,
        [
          "s3",
          "cp",
          `s3://src/object`,
          `s3://dst/${key}`,
          "--endpoint-url",
          server.endpoint,
          "--no-progress",
        ],
        { env: { ...env, AWS_CONFIG_FILE: config }, timeoutMs: 10 * 60_000 },
      ),
    );
  const ours = (extra: Record<string, number>) => async (key: string) =>
    checkOk(
      "ours",
      await timedRun(
        process.execPath,
        [
          COPY_CHILD,
          JSON.stringify({
            bucket: "dst",
            key,
            source: "src/object",
            endpoint: server.endpoint,
            forcePathStyle: true,
            region: "us-east-1",
            ...extra,
          }),
        ],
        { env, timeoutMs: 10 * 60_000 },
      ),
    );
  const tools: [string, (key: string) => Promise<unknown>][] = [
    [`ours (defaults: ${DEFAULT_PART_SIZE / MiB} MiB x ${DEFAULT_CONCURRENCY})`, ours({})],
    ["ours (64 MiB x 16)", ours({ concurrency: 16 })],
    ["aws s3 cp (defaults: 8 MiB x 10)", aws(defaults)],
    ["aws s3 cp (64 MiB x 16)", aws(tuned)],
  ];
  const rows: (string | number)[][] = [];
  try {
    for (const size of SIZES) {
      server.setConfig({ sourceSize: size });
      const times = new Map<string, number[]>();
      const counts = new Map<string, string>();
      for (let rep = 0; rep < REPS; rep++) {
        for (let i = 0; i < tools.length; i++) {
          const [name, run] = tools[(i + rep) % tools.length];
          server.reset();
          await run(`copy-${rep}-${i}`);
          const st = server.stats();
          if (Object.keys(st.errors).length) throw new Error(`${name}: ${st.errorSamples.join("; ")}`);
          const ms = ((st.lastAnswer ?? 0) - (st.firstArrival ?? 0)) * server.config.timeScale;
          times.set(name, [...(times.get(name) ?? []), ms]);
          counts.set(name, formatCounts(st.counts));
          console.log(`${humanBytes(size)} ${name} #${rep + 1}: ${secs(ms)} s; ${formatCounts(st.counts)}`);
        }
      }
      const oursMs = median(times.get(tools[0][0]) ?? []);
      for (const [name] of tools) {
        const t = times.get(name) ?? [];
        rows.push([
          humanBytes(size),
          name,
          t.map((x) => secs(x)).join(", "),
          secs(median(t)),
          (oursMs / median(t)).toFixed(2),
          counts.get(name) ?? "",
        ]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
  const md = [
    `Machine:\n\n${factsMarkdown(machineFacts({ tools: true }))}\n`,
    `Load at start: \`${startUptime}\`; took ${((performance.now() - started) / 1000).toFixed(0)} s. ` +
      `Model: L = ${server.config.latencyMs} ms, 64 MiB/s per copying request, time scale 1; ${REPS} ` +
      `alternating runs; time = first request to last answer at the server.\n`,
    table(["size", "tool", "runs s", "median s", "ours (defaults) / this", "requests (last run)"], rows),
  ].join("\n");
  const file = writeOut("latency-vs-aws.md", md);
  console.log(`\n${md}\n\nwritten to ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
