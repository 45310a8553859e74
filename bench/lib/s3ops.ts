// Names the S3 operation an HTTP request is (path-style addressing), for the counting proxy and the
// latency-model server. Only the operations copy tools send are told apart; the rest are "Other".

import type { IncomingHttpHeaders } from "node:http";

export interface RequestTarget {
  bucket: string;
  key: string;
  query: URLSearchParams;
}

export function parseTarget(rawUrl: string): RequestTarget {
  const url = new URL(rawUrl, "http://placeholder");
  const parts = url.pathname.replace(/^\//, "").split("/");
  const bucket = decodeURIComponent(parts.shift() ?? "");
  const key = parts.map((p) => decodeURIComponent(p)).join("/");
  return { bucket, key, query: url.searchParams };
}

export function classify(method: string, rawUrl: string, headers: IncomingHttpHeaders): string {
  const { bucket, key, query } = parseTarget(rawUrl);
  const has = (name: string) => query.has(name);
  const copy = headers["x-amz-copy-source"] !== undefined;
  if (!bucket) return method === "GET" ? "ListBuckets" : `Other(${method} /)`;
  if (!key) {
    switch (method) {
      case "HEAD":
        return "HeadBucket";
      case "GET":
        if (has("uploads")) return "ListMultipartUploads";
        if (has("location")) return "GetBucketLocation";
        if (has("versioning")) return "GetBucketVersioning";
        if (has("versions")) return "ListObjectVersions";
        return query.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
      case "PUT":
        return "CreateBucket";
      case "POST":
        return has("delete") ? "DeleteObjects" : "Other(POST bucket)";
      case "DELETE":
        return "DeleteBucket";
    }
    return `Other(${method} bucket)`;
  }
  switch (method) {
    case "HEAD":
      return "HeadObject";
    case "GET":
      if (has("tagging")) return "GetObjectTagging";
      if (has("uploadId")) return "ListParts";
      if (has("acl")) return "GetObjectAcl";
      return "GetObject";
    case "PUT":
      if (has("uploadId") && has("partNumber")) return copy ? "UploadPartCopy" : "UploadPart";
      if (has("tagging")) return "PutObjectTagging";
      if (has("acl")) return "PutObjectAcl";
      return copy ? "CopyObject" : "PutObject";
    case "POST":
      if (has("uploads")) return "CreateMultipartUpload";
      if (has("uploadId")) return "CompleteMultipartUpload";
      return "Other(POST object)";
    case "DELETE":
      return has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
  }
  return `Other(${method} object)`;
}

/** "HeadObject 2, UploadPartCopy 160, ..." in a stable order (the copy's own order, then the rest). */
const ORDER = [
  "HeadBucket",
  "HeadObject",
  "GetObjectTagging",
  "ListMultipartUploads",
  "CreateMultipartUpload",
  "UploadPartCopy",
  "CopyObject",
  "CompleteMultipartUpload",
  "AbortMultipartUpload",
];

export function formatCounts(counts: Record<string, number>): string {
  const names = Object.keys(counts).sort((a, b) => {
    const ia = ORDER.indexOf(a) < 0 ? ORDER.length : ORDER.indexOf(a);
    const ib = ORDER.indexOf(b) < 0 ? ORDER.length : ORDER.indexOf(b);
    return ia - ib || a.localeCompare(b);
  });
  return names.map((n) => `${n} ${counts[n]}`).join(", ");
}

export const totalRequests = (counts: Record<string, number>) =>
  Object.values(counts).reduce((a, b) => a + b, 0);
