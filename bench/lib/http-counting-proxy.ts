// A plain-HTTP proxy in front of a plain-HTTP S3 endpoint (moto, the latency model) that counts
// requests by S3 operation. The Host header is passed through unchanged, so SigV4 signatures made
// for the proxy's address still verify. (bench/minio/harness.ts has the TLS-upstream twin for MinIO.)

import * as http from "node:http";
import type { AddressInfo } from "node:net";

import { classify } from "./s3ops";

export interface HttpCountingProxy {
  endpoint: string;
  counts(): Record<string, number>;
  reset(): void;
  close(): Promise<void>;
}

export async function startHttpCountingProxy(upstream: string): Promise<HttpCountingProxy> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  let counts: Record<string, number> = {};
  const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, (req, res) => {
    const op = classify(req.method ?? "GET", req.url ?? "/", req.headers);
    counts[op] = (counts[op] ?? 0) + 1;
    const up = http.request(
      {
        host: target.hostname,
        port: Number(target.port),
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on("error", (err) => {
      counts.proxyError = (counts.proxyError ?? 0) + 1;
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ ...counts }),
    reset() {
      counts = {};
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
