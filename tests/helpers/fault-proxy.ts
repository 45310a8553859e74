import * as http from "node:http";

export interface Fault {
  /** Which requests to fail: gets the method and URL, returns a fault or undefined to pass through. */
  match(req: {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
  }):
    | "500"
    | "200-error"
    | "503-slowdown"
    | "hang"
    | "lose-answer"
    | "withhold-answer"
    | "reset"
    | { holdMs: number }
    | undefined;
}

export interface FaultProxy {
  endpoint: string;
  /** Every request seen, as "METHOD path?query" with the part number, in order. */
  log: string[];
  /** The requests the server answered under "withhold-answer", whose answers the client never got. */
  withheld: string[];
  close(): Promise<void>;
}

const ERROR_BODY =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>injected</Message></Error>';
/** S3's answer when a prefix gets more requests than it takes: 503 with code SlowDown. */
const SLOW_DOWN_BODY =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';

/**
 * A pass-through HTTP proxy on 127.0.0.1 in front of a real server, failing the requests a test
 * picks: a plain 500, S3's 503 SlowDown, or S3's "200 OK with an <Error> body" that copy operations can return; or
 * never answering ("hang"), answering late (`holdMs`), a reset with no answer ("reset"), a reset
 * after the server did the work ("lose-answer"), or the server's work done and its answer kept
 * from the client for good ("withhold-answer").
 */
export function startFaultProxy(upstream: string, fault: Fault): Promise<FaultProxy> {
  const target = new URL(upstream);
  const log: string[] = [];
  const withheld: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers };
      log.push(`${entry.method} ${entry.url}`);
      const f = fault.match(entry);
      if (f === "hang") return; // never answered: the request stays in flight until the client goes away
      if (f === "reset") {
        // The connection dies with no answer, and the server never sees the request.
        req.socket.destroy();
        return;
      }
      if (f === "503-slowdown") {
        res.writeHead(503, { "content-type": "application/xml" });
        res.end(SLOW_DOWN_BODY);
        return;
      }
      if (f === "500" || f === "200-error") {
        res.writeHead(f === "500" ? 500 : 200, { "content-type": "application/xml" });
        res.end(ERROR_BODY);
        return;
      }
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (ur) => {
          if (f === "lose-answer") {
            // The server did the work; the client never hears of it (and its SDK retries).
            ur.resume();
            ur.on("end", () => req.socket.destroy());
            return;
          }
          if (f === "withhold-answer") {
            // The server did the work; the client waits for an answer that never comes (as when
            // the process is killed between the two).
            ur.resume();
            ur.on("end", () => withheld.push(`${entry.method} ${entry.url}`));
            return;
          }
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
        },
      );
      up.on("error", (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      const hold = typeof f === "object" ? f.holdMs : 0;
      // A held request reaches the server late, whether or not the client still waits for it.
      if (hold) setTimeout(() => up.end(Buffer.concat(chunks)), hold);
      else up.end(Buffer.concat(chunks));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address() as { port: number };
      resolve({
        endpoint: `http://127.0.0.1:${addr.port}`,
        log,
        withheld,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
