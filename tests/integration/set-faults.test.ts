// ObjectCopySet under faults no server produces on its own: the process running `up` killed with
// SIGKILL halfway through, and a server answering 503 SlowDown. The copies go through two proxies:
// a watching one (below) that records when each request started and ended, in front of the fault
// proxy (tests/helpers/fault-proxy.ts) that holds, hangs or throttles the requests a test picks.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import * as path from "node:path";

import { ListObjectsV2Command, type _Object } from "@aws-sdk/client-s3";

import { MiB } from "../../provider/engine/constants";
import { CHECKPOINT_INTERVAL_MS } from "../../provider/engine/set/limits";
import { objectCopySetProvider } from "../../provider/set-dynamic";
import type { SetOutputs } from "../../provider/engine/set";
import { type Fault, type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { bytes, head, newBucket, openUploads, provider, put, verifier, versionsOf } from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

const CHILD = path.join(__dirname, "..", "helpers", "set-child.js");
const RESERVED = ".pulumi-s3-object-copy/";

let n = 0;
const identity = () => ({ __setProject: "proj", __setStack: "faults", __setName: `set-${++n}` });

async function createSet(news: Record<string, unknown>): Promise<SetOutputs> {
  const checked = await objectCopySetProvider.check!({}, news);
  if (checked.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
  return (await objectCopySetProvider.create(checked.inputs)).outs as SetOutputs;
}

/** One request as the watching proxy saw it. */
interface Seen {
  kind: "copy" | "part" | "create-upload" | "complete-upload" | "journal" | "other";
  /** Destination key (path-style URL, decoded). */
  key: string;
  start: number;
  end?: number;
  status?: number;
}

function kindOf(method: string, url: string, headers: http.IncomingHttpHeaders): Seen["kind"] {
  const upload = /[?&]uploadId=/.test(url);
  if (method === "PUT" && url.includes(".journal/")) return "journal";
  if (method === "PUT" && headers["x-amz-copy-source"]) return upload ? "part" : "copy";
  if (method === "POST" && /[?&]uploads(=|&|$)/.test(url)) return "create-upload";
  if (method === "POST" && upload) return "complete-upload";
  return "other";
}

const keyOf = (url: string) => decodeURIComponent(url.split("?")[0].split("/").slice(2).join("/"));

interface Watch {
  endpoint: string;
  seen: Seen[];
  /** Copies (CopyObject or a part) in flight now. */
  copiesInFlight(): number;
  close(): Promise<void>;
}

/** A pass-through proxy that records each request's kind, key, start, end and status. */
function watch(upstream: string): Promise<Watch> {
  const target = new URL(upstream);
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const entry: Seen = { kind: kindOf(method, url, req.headers), key: keyOf(url), start: Date.now() };
    seen.push(entry);
    const up = http.request(
      { host: target.hostname, port: target.port, method, path: url, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
        ur.on("end", () => {
          entry.end = Date.now();
          entry.status = ur.statusCode;
        });
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        seen,
        copiesInFlight: () =>
          seen.filter((s) => (s.kind === "copy" || s.kind === "part") && s.end === undefined).length,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

/** Runs `work` over `items`, `width` at a time. */
async function pool<T>(items: T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function listAll(bucket: string, prefix = ""): Promise<_Object[]> {
  const all: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await verifier().s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    all.push(...(page.Contents ?? []));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return all;
}

/** Key (relative to `prefix`) to ETag, without the set's own objects. */
async function etags(bucket: string, prefix = ""): Promise<Map<string, string>> {
  return new Map(
    (await listAll(bucket, prefix))
      .filter((o) => !o.Key!.startsWith(RESERVED))
      .map((o) => [o.Key!.slice(prefix.length), o.ETag!]),
  );
}

async function until(what: string, ok: () => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let logs: string[] = [];
let proxies: { close(): Promise<void> }[] = [];
let child: ChildProcess | undefined;
beforeEach(() => {
  provider.reset();
  logs = [];
  jest.spyOn(console, "log").mockImplementation((line: string) => void logs.push(String(line)));
});
afterEach(async () => {
  jest.restoreAllMocks();
  child?.kill("SIGKILL");
  child = undefined;
  for (const p of proxies) await p.close();
  proxies = [];
});

/** client → watching proxy → fault proxy → the server. */
async function chain(fault: Fault): Promise<{ watched: Watch; faults: FaultProxy }> {
  const faults = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, fault);
  const watched = await watch(faults.endpoint);
  proxies.push(watched, faults);
  return { watched, faults };
}

/** `count` objects under "b/" of a versioned source, and a set copying them to "r/" of a versioned destination at concurrency 4. */
async function versionedScene(count: number, body: string) {
  const src = await newBucket({ versioned: true });
  const dst = await newBucket({ versioned: true });
  const keys = Array.from({ length: count }, (_, i) => `f/${String(i).padStart(2, "0")}.txt`);
  await pool(keys, 16, (k) => put(src, `b/${k}`, `${body} ${k}`));
  const news = { source: `${src}/b/`, bucket: dst, prefix: "r/", concurrency: 4, ...identity() };
  return { src, dst, keys, news };
}

/** How many versions each key has under the destination prefix "r/". */
async function versionCounts(bucket: string, keys: string[]): Promise<Record<string, number>> {
  const counts = await Promise.all(keys.map(async (k) => [k, (await versionsOf(bucket, `r/${k}`)).length]));
  return Object.fromEntries(counts) as Record<string, number>;
}

const each = (keys: string[], n: number) => Object.fromEntries(keys.map((k) => [k, n]));

/**
 * Runs the set's up in a child process through a proxy under which, after `answered` copies, S3
 * carries out each CopyObject but its answer never arrives; kills the child with SIGKILL once 4
 * such copies are written (all its slots, at concurrency 4). Returns their destination keys.
 */
async function killWithCopiesUnanswered(news: Record<string, unknown>, answered: number): Promise<string[]> {
  let copies = 0;
  const run = await chain({
    match: (r) =>
      kindOf(r.method, r.url, r.headers) === "copy" && ++copies > answered ? "withhold-answer" : undefined,
  });
  const proc = spawn(process.execPath, [CHILD, JSON.stringify({ ...news, endpoint: run.watched.endpoint })], {
    stdio: ["ignore", "ignore", "pipe"],
    env: process.env,
  });
  child = proc;
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((r) => proc.once("exit", (_c, signal) => r(signal)));
  await until(
    `4 copies written, unanswered (child stderr: ${stderr})`,
    () => run.faults.withheld.length >= 4,
  );
  proc.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  const written = run.faults.withheld.map((line) => keyOf(line.split(" ")[1]));
  expect(written).toHaveLength(4);
  await run.watched.close();
  await run.faults.close();
  return written;
}

const SMALL = 400;
const BIG = "000-big.bin"; // sorts first, so its parts are in flight from the start

describe("ObjectCopySet under faults", () => {
  // The proxies speak plain HTTP; MinIO here serves TLS only.
  itIf(CAN.plainHttp)(
    "after SIGKILL mid-up the next up copies only what the manifest's checkpoints do not record, and leaves no upload open",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      const small = Array.from({ length: SMALL }, (_, i) => `f/${String(i).padStart(4, "0")}.txt`);
      await pool(small, 16, (k) => put(src, `b/${k}`, `body of ${k}`));
      const big = randomBytes(5 * MiB + 64 * 1024); // two parts of at most 5 MiB
      await put(src, `b/${BIG}`, big);
      const news = {
        source: `${src}/b/`,
        bucket: dst,
        prefix: "r/",
        multipartThreshold: 5 * MiB,
        partSize: 5 * MiB,
        concurrency: 6,
        ...identity(),
      };

      // First run: every third CopyObject held 250 ms so the run takes seconds; the big object's
      // parts never answer, so the kill lands mid-parts.
      let copies = 0;
      const first = await chain({
        match: (r) => {
          const kind = kindOf(r.method, r.url, r.headers);
          if (kind === "part") return "hang";
          if (kind === "copy" && copies++ % 3 === 0) return { holdMs: 250 };
          return undefined;
        },
      });
      const proc = spawn(
        process.execPath,
        [CHILD, JSON.stringify({ ...news, endpoint: first.watched.endpoint })],
        // jest gives each test file its own process.env; a child only sees it when passed.
        { stdio: ["ignore", "ignore", "pipe"], env: process.env },
      );
      child = proc;
      let stderr = "";
      proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((r) => proc.once("exit", (_c, signal) => r(signal)));
      const seen = first.watched.seen;
      const copiesDone = () => seen.filter((s) => s.kind === "copy" && s.end !== undefined).length;
      await until(`300 copies (child stderr: ${stderr})`, () => copiesDone() >= 300);
      expect(seen.some((s) => s.kind === "part" && s.end === undefined)).toBe(true);

      const killedAt = Date.now();
      proc.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      // The objects whose copy was in flight at the kill, and those done within the last
      // checkpoint interval before it (plus a margin for the checkpoint's own PUT).
      const window = CHECKPOINT_INTERVAL_MS + 300;
      const copyOrPart = seen.filter((s) => s.kind === "copy" || s.kind === "part");
      const inFlight = new Set(
        copyOrPart.filter((s) => s.start <= killedAt && (s.end ?? Infinity) > killedAt).map((s) => s.key),
      );
      const lastSecond = new Set(
        copyOrPart
          .filter((s) => s.end !== undefined && s.end <= killedAt && s.end > killedAt - window)
          .map((s) => s.key),
      );
      const done = copiesDone();
      const bound = new Set([...inFlight, ...lastSecond]).size;
      const started = new Set(copyOrPart.map((s) => s.key));
      expect(inFlight.has(`r/${BIG}`)).toBe(true);
      expect(seen.filter((s) => s.kind === "journal" && s.end !== undefined).length).toBeGreaterThan(0);
      expect(await openUploads(dst)).toHaveLength(1); // the killed run's, mid-parts
      await first.watched.close();
      await first.faults.close();

      // Second run, in this process, through a proxy that only watches.
      const second = await chain({ match: () => undefined });
      const outs = await createSet({ ...news, endpoint: second.watched.endpoint });
      const copied = second.watched.seen
        .filter((s) => s.kind === "copy" || s.kind === "create-upload")
        .map((s) => s.key);
      const again = copied.filter((k) => started.has(k));
      console.info(
        `killed after ${done} copies; ${inFlight.size} in flight, ${lastSecond.size} done in the last ${window} ms; ` +
          `the next up copied ${copied.length} of ${SMALL + 1}: ${again.length} the killed run had started, ` +
          `${copied.length - again.length} it had not reached`,
      );

      // Of what the killed run had started, only objects in flight or done in the last second again.
      expect(again.length).toBeLessThanOrEqual(bound);
      expect(again).toContain(`r/${BIG}`);
      // What it had not reached, each once; and all together well below the whole set.
      expect(new Set(copied).size).toBe(copied.length);
      expect(copied.length - again.length).toBe(SMALL + 1 - started.size);
      expect(copied.length).toBeLessThan((SMALL + 1) / 2);
      expect(outs.lastRun).toMatchObject({ failed: 0, deleted: 0 });
      expect(outs.objectCount).toBe(SMALL + 1);

      // The destination equals the source; no upload is left open, no journal object either.
      const want = await etags(src, "b/");
      want.delete(BIG);
      const got = await etags(dst, "r/");
      expect(got.size).toBe(SMALL + 1);
      got.delete(BIG);
      expect(got).toEqual(want);
      expect((await bytes(dst, `r/${BIG}`)).equals(big)).toBe(true);
      expect(await openUploads(dst)).toEqual([]);
      expect((await listAll(dst, RESERVED)).map((o) => o.Key)).toEqual([
        outs.manifestLocation.split(`${dst}/`)[1],
      ]);
    },
  );

  itIf(CAN.plainHttp)(
    "after SIGKILL with copies written but unanswered on a versioned destination, the next up records them instead of copying again, and destroy leaves no version behind",
    async () => {
      const { dst, keys, news } = await versionedScene(40, "body of");

      // First run: after 20 copies, S3 carries out each CopyObject but its answer never arrives,
      // so the 4 copies in flight at the kill are written and no checkpoint can record them.
      const written = await killWithCopiesUnanswered(news, 20);
      for (const k of written) expect(await versionsOf(dst, k)).toHaveLength(1);

      const second = await chain({ match: () => undefined });
      const outs = await createSet({ ...news, endpoint: second.watched.endpoint });
      const copied = second.watched.seen.filter((s) => s.kind === "copy").map((s) => s.key);

      // The 4 are recorded as they are, not copied again; what the killed run had not reached is.
      expect(copied.filter((k) => written.includes(k))).toEqual([]);
      expect(copied).toHaveLength(new Set(copied).size);
      // The 4, and whichever answered copies the killed run's last checkpoint had not recorded yet.
      const line = logs.find((l) => l.startsWith("recorded ") && l.includes("an interrupted up copied"));
      expect(line).toBeDefined();
      expect(Number(/^recorded (\d+)/.exec(line!)![1])).toBeGreaterThanOrEqual(written.length);
      expect(outs.objectCount).toBe(keys.length);
      expect(outs.lastRun).toMatchObject({ failed: 0, deleted: 0 });
      // One version per key: no copy of the killed run is left for nobody to delete.
      expect(await versionCounts(dst, keys)).toEqual(each(keys, 1));

      await objectCopySetProvider.delete!("id", outs);
      expect(await versionCounts(dst, keys)).toEqual(each(keys, 0));
    },
  );

  itIf(CAN.plainHttp)(
    "after SIGKILL mid re-copy on a versioned destination, the next up records the killed run's versions and deletes the ones they superseded",
    async () => {
      const { src, dst, keys, news } = await versionedScene(12, "old body of");
      await createSet(news);
      await pool(keys, 12, (k) => put(src, `b/${k}`, `new body of ${k}`));

      // The re-copying up: 4 re-copies answered, then 4 written whose answers never come.
      const written = await killWithCopiesUnanswered(news, 4);
      for (const k of written) expect(await versionsOf(dst, k)).toHaveLength(2); // the first up's, the killed run's

      logs = [];
      const second = await chain({ match: () => undefined });
      const outs = await createSet({ ...news, endpoint: second.watched.endpoint });
      const copied = second.watched.seen.filter((s) => s.kind === "copy").map((s) => s.key);

      expect(copied.filter((k) => written.includes(k))).toEqual([]);
      expect(logs.some((l) => l.startsWith("recorded ") && l.includes("an interrupted up copied"))).toBe(
        true,
      );
      expect(outs.lastRun).toMatchObject({ copied: 0, failed: 0, deleted: 0 });
      // Each key: the new body, in one version; the first up's versions went as superseded.
      expect(await versionCounts(dst, keys)).toEqual(each(keys, 1));
      for (const k of keys) expect((await bytes(dst, `r/${k}`)).toString()).toBe(`new body of ${k}`);
      await objectCopySetProvider.delete!("id", outs);
      expect(await versionCounts(dst, keys)).toEqual(each(keys, 0));
    },
  );

  itIf(CAN.plainHttp)(
    "on SIGTERM mid-up stops copying, aborts the upload in flight, says how far it got and ends by the signal; the next up finishes",
    async () => {
      const { dst, keys, news: base } = await versionedScene(120, "body of");
      await put(base.source.split("/")[0], `b/${BIG}`, randomBytes(11 * MiB));
      const news = { ...base, multipartThreshold: 5 * MiB, partSize: 5 * MiB };
      let copies = 0;
      const run = await chain({
        match: (r) => {
          const kind = kindOf(r.method, r.url, r.headers);
          if (kind === "part") return "hang"; // the big object's upload stays open until the abort
          if (kind === "copy") {
            copies += 1;
            return { holdMs: 50 };
          }
          return undefined;
        },
      });
      const proc = spawn(
        process.execPath,
        [CHILD, JSON.stringify({ ...news, endpoint: run.watched.endpoint })],
        {
          stdio: ["ignore", "pipe", "pipe"],
          env: process.env,
        },
      );
      child = proc;
      let output = "";
      proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
      proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
        proc.once("exit", (code, signal) => r({ code, signal })),
      );
      await until(`20 copies (child output: ${output})`, () => copies >= 20);
      expect(await openUploads(dst)).toHaveLength(1);

      const sentAt = Date.now();
      proc.kill("SIGTERM");
      const ended = await exited;
      expect(ended.signal).toBe("SIGTERM");
      expect(Date.now() - sentAt).toBeLessThan(10_000);
      expect(output).toMatch(/cancelled after copying \d+\/121 objects/);
      expect(await openUploads(dst)).toEqual([]);
      const sentBeforeKill = copies;
      await run.watched.close();
      await run.faults.close();
      expect(sentBeforeKill).toBeLessThan(keys.length);

      const outs = await createSet(news);
      expect(outs.lastRun).toMatchObject({ failed: 0 });
      expect(outs.objectCount).toBe(keys.length + 1);
      await objectCopySetProvider.delete!("id", outs);
      expect(await versionCounts(dst, [...keys, BIG])).toEqual(each([...keys, BIG], 0));
    },
  );

  itIf(CAN.plainHttp).each(["first up", "settings change"])(
    "after SIGKILL of an in-place set on a versioned bucket (%s), the next up copies from the originals again and destroy restores them",
    async (when) => {
      const bucket = await newBucket({ versioned: true });
      const keys = Array.from({ length: 12 }, (_, i) => `f${String(i).padStart(2, "0")}.js`);
      await pool(keys, 12, (k) => put(bucket, `site/${k}`, `body ${k}`, { CacheControl: "no-cache" }));
      const originals = Object.fromEntries(
        await Promise.all(keys.map(async (k) => [k, (await versionsOf(bucket, `site/${k}`))[0]])),
      ) as Record<string, string>;
      const first = {
        source: `${bucket}/site/`,
        bucket,
        prefix: "site/",
        metadataDirective: "MERGE",
        cacheControl: "max-age=60",
        concurrency: 4,
        ...identity(),
      };
      const news = when === "first up" ? first : { ...first, cacheControl: "max-age=31536000" };
      if (when !== "first up") await createSet(first);

      // The killed up: 4 copies answered, then 4 written in place whose answers never come.
      const written = await killWithCopiesUnanswered(news, 4);
      expect(written).toHaveLength(4);

      logs = [];
      const outs = await createSet(news);
      expect(outs.lastRun).toMatchObject({ failed: 0 });
      expect(
        logs.some((l) =>
          /copied in place after its last checkpoint are copied again from their originals/.test(l),
        ),
      ).toBe(true);
      for (const k of keys) {
        const h = await head(bucket, `site/${k}`);
        expect(h.CacheControl).toBe(news.cacheControl);
        // The original and the set's one version: the killed run's are gone.
        const versions = await versionsOf(bucket, `site/${k}`);
        expect(versions).toHaveLength(2);
        expect(versions).toContain(originals[k]);
      }

      await objectCopySetProvider.delete!("id", outs);
      for (const k of keys) {
        expect(await versionsOf(bucket, `site/${k}`)).toEqual([originals[k]]);
        expect((await head(bucket, `site/${k}`)).CacheControl).toBe("no-cache");
      }
    },
  );

  itIf(CAN.plainHttp)(
    "on 503 SlowDown beyond 4 copies in flight lowers the concurrency and completes, every object copied once",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      const keys = Array.from({ length: 150 }, (_, i) => `k/${String(i).padStart(3, "0")}`);
      await pool(keys, 16, (k) => put(src, k, `body ${k}`));

      // A prefix that takes 4 copies at once, as S3 answers a prefix over its request rate.
      const LIMIT = 4;
      // The watching proxy in front, which the fault proxy asks (it starts first, so it is set later).
      const front: { watch?: Watch } = {};
      let slowDowns = 0;
      const { watched } = await chain({
        match: (r) => {
          if (kindOf(r.method, r.url, r.headers) !== "copy") return undefined;
          // This request is already counted in flight by the watching proxy.
          if (front.watch!.copiesInFlight() <= LIMIT) return { holdMs: 20 };
          slowDowns += 1;
          return "503-slowdown";
        },
      });
      front.watch = watched;
      const outs = await createSet({
        source: `${src}/k/`,
        bucket: dst,
        concurrency: 32,
        endpoint: watched.endpoint,
        ...identity(),
      });

      expect(outs.lastRun).toEqual({ copied: 150, recopied: 0, deleted: 0, adopted: 0, failed: 0 });
      expect(slowDowns).toBeGreaterThan(0);
      // Each object went through exactly once; the throttled attempts never reached the server.
      const passed = watched.seen.filter((s) => s.kind === "copy" && s.status === 200).map((s) => s.key);
      expect(passed.sort()).toEqual(keys.map((k) => k.slice(2)));
      expect(await etags(dst)).toEqual(await etags(src, "k/"));

      const closing = logs.find((l) => /^copied 150\/150 objects/.test(l));
      expect(closing).toBeDefined();
      const m = /0 failed, throttled (\d+) times, concurrency (\d+) at the end/.exec(closing!);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(0);
      expect(Number(m![2])).toBeLessThan(32);
    },
  );
});
