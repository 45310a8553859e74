// Small helpers shared by the benchmark drivers: statistics, timed child processes, machine facts.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The repository root (this file runs from bench/out/bench/lib after compilation). */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, "package.json")) || path.basename(dir) === "out") {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
})();
export const BENCH_OUT = path.join(REPO_ROOT, "bench", "out");
/** The compiled copy-child.js that runs one copy through the engine in its own process. */
export const COPY_CHILD = path.join(BENCH_OUT, "bench", "copy-child.js");

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function humanBytes(bytes: number): string {
  const units: [number, string][] = [
    [TiB, "TiB"],
    [GiB, "GiB"],
    [MiB, "MiB"],
    [KiB, "KiB"],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) {
      const v = bytes / size;
      return `${Number.isInteger(v) ? v : v.toFixed(2)} ${unit}`;
    }
  }
  return `${bytes} B`;
}

/** Seconds with sensible precision for a table. */
export function secs(ms: number): string {
  const s = ms / 1000;
  if (s >= 1000) return s.toFixed(0);
  if (s >= 100) return s.toFixed(1);
  if (s >= 10) return s.toFixed(2);
  return s.toFixed(3);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
}

export function uptimeLine(): string {
  try {
    return execFileSync("uptime", [], { encoding: "utf8" }).trim();
  } catch {
    return `load average: ${loadAverage()}`;
  }
}

function tryRun(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    return `unavailable (${(err as Error).message.split("\n")[0]})`;
  }
}

export interface MachineFacts {
  [name: string]: string;
}

/** What RESULTS.md records about the machine; tools that are not given are left out. */
export function machineFacts(opts: { minioBinary?: string; diskPath?: string; tools?: boolean } = {}) {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "?";
  const facts: MachineFacts = {
    nproc: `${tryRun("nproc", [])} (${cpuModel})`,
    memory: `${(os.totalmem() / GiB).toFixed(1)} GiB total, ${(os.freemem() / GiB).toFixed(1)} GiB free`,
    disk: tryRun("df", ["-h", "--output=source,fstype,size,used,avail", opts.diskPath ?? os.tmpdir()])
      .split("\n")
      .slice(1)
      .join(" ")
      .replace(/\s+/g, " "),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    sdk: `@aws-sdk/client-s3 ${readJson(path.join(REPO_ROOT, "node_modules/@aws-sdk/client-s3/package.json")).version}`,
    engine: engineRevision(),
    uptime: uptimeLine(),
  };
  if (opts.minioBinary) {
    // A `go install`ed MinIO reports DEVELOPMENT.GOGET; its cache path names the pinned module version.
    facts.minio = `${tryRun(opts.minioBinary, ["--version"]).split("\n")[0]}; binary ${opts.minioBinary}`;
  }
  if (opts.tools) {
    facts.awscli = tryRun(AWS_CLI, ["--version"]);
    facts.rclone = tryRun("rclone", ["version"]).split("\n")[0];
  }
  return facts;
}

/** Debian's AWS CLI v2; a pyenv `aws` (v1) may come first on PATH. */
export const AWS_CLI = existsSync("/usr/bin/aws") ? "/usr/bin/aws" : "aws";

function readJson(file: string): { version?: string } {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as { version?: string };
  } catch {
    return {};
  }
}

function engineRevision(): string {
  const head = tryRun("git", ["-C", REPO_ROOT, "rev-parse", "--short", "HEAD"]);
  const dirty = tryRun("git", ["-C", REPO_ROOT, "status", "--porcelain", "provider"]);
  const built = existsSync(path.join(REPO_ROOT, "dist/provider/engine/index.js"))
    ? execFileSync("stat", ["-c", "%y", path.join(REPO_ROOT, "dist/provider/engine/index.js")], {
        encoding: "utf8",
      })
        .trim()
        .slice(0, 19)
    : "not built";
  const changes = dirty ? `${dirty.split("\n").length} uncommitted change(s) under provider/` : "clean";
  return `git ${head}, provider/ ${changes}; dist/provider/engine built ${built}`;
}

export function factsMarkdown(facts: MachineFacts): string {
  return Object.entries(facts)
    .map(([k, v]) => `- ${k}: ${v}`)
    .join("\n");
}

export interface Timed {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command and times it from spawn to exit. Killed after `timeoutMs` so no loop can hang.
 * Output is kept in memory (the tools here print little).
 */
export function timedRun(
  file: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout = (stdout + d.toString()).slice(-1_000_000)));
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1_000_000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30 * 60_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, signal, ms, stdout, stderr });
    });
  });
}

export function checkOk(what: string, r: Timed): Timed {
  if (r.code !== 0) {
    throw new Error(
      `${what} failed (exit ${r.code ?? r.signal}):\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-2000)}`,
    );
  }
  return r;
}

/** What copy-child.js prints on its last line. */
export interface ChildResult {
  /** performCopy alone, in ms (module loading excluded). */
  copyMs: number;
  /** Process start to just before performCopy, in ms. */
  startupMs: number;
  /** Peak resident set (VmHWM) of the copying process, in KiB. */
  vmHwmKiB: number;
  /** CPU time (user + system) the copy took in the copying process, in ms. */
  cpuMs: number;
  copyMethod?: string;
  partCount?: number;
  contentLength?: number;
}

export function parseChildResult(r: Timed): ChildResult {
  const line = r.stdout
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("BENCH_RESULT "));
  if (!line) throw new Error(`copy-child printed no result:\n${r.stderr.slice(-3000)}\n${r.stdout}`);
  return JSON.parse(line.slice("BENCH_RESULT ".length)) as ChildResult;
}

/**
 * The environment for a child process that talks to the latency-model server: fixed credentials
 * (the model checks no signature), its region, and none of the caller's AWS profile, session or
 * endpoint settings, so nothing reaches past the model.
 */
export function modelClientEnv(region: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_REGION: region,
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
  for (const name of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"])
    delete env[name];
  return env;
}

export function writeOut(name: string, text: string): string {
  mkdirSync(BENCH_OUT, { recursive: true });
  const file = path.join(BENCH_OUT, name);
  writeFileSync(file, text);
  return file;
}

export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
