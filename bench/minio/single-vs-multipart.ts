// Benchmark 3: one CopyObject vs a multipart copy, by object size, on a local MinIO.
//
//   bash bench/run.sh single-vs-multipart     (BENCH_REPS=3, BENCH_SIZES_MIB=8,16,32,64,256,1024,4096)
//
// Our engine copies each source with multipartThreshold set so that it must use a single
// CopyObject, or must use a multipart copy (the automatic plan at the default concurrency, 64 MiB
// parts at concurrency 16, and 16 MiB parts at concurrency 16). The variants alternate within each
// repetition, in an order that rotates, and the destination is deleted (and the disk synced) after
// every run. Each copy runs in its own Node process after a warm-up (see bench/copy-child.ts); the
// time is performCopy alone.

import { DEFAULT_CONCURRENCY, MAX_SINGLE_COPY_BYTES } from "pulumi-s3-object-copy/engine";

import {
  factsMarkdown,
  humanBytes,
  machineFacts,
  median,
  MiB,
  secs,
  table,
  uptimeLine,
  writeOut,
} from "../lib/common";
import { createBuckets, deleteAndSync, headSize, makeSource, minioBinary, startBenchMinio } from "./harness";
import { oursTool, type Tool } from "./tools";

const REPS = Number(process.env.BENCH_REPS ?? 3);
const SIZES = (process.env.BENCH_SIZES_MIB ?? "8,16,32,64,256,1024,4096")
  .split(",")
  .map((s) => Number(s) * MiB);

async function main() {
  const started = performance.now();
  const startUptime = uptimeLine();
  console.log(`single-vs-multipart; ${startUptime}`);
  const m = await startBenchMinio();
  try {
    await createBuckets(m, "src", "dst");
    const variants: Tool[] = [
      oursTool(
        m,
        "single CopyObject",
        `multipartThreshold ${MAX_SINGLE_COPY_BYTES} (5 GiB)`,
        { multipartThreshold: MAX_SINGLE_COPY_BYTES },
        { warmup: true },
      ),
      oursTool(
        m,
        `multipart, defaults (c ${DEFAULT_CONCURRENCY})`,
        "multipartThreshold 5 MiB, default concurrency and automatic part plan (parts of about 64 MiB spread over the workers, at least 5 MiB)",
        { multipartThreshold: 5 * MiB },
        { warmup: true },
      ),
      oursTool(
        m,
        `multipart 64 MiB x 16`,
        "multipartThreshold 5 MiB, partSize 64 MiB, concurrency 16 (the default concurrency until a936afc)",
        { multipartThreshold: 5 * MiB, partSize: 64 * MiB, concurrency: 16 },
        { warmup: true },
      ),
      oursTool(
        m,
        `multipart 16 MiB x 16`,
        "multipartThreshold 5 MiB, partSize 16 MiB, concurrency 16",
        { multipartThreshold: 5 * MiB, partSize: 16 * MiB, concurrency: 16 },
        { warmup: true },
      ),
    ];
    const results = new Map<string, { wall: number[]; copy: number[]; rss: number[]; parts?: number }>();
    for (const size of SIZES) {
      const key = `source-${size / MiB}MiB`;
      const t = performance.now();
      await makeSource(m, "src", key, size);
      console.log(`made ${humanBytes(size)} source in ${secs(performance.now() - t)} s`);
    }
    for (const size of SIZES) {
      const src = { bucket: "src", key: `source-${size / MiB}MiB` };
      for (let rep = 0; rep < REPS; rep++) {
        for (let i = 0; i < variants.length; i++) {
          const tool = variants[(i + rep) % variants.length];
          const dst = { bucket: "dst", key: `copy-${size / MiB}MiB` };
          const r = await tool.run(src, dst, m.server.endpoint);
          const got = await headSize(m, dst.bucket, dst.key);
          if (got !== size) throw new Error(`${tool.name}: destination has ${got} bytes, expected ${size}`);
          await deleteAndSync(m, dst.bucket, dst.key);
          const k = `${size}|${tool.name}`;
          const entry = results.get(k) ?? { wall: [], copy: [], rss: [] };
          entry.wall.push(r.wallMs);
          entry.copy.push(r.copyMs ?? NaN);
          entry.rss.push(r.rssMiB);
          entry.parts = r.partCount;
          results.set(k, entry);
          console.log(
            `${humanBytes(size)} ${tool.name} #${rep + 1}: copy ${secs(r.copyMs ?? NaN)} s, ` +
              `process ${secs(r.wallMs)} s, ${r.copyMethod}${r.partCount ? ` ${r.partCount} parts` : ""}, ` +
              `rss ${r.rssMiB.toFixed(0)} MiB`,
          );
        }
      }
    }
    const rows: (string | number)[][] = [];
    for (const size of SIZES) {
      const single = median(results.get(`${size}|${variants[0].name}`)?.copy ?? []);
      for (const tool of variants) {
        const e = results.get(`${size}|${tool.name}`);
        if (!e) continue;
        const med = median(e.copy);
        rows.push([
          humanBytes(size),
          tool.name,
          e.parts ? `${e.parts} parts` : "1 request",
          e.copy.map((x) => secs(x)).join(", "),
          secs(med),
          `${((size / MiB / med) * 1000).toFixed(0)}`,
          (med / single).toFixed(2),
          secs(median(e.wall)),
          Math.max(...e.rss).toFixed(0),
        ]);
      }
    }
    const md = [
      `Machine:\n\n${factsMarkdown(machineFacts({ minioBinary: minioBinary(), diskPath: "/tmp" }))}\n`,
      `Load at start: \`${startUptime}\`; whole benchmark took ${((performance.now() - started) / 1000).toFixed(0)} s.\n`,
      `${REPS} alternating runs per variant and size; times are performCopy inside a warmed-up process (medians).\n`,
      table(
        [
          "size",
          "variant",
          "requests",
          "runs s",
          "median s",
          "MiB/s",
          "vs single",
          "process median s",
          "peak RSS MiB",
        ],
        rows,
      ),
    ].join("\n");
    const file = writeOut("single-vs-multipart.md", md);
    console.log(`\n${md}\n\nwritten to ${file}`);
  } finally {
    await m.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
