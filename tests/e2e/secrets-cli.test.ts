/*
 * SSE-C keys under the real Pulumi CLI. When check fails on a property, the engine prints that
 * property's input value beside the failure, unwrapping a secret to do it, so a failure reported
 * under customerKey would print the key. Each invalid program runs through `preview` and `up`,
 * plain and --json, and the whole output (stdout and stderr) and the exported state are searched
 * for every key in every form (tests/helpers/key-leaks.ts). Then a real SSE-C copy on MinIO with
 * TLS: up, preview and destroy, with the same search. The keys come from the environment, never
 * from stack config, so nothing but the resource can carry them into output or state.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";

import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";

import { keyLeaks, type KeyValue, randomKey, randomNumberKey } from "../helpers/key-leaks";
import { PulumiCli, type RunResult } from "../helpers/pulumi-cli";
import { type MinioServer, startMinio } from "../servers/minio";
import { exampleStack } from "./harness";

jest.setTimeout(120_000);

const KEY = randomKey();
const SOURCE_KEY = randomKey();
const NUMBER_KEY = randomNumberKey();
// Searched as bytes, so a key printed as a byte array (decimal, or index: byte) is found too.
const SECRETS: Record<string, KeyValue> = {
  customerKey: Buffer.from(KEY),
  sourceCustomerKey: Buffer.from(SOURCE_KEY),
  "the number key": NUMBER_KEY,
};
const KEY_ENV = {
  OBJCOPY_E2E_KEY: KEY,
  OBJCOPY_E2E_SOURCE_KEY: SOURCE_KEY,
  OBJCOPY_E2E_NUMBER_KEY: String(NUMBER_KEY),
};
const FIXTURES = path.join(__dirname, "fixtures");
/** How Pulumi's state marks a secret: `{ [SECRET_SIG]: SECRET_VALUE, ciphertext }`. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** Which secrets show in `text`, and in which forms; {} when none does. */
function leaksIn(text: string): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(SECRETS)) {
    const forms = keyLeaks(text, value);
    if (forms.length) found[name] = forms;
  }
  return found;
}

const output = (r: RunResult) => `${r.stdout}\n${r.stderr}`;

/** Programs `check` must refuse, each by the named key property (scenarios in the fixture). */
const INVALID = [
  { scenario: "valid key with SSE-S3", property: "customerKey" },
  { scenario: "key too long", property: "customerKey" },
  { scenario: "key as a Buffer", property: "customerKey" },
  { scenario: "key as a number", property: "customerKey" },
  { scenario: "source key too short", property: "sourceCustomerKey" },
  { scenario: "algorithm without key", property: "customerKey" },
].map((c, i) => ({
  ...c,
  // Each program runs through preview and up. Plain and --json output alternate between cases, so
  // each of the four runs is covered three times at half the cost (each run takes seconds).
  runs:
    i % 2 === 0
      ? [["preview"], ["up", "--yes", "--skip-preview", "--json"]]
      : [
          ["preview", "--json"],
          ["up", "--yes", "--skip-preview"],
        ],
}));

/** A stack of the fixture program against the suite's moto; check fails before any request. */
let cli: PulumiCli;

beforeAll(async () => {
  // The program reads its keys from the environment the CLI passes on.
  Object.assign(process.env, KEY_ENV);
  cli = await exampleStack("sse-c-secrets", FIXTURES);
});
afterAll(() => cli?.remove());

describe("invalid SSE-C inputs", () => {
  beforeAll(() => cli.setConfig({ source: "src-bucket/a", bucket: "dest-bucket", key: "b" }));

  it.each(INVALID)(
    "$scenario: preview and up fail on $property, and neither their output nor the state shows a key",
    async ({ scenario, property, runs }) => {
      await cli.setConfig({ scenario });
      const leaks: Record<string, Record<string, string[]>> = {};
      const outcome: Record<string, { failed: boolean; names: boolean }> = {};
      for (const args of runs) {
        const r = await cli.run(args);
        const run = `pulumi ${args.join(" ")}`;
        leaks[run] = leaksIn(output(r));
        outcome[run] = { failed: r.code !== 0, names: output(r).includes(property) };
      }
      leaks["pulumi stack export"] = leaksIn(await cli.exportState());

      expect(leaks).toEqual(Object.fromEntries(Object.keys(leaks).map((k) => [k, {}])));
      expect(outcome).toEqual(
        Object.fromEntries(Object.keys(outcome).map((k) => [k, { failed: true, names: true }])),
      );
    },
  );
});

describe("an SSE-C copy on MinIO (TLS)", () => {
  let minio: MinioServer;
  let s3: S3Client;
  /** A second stack of the same program, whose CLI talks to MinIO. */
  let onMinio: PulumiCli;

  beforeAll(async () => {
    minio = await startMinio();
    s3 = new S3Client({
      region: minio.region,
      endpoint: minio.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
      requestHandler: { httpsAgent: new https.Agent({ ca: fs.readFileSync(minio.caFile) }) },
    });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...KEY_ENV,
      AWS_ENDPOINT_URL: minio.endpoint,
      AWS_ACCESS_KEY_ID: minio.accessKeyId,
      AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
      AWS_REGION: minio.region,
      // The provider process trusts MinIO's self-signed certificate this way.
      NODE_EXTRA_CA_CERTS: minio.caFile,
    };
    delete env.AWS_ENDPOINT_URL_S3;
    delete env.AWS_ENDPOINT_URL_KMS;
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-state-sse-c-minio-"));
    onMinio = await PulumiCli.init(cli.cwd, state, "minio", PulumiCli.environment(state, env), {
      removeWith: [state],
    });
  });
  afterAll(async () => {
    await onMinio?.remove();
    await minio?.stop();
  });

  it("copies an SSE-C source to an SSE-C copy, and no output of up, preview or destroy, nor the state, shows a key", async () => {
    const suffix = `${process.pid}-${Date.now()}`;
    const [src, dst] = [`sse-c-src-${suffix}`, `sse-c-dst-${suffix}`];
    for (const b of [src, dst]) await s3.send(new CreateBucketCommand({ Bucket: b }));
    const sse = (key: string) => ({ SSECustomerAlgorithm: "AES256", SSECustomerKey: key });
    await s3.send(new PutObjectCommand({ Bucket: src, Key: "a", Body: "sealed bytes", ...sse(SOURCE_KEY) }));

    await onMinio.setConfig({
      scenario: "SSE-C source to SSE-C copy",
      source: `${src}/a`,
      bucket: dst,
      key: "b",
    });
    const leaks: Record<string, Record<string, string[]>> = {};
    leaks["pulumi up"] = leaksIn(output(await onMinio.up()));

    // Really SSE-C with the destination key: readable with it, refused without it.
    const copied = await s3.send(new GetObjectCommand({ Bucket: dst, Key: "b", ...sse(KEY) }));
    expect(await copied.Body!.transformToString()).toBe("sealed bytes");
    const md5 = createHash("md5").update(Buffer.from(KEY)).digest("base64");
    expect(copied.SSECustomerKeyMD5).toBe(md5);
    await expect(s3.send(new HeadObjectCommand({ Bucket: dst, Key: "b" }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
    });

    const plain = await onMinio.must(["preview"]);
    leaks["pulumi preview"] = leaksIn(output(plain));
    const json = await onMinio.must(["preview", "--json"]);
    leaks["pulumi preview --json"] = leaksIn(output(json));
    const steps = (JSON.parse(json.stdout) as { steps?: { op: string; urn: string }[] }).steps ?? [];
    expect(steps.filter((s) => s.op !== "same")).toEqual([]);

    const exported = await onMinio.exportState();
    leaks["pulumi stack export"] = leaksIn(exported);
    const resources = (
      JSON.parse(exported) as {
        deployment: {
          resources: { type: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[];
        };
      }
    ).deployment.resources;
    const resource = resources.find((r) => r.type === "pulumi-nodejs:dynamic/s3:ObjectCopy")!;
    // The keys are in the state, but only as ciphertext; the outputs hold only the MD5.
    const ciphertext = { [SECRET_SIG]: SECRET_VALUE };
    expect(resource.inputs.customerKey).toMatchObject(ciphertext);
    expect(resource.inputs.sourceCustomerKey).toMatchObject(ciphertext);
    // The default provider's inputs are the stack config; keys read from the environment stay
    // out of them (README, Secrets).
    const defaultProvider = resources.find((r) => r.type === "pulumi:providers:pulumi-nodejs")!;
    expect(JSON.stringify(defaultProvider.inputs)).not.toContain(SECRET_SIG);
    expect(resource.outputs).not.toHaveProperty("customerKey");
    expect(resource.outputs).not.toHaveProperty("sourceCustomerKey");
    expect(resource.outputs.customerKeyMd5).toBe(md5);

    leaks["pulumi destroy"] = leaksIn(output(await onMinio.destroy()));
    leaks["pulumi stack export after destroy"] = leaksIn(await onMinio.exportState());
    expect(leaks).toEqual(Object.fromEntries(Object.keys(leaks).map((k) => [k, {}])));
  });
});
