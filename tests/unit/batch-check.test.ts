// ObjectCopySet's `batchOperations` input at check: its own fields, and what a Batch Operations
// job cannot do, each reported at preview naming the property, the value and the fix.
import { ListObjectsV2Command, S3Client, GetObjectCommand } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

import { resetClientCaches } from "../../provider/engine/clients";
import { UNKNOWN } from "../../provider/engine/constants";
import { checkSet } from "../../provider/engine/set";

const s3 = mockClient(S3Client);
const NOW = new Date("2026-06-01T12:00:00Z");
const ID = { __setProject: "proj", __setStack: "dev", __setName: "data" };
const ROLE = "arn:aws:iam::111122223333:role/batch-copy";
const JOB = { roleArn: ROLE, report: { bucket: "job-reports", prefix: "reports" } };
const BASE = {
  source: "raw/datasets/2026/",
  bucket: "archive",
  prefix: "promoted/datasets/2026/",
  batchOperations: JOB,
  ...ID,
};

beforeEach(() => {
  s3.reset();
  resetClientCaches();
  s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
  s3.on(GetObjectCommand).rejects(Object.assign(new Error("missing"), { name: "NoSuchKey" }));
});

const failures = async (news: Record<string, unknown>) => (await checkSet(news, NOW)).failures;

describe("batchOperations at check", () => {
  test("a valid declaration passes and keeps its fields", async () => {
    const { inputs, failures: f } = await checkSet(
      { ...BASE, batchOperations: { ...JOB, priority: 42, accountId: "111122223333", wait: "started" } },
      NOW,
    );
    expect(f).toEqual([]);
    expect(inputs.batchOperations).toEqual({
      ...JOB,
      priority: 42,
      accountId: "111122223333",
      wait: "started",
    });
  });

  test("the destination prefix may be exactly the source prefix under another bucket", async () => {
    expect(await failures({ ...BASE, prefix: "datasets/2026/" })).toEqual([]);
  });

  test.each([
    ["roleArn", { report: JOB.report }, "batchOperations.roleArn", /is required: the IAM role/],
    ["report", { roleArn: ROLE }, "batchOperations.report", /is required: \{ bucket, prefix \}/],
    [
      "report.bucket",
      { roleArn: ROLE, report: { prefix: "r" } },
      "batchOperations.report.bucket",
      /is required/,
    ],
  ])("a missing %s is named", async (_what, value, property, reason) => {
    const f = await failures({ ...BASE, batchOperations: value });
    expect(f).toHaveLength(1);
    expect(f[0].property).toBe(property);
    expect(f[0].reason).toMatch(reason);
  });

  test.each([
    [{ ...JOB, roleArn: "batch-copy" }, "batchOperations.roleArn", /"batch-copy" is not an IAM role ARN/],
    [
      { ...JOB, priority: -1 },
      "batchOperations.priority",
      /-1 is out of range: use a whole number 0-2147483647/,
    ],
    [{ ...JOB, priority: 1.5 }, "batchOperations.priority", /out of range/],
    [{ ...JOB, accountId: "12345" }, "batchOperations.accountId", /not a 12-digit AWS account ID/],
    [
      { ...JOB, wait: "forever" },
      "batchOperations.wait",
      /"forever" is not allowed; use one of "complete", "started"/,
    ],
    [{ ...JOB, endpoint: "not a url" }, "batchOperations.endpoint", /not an http\(s\) URL/],
    [
      { ...JOB, report: { bucket: "Bad_Bucket" } },
      "batchOperations.report.bucket",
      /"Bad_Bucket" must be 3-63/,
    ],
    [
      { ...JOB, report: { bucket: "ok-bucket", prefix: "/r" } },
      "batchOperations.report.prefix",
      /starts with "\/"/,
    ],
    [{ ...JOB, roleArns: ROLE }, "batchOperations.roleArns", /is not a field of batchOperations/],
  ])("a bad field is named with its value and the fix (%#)", async (value, property, reason) => {
    const f = await failures({ ...BASE, batchOperations: value });
    expect(f.map((x) => x.property)).toEqual([property]);
    expect(f[0].reason).toMatch(reason);
  });

  test("a destination prefix that renames keys is refused: TargetKeyPrefix can only prepend", async () => {
    const f = await failures({ ...BASE, prefix: "elsewhere/" });
    expect(f).toHaveLength(1);
    expect(f[0].property).toBe("prefix");
    expect(f[0].reason).toMatch(/"elsewhere\/" does not end with the source prefix "datasets\/2026\/"/);
    expect(f[0].reason).toMatch(/"promoted\/datasets\/2026\/"/);
  });

  test.each([
    ["raw", "datasets/2026/reports", true],
    ["raw", "", false],
    ["raw", "datasets/", false],
    ["raw", "elsewhere", false],
    ["other-bucket", "datasets/2026/reports", false],
  ])(
    "a report in %s under %j is refused only where the next up would list it as source objects (%#)",
    async (bucket, prefix, refused) => {
      const f = await failures({ ...BASE, batchOperations: { ...JOB, report: { bucket, prefix } } });
      if (!refused) expect(f).toEqual([]);
      else {
        expect(f.map((x) => x.property)).toEqual(["batchOperations.report"]);
        expect(f[0].reason).toMatch(
          /is inside the source "raw\/datasets\/2026\/": the next up would copy the job's report/,
        );
      }
    },
  );

  test("a report at the root of a whole-bucket source is refused", async () => {
    const f = await failures({
      ...BASE,
      source: "raw",
      prefix: "",
      bucket: "archive",
      batchOperations: { ...JOB, report: { bucket: "raw" } },
    });
    expect(f.map((x) => x.property)).toEqual(["batchOperations.report"]);
  });

  test("the same layout without batchOperations is fine", async () => {
    const { batchOperations: _b, ...plain } = BASE;
    expect(await failures({ ...plain, prefix: "elsewhere/" })).toEqual([]);
  });

  test.each([
    [
      "metadataDirective",
      { metadataDirective: "MERGE", cacheControl: "max-age=60" },
      /"MERGE", which a job cannot do/,
    ],
    [
      "kmsEncryptionContext",
      { serverSideEncryption: "aws:kms", kmsEncryptionContext: { team: "data" } },
      /has no encryption context/,
    ],
    ["expectedBucketOwner", { expectedBucketOwner: "111122223333" }, /cannot check bucket owners/],
    [
      "expectedSourceBucketOwner",
      { expectedSourceBucketOwner: "111122223333" },
      /cannot check bucket owners/,
    ],
  ])("%s that a job cannot honour fails check and says what to use", async (property, extra, reason) => {
    const f = await failures({ ...BASE, ...extra });
    const mine = f.filter((x) => x.property === property);
    expect(mine).toHaveLength(1);
    expect(mine[0].reason).toMatch(reason);
    expect(mine[0].reason).toMatch(/batchOperations/);
  });

  test.each([
    ["customerKey", /cannot be used with customerKey: S3 Batch Operations cannot write SSE-C objects/],
    [
      "sourceCustomerKey",
      /cannot be used with sourceCustomerKey: S3 Batch Operations cannot read SSE-C objects/,
    ],
  ])(
    "%s with batchOperations fails at batchOperations, never at the secret itself",
    async (property, reason) => {
      const f = await failures({ ...BASE, [property]: "0123456789abcdef0123456789abcdef" });
      expect(f.map((x) => x.property)).toEqual(["batchOperations"]);
      expect(f[0].reason).toMatch(reason);
    },
  );

  test.each([
    [
      { serverSideEncryption: "aws:kms:dsse" },
      /cannot run these settings as a job: serverSideEncryption "aws:kms:dsse"/,
    ],
    [
      { storageClass: "EXPRESS_ONEZONE" },
      /storageClass "EXPRESS_ONEZONE" is not accepted by a Batch Operations copy/,
    ],
  ])("settings S3PutObjectCopy does not take fail at batchOperations (%#)", async (extra, reason) => {
    const f = await failures({ ...BASE, ...extra });
    expect(f.map((x) => x.property)).toEqual(["batchOperations"]);
    expect(f[0].reason).toMatch(reason);
  });

  test("an unknown storage class at preview is not reported as one a job refuses", async () => {
    expect(await failures({ ...BASE, storageClass: UNKNOWN })).toEqual([]);
  });

  test("an SSE-C key is never echoed in a failure", async () => {
    const key = "0123456789abcdef0123456789abcdef";
    const f = await failures({ ...BASE, customerKey: key });
    expect(JSON.stringify(f)).not.toContain(key);
    expect(JSON.stringify(f)).not.toContain(Buffer.from(key).toString("base64"));
  });

  test("an unknown batchOperations (preview of a new role) checks nothing it cannot see", async () => {
    const f = await failures({ ...BASE, prefix: "elsewhere/", batchOperations: UNKNOWN });
    expect(f).toEqual([]);
  });

  test("batchOperations is not a per-object setting: adding it re-copies nothing", async () => {
    const { objectSettings } = await import("../../provider/engine/set");
    const { inputs } = await checkSet(BASE, NOW);
    expect(Object.keys(objectSettings(inputs))).not.toContain("batchOperations");
  });
});
