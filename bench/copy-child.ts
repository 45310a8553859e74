// Runs one copy through the engine in a process of its own, so its peak RSS (VmHWM) is the copy's
// alone, and prints one line: `BENCH_RESULT {json}`.
//
//   node bench/out/bench/copy-child.js '<CopyInputs as JSON>'
//
// The engine is the built package (dist/provider/engine), reached through the package's own
// "exports" name. Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; a self-signed
// server certificate is trusted through NODE_EXTRA_CA_CERTS.
//
// With BENCH_WARMUP=1 it first runs one throw-away performCopy between two keys of the bucket
// "bench-warmup" on the same endpoint, region and concurrency, ignoring its outcome. That loads the
// SDK's lazily loaded modules and creates the engine's cached S3 client, as a long-running provider
// process would have done already, while the timed copy still resolves its own source bucket's
// region (the region cache is per bucket). The latency-model server answers "bench-warmup"
// requests at once and does not count them; MinIO answers them 404.

import { readFileSync } from "node:fs";

import { type CopyInputs, performCopy } from "pulumi-s3-object-copy/engine";

function vmHwmKiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : -1;
}

async function main() {
  const inputs = JSON.parse(process.argv[2] ?? "{}") as CopyInputs;
  if (process.env.BENCH_WARMUP === "1") {
    const warm = { ...inputs, bucket: "bench-warmup", key: "warm-copy", source: "bench-warmup/warm-source" };
    await performCopy(warm).catch(() => undefined);
  }
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const out = await performCopy(inputs);
  const copyMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const result = {
    copyMs,
    // performance.now() counts from the start of the process.
    startupMs: started,
    vmHwmKiB: vmHwmKiB(),
    cpuMs: (cpu.user + cpu.system) / 1000,
    copyMethod: out.copyMethod,
    partCount: out.partCount,
    contentLength: out.contentLength,
  };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
