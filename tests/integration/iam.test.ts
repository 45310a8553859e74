import { createHash, createHmac } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { CreateAliasCommand, CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";

import {
  check,
  create,
  deleteCopy,
  read,
  resetClientCaches,
  resetKmsCache,
  setProviderSettings,
  update,
} from "../../provider/engine";
import type { CopyOutputs } from "../../provider/engine/types";
import { uniqueBucket } from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";
import { type MotoServer, startMoto } from "../servers/moto";

/*
 * The README's least-privilege policies, run under moto's IAM enforcement. The policies live only
 * in docs/iam/*.json; the README shows them and a test here checks it shows them unchanged.
 *
 * moto skips authentication for its first INITIAL_NO_AUTH_ACTION_COUNT requests (each S3, KMS or
 * IAM request counts once; its /moto-api/ endpoints do not), then checks every request's signature
 * and the caller's IAM policies. Those free requests create an admin user (allowed everything) and
 * the copier, with the root credentials every other test uses, which moto rejects from then on.
 * Fixtures are set up with the admin; the engine runs as the copier, with only the documented policy.
 *
 * moto checks one action per request, chosen from the method and query string, against the request's
 * own bucket or object. So it cannot enforce what S3 checks besides, or elsewhere: see
 * NOT_ENFORCED_BY_MOTO, which the README lists with the same reasons.
 */

const FREE_ACTIONS = [
  "admin: CreateUser",
  "admin: PutUserPolicy",
  "admin: CreateAccessKey",
  "copier: CreateUser",
  "copier: CreateAccessKey",
];
const REGION = "us-east-1";
const POLICY_DIR = path.join(__dirname, "..", "..", "docs", "iam");
const FEATURES = [
  "copy",
  "multipart-cleanup",
  "kms",
  "tags-acl-legal-hold",
  "versioned-delete",
  "restore",
] as const;
type Feature = (typeof FEATURES)[number];

interface Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string;
}
interface Policy {
  Version: string;
  Statement: Statement[];
}

const loadPolicy = (feature: Feature): Policy =>
  JSON.parse(fs.readFileSync(path.join(POLICY_DIR, `${feature}.json`), "utf8")) as Policy;

/** One action on one resource placeholder: the unit a removal takes away. */
interface Grant {
  action: string;
  resource: string;
}
const grant = (action: string, resource: string): Grant => ({ action, resource });
const SRC_OBJECTS = "arn:aws:s3:::SOURCE-BUCKET/*";
const SRC_BUCKET = "arn:aws:s3:::SOURCE-BUCKET";
const DST_OBJECTS = "arn:aws:s3:::DESTINATION-BUCKET/*";
const DST_BUCKET = "arn:aws:s3:::DESTINATION-BUCKET";
const DST_KEY = "arn:aws:kms:REGION:ACCOUNT-ID:key/DESTINATION-KEY-ID";
const SRC_KEY = "arn:aws:kms:REGION:ACCOUNT-ID:key/SOURCE-KEY-ID";
const label = (g: Grant) => `${g.action} on ${g.resource}`;

/**
 * What removing one grant does to one scenario: it fails naming the action; it still passes
 * because the grant is optional clean-up (and a warning names it); or it still passes because moto
 * does not check that action for what the scenario sends (the reason says why; S3 does check it).
 */
type Expect = "fails" | "optional" | { motoLetsThrough: string };
const FAILS = "fails" as const;
const OPTIONAL = "optional" as const;
const letsThrough = (why: string): Expect => ({ motoLetsThrough: why });
const NO_LIST_403 = letsThrough("moto answers 404 for a missing key whatever the caller may list");
const NO_KMS = letsThrough("moto's S3 never calls KMS");

// ---- a minimal IAM client: the SDK has no IAM client in this repo's dependencies ----

/** The hash the signer wants: SHA-256, or HMAC-SHA-256 when given a secret. */
class Sha256 {
  private readonly h;
  constructor(secret?: SourceData) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData) {
    this.h.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
  reset() {}
}
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array =>
  typeof d === "string"
    ? d
    : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : new Uint8Array(d);

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}
const ROOT: Credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

async function iam(
  endpoint: string,
  credentials: Credentials,
  params: Record<string, string>,
): Promise<string> {
  const url = new URL(endpoint);
  const body = new URLSearchParams({ ...params, Version: "2010-05-08" }).toString();
  const signed = await new SignatureV4({ service: "iam", region: REGION, credentials, sha256: Sha256 }).sign({
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: "/",
    headers: { host: url.host, "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body,
  });
  const res = await fetch(`${endpoint}/`, { method: "POST", headers: signed.headers, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`IAM ${params.Action} answered ${res.status}: ${text}`);
  return text;
}
const xmlField = (xml: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? "";

async function createUser(endpoint: string, name: string, everything: boolean): Promise<Credentials> {
  await iam(endpoint, ROOT, { Action: "CreateUser", UserName: name });
  if (everything) {
    const all = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
    await iam(endpoint, ROOT, {
      Action: "PutUserPolicy",
      UserName: name,
      PolicyName: "everything",
      PolicyDocument: JSON.stringify(all),
    });
  }
  const key = await iam(endpoint, ROOT, { Action: "CreateAccessKey", UserName: name });
  return { accessKeyId: xmlField(key, "AccessKeyId"), secretAccessKey: xmlField(key, "SecretAccessKey") };
}

// ---- the server, the two users, and fixtures ----

let moto: MotoServer;
let admin: Credentials;
let copier: Credentials;
let adminS3: S3Client;
let adminKms: KMSClient;
const savedEnv = { ...process.env };

beforeAll(async () => {
  if (!CAN.iamPolicies) return;
  // Its own server: the count and the enforcement that follows apply to every request it serves.
  moto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: String(FREE_ACTIONS.length) } });
  admin = await createUser(moto.endpoint, "admin", true);
  copier = await createUser(moto.endpoint, "copier", false);
  const connection = { region: REGION, endpoint: moto.endpoint, forcePathStyle: true };
  adminS3 = new S3Client({ ...connection, credentials: admin });
  adminKms = new KMSClient({ region: REGION, endpoint: moto.endpoint, credentials: admin });
  // The engine finds server and credentials the way it does for users: from the environment.
  delete process.env.AWS_ENDPOINT_URL_S3;
  delete process.env.AWS_ENDPOINT_URL_KMS;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: copier.accessKeyId,
    AWS_SECRET_ACCESS_KEY: copier.secretAccessKey,
  });
}, 120_000);

afterAll(async () => {
  process.env = savedEnv;
  await moto?.stop();
});

interface Names {
  src: string;
  dst: string;
}

/** The policy for some features, with placeholders filled in for this run's buckets. */
function policyFor(features: readonly Feature[], names: Names, without?: Grant): Policy {
  const statements = features.flatMap((f) => loadPolicy(f).Statement);
  const fill = (resource: string) =>
    resource
      .replace("SOURCE-BUCKET", names.src)
      .replace("DESTINATION-BUCKET", names.dst)
      // moto checks KMS actions against the resource "*", never against the key's ARN.
      .replace(/^arn:aws:kms:REGION:ACCOUNT-ID:key\/.*$/, "*");
  return {
    Version: "2012-10-17",
    Statement: statements
      .map((s) => ({
        ...s,
        Action: s.Action.filter((a) => !(without && a === without.action && s.Resource === without.resource)),
        Resource: fill(s.Resource),
      }))
      .filter((s) => s.Action.length > 0),
  };
}

async function grantCopier(policy: Policy): Promise<void> {
  await iam(moto.endpoint, admin, {
    Action: "PutUserPolicy",
    UserName: "copier",
    PolicyName: "object-copy",
    PolicyDocument: JSON.stringify(policy),
  });
  // Fresh clients and caches: nothing the previous run resolved or allowed carries over.
  resetClientCaches();
  resetKmsCache();
  setProviderSettings({ region: undefined });
}

async function newBucket(opts: { versioned?: boolean; objectLock?: boolean } = {}): Promise<string> {
  const bucket = uniqueBucket("iam");
  await adminS3.send(
    new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: opts.objectLock || undefined }),
  );
  if (opts.versioned && !opts.objectLock) {
    await adminS3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
  return bucket;
}

async function putObject(
  bucket: string,
  key: string,
  body: string | Buffer,
  extra: Partial<PutObjectCommandInput> = {},
) {
  await adminS3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
}

async function bodyOf(bucket: string, key: string): Promise<string> {
  const out = await adminS3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

async function gone(bucket: string, key: string): Promise<boolean> {
  return adminS3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => false,
    (e: { name?: string }) => e.name === "NotFound",
  );
}

function checked(news: Record<string, unknown>) {
  const { inputs, failures } = check(news);
  if (failures.length) throw new Error(`check failed: ${JSON.stringify(failures)}`);
  return inputs;
}

/**
 * One feature set run end to end as the copier: fixtures, then create/update/read/delete through
 * the engine, asserting what each step did (with the admin's eyes). `exercises` are the grants
 * whose removal this scenario is run without, one at a time.
 */
interface Scenario {
  name: string;
  features: readonly Feature[];
  exercises: [Grant, Expect][];
  /** `without` is the grant this run lacks, for scenarios whose outcome shows it. */
  run(names: Names, without?: Grant): Promise<void>;
  fixture(): Promise<Names>;
}

const MiB = 1024 * 1024;

const SCENARIOS: Scenario[] = [
  {
    name: "a single CopyObject: create, refresh, delete",
    features: ["copy"],
    exercises: [
      [grant("s3:GetObject", SRC_OBJECTS), FAILS],
      [
        grant("s3:GetObjectVersion", SRC_OBJECTS),
        letsThrough(
          "the source is not versioned, and moto checks HeadObject of a version as s3:GetObject and never checks the copy source",
        ),
      ],
      [
        grant("s3:GetObjectTagging", SRC_OBJECTS),
        letsThrough("moto checks a CopyObject only for s3:PutObject on the destination"),
      ],
      [
        grant("s3:GetObjectVersionTagging", SRC_OBJECTS),
        letsThrough("moto checks GetObjectTagging of a version as s3:GetObjectVersion"),
      ],
      [grant("s3:ListBucket", SRC_BUCKET), NO_LIST_403],
      [grant("s3:PutObject", DST_OBJECTS), FAILS],
      [
        grant("s3:PutObjectTagging", DST_OBJECTS),
        letsThrough("moto checks a CopyObject only for s3:PutObject on the destination"),
      ],
      [grant("s3:GetObject", DST_OBJECTS), FAILS],
      [grant("s3:DeleteObject", DST_OBJECTS), FAILS],
      [grant("s3:ListBucket", DST_BUCKET), NO_LIST_403],
    ],
    async fixture() {
      const names = { src: await newBucket(), dst: await newBucket() };
      await putObject(names.src, "a.txt", "hello", { Tagging: "team=data" });
      return names;
    },
    async run({ src, dst }) {
      const { outs } = await create(checked({ bucket: dst, key: "b.txt", source: `${src}/a.txt` }));
      expect(outs.copyMethod).toBe("CopyObject");
      expect(await bodyOf(dst, "b.txt")).toBe("hello");
      expect(await read(outs)).toMatchObject({ etag: outs.etag });
      expect(await deleteCopy(outs)).toBe(`deleted s3://${dst}/b.txt`);
      expect(await gone(dst, "b.txt")).toBe(true);
    },
  },
  {
    name: "a multipart copy, carrying the source's tags, after an earlier attempt left an upload",
    features: ["copy", "multipart-cleanup"],
    exercises: [
      [grant("s3:GetObjectTagging", SRC_OBJECTS), FAILS],
      [grant("s3:ListBucketMultipartUploads", DST_BUCKET), OPTIONAL],
      [grant("s3:AbortMultipartUpload", DST_OBJECTS), OPTIONAL],
    ],
    async fixture() {
      const names = { src: await newBucket(), dst: await newBucket() };
      await putObject(names.src, "big.bin", Buffer.alloc(6 * MiB, 7), { Tagging: "team=data" });
      await adminS3.send(new CreateMultipartUploadCommand({ Bucket: names.dst, Key: "big.bin" }));
      // The stale-upload scan aborts only uploads begun before the copy, in whole seconds.
      await new Promise((r) => setTimeout(r, 1100));
      return names;
    },
    async run({ src, dst }, without) {
      const { outs } = await create(
        checked({
          bucket: dst,
          key: "big.bin",
          source: `${src}/big.bin`,
          multipartThreshold: 5 * MiB,
          partSize: 5 * MiB,
        }),
      );
      expect(outs).toMatchObject({ copyMethod: "UploadPartCopy", partCount: 2 });
      const tags = await adminS3.send(new GetObjectTaggingCommand({ Bucket: dst, Key: "big.bin" }));
      expect(tags.TagSet).toEqual([{ Key: "team", Value: "data" }]);
      // The earlier attempt's upload is aborted only when the clean-up may list and abort.
      const open = await adminS3.send(new ListMultipartUploadsCommand({ Bucket: dst }));
      expect((open.Uploads ?? []).length).toBe(without ? 1 : 0);
    },
  },
  {
    name: "SSE-KMS with a key given by alias",
    features: ["copy", "kms"],
    exercises: [
      [grant("kms:DescribeKey", DST_KEY), FAILS],
      [grant("kms:GenerateDataKey", DST_KEY), NO_KMS],
      [grant("kms:Decrypt", DST_KEY), NO_KMS],
      [grant("kms:Decrypt", SRC_KEY), NO_KMS],
    ],
    async fixture() {
      const names = { src: await newBucket(), dst: await newBucket() };
      await putObject(names.src, "a.txt", "secret-ish");
      return names;
    },
    async run({ src, dst }) {
      const key = await adminKms.send(new CreateKeyCommand({ Description: "iam test" }));
      const alias = `alias/${dst}`;
      await adminKms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyMetadata!.KeyId! }));
      const { outs } = await create(
        checked({ bucket: dst, key: "b.txt", source: `${src}/a.txt`, kmsKeyId: alias }),
      );
      expect(outs.kmsKeyArn).toBe(key.KeyMetadata!.Arn);
      expect(outs.serverSideEncryption).toBe("aws:kms");
    },
  },
  {
    name: "tags, ACL and legal hold changed in place, without a re-copy",
    features: ["copy", "tags-acl-legal-hold"],
    exercises: [
      [grant("s3:PutObjectTagging", DST_OBJECTS), FAILS],
      [
        grant("s3:PutObjectVersionTagging", DST_OBJECTS),
        letsThrough("moto checks PutObjectTagging of a version as s3:PutObjectTagging"),
      ],
      [grant("s3:PutObjectAcl", DST_OBJECTS), FAILS],
      [
        grant("s3:PutObjectVersionAcl", DST_OBJECTS),
        letsThrough("moto checks PutObjectAcl of a version as s3:PutObjectAcl"),
      ],
      [
        grant("s3:PutObjectLegalHold", DST_OBJECTS),
        letsThrough("moto checks PutObjectLegalHold as s3:PutObject"),
      ],
      [
        grant("s3:PutObjectRetention", DST_OBJECTS),
        letsThrough("not sent here: moto wants a body checksum on a CopyObject with retention headers"),
      ],
    ],
    async fixture() {
      const names = { src: await newBucket(), dst: await newBucket({ objectLock: true }) };
      await putObject(names.src, "a.txt", "x");
      return names;
    },
    async run({ src, dst }) {
      const base = { bucket: dst, key: "b.txt", source: `${src}/a.txt`, taggingDirective: "REPLACE" };
      const { outs } = await create(checked({ ...base, tags: { stage: "draft" } }));
      const after = await update(
        outs,
        checked({ ...base, tags: { stage: "final" }, acl: "public-read", objectLockLegalHoldStatus: "ON" }),
      );
      expect(after.versionId).toBe(outs.versionId); // no re-copy
      const tags = await adminS3.send(new GetObjectTaggingCommand({ Bucket: dst, Key: "b.txt" }));
      expect(tags.TagSet).toEqual([{ Key: "stage", Value: "final" }]);
    },
  },
  {
    name: "a versioned destination: an update removes the superseded version, delete removes its own",
    features: ["copy", "versioned-delete"],
    exercises: [
      [grant("s3:DeleteObjectVersion", DST_OBJECTS), FAILS],
      [
        grant("s3:GetObjectVersion", DST_OBJECTS),
        letsThrough("moto checks HeadObject of a version as s3:GetObject"),
      ],
      [
        grant("s3:ListBucketVersions", DST_BUCKET),
        letsThrough("used only after a CopyObject the SDK retried, which moto does not provoke"),
      ],
    ],
    async fixture() {
      const names = { src: await newBucket(), dst: await newBucket({ versioned: true }) };
      await putObject(names.src, "a.txt", "v1");
      return names;
    },
    async run({ src, dst }) {
      const news = checked({ bucket: dst, key: "b.txt", source: `${src}/a.txt` });
      const { outs } = await create(news);
      await putObject(src, "a.txt", "v2");
      const after: CopyOutputs = await update(outs, news);
      expect(await bodyOf(dst, "b.txt")).toBe("v2");
      expect(await deleteCopy(after)).toBe(`deleted version ${after.versionId} of s3://${dst}/b.txt`);
      const left = await adminS3.send(new ListObjectVersionsCommand({ Bucket: dst, Prefix: "b.txt" }));
      expect(left.Versions ?? []).toEqual([]);
    },
  },
  {
    name: "an archived source restored, then copied",
    features: ["copy", "restore"],
    exercises: [[grant("s3:RestoreObject", SRC_OBJECTS), FAILS]],
    async fixture() {
      const names = { src: await newBucket(), dst: await newBucket() };
      await putObject(names.src, "cold.txt", "cold", { StorageClass: "GLACIER" });
      return names;
    },
    async run({ src, dst }) {
      const news = checked({
        bucket: dst,
        key: "b.txt",
        source: `${src}/cold.txt`,
        restoreArchivedSource: { days: 1, tier: "Bulk" },
      });
      // moto finishes a restore at once; S3 would answer SOURCE_RESTORE_IN_PROGRESS first.
      const { outs } = await create(news).catch((e: Error) => {
        if (!/^SOURCE_RESTORE_IN_PROGRESS/.test(e.message)) throw e;
        return create(news);
      });
      expect(outs.contentLength).toBe(4);
      expect(await bodyOf(dst, "b.txt")).toBe("cold");
    },
  },
];

/** Runs a scenario as the copier with its policy (less one grant), capturing what it printed. */
async function attempt(s: Scenario, without?: Grant): Promise<{ error?: Error; printed: string }> {
  const names = await s.fixture();
  await grantCopier(policyFor(s.features, names, without));
  const lines: string[] = [];
  const keep = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  const log = jest.spyOn(console, "log").mockImplementation(keep);
  const warn = jest.spyOn(console, "warn").mockImplementation(keep);
  try {
    await s.run(names, without);
    return { printed: lines.join("\n") };
  } catch (error) {
    return { error: error as Error, printed: lines.join("\n") };
  } finally {
    log.mockRestore();
    warn.mockRestore();
  }
}

/** Grants no scenario fails without: moto cannot enforce them (the README says why S3 needs them). */
function neverEnforcedByMoto(): Grant[] {
  const all = SCENARIOS.flatMap((s) => s.exercises);
  const failing = new Set(all.filter(([, e]) => e === FAILS).map(([g]) => label(g)));
  return all.filter(([g, e]) => typeof e === "object" && !failing.has(label(g))).map(([g]) => g);
}
const optionalGrants = () =>
  SCENARIOS.flatMap((s) => s.exercises.filter(([, e]) => e === OPTIONAL).map(([g]) => g));

const naming = (action: string) => new RegExp(`${action.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![A-Za-z])`);

describe("the documented IAM policies, under moto's IAM enforcement", () => {
  itIf(CAN.iamPolicies)("enforces policies from the first request after the free ones", async () => {
    resetClientCaches();
    const asCopier = new S3Client({
      region: REGION,
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: copier,
    });
    await grantCopier({
      Version: "2012-10-17",
      Statement: [{ Sid: "Nothing", Effect: "Allow", Action: ["s3:GetBucketTagging"], Resource: "*" }],
    });
    const bucket = await newBucket();
    await expect(asCopier.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).rejects.toMatchObject({
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403 },
    });
  });

  for (const s of SCENARIOS) {
    describe(s.name, () => {
      itIf(CAN.iamPolicies)(`passes with exactly the policy of ${s.features.join(" + ")}`, async () => {
        const { error } = await attempt(s);
        expect(error).toBeUndefined();
      });

      for (const [g, expected] of s.exercises) {
        const outcome =
          expected === FAILS
            ? "fails with a message naming it"
            : expected === OPTIONAL
              ? "still passes, and warns naming it"
              : `still passes on moto (${expected.motoLetsThrough})`;
        itIf(CAN.iamPolicies)(`without ${label(g)}: ${outcome}`, async () => {
          const { error, printed } = await attempt(s, g);
          if (expected === FAILS) {
            expect(error?.message).toMatch(/^[A-Z0-9_]+: /);
            expect(error?.message).toMatch(naming(g.action));
          } else {
            expect(error).toBeUndefined();
            if (expected === OPTIONAL) expect(printed).toMatch(naming(g.action));
          }
        });
      }
    });
  }

  it("takes away every documented grant in some scenario, and no grant that is not documented", () => {
    const documented = new Set(
      FEATURES.flatMap((f) =>
        loadPolicy(f).Statement.flatMap((s) => s.Action.map((a) => label(grant(a, s.Resource)))),
      ),
    );
    const exercised = new Set(SCENARIOS.flatMap((s) => s.exercises.map(([g]) => label(g))));
    expect([...exercised].sort()).toEqual([...documented].sort());
  });
});

describe("README: Permissions (IAM)", () => {
  const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
  const section = /\n## Permissions \(IAM\)\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? "";

  it("shows each policy file, unchanged, under its file name, in the order of the features", () => {
    const shown = [...section.matchAll(/`docs\/iam\/([a-z-]+)\.json`[^\n]*\n+```json\n([\s\S]*?)\n```/g)].map(
      (m) => ({
        feature: m[1],
        policy: JSON.parse(m[2]) as unknown,
      }),
    );
    expect(shown).toEqual(FEATURES.map((feature) => ({ feature, policy: loadPolicy(feature) })));
  });

  it("names every action moto never enforces, and the optional ones", () => {
    for (const g of [...neverEnforcedByMoto(), ...optionalGrants()])
      expect(section).toContain(`\`${g.action}\``);
  });
});
