import { execFileSync } from "node:child_process";
import * as path from "node:path";

import { objectCopyProvider } from "../../provider/dynamic";
import { keyLeaks, type KeyValue, randomKey, randomNumberKey } from "../helpers/key-leaks";
import { exists, head, newBucket, provider, put } from "../helpers/s3";

const KEY_RAW = "0123456789abcdef0123456789ABCDEF";
const KEY_B64 = Buffer.from(KEY_RAW).toString("base64");

beforeEach(() => provider.reset());

describe("secrets", () => {
  it("keeps SSE-C keys out of the outputs and out of the serialized provider", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "secret bytes");
    // moto accepts (and ignores) SSE-C headers, which is enough to exercise the state path; the
    // encryption itself is verified against MinIO.
    const outs = await provider.create({ bucket: dst, key: "b", source: `${src}/a`, customerKey: KEY_RAW });

    const serialized = execFileSync(
      process.execPath,
      [path.join(__dirname, "..", "helpers", "serialize-provider.js")],
      {
        encoding: "utf8",
      },
    );
    const stateText = JSON.stringify(outs);
    for (const text of [stateText, serialized]) {
      expect(text).not.toContain(KEY_RAW);
      expect(text).not.toContain(KEY_B64);
      expect(text).not.toContain("testing"); // the access key and secret from the environment
    }
    expect(outs.customerKeyMd5).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(outs).not.toHaveProperty("customerKey");
    expect(serialized).toContain('require("pulumi-s3-object-copy/engine")');
  });
});

/*
 * Keys a program can only pass with a cast (`as any`): a number, a Buffer, and the plain object of
 * byte values that the Pulumi SDK turns a Buffer into on its way to the provider (the provider
 * never receives a Buffer itself).
 */
const KEY_PROPS = ["customerKey", "sourceCustomerKey"] as const;
interface NonStringKey {
  kind: string;
  value: unknown;
  search: KeyValue;
  /** Whether the engine can deliver it to the provider. */
  reachable: boolean;
}
function nonStringKeys(): NonStringKey[] {
  const bytes = Buffer.from(randomKey());
  const number = randomNumberKey();
  return [
    { kind: "a number", value: number, search: number, reachable: true },
    { kind: "a Buffer", value: bytes, search: bytes, reachable: false },
    {
      kind: "a Buffer as the SDK sends it",
      value: Object.fromEntries(bytes.entries()),
      search: bytes,
      reachable: true,
    },
  ];
}
const PLACE = { bucket: "dest-bucket", key: "b", source: "src-bucket/a" };
const noLeaks = (names: string[]) => Object.fromEntries(names.map((n) => [n, []]));

describe("a key that is not a string, or not a key", () => {
  it.each(KEY_PROPS)("check rejects a non-string %s without showing it in any failure", async (prop) => {
    const leaks: Record<string, string[]> = {};
    const named: Record<string, boolean> = {};
    for (const k of nonStringKeys()) {
      const { failures = [] } = await provider.check({ ...PLACE, [prop]: k.value });
      const text = JSON.stringify(failures);
      leaks[k.kind] = keyLeaks(text, k.search);
      named[k.kind] = text.includes(prop);
    }
    expect(leaks).toEqual(noLeaks(Object.keys(leaks)));
    expect(named).toEqual(Object.fromEntries(Object.keys(named).map((n) => [n, true])));
  });

  it("no check failure points the engine at a key's value (the engine prints inputs[property] beside each failure)", async () => {
    const key = randomKey();
    const cases: { name: string; news: Record<string, unknown>; search: KeyValue }[] = [
      {
        name: "valid key with SSE-S3",
        news: { customerKey: key, serverSideEncryption: "AES256" },
        search: key,
      },
      { name: "key too long", news: { customerKey: `${key}!` }, search: key },
      { name: "source key too short", news: { sourceCustomerKey: key.slice(0, 31) }, search: key },
      ...nonStringKeys().flatMap((k) =>
        KEY_PROPS.map((p) => ({ name: `${p} as ${k.kind}`, news: { [p]: k.value }, search: k.search })),
      ),
    ];
    const leaks: Record<string, string[]> = {};
    for (const c of cases) {
      const news: Record<string, unknown> = { ...PLACE, ...c.news };
      const { failures = [] } = await provider.check(news);
      // What `pulumi preview` prints for each failure: "property P value <inputs[P]> has a problem: R".
      const printed = failures
        .map(
          (f) =>
            `property ${f.property} value ${JSON.stringify(news[f.property])} has a problem: ${f.reason}`,
        )
        .join("\n");
      leaks[c.name] = failures.length ? keyLeaks(printed, c.search) : ["(no failure at all)"];
    }
    expect(leaks).toEqual(noLeaks(cases.map((c) => c.name)));
  });

  it.each(KEY_PROPS)(
    "create and update called without check refuse a non-string %s without showing it",
    async (prop) => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "a", "bytes");
      const inputs = { bucket: dst, key: "b", source: `${src}/a` };
      const olds = await provider.create(inputs);
      const outcome: Record<string, string[]> = {};
      for (const k of nonStringKeys().filter((n) => n.reachable)) {
        for (const call of ["create", "update"] as const) {
          const news = { ...inputs, [prop]: k.value };
          const attempt =
            call === "create"
              ? objectCopyProvider.create({ ...news, key: "refused" })
              : objectCopyProvider.update!("id", olds, news);
          const error = await attempt.then(
            () => undefined,
            (e: unknown) => e,
          );
          // Not `instanceof Error`: errors Node itself throws come from another realm under jest.
          const message = (error as { message?: unknown } | undefined)?.message;
          const stack = (error as { stack?: unknown } | undefined)?.stack;
          outcome[`${call} with ${k.kind}`] =
            typeof message === "string" ? keyLeaks(`${message}\n${String(stack)}`, k.search) : ["(accepted)"];
        }
      }
      expect(outcome).toEqual(noLeaks(Object.keys(outcome)));
      // Refused before copying: no object written, the existing copy untouched.
      expect(await exists(dst, "refused")).toBe(false);
      expect((await head(dst, "b")).ETag).toBe(olds.etag);
    },
  );
});
