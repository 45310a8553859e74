// Reading a job's completion report from S3: manifest.json at its documented key, then each
// result CSV it lists, checked against its MD5. GetObject is scripted with aws-sdk-client-mock;
// parsing the files themselves is in batch-manifest.test.ts.
import { createHash } from "node:crypto";

import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

import { readCompletionReport } from "../../provider/engine/batch";
import { ObjectCopyError } from "../../provider/engine/errors";

const s3mock = mockClient(S3Client);
const s3 = new S3Client({ region: "us-west-2" });

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

/** An answer whose body holds `text`, as the SDK's stream mixin offers it. */
const body = (text: string) =>
  ({
    Body: { transformToByteArray: async () => new Uint8Array(Buffer.from(text)) },
  }) as unknown as GetObjectCommandOutput;

const SUCCEEDED_CSV = "src,a%20b.txt,,succeeded,200,,Successful\nsrc,c.txt,,succeeded,200,,Successful\n";
const FAILED_CSV = 'src,d.txt,,failed,403,AccessDenied,"Access Denied, for the role"\n';

function manifestJson(
  results: { status: string; key: string; md5?: string }[],
  format = "Report_CSV_20180820",
) {
  return JSON.stringify({
    Format: format,
    ReportCreationDate: "2026-05-01T10:00:00.000Z",
    Results: results.map((r) => ({
      TaskExecutionStatus: r.status,
      Bucket: "reports",
      Key: r.key,
      ...(r.md5 ? { MD5Checksum: r.md5 } : {}),
    })),
    ReportSchema: "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage",
  });
}

function serve(files: Record<string, string>) {
  s3mock.on(GetObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
    const text = files[`${input.Bucket}/${input.Key}`];
    if (text === undefined)
      throw Object.assign(new Error("The specified key does not exist."), {
        name: "NoSuchKey",
        $metadata: { httpStatusCode: 404 },
      });
    return body(text);
  });
}

const fetched = () =>
  s3mock.commandCalls(GetObjectCommand).map((c) => `${c.args[0].input.Bucket}/${c.args[0].input.Key}`);

async function failure(p: Promise<unknown>): Promise<ObjectCopyError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ObjectCopyError)) throw new Error(`expected an ObjectCopyError, got ${String(err)}`);
  return err;
}

beforeEach(() => s3mock.reset());
afterAll(() => s3mock.restore());

describe("readCompletionReport", () => {
  it("reads manifest.json under the prefix, then every result file it lists, into one result per task", async () => {
    serve({
      "reports/batch/job-J1/manifest.json": manifestJson([
        { status: "succeeded", key: "batch/job-J1/results/s1.csv", md5: md5(SUCCEEDED_CSV) },
        { status: "failed", key: "batch/job-J1/results/f1.csv", md5: md5(FAILED_CSV).toUpperCase() },
      ]),
      "reports/batch/job-J1/results/s1.csv": SUCCEEDED_CSV,
      "reports/batch/job-J1/results/f1.csv": FAILED_CSV,
    });

    const results = await readCompletionReport(s3, { bucket: "reports", prefix: "batch/" }, "J1");

    expect(results).toEqual([
      { bucket: "src", key: "a b.txt", status: "succeeded", httpStatus: 200, message: "Successful" },
      { bucket: "src", key: "c.txt", status: "succeeded", httpStatus: 200, message: "Successful" },
      {
        bucket: "src",
        key: "d.txt",
        status: "failed",
        httpStatus: 403,
        errorCode: "AccessDenied",
        message: "Access Denied, for the role",
      },
    ]);
    expect(fetched()).toEqual([
      "reports/batch/job-J1/manifest.json",
      "reports/batch/job-J1/results/s1.csv",
      "reports/batch/job-J1/results/f1.csv",
    ]);
  });

  it("reads a report without result files (a job of no tasks) as no results", async () => {
    serve({ "reports/job-J2/manifest.json": manifestJson([]) });
    await expect(readCompletionReport(s3, { bucket: "reports", prefix: "" }, "J2")).resolves.toEqual([]);
    expect(fetched()).toEqual(["reports/job-J2/manifest.json"]);
  });

  it("accepts a result file when the manifest gives no MD5", async () => {
    serve({
      "reports/job-J1/manifest.json": manifestJson([{ status: "failed", key: "job-J1/results/f1.csv" }]),
      "reports/job-J1/results/f1.csv": FAILED_CSV,
    });
    await expect(readCompletionReport(s3, { bucket: "reports", prefix: "" }, "J1")).resolves.toHaveLength(1);
  });

  it("throws BATCH_REPORT_INVALID when a result file's MD5 is not the one manifest.json gives", async () => {
    serve({
      "reports/job-J1/manifest.json": manifestJson([
        { status: "succeeded", key: "job-J1/results/s1.csv", md5: md5(SUCCEEDED_CSV) },
      ]),
      "reports/job-J1/results/s1.csv": SUCCEEDED_CSV.slice(0, 20),
    });
    const err = await failure(readCompletionReport(s3, { bucket: "reports", prefix: "" }, "J1"));
    expect(err.code).toBe("BATCH_REPORT_INVALID");
    expect(err.message).toContain(
      `s3://reports/job-J1/results/s1.csv has MD5 ${md5(SUCCEEDED_CSV.slice(0, 20))}`,
    );
    expect(err.message).toContain(`says ${md5(SUCCEEDED_CSV)}`);
  });

  it("throws BATCH_REPORT_NOT_FOUND, naming the key and the role's permission, when manifest.json is missing", async () => {
    serve({});
    const err = await failure(readCompletionReport(s3, { bucket: "reports", prefix: "batch" }, "J1"));
    expect(err.code).toBe("BATCH_REPORT_NOT_FOUND");
    expect(err.message).toContain("s3://reports/batch/job-J1/manifest.json does not exist");
    expect(err.message).toContain("s3:PutObject on the report bucket");
    expect(fetched()).toHaveLength(1);
  });

  it("refuses a report in another format without reading its files", async () => {
    serve({
      "reports/job-J1/manifest.json": manifestJson(
        [{ status: "succeeded", key: "job-J1/results/s1.csv" }],
        "Report_JSON_2030",
      ),
    });
    const err = await failure(readCompletionReport(s3, { bucket: "reports", prefix: "" }, "J1"));
    expect(err.message).toBe(
      'BATCH_REPORT_INVALID: the report of job J1 has format "Report_JSON_2030"; only Report_CSV_20180820 is read',
    );
    expect(fetched()).toHaveLength(1);
  });

  it("names the result file and line of a row it cannot read", async () => {
    serve({
      "reports/job-J1/manifest.json": manifestJson([{ status: "succeeded", key: "job-J1/results/s1.csv" }]),
      "reports/job-J1/results/s1.csv": "src,a,,succeeded,200,,Successful\nsrc,b,,maybe,200,,x\n",
    });
    const err = await failure(readCompletionReport(s3, { bucket: "reports", prefix: "" }, "J1"));
    expect(err.message).toContain('s3://reports/job-J1/results/s1.csv line 2 has task status "maybe"');
  });

  it("wraps other GetObject failures with the object they concern", async () => {
    s3mock.on(GetObjectCommand).rejects(
      Object.assign(new Error("Access Denied"), {
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const err = await failure(readCompletionReport(s3, { bucket: "reports", prefix: "" }, "J1"));
    expect(err.code).toBe("S3_GETOBJECT_FAILED");
    expect(err.message).toContain(
      "GetObject on s3://reports/job-J1/manifest.json failed with AccessDenied (HTTP 403)",
    );
  });
});
