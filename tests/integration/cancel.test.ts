import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";

import { MiB } from "../../provider/engine/constants";
import { type Fault, type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { exists, newBucket, openUploads, put } from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

/*
 * SIGTERM reaching a process that runs multipart copies, as Pulumi's provider process does when
 * `up` is cancelled. The copies run in a child (tests/helpers/copy-child.js) behind the fault
 * proxy, which holds the parts so the signal always lands mid-copy.
 */

/** provider/engine/timeouts.ts reads it; spelt out so this file also runs against older engines. */
const TIMEOUTS_ENV = "PULUMI_S3_COPY_TIMEOUTS";
const CHILD = path.join(__dirname, "..", "helpers", "copy-child.js");
const isPart = (line: string) => line.startsWith("PUT") && line.includes("uploadId=");
const isAbort = (line: string) => line.startsWith("DELETE") && line.includes("uploadId=");
const isCreate = (line: string) => line.startsWith("POST") && /[?&]uploads(=|&|$)/.test(line);

interface Child {
  proc: ChildProcess;
  stderr(): string;
  /** How the child ended, or undefined if it is still running after `ms`. */
  exit(ms: number): Promise<{ signal: NodeJS.Signals | null; code: number | null } | undefined>;
}

function startCopies(inputs: object[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify(inputs)], {
    stdio: ["ignore", "ignore", "pipe"],
    // jest gives each test file its own process.env; a child only sees it when passed.
    env: { ...process.env, ...env },
  });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<{ signal: NodeJS.Signals | null; code: number | null }>((r) =>
    proc.once("exit", (code, signal) => r({ code, signal })),
  );
  return {
    proc,
    stderr: () => stderr,
    exit: (ms) =>
      Promise.race([ended, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]),
  };
}

async function until(what: string, ok: () => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("SIGTERM during multipart copies", () => {
  let proxy: FaultProxy | undefined;
  let child: Child | undefined;
  afterEach(async () => {
    child?.proc.kill("SIGKILL");
    await proxy?.close();
    proxy = child = undefined;
  });

  const withProxy = async (fault: Fault) =>
    (proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, fault));
  const copyInputs = (src: string, dst: string, key: string, endpoint: string) => ({
    source: `${src}/big.bin`,
    bucket: dst,
    key,
    endpoint,
    multipartThreshold: 5 * MiB,
    partSize: 5 * MiB,
  });

  itIf(CAN.plainHttp)(
    "30 copies in one process whose parts fill the socket pool: SIGTERM starts no part, aborts all 30 uploads (retrying one that got a 500) and then ends the process",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "big.bin", randomBytes(11 * MiB)); // 3 parts each: 90 parts for 64 sockets
      let aborts = 0;
      const p = await withProxy({
        match: (r) => {
          const line = `${r.method} ${r.url}`;
          if (isPart(line)) return "hang";
          if (isAbort(line) && aborts++ === 0) return "500";
          return undefined;
        },
      });
      const keys = Array.from({ length: 30 }, (_, i) => `copy-${String(i).padStart(2, "0")}`);
      child = startCopies(
        keys.map((k) => copyInputs(src, dst, k, p.endpoint)),
        // Far above what the aborts need, so an exit before it means they all settled.
        { [TIMEOUTS_ENV]: "cancelGrace=15000" },
      );
      // Every socket a part may take is taken (the default concurrency, 64), and every upload exists.
      await until("64 parts in flight", () => p.log.filter(isPart).length >= 64);
      await until("30 uploads", () => p.log.filter(isCreate).length >= 30);
      expect((await openUploads(dst)).length).toBe(30);
      const seenAtSignal = p.log.length;

      child.proc.kill("SIGTERM");
      const ended = await child.exit(12_000);

      expect(ended).toEqual({ code: null, signal: "SIGTERM" });
      expect(p.log.slice(seenAtSignal).filter(isPart)).toEqual([]);
      expect(p.log.filter(isAbort)).toHaveLength(31); // 30 uploads, one of them twice
      expect(await openUploads(dst)).toEqual([]);
      for (const k of keys.slice(0, 3)) expect(await exists(dst, k)).toBe(false);
      expect(child.stderr()).not.toMatch(/MaxListenersExceededWarning|unfinished/);
    },
  );

  itIf(CAN.plainHttp)(
    "SIGTERM while CreateMultipartUpload is in flight: the upload it opens is aborted when its id arrives, and no part starts",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "big.bin", randomBytes(11 * MiB));
      let creating = false;
      const p = await withProxy({
        match: (r) => {
          if (!isCreate(`${r.method} ${r.url}`)) return undefined;
          creating = true;
          return { holdMs: 1_500 };
        },
      });
      child = startCopies([copyInputs(src, dst, "b", p.endpoint)]);
      await until("CreateMultipartUpload sent", () => creating);

      child.proc.kill("SIGTERM");
      const ended = await child.exit(10_000);

      expect(ended).toEqual({ code: null, signal: "SIGTERM" });
      expect(p.log.filter(isPart)).toEqual([]);
      expect(p.log.filter(isAbort)).toHaveLength(1);
      expect(await openUploads(dst)).toEqual([]);
      expect(await exists(dst, "b")).toBe(false);
    },
  );

  itIf(CAN.plainHttp)(
    "a copy whose parts fill the pool alone ends on SIGTERM within seconds, with its upload aborted",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      // 50 parts: the whole pool at concurrency 50, as a 1 GiB copy fills it at the defaults.
      await put(src, "big.bin", randomBytes(250 * MiB));
      const p = await withProxy({ match: (r) => (isPart(`${r.method} ${r.url}`) ? "hang" : undefined) });
      child = startCopies([{ ...copyInputs(src, dst, "b", p.endpoint), concurrency: 50 }]);
      await until("50 parts in flight", () => p.log.filter(isPart).length >= 50);
      const seenAtSignal = p.log.length;

      child.proc.kill("SIGTERM");
      const ended = await child.exit(10_000);

      expect(ended).toEqual({ code: null, signal: "SIGTERM" });
      expect(p.log.slice(seenAtSignal).filter(isPart)).toEqual([]);
      expect(p.log.filter(isAbort)).toHaveLength(1);
      expect(await openUploads(dst)).toEqual([]);
    },
  );

  itIf(CAN.plainHttp)(
    "when the abort itself never answers, SIGTERM still ends the process after the grace period and says which upload is left",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "big.bin", randomBytes(11 * MiB));
      const p = await withProxy({
        match: (r) => {
          const line = `${r.method} ${r.url}`;
          return isPart(line) || isAbort(line) ? "hang" : undefined;
        },
      });
      child = startCopies([copyInputs(src, dst, "b", p.endpoint)], { [TIMEOUTS_ENV]: "cancelGrace=2000" });
      await until("3 parts in flight", () => p.log.filter(isPart).length >= 3);
      const [upload] = await openUploads(dst);

      child.proc.kill("SIGTERM");
      const ended = await child.exit(8_000);

      expect(ended).toEqual({ code: null, signal: "SIGTERM" });
      expect(p.log.filter(isAbort).length).toBeGreaterThanOrEqual(1);
      expect(child.stderr()).toContain("1 clean-up(s) unfinished");
      expect(child.stderr()).toContain(upload.split(":")[1]);
    },
  );
});
