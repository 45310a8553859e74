// The copy commands the MinIO benchmarks time: our engine (bench/copy-child.ts in a fresh Node
// process), `aws s3 cp` (Debian's AWS CLI v2) at its defaults and tuned, and `rclone copyto`.
// Every command runs under /usr/bin/time so each tool's peak RSS is measured the same way.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { CopyInputs } from "pulumi-s3-object-copy/engine";

import { AWS_CLI, checkOk, COPY_CHILD, parseChildResult, timedRun } from "../lib/common";
import type { BenchMinio } from "./harness";

export interface Target {
  bucket: string;
  key: string;
}

export interface Measured {
  /** Spawn to exit of the whole command. */
  wallMs: number;
  /** Our engine only: performCopy inside the process. */
  copyMs?: number;
  /** Peak RSS of the command (GNU time %M), MiB. */
  rssMiB: number;
  /** Our engine only: VmHWM read by the copying process itself, MiB. */
  vmHwmMiB?: number;
  copyMethod?: string;
  partCount?: number;
}

export interface Tool {
  name: string;
  /** How it is configured, for the report. */
  settings: string;
  run(src: Target, dst: Target, endpoint: string): Promise<Measured>;
  /** Removes the tool's temporary configuration. */
  dispose?(): void;
}

const TIME = "/usr/bin/time";

async function timed(what: string, file: string, args: string[], env: NodeJS.ProcessEnv) {
  const useTime = existsSync(TIME);
  const r = checkOk(
    what,
    await timedRun(useTime ? TIME : file, useTime ? ["-f", "BENCH_TIME %M", file, ...args] : args, {
      env,
      timeoutMs: 20 * 60_000,
    }),
  );
  const m = /BENCH_TIME (\d+)/.exec(r.stderr);
  return { r, rssMiB: m ? Number(m[1]) / 1024 : NaN };
}

export function oursTool(
  m: BenchMinio,
  name: string,
  settings: string,
  extra: Partial<CopyInputs>,
  opts: { warmup?: boolean } = {},
): Tool {
  return {
    name,
    settings,
    async run(src, dst, endpoint) {
      const inputs: CopyInputs = {
        bucket: dst.bucket,
        key: dst.key,
        source: `${src.bucket}/${src.key}`,
        endpoint,
        forcePathStyle: true,
        region: m.server.region,
        ...extra,
      };
      const env = { ...m.env, BENCH_WARMUP: opts.warmup ? "1" : "0" };
      const { r, rssMiB } = await timed(name, process.execPath, [COPY_CHILD, JSON.stringify(inputs)], env);
      const child = parseChildResult(r);
      return {
        wallMs: r.ms,
        copyMs: child.copyMs,
        rssMiB,
        vmHwmMiB: child.vmHwmKiB / 1024,
        copyMethod: child.copyMethod,
        partCount: child.partCount,
      };
    },
  };
}

/**
 * An isolated AWS CLI profile for one tool: its own AWS_CONFIG_FILE (no shared credentials file),
 * with `s3Settings` put in by `aws configure set` on first use.
 */
export function awsCliProfile(m: BenchMinio, s3Settings: Record<string, string>, dirPrefix: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), dirPrefix));
  const configFile = path.join(dir, "config");
  writeFileSync(configFile, `[default]\nregion = ${m.server.region}\n`);
  const env: NodeJS.ProcessEnv = {
    ...m.env,
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "no-credentials"),
  };
  let configured: Promise<void> | undefined;
  const configure = () =>
    (configured ??= (async () => {
      for (const [k, v] of Object.entries(s3Settings)) {
        checkOk(
          `aws configure set ${k}`,
          await timedRun(AWS_CLI, ["configure", "set", `default.s3.${k}`, v], { env }),
        );
      }
    })());
  const described = Object.entries(s3Settings)
    .map(([k, v]) => `s3.${k} = ${v}`)
    .join(", ");
  return { dir, env, configure, described };
}

/** `aws s3 cp` with an isolated AWS_CONFIG_FILE; `s3Settings` go in via `aws configure set`. */
export function awsTool(m: BenchMinio, name: string, s3Settings: Record<string, string>): Tool {
  const { dir, env, configure, described } = awsCliProfile(m, s3Settings, "bench-aws-");
  return {
    name,
    settings: described || "defaults (8 MiB parts above 8 MiB, 10 concurrent requests)",
    dispose: () => rmSync(dir, { recursive: true, force: true }),
    async run(src, dst, endpoint) {
      await configure();
      const args = [
        "s3",
        "cp",
        `s3://${src.bucket}/${src.key}`,
        `s3://${dst.bucket}/${dst.key}`,
        "--endpoint-url",
        endpoint,
        "--no-progress",
        "--only-show-errors",
      ];
      const { r, rssMiB } = await timed(name, AWS_CLI, args, env);
      return { wallMs: r.ms, rssMiB };
    },
  };
}

/** `rclone copyto` between two paths of one S3 remote (provider Minio): a server-side copy. */
export function rcloneTool(m: BenchMinio, name: string): Tool {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-rclone-"));
  const configFile = path.join(dir, "rclone.conf");
  writeFileSync(configFile, "");
  return {
    name,
    settings:
      "remote type s3, provider Minio, defaults: server-side CopyObject below --s3-copy-cutoff (4.656 GiB), " +
      "above it a multipart copy in parts of that size",
    dispose: () => rmSync(dir, { recursive: true, force: true }),
    async run(src, dst, endpoint) {
      const env: NodeJS.ProcessEnv = {
        ...m.env,
        RCLONE_CONFIG_BENCH_TYPE: "s3",
        RCLONE_CONFIG_BENCH_PROVIDER: "Minio",
        RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
        RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: m.server.accessKeyId,
        RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: m.server.secretAccessKey,
        RCLONE_CONFIG_BENCH_REGION: m.server.region,
      };
      // rclone's AWS SDK (Go, v1) fails on AWS_CA_BUNDLE ("HTTPClient's transport unsupported type");
      // it trusts the certificate through --ca-cert instead.
      delete env.AWS_CA_BUNDLE;
      const args = [
        "copyto",
        `bench:${src.bucket}/${src.key}`,
        `bench:${dst.bucket}/${dst.key}`,
        "--config",
        configFile,
        "--ca-cert",
        m.server.caFile,
        "-q",
      ];
      const { r, rssMiB } = await timed(name, "rclone", args, env);
      return { wallMs: r.ms, rssMiB };
    },
  };
}
