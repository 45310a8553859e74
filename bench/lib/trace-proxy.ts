// A plain-HTTP proxy that records every request it forwards: its S3 operation, when it arrived,
// when its answer ended, its status and, for UploadPartCopy, the bytes of its source range. The
// controller trace (bench/controller/trace.ts) turns that into throughput and requests in flight
// against time, as the server saw them. The upstream is plain HTTP (the latency model) or HTTPS
// with a CA to trust (MinIO). The Host header is passed through unchanged, so SigV4 signatures made
// for the proxy's address still verify.

import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";

import { classify } from "./s3ops";

export interface TracedRequest {
  op: string;
  /** The request's path and query, as sent. */
  url: string;
  /** performance.now() when the request arrived at the proxy and when its answer ended. */
  start: number;
  end: number;
  status: number;
  /** UploadPartCopy: the bytes of x-amz-copy-source-range; otherwise 0. */
  bytes: number;
}

export interface TraceProxy {
  endpoint: string;
  /** Requests answered since the last reset, in the order their answers ended. */
  trace(): TracedRequest[];
  reset(): void;
  close(): Promise<void>;
}

function rangeBytes(header: string | string[] | undefined): number {
  const m = /bytes=(\d+)-(\d+)/.exec(String(header ?? ""));
  return m ? Number(m[2]) - Number(m[1]) + 1 : 0;
}

export async function startTraceProxy(upstream: string, opts: { ca?: Buffer } = {}): Promise<TraceProxy> {
  const target = new URL(upstream);
  const secure = target.protocol === "https:";
  const agent = secure
    ? new https.Agent({ ca: opts.ca, keepAlive: true, maxSockets: 1024 })
    : new http.Agent({ keepAlive: true, maxSockets: 1024 });
  let records: TracedRequest[] = [];
  const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, (req, res) => {
    const start = performance.now();
    const op = classify(req.method ?? "GET", req.url ?? "/", req.headers);
    const bytes = op === "UploadPartCopy" ? rangeBytes(req.headers["x-amz-copy-source-range"]) : 0;
    let status = 0;
    const options = {
      host: target.hostname,
      port: Number(target.port),
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    };
    const onAnswer = (answer: http.IncomingMessage) => {
      status = answer.statusCode ?? 502;
      res.writeHead(status, answer.headers);
      answer.pipe(res);
    };
    const up = secure ? https.request(options, onAnswer) : http.request(options, onAnswer);
    res.on("finish", () =>
      records.push({ op, url: req.url ?? "/", start, end: performance.now(), status, bytes }),
    );
    up.on("error", (err) => {
      status = 502;
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    trace: () => [...records],
    reset() {
      records = [];
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      });
    },
  };
}
