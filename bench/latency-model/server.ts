// A latency-model S3 server: just enough S3 for the engine's copy path, with no data at all.
//
// Every request waits a fixed model latency L; an UploadPartCopy additionally takes
// partBytes / bandwidth and a CopyObject size / bandwidth (one request copies at ~64 MiB/s, as S3's
// single-request copy rate). Those are MODEL times. The server runs on a scaled clock: a request
// that takes `m` model ms is answered `m / timeScale` real ms after it arrived, so days of model
// time fit in seconds. The client's own CPU time is real time and is not scaled; bench.ts measures
// it and reports what it does to the results.
//
// It enforces S3's part rules and answers 400 with an S3 XML error when they are broken:
//   - part numbers 1..10000;
//   - every part but the last >= 5 MiB, every part <= 5 GiB (UploadPartCopy range > 5 GiB: 400);
//   - CompleteMultipartUpload: part numbers ascending, each part uploaded with the ETag given, and
//     (a rule of this benchmark, not of S3) the parts' source ranges contiguous and covering the
//     source object exactly, so a wrong part plan cannot pass unnoticed;
//   - CopyObject of a source above 5 GiB.
//
// Operations: HeadBucket, HeadObject (any key in the source bucket has the configured size and
// ETag; a destination key exists once a copy to it completed), ListMultipartUploads (empty),
// GetObjectTagging (empty), CreateMultipartUpload, UploadPartCopy, CompleteMultipartUpload,
// AbortMultipartUpload, CopyObject. Anything else answers 501 NotImplemented. Signatures are not
// checked. Plain HTTP on 127.0.0.1.
//
// For the ObjectCopySet benchmark (bench/set/) it also has:
//   - a synthetic keyspace (`keyspace` > 0): the source bucket then holds exactly N objects,
//     `<keyspacePrefix>p000/obj-000000` ... (1,000 per `pNNN/` folder), each of `sourceSize` bytes
//     with an ETag of its own, without storing anything, so 100,000 objects need no setup;
//   - ListObjectsV2 over that keyspace and over what was written (1,000 keys a page, continuation
//     token, start-after, Delimiter/CommonPrefixes, encoding-type=url);
//   - PutObject / GetObject / DeleteObject of small objects (a set's manifest), DeleteObjects,
//     GetBucketVersioning (never enabled), ListObjectVersions (each object its "null" version)
//     and GetBucketLocation;
//   - a per-prefix write limit (`writesPerSecond`, S3's 3,500 PUT/COPY/POST/DELETE per second per
//     partitioned prefix): a token bucket per partition on the model clock, holding
//     `burstSeconds` of tokens; a write that finds it empty is answered 503 SlowDown with S3's
//     XML body, after the usual latency. A partition is the bucket plus the key's first
//     `partitionDepth` "/"-separated segments. Off (0) unless asked for, so the copy benchmarks
//     that predate it measure what they always did.
//
// Standalone: node bench/out/bench/latency-model/server.js [--latency-ms 20] [--time-scale 1]
//   [--source-size BYTES] [--keyspace N] [--writes-per-second 3500] [--burst-seconds 0.1]
//   [--port 0]   (prints the endpoint; Ctrl-C prints the request counts)

import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

import { classify, parseTarget } from "../lib/s3ops";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
export const RULES = {
  minPartBytes: 5 * MiB,
  maxPartBytes: 5 * GiB,
  maxParts: 10_000,
  maxCopyObjectBytes: 5 * GiB,
} as const;

/** S3's documented request rate: writes (PUT/COPY/POST/DELETE) per second per partitioned prefix. */
export const S3_WRITES_PER_PREFIX = 3_500;
/** ListObjectsV2 answers at most this many keys and common prefixes a page. */
const LIST_PAGE = 1_000;
/** Objects per `pNNN/` folder of the synthetic keyspace. */
const KEYSPACE_FOLDER = 1_000;
/** PutObject keeps bodies up to this size (manifests); larger ones only their size. */
const MAX_STORED_BODY = 64 * MiB;
const WRITE_OPS = new Set([
  "CopyObject",
  "PutObject",
  "UploadPartCopy",
  "UploadPart",
  "CreateMultipartUpload",
  "CompleteMultipartUpload",
  "AbortMultipartUpload",
  "DeleteObject",
  "DeleteObjects",
  "PutObjectTagging",
  "PutObjectAcl",
]);

export interface ModelConfig {
  /** Model milliseconds every request waits. */
  latencyMs: number;
  /** Model copy rate of one UploadPartCopy or CopyObject request. */
  bytesPerSecond: number;
  /** Model seconds per real second. */
  timeScale: number;
  /** Every key in this bucket is a virtual source object of `sourceSize` bytes. */
  sourceBucket: string;
  sourceSize: number;
  sourceEtag: string;
  region: string;
  /** > 0: the source bucket holds exactly this many synthetic objects (see the header). */
  keyspace: number;
  keyspacePrefix: string;
  /** Writes per second per partition; 0 = no limit. */
  writesPerSecond: number;
  /** Model seconds of writes a partition's bucket holds when full. */
  burstSeconds: number;
  /** "/"-separated key segments that, with the bucket, name a partition. */
  partitionDepth: number;
}

export const DEFAULT_CONFIG: ModelConfig = {
  latencyMs: 20,
  bytesPerSecond: 64 * MiB,
  timeScale: 1,
  sourceBucket: "src",
  sourceSize: 5 * GiB,
  sourceEtag: '"5f363e0e58a95f06cbe9bbc662c5dfb6-1"',
  region: "us-east-1",
  keyspace: 0,
  keyspacePrefix: "data/",
  writesPerSecond: 0,
  burstSeconds: 0.1,
  partitionDepth: 1,
};

/** The i-th key of the synthetic keyspace; zero-padded, so key order is index order. */
export function keyspaceKey(prefix: string, i: number): string {
  return `${prefix}p${String(Math.floor(i / KEYSPACE_FOLDER)).padStart(3, "0")}/obj-${String(i).padStart(6, "0")}`;
}

export interface ModelStats {
  /** Requests by S3 operation. */
  counts: Record<string, number>;
  /** Error answers by S3 error code. */
  errors: Record<string, number>;
  /** The first few error messages, to show why a run failed. */
  errorSamples: string[];
  /** How late answers went out against their due time (real ms): timer precision. */
  latenessMs: { n: number; sum: number; max: number };
  maxInFlight: number;
  /** Writes the rate limit let through, and writes it answered 503 SlowDown. */
  writesAccepted: number;
  slowDowns: number;
  /** Sum of the model time of all answered requests (ms). */
  modelRequestMs: number;
  /** performance.now() of the first counted request's arrival and of the last answer sent. */
  firstArrival?: number;
  lastAnswer?: number;
}

interface Part {
  first: number;
  last: number;
  etag: string;
  source: string;
}

interface Upload {
  bucket: string;
  key: string;
  parts: Map<number, Part>;
}

interface StoredObject {
  size: number;
  etag: string;
  lastModified?: Date;
  /** PutObject's body, when small enough to keep (a manifest): GetObject returns it. */
  body?: Buffer;
}

interface ListEntry {
  key: string;
  object: StoredObject;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Answer {
  status: number;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
}

/** copy-child.ts warms the SDK up with a HeadBucket on this bucket; the server neither counts nor delays it. */
const WARMUP_BUCKET = "bench-warmup";
const LAST_MODIFIED = new Date("2026-01-01T00:00:00Z");
const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const xmlUnescape = (s: string) =>
  s
    .replace(/&quot;|&#34;|&#x22;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

export interface LatencyModelServer {
  endpoint: string;
  config: ModelConfig;
  setConfig(change: Partial<ModelConfig>): void;
  stats(): ModelStats;
  /** Clears counts, uploads and stored objects. */
  reset(): void;
  close(): Promise<void>;
}

export async function startLatencyModelServer(
  initial: Partial<ModelConfig> = {},
  port = 0,
): Promise<LatencyModelServer> {
  const config: ModelConfig = { ...DEFAULT_CONFIG, ...initial };
  let uploads = new Map<string, Upload>();
  let objects = new Map<string, StoredObject>();
  let stats: ModelStats = freshStats();
  let nextUpload = 1;
  let inFlight = 0;

  function freshStats(): ModelStats {
    return {
      counts: {},
      errors: {},
      errorSamples: [],
      latenessMs: { n: 0, sum: 0, max: 0 },
      maxInFlight: 0,
      writesAccepted: 0,
      slowDowns: 0,
      modelRequestMs: 0,
    };
  }

  // --- model clock, synthetic keyspace, listings ------------------------------------------------
  // The clock advances by real time x timeScale, accumulated so a setConfig of timeScale between
  // runs does not jump it.
  let modelNow = 0;
  let realAt = performance.now();
  function modelClock(): number {
    const now = performance.now();
    modelNow += (now - realAt) * config.timeScale;
    realAt = now;
    return modelNow;
  }

  let keyspaceCache: { n: number; prefix: string; keys: string[]; set: Set<string> } | undefined;
  function keyspaceKeys() {
    if (
      !keyspaceCache ||
      keyspaceCache.n !== config.keyspace ||
      keyspaceCache.prefix !== config.keyspacePrefix
    ) {
      const keys = Array.from({ length: config.keyspace }, (_, i) => keyspaceKey(config.keyspacePrefix, i));
      keyspaceCache = { n: config.keyspace, prefix: config.keyspacePrefix, keys, set: new Set(keys) };
    }
    return keyspaceCache;
  }
  const keyEtag = (key: string) => `"${createHash("md5").update(key).digest("hex")}"`;

  /** A source-bucket object: any key (classic mode) or one of the keyspace's. */
  function virtualSource(key: string): StoredObject | undefined {
    if (config.keyspace <= 0) return { size: config.sourceSize, etag: config.sourceEtag };
    if (!keyspaceKeys().set.has(key)) return undefined;
    return { size: config.sourceSize, etag: keyEtag(key) };
  }

  // Sorted keys of each bucket's written objects, rebuilt when that bucket changed.
  const sortedCache = new Map<string, string[]>();
  function putObject(bucket: string, key: string, object: StoredObject) {
    objects.set(`${bucket}/${key}`, object);
    sortedCache.delete(bucket);
  }
  function removeObject(bucket: string, key: string): boolean {
    sortedCache.delete(bucket);
    return objects.delete(`${bucket}/${key}`);
  }
  function sortedKeys(bucket: string): string[] {
    if (bucket === config.sourceBucket && config.keyspace > 0) return keyspaceKeys().keys;
    let keys = sortedCache.get(bucket);
    if (!keys) {
      const head = `${bucket}/`;
      keys = [...objects.keys()].filter((k) => k.startsWith(head)).map((k) => k.slice(head.length));
      keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      sortedCache.set(bucket, keys);
    }
    return keys;
  }
  function lookup(bucket: string, key: string): StoredObject | undefined {
    if (bucket === config.sourceBucket) return virtualSource(key);
    return objects.get(`${bucket}/${key}`);
  }
  /** Index of the first key >= `from` (binary search). */
  function lowerBound(keys: string[], from: string): number {
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // --- per-partition write limit ----------------------------------------------------------------
  const buckets = new Map<string, { tokens: number; at: number }>();
  function partitionOf(bucket: string, key: string): string {
    const segments = key.split("/");
    // A key's last segment is its name, not a folder: "a/b/obj" at depth 2 is partition "a/b/".
    const folders = segments.slice(0, Math.min(config.partitionDepth, segments.length - 1));
    return `${bucket}/${folders.map((f) => `${f}/`).join("")}`;
  }
  /** Takes one write token from the partition, or throws 503 SlowDown. */
  function admitWrite(bucket: string, key: string) {
    if (config.writesPerSecond <= 0) return;
    const now = modelClock();
    const capacity = Math.max(1, config.writesPerSecond * config.burstSeconds);
    const name = partitionOf(bucket, key);
    const b = buckets.get(name) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * config.writesPerSecond);
    b.at = now;
    buckets.set(name, b);
    if (b.tokens < 1) {
      stats.slowDowns += 1;
      throw new S3Error(503, "SlowDown", "Please reduce your request rate.");
    }
    b.tokens -= 1;
    stats.writesAccepted += 1;
  }

  // --- precise scheduler: answers go out at their due real time, in due order -------------------
  // setTimeout has 1 ms granularity and fires late; it is armed ~1 ms early and the rest of the
  // wait is spun out with setImmediate (which still serves I/O), so answers are rarely more than
  // ~0.2 ms late. The lateness is recorded and reported.
  interface Due {
    at: number;
    send: () => void;
  }
  const queue: Due[] = [];
  let timer: NodeJS.Timeout | undefined;
  let spinning = false;
  const EARLY_MS = 1.2;

  function schedule(due: Due) {
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (queue[mid].at <= due.at) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, due);
    arm();
  }

  function arm() {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (queue.length === 0 || spinning) return;
    const wait = queue[0].at - performance.now();
    if (wait <= EARLY_MS + 0.3) {
      spinning = true;
      setImmediate(fire);
    } else {
      timer = setTimeout(fire, wait - EARLY_MS);
    }
  }

  function fire() {
    spinning = false;
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0].at <= now + 0.05) {
      const due = queue.shift() as Due;
      const late = Math.max(0, now - due.at);
      stats.latenessMs.n += 1;
      stats.latenessMs.sum += late;
      stats.latenessMs.max = Math.max(stats.latenessMs.max, late);
      due.send();
    }
    arm();
  }

  // --- S3 operations -------------------------------------------------------------------------------
  function sourceObject(header: string): { name: string; object: StoredObject } {
    const raw = decodeURIComponent(header.split("?")[0]).replace(/^\//, "");
    const slash = raw.indexOf("/");
    const bucket = slash < 0 ? raw : raw.slice(0, slash);
    const key = slash < 0 ? "" : raw.slice(slash + 1);
    const stored = key === "" ? undefined : lookup(bucket, key);
    if (!stored) throw new S3Error(404, "NoSuchKey", `The specified key does not exist: ${raw}`);
    return { name: raw, object: stored };
  }

  function checkIfMatch(headers: http.IncomingHttpHeaders, object: StoredObject) {
    const want = headers["x-amz-copy-source-if-match"];
    if (typeof want === "string" && want !== object.etag && `"${want}"` !== object.etag) {
      throw new S3Error(
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
      );
    }
  }

  const copyMs = (bytes: number) => (bytes / config.bytesPerSecond) * 1000;

  /** The answer and the model time it takes beyond L. */
  function operate(op: string, req: http.IncomingMessage, raw: Buffer): { answer: Answer; extraMs: number } {
    const { bucket, key, query } = parseTarget(req.url ?? "/");
    const headers = req.headers;
    const body = op === "PutObject" ? "" : raw.toString("utf8");
    if (WRITE_OPS.has(op)) {
      // DeleteObjects names its keys in the body; its first key picks the partition.
      const first =
        op === "DeleteObjects" ? xmlUnescape(/<Key>([\s\S]*?)<\/Key>/.exec(body)?.[1] ?? "") : key;
      admitWrite(bucket, first);
    }
    const ok = (b: string, extra: Record<string, string | number> = {}): Answer => ({
      status: 200,
      headers: { "content-type": "application/xml", ...extra },
      body: xml(b),
    });
    switch (op) {
      case "HeadBucket":
        return { answer: { status: 200, headers: { "x-amz-bucket-region": config.region } }, extraMs: 0 };
      case "HeadObject": {
        const object = lookup(bucket, key);
        if (!object) return { answer: { status: 404 }, extraMs: 0 };
        return {
          answer: {
            status: 200,
            headers: {
              "content-length": object.size,
              etag: object.etag,
              "last-modified": (object.lastModified ?? LAST_MODIFIED).toUTCString(),
              "content-type": "binary/octet-stream",
              "accept-ranges": "bytes",
            },
          },
          extraMs: 0,
        };
      }
      case "GetObjectTagging":
        return { answer: ok(`<Tagging ${NS}><TagSet></TagSet></Tagging>`), extraMs: 0 };
      case "ListMultipartUploads":
        return {
          answer: ok(
            `<ListMultipartUploadsResult ${NS}><Bucket>${xmlEscape(bucket)}</Bucket><KeyMarker></KeyMarker>` +
              `<UploadIdMarker></UploadIdMarker><NextKeyMarker></NextKeyMarker><Prefix>${xmlEscape(query.get("prefix") ?? "")}</Prefix>` +
              `<NextUploadIdMarker></NextUploadIdMarker><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>` +
              `</ListMultipartUploadsResult>`,
          ),
          extraMs: 0,
        };
      case "CreateMultipartUpload": {
        const uploadId = `upload-${nextUpload++}`;
        uploads.set(uploadId, { bucket, key, parts: new Map() });
        return {
          answer: ok(
            `<InitiateMultipartUploadResult ${NS}><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key>` +
              `<UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
          ),
          extraMs: 0,
        };
      }
      case "UploadPartCopy": {
        const uploadId = query.get("uploadId") ?? "";
        const upload = uploads.get(uploadId);
        if (!upload || upload.bucket !== bucket || upload.key !== key) {
          throw new S3Error(404, "NoSuchUpload", `The specified upload does not exist: ${uploadId}`);
        }
        const partText = query.get("partNumber") ?? "";
        const partNumber = Number(partText);
        if (!/^\d+$/.test(partText) || partNumber < 1 || partNumber > RULES.maxParts) {
          throw new S3Error(
            400,
            "InvalidArgument",
            `Part number must be an integer between 1 and ${RULES.maxParts}, inclusive (got ${partText})`,
          );
        }
        const src = sourceObject(String(headers["x-amz-copy-source"]));
        checkIfMatch(headers, src.object);
        const rangeHeader = headers["x-amz-copy-source-range"];
        let first = 0;
        let last = src.object.size - 1;
        if (rangeHeader !== undefined) {
          const m = /^bytes=(\d+)-(\d+)$/.exec(String(rangeHeader));
          if (!m)
            throw new S3Error(
              400,
              "InvalidArgument",
              `The x-amz-copy-source-range ${rangeHeader} is malformed`,
            );
          first = Number(m[1]);
          last = Number(m[2]);
          if (first > last || last >= src.object.size) {
            throw new S3Error(
              400,
              "InvalidRange",
              `The requested range ${rangeHeader} is not satisfiable for a ${src.object.size}-byte source`,
            );
          }
        }
        const bytes = last - first + 1;
        if (bytes > RULES.maxPartBytes) {
          throw new S3Error(
            400,
            "InvalidRequest",
            `The specified copy range is larger than 5 GiB (${bytes} bytes)`,
          );
        }
        const etag = `"${uploadId}-${partNumber}-${first}"`;
        upload.parts.set(partNumber, { first, last, etag, source: src.name });
        return {
          answer: ok(
            `<CopyPartResult ${NS}><LastModified>${new Date().toISOString()}</LastModified>` +
              `<ETag>${xmlEscape(etag)}</ETag></CopyPartResult>`,
          ),
          extraMs: copyMs(bytes),
        };
      }
      case "CompleteMultipartUpload": {
        const uploadId = query.get("uploadId") ?? "";
        const upload = uploads.get(uploadId);
        if (!upload || upload.bucket !== bucket || upload.key !== key) {
          throw new S3Error(404, "NoSuchUpload", `The specified upload does not exist: ${uploadId}`);
        }
        const listed = [...body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
          partNumber: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1])?.[1] ?? NaN),
          etag: xmlUnescape(/<ETag>([\s\S]*?)<\/ETag>/.exec(m[1])?.[1] ?? ""),
        }));
        if (listed.length === 0) throw new S3Error(400, "MalformedXML", "The request lists no parts");
        if (listed.some((p, i) => !(p.partNumber > (i === 0 ? 0 : listed[i - 1].partNumber)))) {
          throw new S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order");
        }
        let previous: Part | undefined;
        for (const [i, p] of listed.entries()) {
          const part = upload.parts.get(p.partNumber);
          if (!part || part.etag !== p.etag) {
            throw new S3Error(
              400,
              "InvalidPart",
              `Part ${p.partNumber} was not uploaded or its ETag does not match`,
            );
          }
          const isLast = i === listed.length - 1;
          if (!isLast && part.last - part.first + 1 < RULES.minPartBytes) {
            throw new S3Error(
              400,
              "EntityTooSmall",
              `Part ${p.partNumber} is ${part.last - part.first + 1} bytes; every part but the last must be at least 5 MiB`,
            );
          }
          // The benchmark's own rule: the parts are the source, cut into contiguous ranges.
          const expectedFirst = previous ? previous.last + 1 : 0;
          if (part.first !== expectedFirst || (previous && previous.source !== part.source)) {
            throw new S3Error(
              400,
              "InvalidPart",
              `Part ${p.partNumber} starts at byte ${part.first} of ${part.source}; expected ${expectedFirst} (ranges must be contiguous)`,
            );
          }
          previous = part;
        }
        const size = (previous as Part).last + 1;
        const sourceSize = sourceObject((previous as Part).source).object.size;
        if (size !== sourceSize) {
          throw new S3Error(
            400,
            "InvalidPart",
            `The parts cover ${size} bytes of a ${sourceSize}-byte source`,
          );
        }
        const etag = `"complete-${uploadId}-${listed.length}"`;
        putObject(bucket, key, { size, etag, lastModified: new Date() });
        uploads.delete(uploadId);
        return {
          answer: ok(
            `<CompleteMultipartUploadResult ${NS}><Location>http://127.0.0.1/${xmlEscape(bucket)}/${xmlEscape(key)}</Location>` +
              `<Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(etag)}</ETag>` +
              `</CompleteMultipartUploadResult>`,
          ),
          extraMs: 0,
        };
      }
      case "AbortMultipartUpload": {
        const uploadId = query.get("uploadId") ?? "";
        if (!uploads.delete(uploadId)) {
          throw new S3Error(404, "NoSuchUpload", `The specified upload does not exist: ${uploadId}`);
        }
        return { answer: { status: 204 }, extraMs: 0 };
      }
      case "CopyObject": {
        const src = sourceObject(String(headers["x-amz-copy-source"]));
        checkIfMatch(headers, src.object);
        if (src.object.size > RULES.maxCopyObjectBytes) {
          throw new S3Error(
            400,
            "InvalidRequest",
            `The specified copy source is larger than the maximum allowable size for a copy source: ${RULES.maxCopyObjectBytes}`,
          );
        }
        // A single-part source keeps its ETag, as S3's CopyObject without KMS does.
        const etag = src.object.etag.includes("-") ? `"copy-${src.object.size}"` : src.object.etag;
        putObject(bucket, key, { size: src.object.size, etag, lastModified: new Date() });
        return {
          answer: ok(
            `<CopyObjectResult ${NS}><LastModified>${new Date().toISOString()}</LastModified>` +
              `<ETag>${xmlEscape(etag)}</ETag></CopyObjectResult>`,
          ),
          extraMs: copyMs(src.object.size),
        };
      }
      case "ListObjectsV2":
        return { answer: ok(listObjectsV2(bucket, query)), extraMs: 0 };
      case "ListObjectVersions":
        return { answer: ok(listObjectVersions(bucket, query)), extraMs: 0 };
      case "PutObject": {
        const etag = `"${createHash("md5").update(raw).digest("hex")}"`;
        const keep = raw.length <= MAX_STORED_BODY ? raw : undefined;
        putObject(bucket, key, { size: raw.length, etag, lastModified: new Date(), body: keep });
        return { answer: { status: 200, headers: { etag } }, extraMs: copyMs(raw.length) };
      }
      case "GetObject": {
        const object = lookup(bucket, key);
        if (!object) throw new S3Error(404, "NoSuchKey", `The specified key does not exist: ${key}`);
        if (!object.body)
          throw new S3Error(501, "NotImplemented", "The latency model holds no data for this object");
        return {
          answer: {
            status: 200,
            headers: {
              etag: object.etag,
              "last-modified": (object.lastModified ?? LAST_MODIFIED).toUTCString(),
              "content-type": "binary/octet-stream",
            },
            body: object.body,
          },
          extraMs: copyMs(object.size),
        };
      }
      case "DeleteObject":
        removeObject(bucket, key);
        return { answer: { status: 204 }, extraMs: 0 };
      case "DeleteObjects": {
        const keys = [...body.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map((m) =>
          xmlUnescape(/<Key>([\s\S]*?)<\/Key>/.exec(m[1])?.[1] ?? ""),
        );
        if (keys.length === 0 || keys.length > 1000) {
          throw new S3Error(400, "MalformedXML", `DeleteObjects lists ${keys.length} keys (1..1000 allowed)`);
        }
        const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(body);
        for (const k of keys) removeObject(bucket, k);
        const deleted = quiet
          ? ""
          : keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join("");
        return { answer: ok(`<DeleteResult ${NS}>${deleted}</DeleteResult>`), extraMs: 0 };
      }
      case "GetBucketVersioning":
        return { answer: ok(`<VersioningConfiguration ${NS}/>`), extraMs: 0 };
      case "GetBucketLocation":
        return {
          answer: ok(
            `<LocationConstraint ${NS}>${config.region === "us-east-1" ? "" : config.region}</LocationConstraint>`,
          ),
          extraMs: 0,
        };
    }
    throw new S3Error(501, "NotImplemented", `The latency model does not implement ${op}`);
  }

  /** Buckets are never versioned here: each object is its one "null" version (key-marker paging). */
  function listObjectVersions(bucket: string, query: URLSearchParams): string {
    const prefix = query.get("prefix") ?? "";
    const marker = query.get("key-marker") ?? "";
    const keys = sortedKeys(bucket);
    let i = lowerBound(keys, marker > prefix ? marker : prefix);
    if (marker && i < keys.length && keys[i] === marker) i++;
    const page: string[] = [];
    while (i < keys.length && keys[i].startsWith(prefix) && page.length < LIST_PAGE) page.push(keys[i++]);
    const truncated = i < keys.length && keys[i].startsWith(prefix);
    const versions = page
      .map((k) => {
        const o = lookup(bucket, k) as StoredObject;
        return (
          `<Version><Key>${xmlEscape(k)}</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>` +
          `<LastModified>${(o.lastModified ?? LAST_MODIFIED).toISOString()}</LastModified>` +
          `<ETag>${xmlEscape(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Version>`
        );
      })
      .join("");
    return (
      `<ListVersionsResult ${NS}><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix>` +
      `<KeyMarker>${xmlEscape(marker)}</KeyMarker><VersionIdMarker></VersionIdMarker><MaxKeys>${LIST_PAGE}</MaxKeys>` +
      `<IsTruncated>${truncated}</IsTruncated>` +
      (truncated
        ? `<NextKeyMarker>${xmlEscape(page[page.length - 1])}</NextKeyMarker><NextVersionIdMarker>null</NextVersionIdMarker>`
        : "") +
      `${versions}</ListVersionsResult>`
    );
  }

  /** One ListObjectsV2 page over the bucket's sorted keys. */
  function listObjectsV2(bucket: string, query: URLSearchParams): string {
    const prefix = query.get("prefix") ?? "";
    const delimiter = query.get("delimiter") ?? "";
    const maxKeys = Math.min(LIST_PAGE, Math.max(0, Number(query.get("max-keys") ?? LIST_PAGE)));
    const token = query.get("continuation-token");
    const startAfter = query.get("start-after") ?? "";
    const url = query.get("encoding-type") === "url";
    const enc = (s: string) => xmlEscape(url ? encodeURIComponent(s).replace(/%2F/g, "/") : s);
    // The token is the last key or common prefix returned: the next page starts after it (and
    // after every key under it, when it was a common prefix).
    let after = token !== null ? Buffer.from(token, "base64url").toString("utf8") : startAfter;
    const keys = sortedKeys(bucket);
    let i = lowerBound(keys, after > prefix ? after : prefix);
    if (after && i < keys.length && keys[i] === after) i++;
    if (after && delimiter && after.endsWith(delimiter)) i = lowerBound(keys, `${after}\u{10ffff}`);
    const contents: ListEntry[] = [];
    const common: string[] = [];
    let truncated = false;
    while (i < keys.length && keys[i].startsWith(prefix)) {
      if (contents.length + common.length >= maxKeys) {
        truncated = true;
        break;
      }
      const k = keys[i];
      const cut = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) {
        const cp = k.slice(0, cut + delimiter.length);
        common.push(cp);
        after = cp;
        i = lowerBound(keys, `${cp}\u{10ffff}`);
      } else {
        contents.push({ key: k, object: lookup(bucket, k) as StoredObject });
        after = k;
        i++;
      }
    }
    const body =
      contents
        .map(
          (e) =>
            `<Contents><Key>${enc(e.key)}</Key><LastModified>${(e.object.lastModified ?? LAST_MODIFIED).toISOString()}</LastModified>` +
            `<ETag>${xmlEscape(e.object.etag)}</ETag><Size>${e.object.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
        )
        .join("") + common.map((p) => `<CommonPrefixes><Prefix>${enc(p)}</Prefix></CommonPrefixes>`).join("");
    return (
      `<ListBucketResult ${NS}><Name>${xmlEscape(bucket)}</Name><Prefix>${enc(prefix)}</Prefix>` +
      (delimiter ? `<Delimiter>${enc(delimiter)}</Delimiter>` : "") +
      (token !== null ? `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>` : "") +
      (startAfter ? `<StartAfter>${enc(startAfter)}</StartAfter>` : "") +
      (url ? "<EncodingType>url</EncodingType>" : "") +
      `<MaxKeys>${maxKeys}</MaxKeys><KeyCount>${contents.length + common.length}</KeyCount>` +
      `<IsTruncated>${truncated}</IsTruncated>` +
      (truncated
        ? `<NextContinuationToken>${Buffer.from(after).toString("base64url")}</NextContinuationToken>`
        : "") +
      `${body}</ListBucketResult>`
    );
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (parseTarget(req.url ?? "/").bucket === WARMUP_BUCKET) {
        // copy-child's warm-up request: not counted, not delayed.
        res.writeHead(200, { "content-length": 0 }).end();
        return;
      }
      const op = classify(req.method ?? "GET", req.url ?? "/", req.headers);
      stats.firstArrival ??= arrived;
      stats.counts[op] = (stats.counts[op] ?? 0) + 1;
      inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      let answer: Answer;
      let modelMs = config.latencyMs;
      try {
        const done = operate(op, req, Buffer.concat(chunks));
        answer = done.answer;
        modelMs += done.extraMs;
      } catch (err) {
        const e =
          err instanceof S3Error
            ? err
            : new S3Error(500, "InternalError", (err as Error).message ?? String(err));
        stats.errors[e.code] = (stats.errors[e.code] ?? 0) + 1;
        if (stats.errorSamples.length < 5) stats.errorSamples.push(`${op}: ${e.code}: ${e.message}`);
        answer = {
          status: e.status,
          headers: { "content-type": "application/xml" },
          body:
            req.method === "HEAD"
              ? undefined
              : xml(
                  `<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message>` +
                    `<RequestId>model-${stats.latenessMs.n}</RequestId><HostId>latency-model</HostId></Error>`,
                ),
        };
      }
      stats.modelRequestMs += modelMs;
      schedule({
        at: arrived + modelMs / config.timeScale,
        send: () => {
          inFlight -= 1;
          const headers: Record<string, string | number> = {
            "x-amz-request-id": `model-${stats.latenessMs.n}`,
            ...(answer.headers ?? {}),
          };
          if (answer.body !== undefined) headers["content-length"] = Buffer.byteLength(answer.body);
          else if (headers["content-length"] === undefined) headers["content-length"] = 0;
          stats.lastAnswer = performance.now();
          res.writeHead(answer.status, headers);
          res.end(req.method === "HEAD" ? undefined : answer.body);
        },
      });
    });
  }

  const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    config,
    setConfig(change) {
      Object.assign(config, change);
    },
    stats: () => stats,
    reset() {
      stats = freshStats();
      uploads = new Map();
      objects = new Map();
      sortedCache.clear();
      buckets.clear();
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (require.main === module) {
  void (async () => {
    const server = await startLatencyModelServer(
      {
        latencyMs: Number(arg("--latency-ms") ?? DEFAULT_CONFIG.latencyMs),
        timeScale: Number(arg("--time-scale") ?? DEFAULT_CONFIG.timeScale),
        sourceSize: Number(arg("--source-size") ?? DEFAULT_CONFIG.sourceSize),
        keyspace: Number(arg("--keyspace") ?? DEFAULT_CONFIG.keyspace),
        // Alone, the server models S3's limit unless told otherwise (0 turns it off).
        writesPerSecond: Number(arg("--writes-per-second") ?? S3_WRITES_PER_PREFIX),
        burstSeconds: Number(arg("--burst-seconds") ?? DEFAULT_CONFIG.burstSeconds),
      },
      Number(arg("--port") ?? 0),
    );
    console.log(
      `latency-model S3 server on ${server.endpoint} (source bucket "${server.config.sourceBucket}")`,
    );
    process.once("SIGINT", () => {
      console.log(JSON.stringify(server.stats(), null, 2));
      void server.close().then(() => process.exit(0));
    });
  })();
}
