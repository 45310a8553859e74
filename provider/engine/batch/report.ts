// A job's completion report: where its manifest.json is, what it and its result CSVs say, and
// reading them from S3 into one result per task, so the set can record each key and retry the
// failed ones.

import { createHash } from "node:crypto";

import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";

import { isNotFound, ObjectCopyError, showValue, wrapAwsError } from "../errors";
import { CsvError, parseCsv } from "./csv";
import { decodeKey } from "./url-key";

export interface TaskResult {
  bucket: string;
  key: string;
  versionId?: string;
  status: "succeeded" | "failed";
  httpStatus?: number;
  errorCode?: string;
  message?: string;
}

export interface ReportManifest {
  format: string;
  results: { status: string; bucket: string; key: string; md5?: string }[];
}

/** The one report format CreateJob offers. */
export const REPORT_FORMAT = "Report_CSV_20180820";

/** Where S3 writes a job's report manifest: `<prefix>/job-<id>/manifest.json`. */
export function reportManifestKey(prefix: string, jobId: string): string {
  const base = prefix.replace(/\/+$/, "");
  return `${base === "" ? "" : `${base}/`}job-${jobId}/manifest.json`;
}

const invalid = (message: string) => new ObjectCopyError("BATCH_REPORT_INVALID", message);

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The report's manifest.json: its format and the result CSVs it lists. */
export function parseReportManifest(json: string): ReportManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw invalid(`the report's manifest.json is not JSON (${(err as Error).message})`);
  }
  const d = doc as { Format?: unknown; Results?: unknown } | null;
  const format = str(d?.Format);
  if (!format || !Array.isArray(d?.Results)) {
    throw invalid(
      `the report's manifest.json has no ${!format ? "Format" : "Results list"}; it is not a Batch Operations report`,
    );
  }
  const results = d.Results.map((r: unknown, i: number) => {
    const e = r as {
      TaskExecutionStatus?: unknown;
      Bucket?: unknown;
      Key?: unknown;
      MD5Checksum?: unknown;
    } | null;
    const bucket = str(e?.Bucket);
    const key = str(e?.Key);
    if (!bucket || !key)
      throw invalid(`result ${i + 1} of the report's manifest.json has no ${!bucket ? "Bucket" : "Key"}`);
    const md5 = str(e?.MD5Checksum);
    return {
      status: str(e?.TaskExecutionStatus) ?? "",
      // The bucket is a name in AWS's examples; an ARN is read as the name it ends in.
      bucket: bucket.replace(/^arn:[^:]+:s3:::/, ""),
      key,
      ...(md5 ? { md5: md5.toLowerCase() } : {}),
    };
  });
  return { format, results };
}

const HTTP_STATUS = /^\d{3}$/;

/**
 * The tasks of one result CSV. AWS documents the columns as Bucket, Key, VersionId, TaskStatus,
 * ErrorCode, HTTPStatusCode, ResultMessage, but its example rows put the HTTP status before the
 * error code; both orders are read, by which of the two fields is a 3-digit number. `source` names
 * the file in errors.
 */
export function parseReportCsv(text: string, expectedBucket?: string, source = "a report CSV"): TaskResult[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) throw invalid(`${source} line ${err.line}: ${err.message}`);
    throw err;
  }
  return records.map(({ line, fields }) => {
    const where = `${source} line ${line}`;
    if (fields.length < 6) {
      throw invalid(
        `${where} has ${fields.length} fields; a report row has 7 (Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage)`,
      );
    }
    const [bucket, keyField, versionId, taskStatus, a, b] = fields;
    // A message with a bare comma would split; it is one field still.
    const message = fields.slice(6).join(",");
    const key = decodeKey(keyField);
    if (!bucket || !key)
      throw invalid(`${where} has ${!bucket ? "no bucket" : "no readable key"} (${showValue(keyField)})`);
    if (expectedBucket !== undefined && bucket !== expectedBucket) {
      throw invalid(
        `${where} names bucket ${showValue(bucket)}, not the job's source ${showValue(expectedBucket)}; the report is another job's`,
      );
    }
    const status = taskStatus.toLowerCase();
    if (status !== "succeeded" && status !== "failed") {
      throw invalid(`${where} has task status ${showValue(taskStatus)}; expected succeeded or failed`);
    }
    let httpField: string;
    let codeField: string;
    if (HTTP_STATUS.test(a) && !HTTP_STATUS.test(b)) [httpField, codeField] = [a, b];
    else if (HTTP_STATUS.test(b) && !HTTP_STATUS.test(a)) [httpField, codeField] = [b, a];
    else if (a === "" || b === "") [httpField, codeField] = ["", a || b];
    else
      throw invalid(
        `${where} has ${showValue(a)} and ${showValue(b)} where one HTTP status and one error code belong`,
      );
    return {
      bucket,
      key,
      ...(versionId ? { versionId } : {}),
      status,
      ...(httpField ? { httpStatus: Number(httpField) } : {}),
      ...(codeField ? { errorCode: codeField } : {}),
      ...(message ? { message } : {}),
    };
  });
}

async function getObject(
  s3: S3Client,
  bucket: string,
  key: string,
  signal: AbortSignal | undefined,
  what: string,
): Promise<Uint8Array> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    if (!out.Body) throw invalid(`${what} s3://${bucket}/${key} has no body`);
    return await out.Body.transformToByteArray();
  } catch (err) {
    if (err instanceof ObjectCopyError) throw err;
    if (signal?.aborted)
      throw new ObjectCopyError("CANCELLED", `reading ${what} s3://${bucket}/${key} was cancelled`);
    if (isNotFound(err)) {
      throw new ObjectCopyError(
        "BATCH_REPORT_NOT_FOUND",
        `${what} s3://${bucket}/${key} does not exist: S3 writes the report when the job ends, with the job's ` +
          `role, which needs s3:PutObject on the report bucket`,
      );
    }
    throw wrapAwsError("GetObject", `s3://${bucket}/${key}`, err);
  }
}

/**
 * Every task result of a job's completion report: manifest.json, then each result CSV it lists,
 * checked against its MD5Checksum when the manifest gives one.
 */
export async function readCompletionReport(
  s3: S3Client,
  report: { bucket: string; prefix: string },
  jobId: string,
  signal?: AbortSignal,
): Promise<TaskResult[]> {
  const manifestKey = reportManifestKey(report.prefix, jobId);
  const manifestBytes = await getObject(
    s3,
    report.bucket,
    manifestKey,
    signal,
    `the report manifest of job ${jobId}`,
  );
  const manifest = parseReportManifest(Buffer.from(manifestBytes).toString("utf8"));
  if (manifest.format !== REPORT_FORMAT) {
    throw invalid(
      `the report of job ${jobId} has format ${showValue(manifest.format)}; only ${REPORT_FORMAT} is read`,
    );
  }
  const results: TaskResult[] = [];
  for (const file of manifest.results) {
    const uri = `s3://${file.bucket}/${file.key}`;
    const bytes = await getObject(s3, file.bucket, file.key, signal, `a result file of job ${jobId}`);
    if (file.md5 !== undefined) {
      const md5 = createHash("md5").update(bytes).digest("hex");
      if (md5 !== file.md5) {
        throw invalid(
          `${uri} has MD5 ${md5} but the report's manifest.json says ${file.md5}: the file changed or was cut short; run refresh or up again to re-read it`,
        );
      }
    }
    // One push per task: spreading a file of a million rows into push() would overflow the stack.
    for (const task of parseReportCsv(Buffer.from(bytes).toString("utf8"), undefined, uri))
      results.push(task);
  }
  return results;
}
