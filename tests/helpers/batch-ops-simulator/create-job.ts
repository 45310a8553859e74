// Reads and checks a CreateJob request body for the batch-ops simulator. What it refuses, and how,
// is listed in the header of ../batch-ops-simulator.ts; element names are those that
// @aws-sdk/client-s3-control 3.1112 serializes (schemas/schemas_0.js), namespace S3CONTROL_NS.

import { showValue } from "../../../provider/engine/errors";
import { child, parseXml, type XmlElement, XmlSyntaxError } from "./xml";

export const S3CONTROL_NS = "http://awss3control.amazonaws.com/doc/2018-08-20/";
export const MANIFEST_FORMAT = "S3BatchOperations_CSV_20180820";
export const REPORT_FORMAT = "Report_CSV_20180820";
/** JobPriority in the API reference: 0 to 2^31-1. */
const MAX_PRIORITY = 2_147_483_647;
/** ClientRequestToken and Description lengths in the API reference. */
const MAX_TOKEN_CHARS = 64;
const MAX_DESCRIPTION_CHARS = 256;

/** An error the simulator answers on the wire: HTTP status, S3 Control error code, message. */
export class WireError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "WireError";
  }
}

const invalid = (message: string) => new WireError(400, "InvalidRequest", message);

export type ManifestField = "Bucket" | "Key" | "VersionId";

export interface NewObjectMetadata {
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentType?: string;
  httpExpiresDate?: Date;
  sseAlgorithm?: "AES256" | "KMS";
  userMetadata: Record<string, string>;
}

export interface CopyOperation {
  targetBucket: string;
  targetKeyPrefix: string;
  metadataDirective: "COPY" | "REPLACE";
  newObjectMetadata?: NewObjectMetadata;
  /** Present (possibly empty) when the request replaces the tags. */
  newObjectTagging?: { Key: string; Value: string }[];
  storageClass?: string;
  sseAwsKmsKeyId?: string;
  bucketKeyEnabled?: boolean;
  cannedAcl?: string;
  checksumAlgorithm?: string;
  requesterPays?: boolean;
  redirectLocation?: string;
  modifiedSince?: Date;
  unmodifiedSince?: Date;
  objectLockLegalHoldStatus?: string;
  objectLockMode?: string;
  objectLockRetainUntilDate?: Date;
}

export interface JobRequest {
  accountId: string;
  clientRequestToken: string;
  priority: number;
  roleArn: string;
  description?: string;
  confirmationRequired: boolean;
  operation: CopyOperation;
  manifest: { fields: ManifestField[]; bucket: string; key: string; etag: string; versionId?: string };
  report: { enabled: boolean; bucket?: string; prefix: string; scope?: "AllTasks" | "FailedTasksOnly" };
  /** The request's own elements, echoed by DescribeJob exactly as they came. */
  raw: { operation: XmlElement; manifest: XmlElement; report: XmlElement };
  /** The body without whitespace between elements: equal fingerprints mean the same request. */
  fingerprint: string;
}

const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const BUCKET_NAME = "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]";
const BUCKET_ARN = new RegExp(`^arn:aws[a-z-]*:s3:::(${BUCKET_NAME})$`);
const OBJECT_ARN = new RegExp(`^arn:aws[a-z-]*:s3:::(${BUCKET_NAME})/(.+)$`, "s");
const STORAGE_CLASSES = [
  "STANDARD",
  "STANDARD_IA",
  "ONEZONE_IA",
  "GLACIER",
  "INTELLIGENT_TIERING",
  "DEEP_ARCHIVE",
  "GLACIER_IR",
];
const CANNED_ACLS = [
  "private",
  "public-read",
  "public-read-write",
  "aws-exec-read",
  "authenticated-read",
  "bucket-owner-read",
  "bucket-owner-full-control",
];
const CHECKSUM_ALGORITHMS = ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"];

function text(parent: XmlElement, name: string): string | undefined {
  return child(parent, name)?.text;
}

function required(parent: XmlElement, path: string, name: string): XmlElement {
  const found = child(parent, name);
  if (!found) throw invalid(`${path}${name} is required.`);
  return found;
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  field: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalid(`${field} ${showValue(value)} is not one of ${allowed.join(", ")}.`);
  }
  return value as T;
}

function bool(value: string | undefined, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== "true" && value !== "false")
    throw invalid(`${field} ${showValue(value)} is not true or false.`);
  return value === "true";
}

function date(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw invalid(`${field} ${showValue(value)} is not an ISO 8601 timestamp.`);
  return d;
}

function readMetadata(meta: XmlElement): NewObjectMetadata {
  const userMetadata: Record<string, string> = {};
  for (const entry of child(meta, "UserMetadata")?.children ?? []) {
    const key = text(entry, "key");
    if (key === undefined) throw invalid("NewObjectMetadata.UserMetadata has an entry without a key.");
    userMetadata[key] = text(entry, "value") ?? "";
  }
  const p = "Operation.S3PutObjectCopy.NewObjectMetadata.";
  return {
    cacheControl: text(meta, "CacheControl"),
    contentDisposition: text(meta, "ContentDisposition"),
    contentEncoding: text(meta, "ContentEncoding"),
    contentLanguage: text(meta, "ContentLanguage"),
    contentType: text(meta, "ContentType"),
    httpExpiresDate: date(text(meta, "HttpExpiresDate"), `${p}HttpExpiresDate`),
    sseAlgorithm: oneOf(text(meta, "SSEAlgorithm"), ["AES256", "KMS"] as const, `${p}SSEAlgorithm`),
    userMetadata,
  };
}

function readOperation(operation: XmlElement): CopyOperation {
  const kinds = operation.children.map((c) => c.name);
  if (kinds.length !== 1) {
    throw invalid(`Operation must name exactly one operation; it names ${showValue(kinds)}.`);
  }
  const copy = operation.children[0]!;
  if (copy.name !== "S3PutObjectCopy") {
    throw invalid(
      `Operation ${showValue(copy.name)} is not supported by the batch-ops simulator: it runs S3PutObjectCopy only.`,
    );
  }
  const p = "Operation.S3PutObjectCopy.";
  if (child(copy, "AccessControlGrants")) {
    throw invalid(
      `${p}AccessControlGrants is not supported by the batch-ops simulator; use CannedAccessControlList.`,
    );
  }
  const target = text(copy, "TargetResource");
  if (target === undefined) throw invalid(`${p}TargetResource is required.`);
  const bucket = BUCKET_ARN.exec(target)?.[1];
  if (!bucket) {
    throw invalid(`${p}TargetResource ${showValue(target)} is not a bucket ARN (arn:aws:s3:::bucket-name).`);
  }
  const meta = child(copy, "NewObjectMetadata");
  const tagging = child(copy, "NewObjectTagging");
  return {
    targetBucket: bucket,
    targetKeyPrefix: text(copy, "TargetKeyPrefix") ?? "",
    metadataDirective:
      oneOf(text(copy, "MetadataDirective"), ["COPY", "REPLACE"] as const, `${p}MetadataDirective`) ?? "COPY",
    newObjectMetadata: meta ? readMetadata(meta) : undefined,
    newObjectTagging: tagging?.children.map((t) => {
      const Key = text(t, "Key");
      if (Key === undefined) throw invalid(`${p}NewObjectTagging has a tag without a Key.`);
      return { Key, Value: text(t, "Value") ?? "" };
    }),
    storageClass: oneOf(text(copy, "StorageClass"), STORAGE_CLASSES, `${p}StorageClass`),
    sseAwsKmsKeyId: text(copy, "SSEAwsKmsKeyId"),
    bucketKeyEnabled: bool(text(copy, "BucketKeyEnabled"), `${p}BucketKeyEnabled`),
    cannedAcl: oneOf(text(copy, "CannedAccessControlList"), CANNED_ACLS, `${p}CannedAccessControlList`),
    checksumAlgorithm: oneOf(text(copy, "ChecksumAlgorithm"), CHECKSUM_ALGORITHMS, `${p}ChecksumAlgorithm`),
    requesterPays: bool(text(copy, "RequesterPays"), `${p}RequesterPays`),
    redirectLocation: text(copy, "RedirectLocation"),
    modifiedSince: date(text(copy, "ModifiedSinceConstraint"), `${p}ModifiedSinceConstraint`),
    unmodifiedSince: date(text(copy, "UnModifiedSinceConstraint"), `${p}UnModifiedSinceConstraint`),
    objectLockLegalHoldStatus: oneOf(
      text(copy, "ObjectLockLegalHoldStatus"),
      ["ON", "OFF"],
      `${p}ObjectLockLegalHoldStatus`,
    ),
    objectLockMode: oneOf(text(copy, "ObjectLockMode"), ["GOVERNANCE", "COMPLIANCE"], `${p}ObjectLockMode`),
    objectLockRetainUntilDate: date(text(copy, "ObjectLockRetainUntilDate"), `${p}ObjectLockRetainUntilDate`),
  };
}

function readManifest(manifest: XmlElement): JobRequest["manifest"] {
  const spec = required(manifest, "Manifest.", "Spec");
  const format = text(spec, "Format");
  if (format !== MANIFEST_FORMAT) {
    throw invalid(
      `Manifest.Spec.Format ${showValue(format ?? "")} is not supported by the batch-ops simulator: it reads ${MANIFEST_FORMAT} only.`,
    );
  }
  const fields = (child(spec, "Fields")?.children ?? []).map((f) => f.text);
  const shape = fields.join(",");
  if (shape !== "Bucket,Key" && shape !== "Bucket,Key,VersionId") {
    throw invalid(`Manifest.Spec.Fields ${showValue(fields)} must be Bucket,Key or Bucket,Key,VersionId.`);
  }
  const location = required(manifest, "Manifest.", "Location");
  const arn = text(location, "ObjectArn");
  if (arn === undefined) throw invalid("Manifest.Location.ObjectArn is required.");
  const parts = OBJECT_ARN.exec(arn);
  if (!parts) {
    throw invalid(
      `Manifest.Location.ObjectArn ${showValue(arn)} is not an object ARN (arn:aws:s3:::bucket/key).`,
    );
  }
  const etag = text(location, "ETag");
  if (!etag) throw invalid("Manifest.Location.ETag is required: the manifest object's ETag.");
  return {
    fields: fields as ManifestField[],
    bucket: parts[1]!,
    key: parts[2]!,
    etag,
    versionId: text(location, "ObjectVersionId"),
  };
}

function readReport(report: XmlElement): JobRequest["report"] {
  const enabled = bool(text(report, "Enabled"), "Report.Enabled");
  if (enabled === undefined) throw invalid("Report.Enabled is required.");
  const prefix = text(report, "Prefix") ?? "";
  if (!enabled) return { enabled, prefix };
  const arn = text(report, "Bucket");
  if (arn === undefined) throw invalid("Report.Bucket is required when Report.Enabled is true.");
  const bucket = BUCKET_ARN.exec(arn)?.[1];
  if (!bucket)
    throw invalid(`Report.Bucket ${showValue(arn)} is not a bucket ARN (arn:aws:s3:::bucket-name).`);
  const format = text(report, "Format");
  if (format !== REPORT_FORMAT) {
    throw invalid(
      `Report.Format ${showValue(format ?? "")} must be ${REPORT_FORMAT} when Report.Enabled is true.`,
    );
  }
  const scope = oneOf(
    text(report, "ReportScope"),
    ["AllTasks", "FailedTasksOnly"] as const,
    "Report.ReportScope",
  );
  if (!scope)
    throw invalid(
      "Report.ReportScope (AllTasks or FailedTasksOnly) is required when Report.Enabled is true.",
    );
  return { enabled, bucket, prefix, scope };
}

/** Parses and checks a CreateJob body; `accountId` is the x-amz-account-id header. */
export function readCreateJob(body: string, accountId: string | undefined): JobRequest {
  if (accountId === undefined) throw invalid("The x-amz-account-id header is required.");
  if (!ACCOUNT_ID.test(accountId)) {
    throw invalid(`The x-amz-account-id header ${showValue(accountId)} is not a 12-digit account id.`);
  }
  let root: XmlElement;
  try {
    root = parseXml(body);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new WireError(400, "MalformedXML", e.message);
    throw e;
  }
  if (root.name !== "CreateJobRequest" || root.attributes.xmlns !== S3CONTROL_NS) {
    throw new WireError(
      400,
      "MalformedXML",
      `The body must be a CreateJobRequest in namespace ${S3CONTROL_NS}.`,
    );
  }
  if (child(root, "ManifestGenerator")) {
    throw invalid("ManifestGenerator is not supported by the batch-ops simulator: send a Manifest.");
  }
  const operation = required(root, "", "Operation");
  const manifest = required(root, "", "Manifest");
  const report = required(root, "", "Report");

  const token = text(root, "ClientRequestToken");
  if (!token || token.length > MAX_TOKEN_CHARS) {
    throw invalid(`ClientRequestToken ${showValue(token ?? "")} must be 1 to ${MAX_TOKEN_CHARS} characters.`);
  }
  const priorityText = text(root, "Priority");
  const priority = Number(priorityText);
  if (priorityText === undefined || !/^\d+$/.test(priorityText) || priority > MAX_PRIORITY) {
    throw invalid(`Priority ${showValue(priorityText ?? "")} must be an integer from 0 to ${MAX_PRIORITY}.`);
  }
  const roleArn = text(root, "RoleArn");
  if (!roleArn || !ROLE_ARN.test(roleArn)) {
    throw invalid(
      `RoleArn ${showValue(roleArn ?? "")} is not an IAM role ARN (arn:aws:iam::123456789012:role/name).`,
    );
  }
  const description = text(root, "Description");
  if (description !== undefined && (description.length === 0 || description.length > MAX_DESCRIPTION_CHARS)) {
    throw invalid(
      `Description must be 1 to ${MAX_DESCRIPTION_CHARS} characters; it has ${description.length}.`,
    );
  }
  return {
    accountId,
    clientRequestToken: token,
    priority,
    roleArn,
    description,
    confirmationRequired: bool(text(root, "ConfirmationRequired"), "ConfirmationRequired") ?? false,
    operation: readOperation(operation),
    manifest: readManifest(manifest),
    report: readReport(report),
    raw: { operation, manifest, report },
    fingerprint: body.replace(/>\s+</g, "><").trim(),
  };
}
