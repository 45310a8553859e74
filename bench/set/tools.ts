// The prefix-copy commands the ObjectCopySet benchmark times on MinIO, each copying every object
// under `s3://src/<prefix>` to `s3://dst/<prefix>` server-side: our set engine (set-child.ts in a
// fresh Node process), a whole `pulumi up` of a one-resource program, `aws s3 sync` (defaults and
// tuned), `aws s3 cp --recursive`, `rclone copy` (tuned) and s5cmd `cp` and `sync`. Every command
// runs under /usr/bin/time so each tool's peak RSS is measured the same way.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { PulumiCli } from "../../tests/helpers/pulumi-cli";
import { AWS_CLI, checkOk, REPO_ROOT, secs, type Timed, timedRun } from "../lib/common";
import type { BenchMinio } from "../minio/harness";
import { awsCliProfile } from "../minio/tools";
import { setEngineMissing } from "./set-child";

export const SET_CHILD = path.join(REPO_ROOT, "bench", "out", "bench", "set", "set-child.js");

/** One prefix copied bucket to bucket, the same prefix on both sides. */
export interface PrefixJob {
  srcBucket: string;
  dstBucket: string;
  /** Ends with "/". */
  prefix: string;
}

export interface SetMeasured {
  /** Spawn to exit of the whole command. */
  wallMs: number;
  /** Peak RSS of the command (GNU time %M), MiB; for `pulumi up` the CLI process alone. */
  rssMiB: number;
  /** User + system CPU seconds of the command and its children (GNU time %U + %S). */
  cpuS: number;
  /** Ours only: createSet() inside the process, and its VmHWM, MiB. */
  copyMs?: number;
  vmHwmMiB?: number;
}

export interface SetTool {
  name: string;
  settings: string;
  /** Why the tool cannot run here; the driver prints it and leaves the tool out. */
  skip?: string;
  run(job: PrefixJob, endpoint: string): Promise<SetMeasured>;
  dispose?(): void;
}

const TIME = "/usr/bin/time";
const TOOL_TIMEOUT_MS = 30 * 60_000;

export async function underTime(
  what: string,
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<{ r: Timed; rssMiB: number; cpuS: number }> {
  const useTime = existsSync(TIME);
  const r = checkOk(
    what,
    await timedRun(useTime ? TIME : file, useTime ? ["-f", "BENCH_TIME %M %U %S", file, ...args] : args, {
      env,
      cwd,
      timeoutMs: TOOL_TIMEOUT_MS,
    }),
  );
  const m = /BENCH_TIME (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { r, rssMiB: m ? Number(m[1]) / 1024 : NaN, cpuS: m ? Number(m[2]) + Number(m[3]) : NaN };
}

/** The manifest location ours uses: outside the copied prefix, removed with the destination. */
export const benchManifest = (job: PrefixJob) =>
  `s3://${job.dstBucket}/.pulumi-s3-object-copy/bench/${job.prefix.replace(/\/$/, "")}.manifest`;

/** What set-child.js prints on its last line. */
export interface SetChildResult {
  copyMs: number;
  startupMs: number;
  vmHwmKiB: number;
  cpuMs: number;
  outs: Record<string, unknown>;
}

export function parseSetResult(what: string, r: Timed): SetChildResult {
  const line = r.stdout
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("BENCH_RESULT "));
  if (!line) throw new Error(`${what}: set-child printed no result:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line.slice("BENCH_RESULT ".length)) as SetChildResult;
}

/** Our set engine's createSet(), in a child process of its own. */
export function oursSetTool(
  m: BenchMinio,
  name: string,
  settings: string,
  extra: Record<string, unknown> = {},
): SetTool {
  return {
    name,
    settings,
    skip: setEngineMissing(),
    async run(job, endpoint) {
      const inputs = {
        source: `${job.srcBucket}/${job.prefix}`,
        bucket: job.dstBucket,
        prefix: job.prefix,
        manifestLocation: benchManifest(job),
        endpoint,
        forcePathStyle: true,
        region: m.server.region,
        ...extra,
      };
      const { r, rssMiB, cpuS } = await underTime(
        name,
        process.execPath,
        // BENCH_NODE_ARGS: extra node flags for ours only (for example --cpu-prof to profile it).
        [
          ...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
          SET_CHILD,
          JSON.stringify(inputs),
        ],
        m.env,
      );
      const child = parseSetResult(name, r);
      console.log(
        `  ${name}: process ${secs(r.ms)} s = start-up ${secs(child.startupMs)} s + createSet ` +
          `${secs(child.copyMs)} s (+ exit); client CPU ${secs(child.cpuMs)} s`,
      );
      if (process.env.BENCH_VERBOSE === "1") console.log(r.stdout.replace(/^/gm, "    | "));
      return { wallMs: r.ms, rssMiB, cpuS, copyMs: child.copyMs, vmHwmMiB: child.vmHwmKiB / 1024 };
    },
  };
}

/** `aws s3 <sync|cp --recursive>` with an isolated AWS_CONFIG_FILE; `s3Settings` via `aws configure set`. */
export function awsSetTool(
  m: BenchMinio,
  name: string,
  command: "sync" | "cp",
  s3Settings: Record<string, string>,
): SetTool {
  const { dir, env, configure, described } = awsCliProfile(m, s3Settings, "bench-set-aws-");
  return {
    name,
    settings: `aws s3 ${command}${command === "cp" ? " --recursive" : ""}; ${described || "defaults (10 concurrent requests)"}`,
    skip: existsSync(AWS_CLI) ? undefined : `${AWS_CLI} not found (apt-get install -y awscli)`,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
    async run(job, endpoint) {
      await configure();
      const args = [
        "s3",
        command,
        `s3://${job.srcBucket}/${job.prefix}`,
        `s3://${job.dstBucket}/${job.prefix}`,
        ...(command === "cp" ? ["--recursive"] : []),
        "--endpoint-url",
        endpoint,
        "--no-progress",
        "--only-show-errors",
      ];
      const { r, rssMiB, cpuS } = await underTime(name, AWS_CLI, args, env);
      return { wallMs: r.ms, rssMiB, cpuS };
    },
  };
}

function onPath(file: string): boolean {
  try {
    execFileSync("bash", ["-c", `command -v ${file}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** `rclone copy` between two paths of one S3 remote (provider Minio): rclone copies server-side. */
export function rcloneSetTool(m: BenchMinio, name: string, transfers: number, checkers: number): SetTool {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-set-rclone-"));
  const configFile = path.join(dir, "rclone.conf");
  writeFileSync(configFile, "");
  return {
    name,
    settings:
      `rclone copy --transfers ${transfers} --checkers ${checkers} --fast-list --s3-no-check-bucket ` +
      "(same remote: server-side CopyObject below --s3-copy-cutoff 4.656 GiB)",
    skip: onPath("rclone") ? undefined : "rclone not found (apt-get install -y rclone)",
    dispose: () => rmSync(dir, { recursive: true, force: true }),
    async run(job, endpoint) {
      const env: NodeJS.ProcessEnv = {
        ...m.env,
        RCLONE_CONFIG_BENCH_TYPE: "s3",
        RCLONE_CONFIG_BENCH_PROVIDER: "Minio",
        RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
        RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: m.server.accessKeyId,
        RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: m.server.secretAccessKey,
        RCLONE_CONFIG_BENCH_REGION: m.server.region,
      };
      // rclone's Go SDK v1 rejects AWS_CA_BUNDLE with a custom transport; --ca-cert instead.
      delete env.AWS_CA_BUNDLE;
      const args = [
        "copy",
        `bench:${job.srcBucket}/${job.prefix}`,
        `bench:${job.dstBucket}/${job.prefix}`,
        "--config",
        configFile,
        "--ca-cert",
        m.server.caFile,
        "--transfers",
        String(transfers),
        "--checkers",
        String(checkers),
        "--fast-list",
        "--s3-no-check-bucket",
        "-q",
      ];
      const { r, rssMiB, cpuS } = await underTime(name, "rclone", args, env);
      return { wallMs: r.ms, rssMiB, cpuS };
    },
  };
}

/** The s5cmd that scripts/ensure-s5cmd.sh builds (or S5CMD_BINARY), or why there is none. */
export function s5cmdBinary(): { binary?: string; problem?: string } {
  try {
    const out = execFileSync("bash", [path.join(REPO_ROOT, "scripts", "ensure-s5cmd.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    return { binary: out.trim().split("\n").pop() };
  } catch (err) {
    return { problem: `scripts/ensure-s5cmd.sh failed: ${(err as Error).message.split("\n")[0]}` };
  }
}

/**
 * s5cmd `cp 's3://src/p/*' s3://dst/p/` or `sync`: the wildcard keeps each key's path below `p/`.
 * Its default of 256 workers is already its tuned setting. It trusts MinIO's self-signed
 * certificate only with --no-verify-ssl (its Go SDK v1 rejects AWS_CA_BUNDLE, as rclone's does).
 */
export function s5cmdSetTool(
  m: BenchMinio,
  name: string,
  command: "cp" | "sync",
  binary?: string,
  problem?: string,
) {
  const tool: SetTool = {
    name,
    settings: `s5cmd ${command} 's3://src/<prefix>*' s3://dst/<prefix>; defaults (--numworkers 256)`,
    skip: binary ? undefined : (problem ?? "no s5cmd binary"),
    async run(job, endpoint) {
      const env: NodeJS.ProcessEnv = { ...m.env };
      delete env.AWS_CA_BUNDLE;
      const args = [
        "--endpoint-url",
        endpoint,
        "--no-verify-ssl",
        "--log",
        "error",
        command,
        `s3://${job.srcBucket}/${job.prefix}*`,
        `s3://${job.dstBucket}/${job.prefix}`,
      ];
      const { r, rssMiB, cpuS } = await underTime(name, binary as string, args, env);
      return { wallMs: r.ms, rssMiB, cpuS };
    },
  };
  return tool;
}

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { ObjectCopySet } from "pulumi-s3-object-copy";
const c = new pulumi.Config();
const set = new ObjectCopySet("bench-set", {
  source: c.require("source"),
  bucket: c.require("bucket"),
  prefix: c.require("prefix"),
  endpoint: c.require("endpoint"),
  forcePathStyle: true,
  region: c.require("region"),
});
export const objectCount = set.objectCount;
`;

/** Whether the built package exports ObjectCopySet yet (the program below needs it). */
export function setResourceMissing(): string | undefined {
  const index = path.join(REPO_ROOT, "dist", "provider", "index.js");
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require(index) as Record<string, unknown>;
    return typeof pkg.ObjectCopySet === "function"
      ? undefined
      : "dist/provider/index.js exports no ObjectCopySet yet (run `npm run build` once it exists)";
  } catch (err) {
    return `dist/provider/index.js cannot be loaded: ${(err as Error).message.split("\n")[0]}`;
  }
}

/**
 * A whole `pulumi up` of a program with one ObjectCopySet, with the real CLI (scripts/pulumi-env.sh,
 * the cached CLI build) and a throwaway file backend. Each run is a fresh stack: up is timed, the
 * untimed destroy afterwards deletes what it copied (and its manifest).
 */
export function pulumiUpTool(m: BenchMinio, name: string): SetTool {
  const skip = setResourceMissing();
  const work = mkdtempSync(path.join(os.tmpdir(), "bench-set-pulumi-"));
  let env: NodeJS.ProcessEnv | undefined;
  let runs = 0;
  const program = path.join(work, "program");
  const setup = () => {
    if (env) return env;
    mkdirSync(program);
    writeFileSync(path.join(program, "Pulumi.yaml"), "name: set-bench\nruntime: nodejs\nmain: index.ts\n");
    writeFileSync(path.join(program, "package.json"), JSON.stringify({ name: "set-bench", private: true }));
    writeFileSync(path.join(program, "index.ts"), PROGRAM);
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(program, "node_modules"), "dir");
    // The program imports the package by name, as a user's would (the e2e harness does the same).
    const self = path.join(REPO_ROOT, "node_modules", "pulumi-s3-object-copy");
    if (!existsSync(self)) symlinkSync("..", self, "dir");
    env = PulumiCli.environment(path.join(work, "state"), m.env);
    return env;
  };
  return {
    name,
    settings:
      "pulumi up --yes --skip-preview of one ObjectCopySet (defaults), fresh stack per run; CLI RSS only",
    skip,
    dispose: () => rmSync(work, { recursive: true, force: true }),
    async run(job, endpoint) {
      const e = setup();
      const stack = `run${++runs}`;
      const cli = await PulumiCli.init(program, path.join(work, "state"), stack, e);
      try {
        await cli.setConfig({
          source: `${job.srcBucket}/${job.prefix}`,
          bucket: job.dstBucket,
          prefix: job.prefix,
          endpoint,
          region: m.server.region,
        });
        const args = ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack];
        args.push("--config-file", path.join(work, "state", `Pulumi.${stack}.yaml`));
        const { r, rssMiB, cpuS } = await underTime(name, "pulumi", args, e, program);
        return { wallMs: r.ms, rssMiB, cpuS };
      } finally {
        await cli.destroy().catch(() => undefined);
        await cli.remove().catch(() => undefined);
      }
    },
  };
}
