// The pure parts of the Batch Operations engine: the CSV manifest a job copies from, the layouts a
// job can express, its request token, the CreateJob input, the completion report's files and the
// cost estimate. The serialized requests are in batch-requests.test.ts, job lifecycles in
// batch-lifecycle.test.ts.
import {
  clientRequestToken,
  createJobInput,
  decodeKey,
  encodeKey,
  estimateJobCost,
  type JobSpec,
  manifestCsv,
  MAX_CLIENT_REQUEST_TOKEN_CHARS,
  MAX_DESCRIPTION_CHARS,
  MAX_JOB_OBJECT_BYTES,
  parseManifestCsv,
  parseReportCsv,
  parseReportManifest,
  partitionOf,
  reportManifestKey,
  targetKeyPrefix,
  unsupportedJobSettings,
} from "../../provider/engine/batch";
import { GiB, MAX_KEY_BYTES } from "../../provider/engine/constants";
import { ObjectCopyError } from "../../provider/engine/errors";

/** The error a call throws, so its code and message can both be asserted. */
function thrown(fn: () => unknown): ObjectCopyError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ObjectCopyError) return err;
    throw err;
  }
  throw new Error("expected an ObjectCopyError, but nothing was thrown");
}

const AWKWARD_KEYS = [
  "plain/file.txt",
  "with space/and  two.txt",
  "a+b+c.txt",
  "100%/%41%2F.txt",
  "comma,separated,name.csv",
  "quote\"d and 'single'.txt",
  "line\nbreak\r\nand\ttab.txt",
  "unicode/ü/日本語/😀.txt",
  "query#frag?x=1&y=2.txt",
  "folder/",
  "!*'()~-_.",
  // The longest key S3 allows, in 2-byte characters: every byte is escaped.
  "é".repeat(MAX_KEY_BYTES / 2),
];

describe("manifestCsv and parseManifestCsv", () => {
  it("writes the exact bytes of a small manifest: no header, sorted by key, keys escaped, one \\n per row", () => {
    const csv = manifestCsv([
      { bucket: "src", key: "b/two words.txt" },
      { bucket: "src", key: "a,1+2.txt" },
      { bucket: "src", key: "c/ü" },
    ]);
    expect(csv).toBe("src,a%2C1%2B2.txt\nsrc,b%2Ftwo%20words.txt\nsrc,c%2F%C3%BC\n");
  });

  it("gives the same bytes for the same rows in any order", () => {
    const rows = AWKWARD_KEYS.map((key) => ({ bucket: "src", key }));
    expect(manifestCsv([...rows].reverse())).toBe(manifestCsv(rows));
  });

  it("escapes every byte outside A-Z a-z 0-9 - _ . ~, including the ones encodeURIComponent leaves bare", () => {
    expect(encodeKey("!*'()~-_.aZ9")).toBe("%21%2A%27%28%29~-_.aZ9");
    expect(encodeKey("a b+c")).toBe("a%20b%2Bc");
  });

  it.each(AWKWARD_KEYS.map((k) => [JSON.stringify(k).slice(0, 40), k]))(
    "reads back key %s exactly, on one line of two columns",
    (_name, key) => {
      const csv = manifestCsv([{ bucket: "src", key }]);
      expect(csv.split("\n")).toHaveLength(2);
      expect(csv.slice(0, -1).split(",")).toHaveLength(2);
      expect(parseManifestCsv(csv)).toEqual([{ bucket: "src", key }]);
    },
  );

  it("reads a bare + as a space and %2B as a plus", () => {
    expect(parseManifestCsv("src,a+b%2Bc\n")).toEqual([{ bucket: "src", key: "a b+c" }]);
    expect(decodeKey("%E6%97%A5")).toBe("日");
  });

  it("writes version ids as a third column, unencoded, and reads them back", () => {
    const rows = [
      { bucket: "src", key: "k 2", versionId: "3HL4kqtJ+lcpX.ro_DT" },
      { bucket: "src", key: "k 1", versionId: "null" },
    ];
    const csv = manifestCsv(rows);
    expect(csv).toBe("src,k%201,null\nsrc,k%202,3HL4kqtJ+lcpX.ro_DT\n");
    expect(parseManifestCsv(csv)).toEqual([rows[1], rows[0]]);
  });

  it("sorts rows of the same key by version id", () => {
    const csv = manifestCsv([
      { bucket: "src", key: "k", versionId: "v2" },
      { bucket: "src", key: "k", versionId: "v1" },
    ]);
    expect(csv).toBe("src,k,v1\nsrc,k,v2\n");
  });

  it("refuses a manifest where only some rows name a version, naming a key without one", () => {
    const e = thrown(() =>
      manifestCsv([
        { bucket: "src", key: "a", versionId: "v1" },
        { bucket: "src", key: "b" },
      ]),
    );
    expect(e.code).toBe("BATCH_MANIFEST_INVALID");
    expect(e.message).toContain('1 of 2 rows name a version id but key "b" does not');
  });

  it("refuses an empty key, a bucket name a CSV field cannot hold, and a version id with a comma", () => {
    expect(thrown(() => manifestCsv([{ bucket: "src", key: "" }])).message).toContain(
      "an object key is empty",
    );
    expect(thrown(() => manifestCsv([{ bucket: "a,b", key: "k" }])).message).toContain('bucket "a,b"');
    expect(thrown(() => manifestCsv([{ bucket: "src", key: "k", versionId: "v,1" }])).message).toContain(
      'version id "v,1" of key "k"',
    );
  });

  it("refuses a key with a lone surrogate, which has no UTF-8 form", () => {
    expect(thrown(() => manifestCsv([{ bucket: "src", key: "bad\ud800" }])).code).toBe(
      "BATCH_MANIFEST_INVALID",
    );
  });

  it("writes an empty manifest as no bytes", () => {
    expect(manifestCsv([])).toBe("");
    expect(parseManifestCsv("")).toEqual([]);
  });

  it("accepts \\r\\n line ends and a last line without a line end", () => {
    expect(parseManifestCsv("src,a\r\nsrc,b%20c")).toEqual([
      { bucket: "src", key: "a" },
      { bucket: "src", key: "b c" },
    ]);
  });

  it.each([
    ["src,a\nsrc\n", "manifest line 2", "has 1 column"],
    ["src,a,v1,x\n", "manifest line 1", "has 4 columns"],
    ["src,a\n\nsrc,b\n", "manifest line 2", "has 1 column"],
    [",a\n", "manifest line 1", "has no bucket"],
    ["src,%E0%A4\n", "manifest line 1", "%-escapes are not UTF-8"],
    ["src,a,\n", "manifest line 1", "has an empty version id"],
  ])("throws BATCH_MANIFEST_INVALID naming the line for %j", (text, line, problem) => {
    const e = thrown(() => parseManifestCsv(text));
    expect(e.code).toBe("BATCH_MANIFEST_INVALID");
    expect(e.message).toContain(line);
    expect(e.message).toContain(problem);
  });
});

describe("targetKeyPrefix: the layouts a job can express", () => {
  it.each([
    ["", "", ""],
    ["", "backup/", "backup/"],
    ["logs/", "logs/", ""],
    ["logs/", "2026/logs/", "2026/"],
    ["a/b/", "x/a/b/", "x/"],
    ["logs/", "archive/", undefined],
    ["logs/", "", undefined],
    ["logs/", "logs/2026/", undefined],
    ["logs", "xlogs", "x"],
  ])("source prefix %j to destination prefix %j gives %j", (source, dest, expected) => {
    expect(targetKeyPrefix(source, dest)).toBe(expected);
  });

  it("gives a prefix that, prepended to each full source key, yields the destination key", () => {
    const [source, dest] = ["in/", "out/in/"];
    const prefix = targetKeyPrefix(source, dest)!;
    for (const key of ["in/a.txt", "in/deep/b.bin"]) {
      expect(prefix + key).toBe(dest + key.slice(source.length));
    }
  });
});

describe("clientRequestToken", () => {
  it("is the same for the same parts and 64 hex characters long", () => {
    const token = clientRequestToken(["proj/stack/set", "settings-digest", '"etag"']);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(token).toHaveLength(MAX_CLIENT_REQUEST_TOKEN_CHARS);
    expect(clientRequestToken(["proj/stack/set", "settings-digest", '"etag"'])).toBe(token);
  });

  it("differs when any part differs, and keeps part boundaries apart", () => {
    const base = clientRequestToken(["a", "b"]);
    expect(clientRequestToken(["a", "c"])).not.toBe(base);
    expect(clientRequestToken(["b", "a"])).not.toBe(base);
    expect(clientRequestToken(["a,b"])).not.toBe(base);
    expect(clientRequestToken(["ab"])).not.toBe(base);
  });
});

const SPEC: JobSpec = {
  accountId: "111122223333",
  roleArn: "arn:aws:iam::111122223333:role/batch-copy",
  priority: 10,
  description: "pulumi-s3-object-copy: web/prod/site",
  destBucket: "dst",
  targetKeyPrefix: "",
  manifest: { bucket: "reports", key: "jobs/abc.csv", etag: '"0123abcd"', withVersionIds: false },
  report: { bucket: "reports", prefix: "" },
  settings: {},
  clientRequestToken: "t".repeat(64),
};

describe("createJobInput", () => {
  it("builds the request for plain settings: no confirmation, the CSV manifest by ARN and unquoted ETag, the report on for all tasks", () => {
    expect(createJobInput(SPEC)).toEqual({
      AccountId: "111122223333",
      ConfirmationRequired: false,
      Operation: { S3PutObjectCopy: { TargetResource: "arn:aws:s3:::dst" } },
      Manifest: {
        Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
        Location: { ObjectArn: "arn:aws:s3:::reports/jobs/abc.csv", ETag: "0123abcd" },
      },
      Report: {
        Bucket: "arn:aws:s3:::reports",
        Format: "Report_CSV_20180820",
        Enabled: true,
        ReportScope: "AllTasks",
      },
      Priority: 10,
      RoleArn: "arn:aws:iam::111122223333:role/batch-copy",
      ClientRequestToken: "t".repeat(64),
      Description: "pulumi-s3-object-copy: web/prod/site",
    });
  });

  it("adds the VersionId field, the target prefix, the report prefix and the partition when given", () => {
    const input = createJobInput({
      ...SPEC,
      partition: partitionOf("cn-north-1"),
      targetKeyPrefix: "2026/",
      manifest: { ...SPEC.manifest, withVersionIds: true },
      report: { bucket: "reports", prefix: "batch/" },
    });
    expect(input.Manifest?.Spec?.Fields).toEqual(["Bucket", "Key", "VersionId"]);
    expect(input.Manifest?.Location?.ObjectArn).toBe("arn:aws-cn:s3:::reports/jobs/abc.csv");
    expect(input.Operation?.S3PutObjectCopy).toEqual({
      TargetResource: "arn:aws-cn:s3:::dst",
      TargetKeyPrefix: "2026/",
    });
    expect(input.Report).toMatchObject({ Bucket: "arn:aws-cn:s3:::reports", Prefix: "batch/" });
  });

  it("maps REPLACE settings, tags, encryption and the rest onto S3PutObjectCopy", () => {
    const op = createJobInput({
      ...SPEC,
      settings: {
        metadataDirective: "REPLACE",
        metadata: { team: "web" },
        cacheControl: "max-age=60",
        contentType: "text/html",
        expires: "2030-01-02T03:04:05.000Z",
        taggingDirective: "REPLACE",
        tags: { z: "1", a: "2" },
        storageClass: "STANDARD_IA",
        acl: "bucket-owner-full-control",
        serverSideEncryption: "aws:kms",
        kmsKeyArn: "arn:aws:kms:us-west-2:111122223333:key/k1",
        bucketKeyEnabled: true,
        checksumAlgorithm: "SHA256",
        requesterPays: true,
        objectLockMode: "GOVERNANCE",
        objectLockRetainUntilDate: "2031-01-01T00:00:00.000Z",
        objectLockLegalHoldStatus: "ON",
      },
    }).Operation?.S3PutObjectCopy;
    expect(op).toEqual({
      TargetResource: "arn:aws:s3:::dst",
      MetadataDirective: "REPLACE",
      NewObjectMetadata: {
        UserMetadata: { team: "web" },
        CacheControl: "max-age=60",
        ContentType: "text/html",
        HttpExpiresDate: new Date("2030-01-02T03:04:05.000Z"),
        SSEAlgorithm: "KMS",
      },
      NewObjectTagging: [
        { Key: "a", Value: "2" },
        { Key: "z", Value: "1" },
      ],
      StorageClass: "STANDARD_IA",
      CannedAccessControlList: "bucket-owner-full-control",
      SSEAwsKmsKeyId: "arn:aws:kms:us-west-2:111122223333:key/k1",
      BucketKeyEnabled: true,
      ChecksumAlgorithm: "SHA256",
      RequesterPays: true,
      ObjectLockMode: "GOVERNANCE",
      ObjectLockRetainUntilDate: new Date("2031-01-01T00:00:00.000Z"),
      ObjectLockLegalHoldStatus: "ON",
    });
  });

  it("sends an empty tag list for REPLACE without tags, so the copies get none, and only the algorithm under COPY", () => {
    const op = createJobInput({
      ...SPEC,
      settings: { metadataDirective: "COPY", taggingDirective: "REPLACE", serverSideEncryption: "AES256" },
    }).Operation?.S3PutObjectCopy;
    expect(op).toEqual({
      TargetResource: "arn:aws:s3:::dst",
      MetadataDirective: "COPY",
      NewObjectMetadata: { SSEAlgorithm: "AES256" },
      NewObjectTagging: [],
    });
  });

  it("cuts a long description to CreateJob's limit and leaves an empty one out", () => {
    expect(createJobInput({ ...SPEC, description: "d".repeat(300) }).Description).toBe(
      "d".repeat(MAX_DESCRIPTION_CHARS),
    );
    expect(createJobInput({ ...SPEC, description: "" })).not.toHaveProperty("Description");
  });

  it.each([
    [{ accountId: "1234" }, 'accountId "1234" is not a 12-digit AWS account id'],
    [{ roleArn: "batch-copy" }, 'roleArn "batch-copy" is not an IAM role ARN'],
    [{ priority: -1 }, "priority -1 must be a whole number from 0 to 2147483647"],
    [{ priority: 1.5 }, "priority 1.5 must be a whole number"],
    [{ clientRequestToken: "x".repeat(65) }, "clientRequestToken has 65 characters; CreateJob takes 1 to 64"],
    [{ settings: { serverSideEncryption: "aws:kms:dsse" as const } }, "cannot ask for DSSE-KMS"],
  ])("throws BATCH_JOB_INVALID for %j", (change, message) => {
    const e = thrown(() => createJobInput({ ...SPEC, ...change }));
    expect(e.code).toBe("BATCH_JOB_INVALID");
    expect(e.message).toContain(message);
  });
});

describe("unsupportedJobSettings", () => {
  it("finds nothing wrong with settings a job can carry", () => {
    expect(
      unsupportedJobSettings({
        metadataDirective: "REPLACE",
        contentType: "a/b",
        storageClass: "GLACIER_IR",
      }),
    ).toEqual([]);
  });

  it("names each setting a job cannot carry, and why", () => {
    const why = unsupportedJobSettings({
      serverSideEncryption: "AES256",
      kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k",
      storageClass: "EXPRESS_ONEZONE",
      metadata: { a: "1" },
      contentType: "text/plain",
      tags: { a: "1" },
      objectLockMode: "GOVERNANCE",
      expires: "soon",
    });
    expect(why).toEqual([
      'kmsKeyArn is set but serverSideEncryption is "AES256"; a key applies to "aws:kms" only',
      'storageClass "EXPRESS_ONEZONE" is not accepted by a Batch Operations copy; it takes STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, DEEP_ARCHIVE, GLACIER_IR',
      'metadata, contentType, expires are set but metadataDirective is "COPY"; a job sends new metadata only with "REPLACE"',
      'tags are set but taggingDirective is "COPY"; a job sends new tags only with "REPLACE"',
      "objectLockMode and objectLockRetainUntilDate go together: S3 takes a retention only with both",
      'expires "soon" is not a date; give an ISO 8601 date',
    ]);
  });
});

describe("partitionOf", () => {
  it.each([
    ["us-east-1", "aws"],
    ["eu-west-1", "aws"],
    ["cn-northwest-1", "aws-cn"],
    ["us-gov-west-1", "aws-us-gov"],
  ])("%s is in partition %s", (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});

describe("limits", () => {
  it("lets a job copy objects up to 5 GiB, CopyObject's limit", () => {
    expect(MAX_JOB_OBJECT_BYTES).toBe(5 * GiB);
  });
});

describe("the completion report's files", () => {
  it("puts manifest.json under job-<id>/ below the prefix, with or without a trailing slash", () => {
    expect(reportManifestKey("reports/batch/", "J1")).toBe("reports/batch/job-J1/manifest.json");
    expect(reportManifestKey("reports/batch", "J1")).toBe("reports/batch/job-J1/manifest.json");
    expect(reportManifestKey("", "J1")).toBe("job-J1/manifest.json");
  });

  it("reads AWS's manifest.json: format, and each result file with its status and MD5", () => {
    const json = JSON.stringify({
      Format: "Report_CSV_20180820",
      ReportCreationDate: "2019-04-05T17:48:39.725Z",
      Results: [
        {
          TaskExecutionStatus: "succeeded",
          Bucket: "my-job-reports",
          MD5Checksum: "83B1C4CBE93FC893F54053697E10FD6E",
          Key: "job-J1/results/6217b0fa.csv",
        },
        {
          TaskExecutionStatus: "failed",
          Bucket: "arn:aws:s3:::my-job-reports",
          Key: "job-J1/results/b2ddad41.csv",
        },
      ],
      ReportSchema: "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage",
    });
    expect(parseReportManifest(json)).toEqual({
      format: "Report_CSV_20180820",
      results: [
        {
          status: "succeeded",
          bucket: "my-job-reports",
          key: "job-J1/results/6217b0fa.csv",
          md5: "83b1c4cbe93fc893f54053697e10fd6e",
        },
        { status: "failed", bucket: "my-job-reports", key: "job-J1/results/b2ddad41.csv" },
      ],
    });
  });

  it.each([
    ["not json", "is not JSON"],
    ["null", "has no Format"],
    ['{"Format":"Report_CSV_20180820"}', "has no Results list"],
    [
      '{"Format":"Report_CSV_20180820","Results":[{"Bucket":"b"}]}',
      "result 1 of the report's manifest.json has no Key",
    ],
  ])("throws BATCH_REPORT_INVALID for manifest.json %s", (json, message) => {
    const e = thrown(() => parseReportManifest(json));
    expect(e.code).toBe("BATCH_REPORT_INVALID");
    expect(e.message).toContain(message);
  });

  it("reads rows in AWS's example order (HTTP status before the error code) and the documented one", () => {
    const csv =
      "src,a.txt,,succeeded,200,,Successful\n" +
      'src,b.txt,v2,failed,403,AccessDenied,"Access Denied"\n' +
      "src,c.txt,,failed,NoSuchKey,404,The specified key does not exist.\n";
    expect(parseReportCsv(csv, "src")).toEqual([
      { bucket: "src", key: "a.txt", status: "succeeded", httpStatus: 200, message: "Successful" },
      {
        bucket: "src",
        key: "b.txt",
        versionId: "v2",
        status: "failed",
        httpStatus: 403,
        errorCode: "AccessDenied",
        message: "Access Denied",
      },
      {
        bucket: "src",
        key: "c.txt",
        status: "failed",
        httpStatus: 404,
        errorCode: "NoSuchKey",
        message: "The specified key does not exist.",
      },
    ]);
  });

  it("reads quoted messages with commas, doubled quotes and line breaks, and URL-decodes keys", () => {
    const csv =
      'src,dir%2Fa%2Cb%20c.txt,,failed,200,PermanentFailure,"Error: one, ""two""\nthree"\r\n' +
      "src,%F0%9F%98%80+x,,succeeded,200,,Successful\r\n";
    expect(parseReportCsv(csv)).toEqual([
      {
        bucket: "src",
        key: "dir/a,b c.txt",
        status: "failed",
        httpStatus: 200,
        errorCode: "PermanentFailure",
        message: 'Error: one, "two"\nthree',
      },
      { bucket: "src", key: "😀 x", status: "succeeded", httpStatus: 200, message: "Successful" },
    ]);
  });

  it("keeps an unquoted message with a comma in one piece", () => {
    expect(
      parseReportCsv("src,k,,failed,500,InternalError,We encountered an error, try again\n")[0].message,
    ).toBe("We encountered an error, try again");
  });

  it.each([
    ["src,k,,done,200,,x\n", 'line 1 has task status "done"'],
    ["src,k,,failed\n", "line 1 has 4 fields"],
    ['src,k,,ok,200,,x\nsrc,k2,,failed,200,X,"open\n', "line 2: a quoted field is never closed"],
    ["src,k,,failed,abc,def,x\n", 'has "abc" and "def" where one HTTP status and one error code belong'],
    ["other,k,,succeeded,200,,x\n", 'names bucket "other", not the job\'s source "src"'],
  ])("throws BATCH_REPORT_INVALID naming the line for %j", (csv, message) => {
    const e = thrown(() => parseReportCsv(csv, "src"));
    expect(e.code).toBe("BATCH_REPORT_INVALID");
    expect(e.message).toContain(message);
  });
});

describe("estimateJobCost", () => {
  it("adds the job fee, the per-object fee and the COPY requests, and says where the prices come from", () => {
    expect(estimateJobCost(1_000_000)).toEqual({
      usd: 6.25,
      objects: 1_000_000,
      line:
        "about $6.25 for 1,000,000 objects: $0.25 per job + $1.00 per million objects ($1.00) + " +
        "COPY requests at $0.005 per 1,000 ($5.00); S3 pricing page, us-east-1, KMS calls and storage not included",
    });
  });

  it.each([
    [0, 0.25],
    [1, 0.250006],
    [10_000, 0.31],
    [1_000_000_000, 6000.25],
  ])("%d objects cost $%s", (objects, usd) => {
    expect(estimateJobCost(objects).usd).toBe(usd);
  });

  it("refuses a count that is not a whole number from 0", () => {
    expect(thrown(() => estimateJobCost(-1)).code).toBe("BATCH_COST_INVALID");
    expect(thrown(() => estimateJobCost(1.5)).code).toBe("BATCH_COST_INVALID");
  });
});
