// ObjectCopySet's up against a stub S3 over HTTP: how many copies are really on the wire at once,
// and what a cancelled run leaves alone. Stubs, because no server can count its peak of concurrent
// CopyObjects for us or let a test deliver SIGINT at an exact request.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

import { resetClientCaches } from "../../provider/engine/clients";
import { checkSet, createSet, deleteSet, updateSet, type SetOutputs } from "../../provider/engine/set";
import type { fakeProcess } from "../helpers/fake-process";

// The process's signal registry, replaced by one whose signals the test sends by hand. A signalled
// registry stays signalled, as the process would, so `renewProcess()` gives a test a fresh one.
jest.mock("../../provider/engine/cancel", () => {
  const actual = jest.requireActual("../../provider/engine/cancel");
  const { fakeProcess: fake } = jest.requireActual("../helpers/fake-process");
  const current = { proc: fake(), registry: undefined as unknown };
  const renewProcess = () => {
    current.proc = fake();
    current.registry = new actual.CancelRegistry(current.proc.hooks);
  };
  renewProcess();
  return {
    ...actual,
    get processCancels() {
      return current.registry;
    },
    get testProcess() {
      return current.proc;
    },
    renewProcess,
  };
});
const cancelMock = jest.requireMock("../../provider/engine/cancel") as {
  testProcess: ReturnType<typeof fakeProcess>;
  renewProcess: () => void;
};

const ETAG = '"0cc175b9c0f1b6a831c399e269772661"';
const LAST_MODIFIED = "2026-01-01T00:00:00.000Z";
const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>${body}`;
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");

interface Stored {
  body: Buffer;
  etag: string;
  metadata: Record<string, string>;
}

/**
 * Just enough of S3 for a set's up: listings (with delimiter), objects (put, get, head), copies,
 * DeleteObjects, an unversioned bucket with no open uploads. `onCopy` decides when a CopyObject
 * is answered.
 */
function stubS3(onCopy: (answer: () => void, destKey: string) => void) {
  const objects = new Map<string, Stored>(); // "bucket/key"
  const deleteBodies: string[] = [];
  let copiesInFlight = 0;
  let peakCopies = 0;
  const hooks: { onList?: (bucket: string, prefix: string) => void } = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://stub");
      const [, bucket, ...rest] = url.pathname.split("/");
      const key = decodeURIComponent(rest.join("/"));
      const q = url.searchParams;
      const send = (status: number, body = "", headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/xml", ...headers });
        res.end(body);
      };
      const notFound = () =>
        req.method === "HEAD"
          ? send(404)
          : send(404, xml(`<Error><Code>NoSuchKey</Code><Message>no</Message></Error>`));
      if (req.method === "HEAD" && !key) return send(200, "", { "x-amz-bucket-region": "us-east-1" });
      if (req.method === "GET" && q.get("list-type") === "2") {
        const prefix = q.get("prefix") ?? "";
        hooks.onList?.(bucket, prefix);
        const delimiter = q.get("delimiter") ?? "";
        const keys = [...objects.keys()]
          .filter((k) => k.startsWith(`${bucket}/${prefix}`))
          .map((k) => k.slice(bucket.length + 1))
          .sort();
        const common = new Set<string>();
        const contents: string[] = [];
        for (const k of keys) {
          const cut = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
          if (cut >= 0) common.add(k.slice(0, cut + 1));
          else contents.push(k);
        }
        return send(
          200,
          xml(
            `<ListBucketResult><Name>${bucket}</Name><Prefix>${esc(prefix)}</Prefix>` +
              `<KeyCount>${contents.length + common.size}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>` +
              contents
                .map((k) => {
                  const o = objects.get(`${bucket}/${k}`)!;
                  return `<Contents><Key>${esc(k)}</Key><LastModified>${LAST_MODIFIED}</LastModified><ETag>${esc(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
                })
                .join("") +
              [...common].map((p) => `<CommonPrefixes><Prefix>${esc(p)}</Prefix></CommonPrefixes>`).join("") +
              `</ListBucketResult>`,
          ),
        );
      }
      if (req.method === "GET" && q.has("uploads")) {
        return send(
          200,
          xml(`<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`),
        );
      }
      if (req.method === "GET" && q.has("versioning")) return send(200, xml(`<VersioningConfiguration/>`));
      if (req.method === "POST" && q.has("delete")) {
        const body = Buffer.concat(chunks).toString();
        deleteBodies.push(body);
        for (const m of body.matchAll(/<Key>([^<]*)<\/Key>/g)) objects.delete(`${bucket}/${m[1]}`);
        return send(200, xml(`<DeleteResult/>`));
      }
      if (req.method === "PUT" && req.headers["x-amz-copy-source"]) {
        const from = decodeURIComponent(String(req.headers["x-amz-copy-source"])).replace(/^\//, "");
        const source = objects.get(from);
        copiesInFlight += 1;
        peakCopies = Math.max(peakCopies, copiesInFlight);
        let answered = false;
        res.on("close", () => {
          if (!answered) copiesInFlight -= 1;
        });
        return onCopy(() => {
          if (answered || res.destroyed) return;
          answered = true;
          copiesInFlight -= 1;
          if (!source) return notFound();
          objects.set(`${bucket}/${key}`, { ...source });
          send(
            200,
            xml(
              `<CopyObjectResult><ETag>${esc(source.etag)}</ETag><LastModified>${LAST_MODIFIED}</LastModified></CopyObjectResult>`,
            ),
          );
        }, key);
      }
      if (req.method === "PUT") {
        const metadata: Record<string, string> = {};
        for (const [h, v] of Object.entries(req.headers)) {
          if (h.startsWith("x-amz-meta-")) metadata[h.slice(11)] = String(v);
        }
        objects.set(`${bucket}/${key}`, { body: Buffer.concat(chunks), etag: ETAG, metadata });
        return send(200, "", { etag: ETAG });
      }
      if (req.method === "GET" || req.method === "HEAD") {
        const o = objects.get(`${bucket}/${key}`);
        if (!o) return notFound();
        const meta = Object.fromEntries(Object.entries(o.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v]));
        res.writeHead(200, {
          etag: o.etag,
          "content-length": String(o.body.length),
          "last-modified": new Date(LAST_MODIFIED).toUTCString(),
          ...meta,
        });
        return res.end(req.method === "GET" ? o.body : undefined);
      }
      send(400, xml(`<Error><Code>NotImplemented</Code><Message>${req.method} ${req.url}</Message></Error>`));
    });
  });
  return {
    hooks,
    objects,
    deleteBodies,
    peak: () => peakCopies,
    async start() {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const ID = { __setProject: "proj", __setStack: "dev", __setName: "site" };

async function inputsFor(endpoint: string, extra: Record<string, unknown> = {}, olds = {}) {
  const { inputs, failures } = await checkSet(
    {
      source: "src-bkt/build/",
      bucket: "dst-bkt",
      prefix: "site/",
      endpoint,
      region: "us-east-1",
      ...ID,
      ...extra,
    },
    new Date(),
    olds,
  );
  expect(failures).toEqual([]);
  return inputs;
}

const seed = (s: ReturnType<typeof stubS3>, keys: string[], etag = ETAG) => {
  for (const k of keys) s.objects.set(`src-bkt/build/${k}`, { body: Buffer.from("a"), etag, metadata: {} });
};

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = "test";
  process.env.AWS_SECRET_ACCESS_KEY = "test";
});
beforeEach(() => {
  resetClientCaches();
  jest.spyOn(console, "log").mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe("ObjectCopySet up: concurrency", () => {
  it("keeps 128 CopyObjects on the wire at once for concurrency 128 (the client is sized from it)", async () => {
    const TARGET = 128;
    const held: (() => void)[] = [];
    let idle: NodeJS.Timeout | undefined;
    const releaseAll = () => held.splice(0).forEach((answer) => answer());
    // Held until TARGET are in flight; should fewer ever arrive, released once none arrive for a while.
    const s3 = stubS3((answer) => {
      held.push(answer);
      clearTimeout(idle);
      if (held.length >= TARGET) releaseAll();
      else idle = setTimeout(releaseAll, 300);
    });
    const endpoint = await s3.start();
    try {
      seed(
        s3,
        Array.from({ length: 2 * TARGET }, (_, i) => `k${i}`),
      );
      const { outs } = await createSet(await inputsFor(endpoint, { concurrency: TARGET }));
      expect(outs.lastRun).toEqual({ copied: 2 * TARGET, recopied: 0, deleted: 0, adopted: 0, failed: 0 });
      expect(s3.peak()).toBe(TARGET);
    } finally {
      clearTimeout(idle);
      await s3.stop();
    }
  });
});

describe("ObjectCopySet up and destroy: cancel", () => {
  beforeEach(() => cancelMock.renewProcess());

  it("sends no DeleteObjects for the set's objects after SIGINT: a removed source's copy stays", async () => {
    let onCopy: (answer: () => void) => void = (answer) => answer();
    const s3 = stubS3((answer) => onCopy(answer));
    const endpoint = await s3.start();
    try {
      seed(s3, ["a", "b"]);
      const first = await createSet(await inputsFor(endpoint));
      expect(first.outs.lastRun).toMatchObject({ copied: 2 });
      expect([...s3.objects.keys()].filter((k) => k.startsWith("dst-bkt/site/")).sort()).toEqual([
        "dst-bkt/site/a",
        "dst-bkt/site/b",
      ]);

      // Between the two ups: a is removed from the source, b changes (a re-copy), c is new.
      s3.objects.delete("src-bkt/build/a");
      seed(s3, ["b"], '"11111111111111111111111111111111"');
      seed(s3, ["c"]);
      s3.deleteBodies.length = 0;
      // The first copy of the second up is answered only after SIGINT arrived, never before.
      onCopy = (answer) => {
        cancelMock.testProcess.send("SIGINT");
        setTimeout(answer, 50);
      };
      const news = await inputsFor(endpoint, {}, first.outs);
      await expect(updateSet(first.outs as SetOutputs, news)).rejects.toThrow(/^CANCELLED: /);

      expect(s3.deleteBodies.filter((b) => b.includes("<Key>site/"))).toEqual([]);
      expect(s3.objects.has("dst-bkt/site/a")).toBe(true);
      expect(cancelMock.testProcess.raised).toEqual(["SIGINT"]);
    } finally {
      await s3.stop();
    }
  });

  it("destroy cancelled by SIGINT while it lists sends no DeleteObjects and keeps the manifest for the next destroy", async () => {
    const s3 = stubS3((answer) => answer());
    const endpoint = await s3.start();
    try {
      seed(s3, ["a", "b"]);
      const { outs } = await createSet(await inputsFor(endpoint));
      s3.deleteBodies.length = 0;
      // SIGINT arrives while destroy lists the destination, before it sends any DeleteObjects.
      s3.hooks.onList = (bucket, prefix) => {
        if (bucket === "dst-bkt" && prefix.startsWith("site/")) cancelMock.testProcess.send("SIGINT");
      };
      await expect(deleteSet(outs)).rejects.toThrow(
        /^CANCELLED: listing s3:\/\/dst-bkt\/site\/ was cancelled/,
      );
      expect(s3.deleteBodies).toEqual([]);
      expect([...s3.objects.keys()].filter((k) => k.startsWith("dst-bkt/site/")).sort()).toEqual([
        "dst-bkt/site/a",
        "dst-bkt/site/b",
      ]);
      // The manifest is still there, so the next destroy deletes both.
      expect([...s3.objects.keys()].some((k) => k.startsWith("dst-bkt/.pulumi-s3-object-copy/"))).toBe(true);
      expect(cancelMock.testProcess.raised).toEqual(["SIGINT"]);
      s3.hooks.onList = undefined;
      cancelMock.renewProcess();
      resetClientCaches();
      await deleteSet(outs).catch(() => undefined); // the stub has no ListObjectVersions for the manifest
      expect([...s3.objects.keys()].filter((k) => k.startsWith("dst-bkt/site/"))).toEqual([]);
    } finally {
      await s3.stop();
    }
  });
});
