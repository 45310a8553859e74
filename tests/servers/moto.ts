import { type ChildProcess, spawn } from "node:child_process";

import { ensureTool, freePort, waitFor } from "./ports";

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

export interface MotoOptions {
  /**
   * Extra environment for the server, e.g. `INITIAL_NO_AUTH_ACTION_COUNT` to turn on its IAM
   * enforcement after that many requests. Such a server is for one test file alone: the setting
   * changes what every request to it may do.
   */
  env?: Record<string, string>;
}

/**
 * Starts moto's server (S3, KMS, STS, IAM on one port) on a free 127.0.0.1 port, from the venv
 * scripts/ensure-moto.sh keeps in the cache.
 */
export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const binary = process.env.MOTO_SERVER_BINARY ?? ensureTool("ensure-moto.sh");
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(binary, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "false", ...options.env },
  });
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  await waitFor(
    "moto server",
    async () => (await fetch(`${endpoint}/moto-api/`)).ok,
    60_000,
    () => output,
  );
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Environment that points the AWS SDK (ours and the test's) at a local server and nowhere else. */
export function localAwsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}
