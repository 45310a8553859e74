import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";

/** A port on 127.0.0.1 that was free a moment ago (bind to 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** The repository root, found from here whether this file runs from source or compiled elsewhere. */
export function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "scripts", "ensure-moto.sh"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root above ${__dirname}`);
  }
}

/** Runs one of the repo's ensure-*.sh scripts and returns the path it prints last. */
export function ensureTool(script: string): string {
  const out = execFileSync("bash", [path.join(repoRoot(), "scripts", script)], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  const last = out.trim().split("\n").pop();
  if (!last) throw new Error(`${script} printed no path`);
  return last;
}

export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  log: () => string,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms. Last output:\n${log()}`);
}
