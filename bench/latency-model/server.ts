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
// Standalone: node bench/out/bench/latency-model/server.js [--latency-ms 20] [--time-scale 1]
//   [--source-size BYTES] [--port 0]   (prints the endpoint; Ctrl-C prints the request counts)

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
}

export const DEFAULT_CONFIG: ModelConfig = {
  latencyMs: 20,
  bytesPerSecond: 64 * MiB,
  timeScale: 1,
  sourceBucket: "src",
  sourceSize: 5 * GiB,
  sourceEtag: '"5f363e0e58a95f06cbe9bbc662c5dfb6-1"',
  region: "us-east-1",
};

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
  body?: string;
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
      modelRequestMs: 0,
    };
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
    if (bucket === config.sourceBucket && key !== "") {
      return { name: raw, object: { size: config.sourceSize, etag: config.sourceEtag } };
    }
    const stored = objects.get(`${bucket}/${key}`);
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
  function operate(op: string, req: http.IncomingMessage, body: string): { answer: Answer; extraMs: number } {
    const { bucket, key, query } = parseTarget(req.url ?? "/");
    const headers = req.headers;
    const ok = (b: string, extra: Record<string, string | number> = {}): Answer => ({
      status: 200,
      headers: { "content-type": "application/xml", ...extra },
      body: xml(b),
    });
    switch (op) {
      case "HeadBucket":
        return { answer: { status: 200, headers: { "x-amz-bucket-region": config.region } }, extraMs: 0 };
      case "HeadObject": {
        const object =
          bucket === config.sourceBucket
            ? { size: config.sourceSize, etag: config.sourceEtag }
            : objects.get(`${bucket}/${key}`);
        if (!object) return { answer: { status: 404 }, extraMs: 0 };
        return {
          answer: {
            status: 200,
            headers: {
              "content-length": object.size,
              etag: object.etag,
              "last-modified": LAST_MODIFIED.toUTCString(),
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
        objects.set(`${bucket}/${key}`, { size, etag });
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
        const etag = `"copy-${src.object.size}"`;
        objects.set(`${bucket}/${key}`, { size: src.object.size, etag });
        return {
          answer: ok(
            `<CopyObjectResult ${NS}><LastModified>${new Date().toISOString()}</LastModified>` +
              `<ETag>${xmlEscape(etag)}</ETag></CopyObjectResult>`,
          ),
          extraMs: copyMs(src.object.size),
        };
      }
    }
    throw new S3Error(501, "NotImplemented", `The latency model does not implement ${op}`);
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
        const done = operate(op, req, Buffer.concat(chunks).toString("utf8"));
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
              : xml(`<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error>`),
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
