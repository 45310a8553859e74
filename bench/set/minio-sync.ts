// Benchmark B4: a whole prefix copied bucket to bucket on a local MinIO, server-side: our set
// engine (and, with BENCH_PULUMI=1, a whole `pulumi up` of one ObjectCopySet) against `aws s3 sync`
// (defaults and tuned), `aws s3 cp --recursive`, `rclone copy` (tuned) and s5cmd v2.3.0 (`cp` and
// `sync`).
//
//   bash bench/run.sh set-minio   (BENCH_REPS=3 BENCH_DATASETS=small,medium,mix BENCH_SMALL=1
//                                   BENCH_COUNT=1 BENCH_PULUMI=0 BENCH_TOOLS=<name filter>)
//
// Datasets (each put once, under its own prefix of bucket "src"): 10,000 objects of 16 KiB;
// 1,000 of 1 MiB; a mix of 500 x 64 KiB and 3 x 200 MiB. BENCH_SMALL=1 replaces them by one
// dataset of 200 x 16 KiB, for a smoke run.
//
// Each tool runs as its own process under /usr/bin/time (peak RSS), timed from spawn to exit; the
// tools alternate within each repetition in a rotating order; after every run the destination
// bucket is emptied (its manifest too), MinIO's trash purged and the disk synced. Every timed run
// records MinIO's CPU seconds and the machine's busy share: on 2 cores the server can be the
// bottleneck, and then every tool's time says more about MinIO than about the tool. After the
// timed runs, one untimed run per tool and dataset goes through the counting proxy.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, rmSync } from "node:fs";
import * as path from "node:path";

import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";

import {
  factsMarkdown,
  humanBytes,
  KiB,
  machineFacts,
  median,
  MiB,
  secs,
  table,
  uptimeLine,
  writeOut,
} from "../lib/common";
import { cpuBetween, cpuSnapshot } from "../lib/cpu";
import { formatCounts, totalRequests } from "../lib/s3ops";
import { barChart } from "../lib/svg";
import {
  type BenchMinio,
  createBuckets,
  minioBinary,
  startBenchMinio,
  startCountingProxy,
} from "../minio/harness";
import {
  awsSetTool,
  oursSetTool,
  type PrefixJob,
  pulumiUpTool,
  rcloneSetTool,
  s5cmdBinary,
  s5cmdSetTool,
  type SetMeasured,
  type SetTool,
} from "./tools";
import { SET_LIFECYCLE } from "./set-child";

const REPS = Number(process.env.BENCH_REPS ?? 3);
const COUNT = process.env.BENCH_COUNT !== "0";
const SMALL = process.env.BENCH_SMALL === "1";
const PUT_CONCURRENCY = 32;

interface Dataset {
  name: string;
  label: string;
  /** Groups of objects of one size. */
  groups: { count: number; size: number }[];
}

const DATASETS: Dataset[] = SMALL
  ? [{ name: "tiny", label: "200 x 16 KiB", groups: [{ count: 200, size: 16 * KiB }] }]
  : [
      { name: "small", label: "10,000 x 16 KiB", groups: [{ count: 10_000, size: 16 * KiB }] },
      { name: "medium", label: "1,000 x 1 MiB", groups: [{ count: 1_000, size: MiB }] },
      {
        name: "mix",
        label: "500 x 64 KiB + 3 x 200 MiB",
        groups: [
          { count: 500, size: 64 * KiB },
          { count: 3, size: 200 * MiB },
        ],
      },
    ];

const objectCount = (d: Dataset) => d.groups.reduce((n, g) => n + g.count, 0);
const byteCount = (d: Dataset) => d.groups.reduce((n, g) => n + g.count * g.size, 0);

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const SEED_BUCKET = "seed";
const SEED_KEY = "seed-64MiB";
const SEED_SIZE = 64 * MiB;

/** An object above 64 MiB, assembled server-side from ranges of the seed (no upload of its bytes). */
async function makeLarge(m: BenchMinio, bucket: string, key: string, size: number) {
  const { UploadId } = await m.admin.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts: { ETag: string; PartNumber: number }[] = [];
  for (let first = 0, n = 1; first < size; first += SEED_SIZE, n++) {
    const last = Math.min(size, first + SEED_SIZE) - 1;
    const out = await m.admin.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: n,
        CopySource: `${SEED_BUCKET}/${SEED_KEY}`,
        CopySourceRange: `bytes=0-${last - first}`,
      }),
    );
    parts.push({ ETag: out.CopyPartResult?.ETag ?? "", PartNumber: n });
  }
  await m.admin.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

/** Keys spread over 16 sub-prefixes, so a listing can be split across them. */
const keyOf = (d: Dataset, g: number, i: number) =>
  `${d.name}/d${(i % 16).toString(16)}/g${g}-obj-${String(i).padStart(5, "0")}`;

async function makeDataset(m: BenchMinio, d: Dataset) {
  const jobs: { key: string; size: number }[] = [];
  d.groups.forEach((g, gi) => {
    for (let i = 0; i < g.count; i++) jobs.push({ key: keyOf(d, gi, i), size: g.size });
  });
  if (jobs.some((j) => j.size > SEED_SIZE)) {
    await m.admin.send(
      new PutObjectCommand({ Bucket: SEED_BUCKET, Key: SEED_KEY, Body: randomBytes(SEED_SIZE) }),
    );
  }
  await pool(jobs, PUT_CONCURRENCY, async (j) => {
    if (j.size > SEED_SIZE) await makeLarge(m, "src", j.key, j.size);
    else await m.admin.send(new PutObjectCommand({ Bucket: "src", Key: j.key, Body: randomBytes(j.size) }));
  });
}

async function listAll(m: BenchMinio, bucket: string, prefix = ""): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await m.admin.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) out.push({ key: o.Key ?? "", size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * Empties the destination bucket (copies and our manifest alike), purges MinIO's trash (deleted
 * data is only moved there and purged minutes later, while later runs would be timed) and
 * flushes dirty pages. The trash is under the data directory, sibling of the certificate's.
 */
async function emptyDestination(m: BenchMinio, bucket: string) {
  const keys = (await listAll(m, bucket)).map((o) => o.key);
  for (let i = 0; i < keys.length; i += 1000) {
    await m.admin.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
      }),
    );
  }
  const trash = path.join(path.dirname(path.dirname(m.server.caFile)), "data", ".minio.sys", "tmp", ".trash");
  if (existsSync(trash)) {
    for (const entry of readdirSync(trash)) rmSync(path.join(trash, entry), { recursive: true, force: true });
  }
  execFileSync("sync");
}

/** Every source object arrived, with its size; nothing else under the prefix. */
async function verify(m: BenchMinio, tool: string, d: Dataset) {
  const got = await listAll(m, "dst", `${d.name}/`);
  const bytes = got.reduce((n, o) => n + o.size, 0);
  if (got.length !== objectCount(d) || bytes !== byteCount(d)) {
    throw new Error(
      `${tool} ${d.name}: destination has ${got.length} objects / ${bytes} bytes, expected ${objectCount(d)} / ${byteCount(d)}`,
    );
  }
}

interface Sample {
  wall: number[];
  rss: number[];
  vmHwm: number[];
  minioCpu: number[];
  clientCpu: number[];
  busy: number[];
}

async function main() {
  const started = performance.now();
  const startUptime = uptimeLine();
  console.log(`set-minio; ${startUptime}`);
  const m = await startBenchMinio();
  const s5 = s5cmdBinary();
  const all: SetTool[] = [
    oursSetTool(m, "ours", "set engine createSet(), defaults"),
    // BENCH_OURS_CONCURRENCY=8,32,256: ours again at each fixed concurrency (a sweep beside the default).
    ...(process.env.BENCH_OURS_CONCURRENCY?.split(",").filter(Boolean) ?? []).map((c) =>
      oursSetTool(m, `ours (c ${c})`, `set engine createSet(), concurrency ${c}`, { concurrency: Number(c) }),
    ),
    // BENCH_OURS_INPUTS='{"partSize":26214400}': ours again with these set inputs (a JSON object), to try a setting.
    ...(process.env.BENCH_OURS_INPUTS
      ? [
          oursSetTool(
            m,
            `ours (${process.env.BENCH_OURS_INPUTS})`,
            `set engine createSet(), inputs ${process.env.BENCH_OURS_INPUTS}`,
            JSON.parse(process.env.BENCH_OURS_INPUTS) as Record<string, unknown>,
          ),
        ]
      : []),
    ...(process.env.BENCH_PULUMI === "1" ? [pulumiUpTool(m, "ours (pulumi up)")] : []),
    awsSetTool(m, "aws s3 sync (defaults)", "sync", {}),
    awsSetTool(m, "aws s3 sync (64)", "sync", { max_concurrent_requests: "64", max_queue_size: "10000" }),
    awsSetTool(m, "aws s3 cp --recursive", "cp", {}),
    rcloneSetTool(m, "rclone copy (64/64)", 64, 64),
    s5cmdSetTool(m, "s5cmd cp", "cp", s5.binary, s5.problem),
    s5cmdSetTool(m, "s5cmd sync", "sync", s5.binary, s5.problem),
  ];
  const filter = process.env.BENCH_TOOLS?.split(",").filter(Boolean);
  const selected = all.filter((t) => !filter || filter.some((f) => t.name.includes(f)));
  const skipped = selected.filter((t) => t.skip);
  for (const t of skipped) console.log(`skipping ${t.name}: ${t.skip}`);
  const tools = selected.filter((t) => !t.skip);
  const wanted = process.env.BENCH_DATASETS?.split(",").filter(Boolean);
  const datasets = DATASETS.filter((d) => !wanted || wanted.includes(d.name));
  const failures: string[] = [];
  try {
    await createBuckets(m, "src", "dst", SEED_BUCKET);
    for (const d of datasets) {
      const t = performance.now();
      await makeDataset(m, d);
      console.log(
        `made ${d.name} (${d.label}, ${humanBytes(byteCount(d))}) in ${secs(performance.now() - t)} s`,
      );
    }
    const samples = new Map<string, Sample>();
    for (const d of datasets) {
      const job: PrefixJob = { srcBucket: "src", dstBucket: "dst", prefix: `${d.name}/` };
      if (tools.length > 0) {
        // One untimed run first, so that whichever tool goes first does not alone meet a cold MinIO.
        const warm = await tools[0].run(job, m.server.endpoint);
        await emptyDestination(m, "dst");
        console.log(`${d.name}: untimed warm-up (${tools[0].name}) ${secs(warm.wallMs)} s`);
      }
      for (let rep = 0; rep < REPS; rep++) {
        for (let i = 0; i < tools.length; i++) {
          const tool = tools[(i + rep) % tools.length];
          const before = cpuSnapshot(m.server.pid);
          let r: SetMeasured;
          try {
            r = await tool.run(job, m.server.endpoint);
            await verify(m, tool.name, d);
          } catch (err) {
            const note = `${d.name} ${tool.name} run ${rep + 1} failed: ${(err as Error).message.split("\n").slice(0, 3).join(" ")}`;
            failures.push(note);
            console.log(note);
            await emptyDestination(m, "dst");
            continue;
          }
          const cpu = cpuBetween(before, cpuSnapshot(m.server.pid));
          await emptyDestination(m, "dst");
          const k = `${d.name}|${tool.name}`;
          const s = samples.get(k) ?? { wall: [], rss: [], vmHwm: [], minioCpu: [], clientCpu: [], busy: [] };
          s.wall.push(r.wallMs);
          s.rss.push(r.rssMiB);
          if (r.vmHwmMiB !== undefined) s.vmHwm.push(r.vmHwmMiB);
          s.minioCpu.push(cpu.processSeconds);
          s.clientCpu.push(r.cpuS);
          s.busy.push(cpu.machineBusy);
          samples.set(k, s);
          console.log(
            `${d.name} ${tool.name} #${rep + 1}: ${secs(r.wallMs)} s, ` +
              `${((objectCount(d) / r.wallMs) * 1000).toFixed(0)} objects/s, rss ${r.rssMiB.toFixed(0)} MiB, ` +
              `MinIO CPU ${cpu.processSeconds.toFixed(1)} s, client CPU ${r.cpuS.toFixed(1)} s, machine busy ${(cpu.machineBusy * 100).toFixed(0)}%`,
          );
        }
      }
    }
    const timedUptime = uptimeLine();

    const counted = new Map<string, string>();
    if (COUNT && tools.length > 0) {
      const proxy = await startCountingProxy(m);
      try {
        for (const d of datasets) {
          const job: PrefixJob = { srcBucket: "src", dstBucket: "dst", prefix: `${d.name}/` };
          for (const tool of tools) {
            proxy.reset();
            try {
              await tool.run(job, proxy.endpoint);
            } catch (err) {
              failures.push(
                `counting run ${d.name} ${tool.name} failed: ${(err as Error).message.split("\n")[0]}`,
              );
              await emptyDestination(m, "dst");
              continue;
            }
            const counts = proxy.counts();
            const text = `${totalRequests(counts)}: ${formatCounts(counts)} (HTTP ${formatCounts(proxy.statuses())})`;
            counted.set(`${d.name}|${tool.name}`, text);
            console.log(`${d.name} ${tool.name} requests: ${text}`);
            await emptyDestination(m, "dst");
          }
        }
      } finally {
        await proxy.close();
      }
    }

    const rows: (string | number)[][] = [];
    const ratios: (string | number)[][] = [];
    for (const d of datasets) {
      const med = (name: string) => median(samples.get(`${d.name}|${name}`)?.wall ?? []);
      const ours = med("ours");
      for (const tool of tools) {
        const s = samples.get(`${d.name}|${tool.name}`);
        if (!s) continue;
        const wall = median(s.wall);
        rows.push([
          tool.name,
          d.label,
          s.wall.map((x) => secs(x)).join(", "),
          secs(wall),
          ((objectCount(d) / wall) * 1000).toFixed(0),
          Number.isFinite(ours) ? (ours / wall).toFixed(2) : "",
          counted.get(`${d.name}|${tool.name}`) ?? "",
          Math.max(...s.rss).toFixed(0) +
            (s.vmHwm.length ? ` (VmHWM ${Math.max(...s.vmHwm).toFixed(0)})` : ""),
          median(s.minioCpu).toFixed(1),
          median(s.clientCpu).toFixed(1),
          (median(s.busy) * 100).toFixed(0),
        ]);
      }
      const ratio = (name: string) => {
        const r = ours / med(name);
        return Number.isFinite(r) ? r.toFixed(2) : "n/a";
      };
      ratios.push([
        d.label,
        ratio("aws s3 sync (defaults)"),
        ratio("s5cmd cp"),
        ratio("rclone copy (64/64)"),
        ratio("aws s3 sync (64)"),
      ]);
    }
    const settings = tools.map((t) => `- ${t.name}: ${t.settings}`).join("\n");
    const md = [
      `Machine:\n\n${factsMarkdown(machineFacts({ minioBinary: minioBinary(), diskPath: "/tmp", tools: true }))}`,
      `- ours: createSet() of ${SET_LIFECYCLE}`,
      `- s5cmd: ${s5.binary ? execFileSync(s5.binary, ["version"], { encoding: "utf8" }).trim() : s5.problem}\n`,
      `Load at start: \`${startUptime}\`; after the timed runs: \`${timedUptime}\`; whole benchmark took ` +
        `${((performance.now() - started) / 1000).toFixed(0)} s.\n`,
      `Runs: ${REPS} per tool and dataset after one untimed warm-up run per dataset; alternating, rotating ` +
        `order; whole processes (spawn to exit), medians. Requests: ` +
        `${COUNT ? "one untimed run per tool through the counting proxy (plain HTTP in front of MinIO)" : "not counted (BENCH_COUNT=0)"}.\n`,
      `Tools:\n\n${settings}\n`,
      `Left out: ${skipped.length ? skipped.map((t) => `${t.name} (${t.skip})`).join("; ") : "none"}.\n`,
      `Failed runs (left out of the medians): ${failures.length ? failures.join("; ") : "none"}.\n`,
      table(
        [
          "tool",
          "dataset",
          "runs s",
          "median s",
          "objects/s",
          "ours / this",
          "requests (untimed counting run)",
          "peak RSS MiB",
          "MinIO CPU s (median)",
          "client CPU s (median, user + sys)",
          "machine busy % (median)",
        ],
        rows,
      ),
      `\nRatios of medians, ours / tool (below 1 means ours is faster):\n`,
      table(
        [
          "dataset",
          "vs aws s3 sync (defaults), target <= 0.33",
          "vs s5cmd cp, target <= 1.0",
          "vs rclone copy (64/64), target <= 1.0",
          "vs aws s3 sync (64)",
        ],
        ratios,
      ),
    ].join("\n");
    const file = writeOut("set-minio.md", md);
    const svg = barChart({
      title: "Prefix copy on MinIO: objects per second (median)",
      yLabel: "objects/s",
      groups: datasets.map((d) => d.label),
      series: tools.map((t) => ({
        name: t.name,
        values: datasets.map((d) => {
          const w = median(samples.get(`${d.name}|${t.name}`)?.wall ?? []);
          return Number.isFinite(w) ? (objectCount(d) / w) * 1000 : undefined;
        }),
      })),
    });
    const svgFile = writeOut("set-minio.svg", svg);
    console.log(`\n${md}\n\nwritten to ${file} and ${svgFile}`);
  } finally {
    for (const tool of all) tool.dispose?.();
    await m.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
