import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { repoRoot } from "../servers/ports";

const repo = repoRoot();

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** One step of `pulumi preview --json`: what the engine plans for one resource. */
export interface PlannedStep {
  op: string;
  urn: string;
  type: string;
  name: string;
}

/**
 * The real Pulumi CLI (scripts/ensure-pulumi.sh) on a throwaway file backend: the environment
 * comes from scripts/pulumi-env.sh, the stack's config lives in a file of its own, and nothing
 * touches ~/.pulumi.
 */
export class PulumiCli {
  private constructor(
    readonly cwd: string,
    readonly stack: string,
    readonly env: NodeJS.ProcessEnv,
    readonly configFile: string,
    private readonly removeWith: readonly string[],
  ) {}

  /** Environment for the CLI with its state under `stateDir`, on top of `base`. */
  static environment(stateDir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    const dump = execFileSync(
      "bash",
      ["-c", 'source "$1/scripts/pulumi-env.sh" "$2" >/dev/null && env -0', "_", repo, stateDir],
      { env: base, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024 },
    );
    const env: NodeJS.ProcessEnv = {};
    for (const entry of dump.split("\0")) {
      const eq = entry.indexOf("=");
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    // The CLI's language host leaves a directory of pipes in TMPDIR per run; kept under the
    // state directory, they go when the stack does instead of piling up in /tmp.
    env.TMPDIR = path.join(stateDir, "tmp");
    fs.mkdirSync(env.TMPDIR, { recursive: true });
    return env;
  }

  /**
   * `pulumi stack init` in `cwd`, with the stack's config in `stateDir`. `remove()` also deletes
   * the directories in `removeWith` (temporary ones no other stack uses: several stacks may share
   * one state directory).
   */
  static async init(
    cwd: string,
    stateDir: string,
    stack: string,
    env: NodeJS.ProcessEnv,
    opts: { removeWith?: readonly string[] } = {},
  ): Promise<PulumiCli> {
    const configFile = path.join(stateDir, `Pulumi.${stack}.yaml`);
    const cli = new PulumiCli(cwd, stack, env, configFile, opts.removeWith ?? []);
    await cli.must(["stack", "init"]);
    return cli;
  }

  run(args: string[], opts: { echo?: boolean } = {}): Promise<RunResult> {
    // Only these commands read stack config; `stack …` subcommands reject --config-file.
    const config = ["up", "preview", "refresh", "destroy", "config"].includes(args[0])
      ? ["--config-file", this.configFile]
      : [];
    const full = [...args, "--non-interactive", "--stack", this.stack, ...config];
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", full, {
        cwd: this.cwd,
        env: this.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        if (opts.echo) process.stdout.write(d);
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        if (opts.echo) process.stderr.write(d);
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  async must(args: string[], opts: { echo?: boolean } = {}): Promise<RunResult> {
    const r = await this.run(args, opts);
    if (r.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`,
      );
    }
    return r;
  }

  /** Writes the whole stack config (values are JSON-encoded when not strings). */
  async setConfig(values: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(values)) {
      const text = typeof value === "string" ? value : JSON.stringify(value);
      await this.must(["config", "set", key, text]);
    }
  }

  up(echo = false) {
    return this.must(["up", "--yes", "--skip-preview"], { echo });
  }

  /** The planned steps, without the stack and the provider. */
  async preview(): Promise<PlannedStep[]> {
    const r = await this.must(["preview", "--json"]);
    const plan = JSON.parse(r.stdout) as { steps?: { op: string; urn: string }[] };
    return (plan.steps ?? [])
      .map((s) => {
        const parts = s.urn.split("::");
        return { op: s.op, urn: s.urn, type: parts[2], name: parts[3] };
      })
      .filter((s) => s.type !== "pulumi:pulumi:Stack" && !s.type.startsWith("pulumi:providers:"));
  }

  refresh() {
    return this.must(["refresh", "--yes", "--skip-preview"]);
  }

  destroy(echo = false) {
    return this.must(["destroy", "--yes", "--skip-preview"], { echo });
  }

  /** `pulumi stack export` (secrets stay encrypted, as anyone with the state file would see them). */
  async exportState(): Promise<string> {
    return (await this.must(["stack", "export"])).stdout;
  }

  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await this.must(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
  }

  async remove(): Promise<void> {
    await this.run(["stack", "rm", "--yes", "--force"]);
    fs.rmSync(this.configFile, { force: true });
    for (const dir of this.removeWith) fs.rmSync(dir, { recursive: true, force: true });
  }
}
