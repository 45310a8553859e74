// The batch-ops simulator's answers, in the XML that @aws-sdk/client-s3-control parses. Lists use
// <member> items, as that SDK writes and reads them (its schemas give no other item names).

import { S3CONTROL_NS } from "./create-job";
import type { SimulatedJob } from "./job";
import { el, escapeXml, serializeXml, type XmlElement } from "./xml";

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

function document(root: XmlElement): string {
  return DECLARATION + serializeXml({ ...root, attributes: { xmlns: S3CONTROL_NS } });
}

/** Element only when the value is there. */
function opt(name: string, value: string | undefined): XmlElement[] {
  return value === undefined ? [] : [el(name, value)];
}

export function createJobResult(jobId: string): string {
  return document(el("CreateJobResult", [el("JobId", jobId)]));
}

export function updateJobStatusResult(job: SimulatedJob): string {
  return document(
    el("UpdateJobStatusResult", [
      el("JobId", job.id),
      el("Status", job.status),
      ...opt("StatusUpdateReason", job.statusUpdateReason),
    ]),
  );
}

export function describeJobResult(job: SimulatedJob): string {
  const r = job.request;
  const progress = el("ProgressSummary", [
    // The total is unknown until the manifest has been read.
    ...opt("TotalNumberOfTasks", job.tasks ? String(job.tasks.length) : undefined),
    el("NumberOfTasksSucceeded", String(job.succeeded)),
    el("NumberOfTasksFailed", String(job.failed)),
    el("Timers", [el("ElapsedTimeInActiveSeconds", String(Math.floor(job.activeMs / 1000)))]),
  ]);
  const failures = job.failureReasons.map((f) =>
    el("member", [el("FailureCode", f.code), el("FailureReason", f.reason)]),
  );
  return document(
    el("DescribeJobResult", [
      el("Job", [
        el("JobId", job.id),
        el("JobArn", job.arn),
        el("ConfirmationRequired", String(r.confirmationRequired)),
        ...opt("Description", r.description),
        el("Status", job.status),
        r.raw.manifest,
        r.raw.operation,
        el("Priority", String(r.priority)),
        progress,
        ...opt("StatusUpdateReason", job.statusUpdateReason),
        ...(failures.length > 0 ? [el("FailureReasons", failures)] : []),
        r.raw.report,
        el("CreationTime", job.creationTime.toISOString()),
        ...opt("TerminationDate", job.terminationDate?.toISOString()),
        el("RoleArn", r.roleArn),
        ...opt("SuspendedDate", job.suspendedDate?.toISOString()),
        ...opt("SuspendedCause", job.suspendedCause),
      ]),
    ]),
  );
}

/**
 * An S3-style error body. The SDK reads Code and Message from `<Error>` and from
 * `<ErrorResponse><Error>` alike (tried with client-s3-control 3.1112); which of the two AWS's S3
 * Control sends is not verified here.
 */
export function errorBody(code: string, message: string, requestId: string): string {
  return (
    DECLARATION +
    `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>` +
    `<RequestId>${escapeXml(requestId)}</RequestId><HostId>batch-ops-simulator</HostId></Error>`
  );
}
