// Starts a throw-away MinIO server for the integration tests: TLS on 127.0.0.1 with a fresh
// self-signed certificate (S3 only accepts SSE-C over TLS), SSE-S3 through MinIO's built-in static
// KMS key, random root credentials, and a temporary data directory that stop() removes.
//
// The binary comes from opts.binary, else $MINIO_BINARY, else scripts/ensure-minio.sh (which builds
// and caches a pinned MinIO and prints its path on the last stdout line).
//
// Clients must trust `caFile`: either start Node with NODE_EXTRA_CA_CERTS=<caFile> (read once at
// process start, so it has to be set before the test process launches) or pass the CA to the SDK's
// request handler (both verified by scripts/minio-smoke.mjs), e.g.
//   new S3Client({ ..., forcePathStyle: true,
//     requestHandler: { httpsAgent: new https.Agent({ ca: fs.readFileSync(caFile) }) } })
// Certificate verification is never switched off.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface StartMinioOptions {
  /** Path of the `minio` executable; defaults to $MINIO_BINARY, then scripts/ensure-minio.sh. */
  binary?: string;
}

export interface MinioServer {
  /** `https://127.0.0.1:<port>`; use with forcePathStyle: true. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** PEM file of the self-signed server certificate, to be trusted by clients. */
  caFile: string;
  region: string;
  /** Name of MinIO's static KMS key (MINIO_KMS_SECRET_KEY), usable as SSEKMSKeyId. */
  kmsKeyName: string;
  /** Process id of the server, so benchmarks can read its CPU time from /proc. */
  pid: number | undefined;
  stop(): Promise<void>;
}

const REGION = "us-east-1";
const KMS_KEY_NAME = "pulumi-s3-copy-test-key";
const STARTUP_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 250;
const LOG_LINES_KEPT = 200;
const LOG_LINES_IN_ERRORS = 40;

/** Keeps the last `capacity` lines of the server's combined stdout and stderr. */
class LineRing {
  private readonly lines: string[] = [];
  private partial = "";

  constructor(private readonly capacity: number) {}

  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split(/\r?\n/);
    // A runaway line without a newline must not grow without bound either.
    this.partial = (parts.pop() ?? "").slice(-16_384);
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.capacity) this.lines.shift();
    }
  }

  tail(n: number): string {
    const all = this.partial === "" ? this.lines : [...this.lines, this.partial];
    return all.slice(-n).join("\n");
  }
}

function findRepoFile(relative: string): string {
  // Walk up from this file so it works from tests/servers and from a compiled copy elsewhere.
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`startMinio: cannot find ${relative} above ${__dirname}`);
    dir = parent;
  }
}

function run(
  file: string,
  args: string[],
  options: { cwd?: string } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...options, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(
          new Error(`${file} ${args.join(" ")} failed: ${error.message}\n${stderr.toString().slice(-4000)}`),
        );
      } else {
        resolve({ stdout: stdout.toString(), stderr: stderr.toString() });
      }
    });
  });
}

async function resolveBinary(opts: StartMinioOptions): Promise<string> {
  const given = opts.binary ?? process.env["MINIO_BINARY"];
  if (given !== undefined && given !== "") return given;
  const script = findRepoFile(path.join("scripts", "ensure-minio.sh"));
  // The first call may build MinIO (minutes); its progress goes to stderr, which is only shown
  // if the build fails.
  const { stdout } = await run("bash", [script]);
  const last = stdout.trim().split("\n").pop()?.trim() ?? "";
  if (last === "" || !existsSync(last)) {
    throw new Error(`startMinio: ${script} did not print a MinIO binary path (got ${JSON.stringify(last)})`);
  }
  return last;
}

async function generateCertificate(certsDir: string): Promise<string> {
  const certFile = path.join(certsDir, "public.crt");
  const keyFile = path.join(certsDir, "private.key");
  // A P-256 key is quick to generate. CA:FALSE plus serverAuth keeps the certificate an honest leaf
  // certificate; clients trust it directly as an anchor (via `ca` or NODE_EXTRA_CA_CERTS).
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "7",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
    "-addext",
    "keyUsage=critical,digitalSignature",
    "-addext",
    "extendedKeyUsage=serverAuth",
  ]);
  return certFile;
}

/** Binds port 0 on 127.0.0.1 and releases it. Racy in principle, fine for a test server. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("startMinio: could not determine a free port"));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves true once MinIO answers 200 and no longer reports itself offline. */
function probeLive(endpoint: string, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const request = https.get(
      `${endpoint}/minio/health/live`,
      { ca, timeout: 2_000, agent: false },
      (response) => {
        response.resume();
        // Until the object layer is initialised MinIO answers 200 with
        // `x-minio-server-status: offline`; S3 calls would then fail with 503.
        resolve(response.statusCode === 200 && response.headers["x-minio-server-status"] !== "offline");
      },
    );
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", () => resolve(false));
  });
}

function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Inherited MINIO_* settings (a developer's own server config) must not leak into the test server.
    if (!key.startsWith("MINIO_")) env[key] = value;
  }
  return { ...env, ...overrides };
}

export async function startMinio(opts: StartMinioOptions = {}): Promise<MinioServer> {
  const binary = await resolveBinary(opts);

  const root = await mkdtemp(path.join(os.tmpdir(), "pulumi-s3-copy-minio-"));
  const certsDir = path.join(root, "certs");
  const dataDir = path.join(root, "data");
  let child: ChildProcess | undefined;
  let exitHook: (() => void) | undefined;

  const cleanupSync = (): void => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
    }
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    await mkdir(certsDir);
    await mkdir(dataDir);
    const caFile = await generateCertificate(certsDir);
    const ca = readFileSync(caFile);

    const port = await freePort();
    let consolePort = await freePort();
    while (consolePort === port) consolePort = await freePort();
    const endpoint = `https://127.0.0.1:${port}`;

    const accessKeyId = `minio${randomBytes(6).toString("hex")}`;
    const secretAccessKey = randomBytes(24).toString("base64url");
    const env = childEnv({
      MINIO_ROOT_USER: accessKeyId,
      MINIO_ROOT_PASSWORD: secretAccessKey,
      MINIO_KMS_SECRET_KEY: `${KMS_KEY_NAME}:${randomBytes(32).toString("base64")}`,
      MINIO_REGION: REGION,
      MINIO_SITE_REGION: REGION,
      MINIO_BROWSER: "off",
      MINIO_UPDATE: "off",
      CI: "true",
    });

    const logs = new LineRing(LOG_LINES_KEPT);
    const args = [
      "server",
      dataDir,
      "--address",
      `127.0.0.1:${port}`,
      "--console-address",
      `127.0.0.1:${consolePort}`,
      "--certs-dir",
      certsDir,
    ];
    const proc = spawn(binary, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    proc.stdout?.on("data", (chunk: Buffer) => logs.push(chunk));
    proc.stderr?.on("data", (chunk: Buffer) => logs.push(chunk));

    let exited: string | undefined;
    let spawnError: Error | undefined;
    const exitedPromise = new Promise<void>((resolve) => {
      // "close" rather than "exit": it comes after the last output, so error messages are complete.
      proc.once("close", (code, signal) => {
        exited = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`;
        resolve();
      });
      proc.once("error", (error) => {
        spawnError = error;
        exited ??= `spawn error: ${error.message}`;
        resolve();
      });
    });

    // If the test process dies without calling stop(), do not leave MinIO running.
    exitHook = cleanupSync;
    process.once("exit", exitHook);

    const describe = (what: string): Error =>
      new Error(
        `startMinio: ${what}\ncommand: ${binary} ${args.join(" ")}\n` +
          `last server output:\n${logs.tail(LOG_LINES_IN_ERRORS) || "(none)"}`,
        spawnError !== undefined ? { cause: spawnError } : undefined,
      );

    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      if (exited !== undefined) throw describe(`MinIO exited during startup (${exited})`);
      if (await probeLive(endpoint, ca)) break;
      if (Date.now() > deadline) {
        throw describe(
          `MinIO did not become live at ${endpoint}/minio/health/live within ${STARTUP_TIMEOUT_MS / 1000} s`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        if (exitHook !== undefined) process.removeListener("exit", exitHook);
        if (exited === undefined) {
          proc.kill("SIGTERM");
          const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
          await exitedPromise;
          clearTimeout(timer);
        }
        await rm(root, { recursive: true, force: true, maxRetries: 3 });
      })();
      return stopped;
    };

    return {
      endpoint,
      accessKeyId,
      secretAccessKey,
      caFile,
      region: REGION,
      kmsKeyName: KMS_KEY_NAME,
      pid: proc.pid,
      stop,
    };
  } catch (error) {
    if (exitHook !== undefined) process.removeListener("exit", exitHook);
    const proc = child;
    if (proc !== undefined && proc.exitCode === null && proc.signalCode === null) {
      // Wait for the exit so MinIO is not still writing into the directory being removed.
      const gone = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGKILL");
      await gone;
    }
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    throw error;
  }
}
