/**
 * Which server this run of the integration files talks to, and what it can do. A scenario a
 * server cannot play is skipped there (and reported as skipped), never passed vacuously.
 */
export type ServerName = "moto" | "minio";
export const SERVER = (process.env.TEST_SERVER ?? "moto") as ServerName;

export const CAN = {
  /** AWS KMS API: DescribeKey, aliases, key states, multi-region keys. */
  kmsApi: SERVER === "moto",
  /** Storage classes beyond STANDARD, and Glacier restore. */
  storageClasses: SERVER === "moto",
  glacier: SERVER === "moto",
  /** Buckets in several regions on one endpoint. */
  regions: SERVER === "moto",
  acl: SERVER === "moto",
  /** Real SSE-C: moto ignores the headers. */
  sseC: SERVER === "minio",
  /** All four copy-source preconditions (moto checks only if-none-match). */
  preconditions: SERVER === "minio",
  /** Object Lock headers on CopyObject (moto wants a body checksum there, real S3 does not). */
  lockOnCopy: SERVER === "minio",
  /** The server checksums copied parts itself (MinIO wants the client to send them, and cannot). */
  partChecksums: SERVER === "moto",
  /** x-amz-website-redirect-location is stored (MinIO drops it). */
  websiteRedirect: SERVER === "moto",
  /** Plain HTTP, so the fault-injecting proxy can sit in front of it. */
  plainHttp: SERVER === "moto",
  /** IAM policies enforced on S3 and KMS requests (moto's INITIAL_NO_AUTH_ACTION_COUNT). */
  iamPolicies: SERVER === "moto",
};

/** `it` where the capability holds, `it.skip` elsewhere. */
export const itIf = (capable: boolean) => (capable ? it : it.skip);
