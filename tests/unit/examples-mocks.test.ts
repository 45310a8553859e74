/*
 * Runs every program under examples/ against Pulumi's mock monitor (no engine, no AWS) and checks
 * exactly which resources each declares and with which inputs.
 *
 * Each program is loaded in its own jest module registry, together with its own copy of
 * @pulumi/pulumi on which the mocks and the stack config are set first: `new pulumi.Config()`
 * reads keys as `<project>:<key>`, where the project is the one given to setMocks.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import * as path from "path";

import type * as pulumiModule from "@pulumi/pulumi";

type Pulumi = typeof pulumiModule;

interface Registration {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

interface Run {
  registrations: Registration[];
  calls: { token: string; inputs: unknown }[];
  exports: Record<string, unknown>;
  pulumi: Pulumi;
}

const OBJECT_COPY = "pulumi-nodejs:dynamic/s3:ObjectCopy";
const OBJECT_COPY_SET = "pulumi-nodejs:dynamic/s3:ObjectCopySet";
const EXAMPLES = path.resolve(__dirname, "../../examples");
// How a secret reaches the mock monitor: Pulumi's secret signature around the plain value.
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";
const MOCK_REGION = "us-west-2";
const ACCOUNT = "123456789012";

/** Outputs the mocked aws resources report, the way the real provider would fill them in. */
function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = (inputs.bucket as string | undefined) ?? `${name}-4f1c2a9`;
      return { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}`, region: MOCK_REGION };
    }
    case "aws:iam/role:Role":
      return { ...inputs, arn: `arn:aws:iam::${ACCOUNT}:role/${name}-7d2e1f0`, name: `${name}-7d2e1f0` };
    case "aws:kms/key:Key":
      return {
        ...inputs,
        keyId: `${name}-key-id`,
        arn: `arn:aws:kms:${MOCK_REGION}:${ACCOUNT}:key/${name}-key-id`,
      };
    default:
      return inputs;
  }
}

function mockId(type: string, name: string, state: Record<string, unknown>): string {
  if (type === "aws:s3/bucket:Bucket") return state.bucket as string;
  if (type === OBJECT_COPY) return `${state.bucket}/${state.key}`;
  return `${name}-id`;
}

/** Waits for every Output in a module's exports (however nested) to resolve. */
async function settle(pulumi: Pulumi, value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const resolved = await new Promise<unknown>((resolve) => {
      value.apply((v) => {
        resolve(v);
        return v;
      });
    });
    return settle(pulumi, resolved);
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => settle(pulumi, v)));
  if (value && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await settle(pulumi, v)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

/** Resolves once no registration has arrived for a while (for resources no export depends on). */
async function quiet(registrations: Registration[]): Promise<void> {
  let seen = -1;
  while (seen !== registrations.length) {
    seen = registrations.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function runExample(example: string, config: Record<string, string>): Promise<Run> {
  const registrations: Registration[] = [];
  const calls: Run["calls"] = [];
  let pulumi!: Pulumi;
  let program: Record<string, unknown> = {};

  jest.isolateModules(() => {
    pulumi = require("@pulumi/pulumi");
    void pulumi.runtime.setMocks(
      {
        newResource(args) {
          registrations.push({ type: args.type, name: args.name, inputs: args.inputs });
          const state = mockState(args.type, args.name, args.inputs);
          return { id: mockId(args.type, args.name, state), state };
        },
        call(args) {
          calls.push({ token: args.token, inputs: args.inputs });
          return {};
        },
      },
      example, // the project name, as in the example's Pulumi.yaml
      "test",
      false,
    );
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(config).map(([k, v]) => [`${example}:${k}`, v])),
    );
    program = require(path.join(EXAMPLES, example, "index.ts"));
  });

  const exports = (await settle(pulumi, program)) as Record<string, unknown>;
  await quiet(registrations);
  return { registrations, calls, exports, pulumi };
}

/** Splits off `__provider` (checked on its own) from the inputs that the program declared. */
function declared(r: Registration): Record<string, unknown> {
  const { __provider: _provider, ...rest } = r.inputs;
  return rest;
}

function copiesOf(run: Run): Registration[] {
  return run.registrations.filter((r) => r.type === OBJECT_COPY);
}

/**
 * The serialized provider travels with every ObjectCopy. It must be small and must not capture
 * SDK clients or absolute module paths: the provider requires its engine by package name.
 */
function expectSerializedProvider(r: Registration): void {
  const text = r.inputs.__provider;
  expect(typeof text).toBe("string");
  const s = text as string;
  expect(s.length).toBeGreaterThan(0);
  expect(Buffer.byteLength(s, "utf8")).toBeLessThan(10 * 1024);
  expect(s).not.toContain("node_modules");
  expect(s).not.toContain("@aws-sdk");
  expect(s).toContain("pulumi-s3-object-copy/engine");
}

function readmeConfigKeys(example: string): Set<string> {
  const text = require("fs").readFileSync(path.join(EXAMPLES, example, "README.md"), "utf8") as string;
  return new Set(
    [...text.matchAll(/pulumi config set (?:--secret )?(?:--path )?'?([A-Za-z:]+)/g)].map((m) => m[1]),
  );
}

jest.setTimeout(60_000);
// Every isolated copy of @pulumi/pulumi adds its own process "exit" listener (its promise-leak
// detector); one copy per program exceeds Node's default warning level of 10.
process.setMaxListeners(Math.max(process.getMaxListeners(), 64));

describe("examples under the mock monitor", () => {
  test("basic-copy: one copy from sourceBucket/sourceKey to destinationBucket/destinationKey", async () => {
    const run = await runExample("basic-copy", {
      sourceBucket: "src-bucket",
      sourceKey: "reports/2026/summary report.pdf",
      destinationBucket: "dst-bucket",
      destinationKey: "archive/summary.pdf",
    });

    expect(run.registrations.map((r) => [r.type, r.name])).toEqual([[OBJECT_COPY, "copy"]]);
    const [copy] = copiesOf(run);
    expect(declared(copy)).toStrictEqual({
      source: "src-bucket/reports/2026/summary report.pdf",
      bucket: "dst-bucket",
      key: "archive/summary.pdf",
    });
    expectSerializedProvider(copy);
    expect(Object.keys(run.exports).sort()).toEqual(["copyMethod", "etag", "versionId"]);
    expect(run.calls).toEqual([]);
  });

  test("basic-copy: destinationKey defaults to sourceKey and sourceVersionId pins a version", async () => {
    const run = await runExample("basic-copy", {
      sourceBucket: "src-bucket",
      sourceKey: "a/b.txt",
      destinationBucket: "dst-bucket",
      sourceVersionId: "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd",
    });
    expect(copiesOf(run).map(declared)).toStrictEqual([
      {
        source: "src-bucket/a/b.txt?versionId=3HL4kqtJlcpXroDTDmjVBH40Nrjfkd",
        bucket: "dst-bucket",
        key: "a/b.txt",
      },
    ]);
  });

  test("metadata-in-place: each key copied onto itself with MERGE and the default Cache-Control", async () => {
    const keys = ["index.html", "assets/app.3f9a.js", "img/logo.png"];
    const run = await runExample("metadata-in-place", { bucket: "site", keys: JSON.stringify(keys) });

    expect(run.registrations.map((r) => [r.type, r.name])).toEqual(
      keys.map((k) => [OBJECT_COPY, `headers-${k}`]),
    );
    expect(copiesOf(run).map(declared)).toStrictEqual(
      keys.map((key) => ({
        bucket: "site",
        key,
        source: `site/${key}`,
        metadataDirective: "MERGE",
        cacheControl: "public, max-age=31536000, immutable",
      })),
    );
    copiesOf(run).forEach(expectSerializedProvider);
    expect(Object.keys(run.exports)).toEqual(["deleteBehaviors"]);
    expect(Object.keys(run.exports.deleteBehaviors as object)).toEqual(keys);
  });

  test("metadata-in-place: cacheControl and contentType come from config", async () => {
    const run = await runExample("metadata-in-place", {
      bucket: "site",
      keys: '["data.json"]',
      cacheControl: "no-cache",
      contentType: "application/json; charset=utf-8",
    });
    expect(copiesOf(run).map(declared)).toStrictEqual([
      {
        bucket: "site",
        key: "data.json",
        source: "site/data.json",
        metadataDirective: "MERGE",
        cacheControl: "no-cache",
        contentType: "application/json; charset=utf-8",
      },
    ]);
  });

  test("metadata-in-place: a keys value that is not an array of strings is rejected", async () => {
    await expect(runExample("metadata-in-place", { bucket: "site", keys: '{"a":1}' })).rejects.toThrow(
      /"keys" must be a non-empty JSON array/,
    );
  });

  test("reencrypt-with-kms: in place by default, with an alias as the key", async () => {
    const run = await runExample("reencrypt-with-kms", {
      bucket: "vault",
      key: "db/backup.tar.gz",
      kmsKeyId: "alias/my-key",
    });

    expect(run.registrations.map((r) => [r.type, r.name])).toEqual([[OBJECT_COPY, "reencrypted"]]);
    const [copy] = copiesOf(run);
    expect(declared(copy)).toStrictEqual({
      source: "vault/db/backup.tar.gz",
      bucket: "vault",
      key: "db/backup.tar.gz",
      serverSideEncryption: "aws:kms",
      kmsKeyId: "alias/my-key",
    });
    expectSerializedProvider(copy);
    expect(Object.keys(run.exports).sort()).toEqual(["deleteBehavior", "etag", "kmsKeyArn", "versionId"]);
  });

  test("reencrypt-with-kms: inPlace false copies to destinationBucket/destinationKey", async () => {
    const run = await runExample("reencrypt-with-kms", {
      bucket: "vault",
      key: "db/backup.tar.gz",
      kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      inPlace: "false",
      destinationBucket: "vault-encrypted",
      destinationKey: "db/backup.kms.tar.gz",
      bucketKeyEnabled: "true",
    });
    expect(copiesOf(run).map(declared)).toStrictEqual([
      {
        source: "vault/db/backup.tar.gz",
        bucket: "vault-encrypted",
        key: "db/backup.kms.tar.gz",
        serverSideEncryption: "aws:kms",
        kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        bucketKeyEnabled: true,
      },
    ]);
  });

  test("promote-across-regions: one copy per release region, its own KMS key, REPLACE tags", async () => {
    const releases = [
      { bucket: "releases-eu", region: "eu-west-1", kmsKeyId: "alias/release" },
      { bucket: "releases-ap", region: "ap-southeast-2", kmsKeyId: "alias/release-ap", key: "app/1.4.0.zip" },
    ];
    const run = await runExample("promote-across-regions", {
      buildBucket: "builds",
      buildRegion: "us-east-1",
      artifactKey: "app/build-1234.zip",
      releases: JSON.stringify(releases),
    });

    expect(run.registrations.map((r) => [r.type, r.name])).toEqual([
      [OBJECT_COPY, "release-eu-west-1"],
      [OBJECT_COPY, "release-ap-southeast-2"],
    ]);
    expect(copiesOf(run).map(declared)).toStrictEqual([
      {
        source: "builds/app/build-1234.zip",
        sourceRegion: "us-east-1",
        bucket: "releases-eu",
        key: "app/build-1234.zip",
        region: "eu-west-1",
        serverSideEncryption: "aws:kms",
        kmsKeyId: "alias/release",
        taggingDirective: "REPLACE",
        tags: { stage: "release" },
      },
      {
        source: "builds/app/build-1234.zip",
        sourceRegion: "us-east-1",
        bucket: "releases-ap",
        key: "app/1.4.0.zip",
        region: "ap-southeast-2",
        serverSideEncryption: "aws:kms",
        kmsKeyId: "alias/release-ap",
        taggingDirective: "REPLACE",
        tags: { stage: "release" },
      },
    ]);
    copiesOf(run).forEach(expectSerializedProvider);
    expect(run.exports.promoted).toEqual({
      "eu-west-1": { bucket: "releases-eu" },
      "ap-southeast-2": { bucket: "releases-ap" },
    });
  });

  test("promote-across-regions: a pinned artifact version and custom tags", async () => {
    const run = await runExample("promote-across-regions", {
      buildBucket: "builds",
      buildRegion: "us-east-1",
      artifactKey: "app.zip",
      artifactVersionId: "v123",
      releases: '[{"bucket":"rel","region":"eu-central-1","kmsKeyId":"alias/rel"}]',
      tags: '{"stage":"release","build":"1234"}',
    });
    const [copy] = copiesOf(run).map(declared);
    expect(copy.source).toBe("builds/app.zip?versionId=v123");
    expect(copy.tags).toStrictEqual({ stage: "release", build: "1234" });
  });

  test("promote-across-regions: two releases in one region are rejected", async () => {
    const twice = JSON.stringify([
      { bucket: "a", region: "eu-west-1", kmsKeyId: "alias/a" },
      { bucket: "b", region: "eu-west-1", kmsKeyId: "alias/b" },
    ]);
    await expect(
      runExample("promote-across-regions", {
        buildBucket: "builds",
        buildRegion: "us-east-1",
        artifactKey: "app.zip",
        releases: twice,
      }),
    ).rejects.toThrow(/names a region more than once/);
  });

  test("large-object: only the declared multipart settings are sent", async () => {
    const run = await runExample("large-object", {
      sourceBucket: "media",
      sourceKey: "video/master.mov",
      destinationBucket: "media-archive",
      partSize: String(256 * 1024 * 1024),
      concurrency: "32",
    });

    expect(run.registrations.map((r) => [r.type, r.name])).toEqual([[OBJECT_COPY, "large-copy"]]);
    const [copy] = copiesOf(run);
    expect(declared(copy)).toStrictEqual({
      source: "media/video/master.mov",
      bucket: "media-archive",
      key: "video/master.mov",
      partSize: 268435456,
      concurrency: 32,
    });
    expectSerializedProvider(copy);
    expect(Object.keys(run.exports).sort()).toEqual(["contentLength", "copyMethod", "etag", "partCount"]);
  });

  test("large-object: with no tuning config the provider defaults apply", async () => {
    const run = await runExample("large-object", {
      sourceBucket: "media",
      sourceKey: "big.bin",
      destinationBucket: "media-archive",
      destinationKey: "copies/big.bin",
      multipartThreshold: "8388608",
    });
    expect(copiesOf(run).map(declared)).toStrictEqual([
      {
        source: "media/big.bin",
        bucket: "media-archive",
        key: "copies/big.bin",
        multipartThreshold: 8388608,
      },
    ]);
  });

  test("compose-with-aws: the copy is wired from the aws resources' outputs", async () => {
    const run = await runExample("compose-with-aws", {});

    const byName = (name: string) => run.registrations.find((r) => r.name === name);
    expect(
      run.registrations
        .filter((r) => !r.type.startsWith("pulumi:providers:"))
        .map((r) => [r.type, r.name])
        .sort(),
    ).toEqual(
      [
        ["aws:kms/key:Key", "copies"],
        ["aws:s3/bucket:Bucket", "source"],
        ["aws:s3/bucket:Bucket", "destination"],
        ["aws:s3/bucketObjectv2:BucketObjectv2", "artifact"],
        [OBJECT_COPY, "copy"],
      ].sort(),
    );

    expect(byName("artifact")?.inputs).toMatchObject({
      bucket: "source-4f1c2a9",
      key: "artifacts/app.txt",
      content: "hello from the source bucket\n",
    });
    const copy = byName("copy")!;
    expect(declared(copy)).toStrictEqual({
      bucket: "destination-4f1c2a9",
      key: "artifacts/app.txt",
      source: "source-4f1c2a9/artifacts/app.txt",
      region: MOCK_REGION,
      sourceRegion: MOCK_REGION,
      serverSideEncryption: "aws:kms",
      kmsKeyId: `arn:aws:kms:${MOCK_REGION}:${ACCOUNT}:key/copies-key-id`,
    });
    expectSerializedProvider(copy);
    expect(run.exports.sourceBucket).toBe("source-4f1c2a9");
    expect(run.exports.destinationBucket).toBe("destination-4f1c2a9");
  });

  test("promote-build-folder: one ObjectCopySet from the build prefix, MERGE with one Cache-Control, source maps left out", async () => {
    const run = await runExample("promote-build-folder", {
      buildBucket: "builds",
      buildRegion: "us-east-1",
      buildPrefix: "site/build-1234/",
      releaseBucket: "site-eu",
      releaseRegion: "eu-west-1",
      releasePrefix: "www/",
    });

    expect(run.registrations.map((r) => [r.type, r.name])).toEqual([[OBJECT_COPY_SET, "release"]]);
    const [set] = run.registrations;
    expect(declared(set)).toStrictEqual({
      source: "builds/site/build-1234/",
      sourceRegion: "us-east-1",
      bucket: "site-eu",
      region: "eu-west-1",
      prefix: "www/",
      exclude: ["**/*.map"],
      metadataDirective: "MERGE",
      cacheControl: "public, max-age=300",
      // What the resource class adds: the default manifest is named after them.
      __setProject: "promote-build-folder",
      __setStack: "test",
      __setName: "release",
    });
    expectSerializedProvider(set);
    expect(Object.keys(run.exports).sort()).toEqual([
      "lastRun",
      "manifestLocation",
      "objectCount",
      "totalBytes",
    ]);
    expect(run.calls).toEqual([]);
  });

  test("promote-build-folder: exclude and cacheControl come from config; a bad exclude is rejected", async () => {
    const run = await runExample("promote-build-folder", {
      buildBucket: "builds",
      buildPrefix: "b/",
      releaseBucket: "rel",
      exclude: '["tmp/**"]',
      cacheControl: "no-cache",
    });
    expect(declared(run.registrations[0])).toMatchObject({
      source: "builds/b/",
      bucket: "rel",
      prefix: "",
      exclude: ["tmp/**"],
      cacheControl: "no-cache",
    });
    await expect(
      runExample("promote-build-folder", {
        buildBucket: "b",
        buildPrefix: "p/",
        releaseBucket: "r",
        exclude: '"x"',
      }),
    ).rejects.toThrow(/config "exclude" must be a JSON array of glob patterns/);
  });

  test("batch-operations: one ObjectCopySet run as a Batch Operations job, its role and report bucket declared with @pulumi/aws", async () => {
    const run = await runExample("batch-operations", {
      sourceBucket: "raw",
      sourcePrefix: "datasets/2026/",
      destinationBucket: "archive",
    });
    const byName = (type: string, name: string) =>
      run.registrations.find((r) => r.type === type && r.name === name);
    expect(
      run.registrations
        .filter((r) => !r.type.startsWith("pulumi:providers:"))
        .map((r) => [r.type, r.name])
        .sort(),
    ).toEqual(
      [
        ["aws:s3/bucket:Bucket", "job-reports"],
        ["aws:iam/role:Role", "batch-copy"],
        ["aws:iam/rolePolicy:RolePolicy", "batch-copy"],
        [OBJECT_COPY_SET, "dataset"],
      ].sort(),
    );
    const trust = JSON.parse(byName("aws:iam/role:Role", "batch-copy")!.inputs.assumeRolePolicy as string);
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "batchoperations.s3.amazonaws.com" },
        Action: "sts:AssumeRole",
      },
    ]);
    const policy = JSON.parse(byName("aws:iam/rolePolicy:RolePolicy", "batch-copy")!.inputs.policy as string);
    expect(policy.Statement.map((s: { Resource: string }) => s.Resource)).toEqual([
      "arn:aws:s3:::raw/datasets/2026/*",
      "arn:aws:s3:::archive/promoted/datasets/2026/*",
      "arn:aws:s3:::job-reports-4f1c2a9/*",
    ]);
    const set = byName(OBJECT_COPY_SET, "dataset")!;
    expect(declared(set)).toStrictEqual({
      source: "raw/datasets/2026/",
      bucket: "archive",
      prefix: "promoted/datasets/2026/",
      storageClass: "INTELLIGENT_TIERING",
      batchOperations: {
        roleArn: `arn:aws:iam::${ACCOUNT}:role/batch-copy-7d2e1f0`,
        report: { bucket: "job-reports-4f1c2a9", prefix: "copy-reports" },
        priority: 10,
        wait: "complete",
      },
      __setProject: "batch-operations",
      __setStack: "test",
      __setName: "dataset",
    });
    expectSerializedProvider(set);
    expect(run.exports.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/batch-copy-7d2e1f0`);
  });

  test.each([
    ["batch-operations", ["sourceBucket", "sourcePrefix", "destinationBucket", "destinationPrefix", "wait"]],
    ["basic-copy", ["sourceBucket", "sourceKey", "destinationBucket", "destinationKey", "sourceVersionId"]],
    ["metadata-in-place", ["bucket", "keys", "cacheControl", "contentType"]],
    ["reencrypt-with-kms", ["bucket", "key", "kmsKeyId", "inPlace", "destinationBucket", "destinationKey"]],
    [
      "promote-across-regions",
      ["buildBucket", "buildRegion", "artifactKey", "releases", "artifactVersionId"],
    ],
    ["large-object", ["sourceBucket", "sourceKey", "destinationBucket", "partSize", "concurrency"]],
    [
      "promote-build-folder",
      [
        "buildBucket",
        "buildRegion",
        "buildPrefix",
        "releaseBucket",
        "releaseRegion",
        "releasePrefix",
        "exclude",
      ],
    ],
  ])("%s: its README shows `pulumi config set` for each config key", (example, keys) => {
    const documented = readmeConfigKeys(example);
    for (const key of keys) expect(documented).toContain(key);
  });
});

describe("secrets under the mock monitor", () => {
  test("customerKey and sourceCustomerKey arrive as secrets even when passed as plain strings", async () => {
    const registrations: Registration[] = [];
    let done!: Promise<unknown>;
    jest.isolateModules(() => {
      const pulumi: Pulumi = require("@pulumi/pulumi");
      void pulumi.runtime.setMocks(
        {
          newResource(args) {
            registrations.push({ type: args.type, name: args.name, inputs: args.inputs });
            return { id: "sse-c", state: args.inputs };
          },
          call: () => ({}),
        },
        "secrets",
        "test",
        false,
      );
      const { ObjectCopy } = require("pulumi-s3-object-copy") as typeof import("pulumi-s3-object-copy");
      const copy = new ObjectCopy("sse-c", {
        bucket: "dst",
        key: "k",
        source: "src/k",
        customerKey: "0123456789abcdef0123456789abcdef",
        sourceCustomerKey: pulumi.secret("fedcba9876543210fedcba9876543210"),
      });
      done = new Promise((resolve) => copy.urn.apply(resolve));
    });
    await done;

    const [r] = registrations;
    expect(r.type).toBe(OBJECT_COPY);
    expect(r.inputs.customerKey).toEqual({
      [SECRET_SIG]: SECRET_VALUE,
      value: "0123456789abcdef0123456789abcdef",
    });
    expect(r.inputs.sourceCustomerKey).toEqual({
      [SECRET_SIG]: SECRET_VALUE,
      value: "fedcba9876543210fedcba9876543210",
    });
    // The key never appears in the serialized provider either.
    expect(r.inputs.__provider).not.toContain("0123456789abcdef");
  });

  test("no example passes an SSE-C key", () => {
    const fs = require("fs") as typeof import("fs");
    for (const dir of fs.readdirSync(EXAMPLES)) {
      const file = path.join(EXAMPLES, dir, "index.ts");
      if (!fs.existsSync(file)) continue;
      expect(fs.readFileSync(file, "utf8")).not.toMatch(/customerKey/i);
    }
  });
});
