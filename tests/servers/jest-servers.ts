import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";

/*
 * Jest runs every project's globalSetup in one parent process before any test, so a server's
 * settings cannot travel in process.env: the last project's would win for all. Each globalSetup
 * publishes its server's environment under its project's name instead, and each project's setup
 * file adopts its own before the test modules load.
 */

export interface RunningServer {
  env: Record<string, string>;
  stop(): Promise<void>;
}

const registry = globalThis as { __objcopyServers?: Record<string, RunningServer> };

function envFile(name: string): string {
  return path.join(os.tmpdir(), `objcopy-jest-${process.env.OBJCOPY_JEST_RUN}-${name}.json`);
}

export async function setupServer(name: string, start: () => Promise<RunningServer>): Promise<void> {
  // Set before the workers start, so they inherit it and find this run's files.
  process.env.OBJCOPY_JEST_RUN ??= `${process.pid}-${Date.now()}`;
  const server = await start();
  (registry.__objcopyServers ??= {})[name] = server;
  fs.writeFileSync(envFile(name), JSON.stringify(server.env));
}

export async function teardownServer(name: string): Promise<void> {
  await registry.__objcopyServers?.[name]?.stop();
  fs.rmSync(envFile(name), { force: true });
}

/** In a test file's setup: take this project's server settings, and trust its test CA if any. */
export function adoptServerEnv(name: string): void {
  const env = JSON.parse(fs.readFileSync(envFile(name), "utf8")) as Record<string, string>;
  Object.assign(process.env, env);
  if (env.TEST_CA_FILE) {
    // NODE_EXTRA_CA_CERTS is read only at process start (it does reach child processes).
    tls.setDefaultCACertificates([
      ...tls.getCACertificates("default"),
      fs.readFileSync(env.TEST_CA_FILE, "utf8"),
    ]);
  }
}
