import { createHash } from "node:crypto";

import { ObjectCopyError } from "../errors";
import { typeName } from "../rules/show";
import type { ObjectSettings } from "../set/types";

/** AES-256 keys are 32 bytes. */
export const CUSTOMER_KEY_BYTES = 32;

export interface CustomerKey {
  /** The key, base64-encoded, as the SDK's SSECustomerKey expects. */
  keyBase64: string;
  /** base64(MD5(key)): what S3 reports back and what the state keeps in place of the key. */
  md5: string;
}

/**
 * Accepts a key as 32 raw bytes (a 32-character string) or as base64 of 32 bytes, so users can
 * paste either form. Returns undefined when the value is neither.
 */
export function decodeCustomerKey(value: string): Buffer | undefined {
  if (typeof value !== "string") return undefined;
  if (Buffer.byteLength(value, "utf8") === CUSTOMER_KEY_BYTES) return Buffer.from(value, "utf8");
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    const bytes = Buffer.from(value, "base64");
    if (bytes.length === CUSTOMER_KEY_BYTES && bytes.toString("base64") === value) return bytes;
  }
  return undefined;
}

export function customerKey(value: string, property: string): CustomerKey {
  // Callers that skipped check may pass anything; Node's own TypeError would quote a number.
  if (typeof value !== "string") {
    throw new ObjectCopyError(
      "INVALID_CUSTOMER_KEY",
      `${property} must be a string holding 32 bytes, raw or base64-encoded (got ${typeName(value)}; the value is not shown because it is a secret)`,
    );
  }
  const bytes = decodeCustomerKey(value);
  if (!bytes) {
    // Never echo the value: it is a secret even when malformed.
    throw new ObjectCopyError(
      "INVALID_CUSTOMER_KEY",
      `${property} must be 32 bytes, raw or base64-encoded (got ${Buffer.byteLength(value, "utf8")} characters)`,
    );
  }
  return { keyBase64: bytes.toString("base64"), md5: createHash("md5").update(bytes).digest("base64") };
}

/** SSE request fields for the object being written: SSE-S3, SSE-KMS (key already an ARN), SSE-C. */
export function encryptionFields(
  settings: Pick<ObjectSettings, "serverSideEncryption" | "bucketKeyEnabled" | "kmsEncryptionContext">,
  kmsKeyArn: string | undefined,
  destKey: CustomerKey | undefined,
) {
  return {
    ServerSideEncryption: settings.serverSideEncryption,
    SSEKMSKeyId: kmsKeyArn,
    BucketKeyEnabled: settings.bucketKeyEnabled,
    SSEKMSEncryptionContext: settings.kmsEncryptionContext
      ? Buffer.from(JSON.stringify(settings.kmsEncryptionContext)).toString("base64")
      : undefined,
    ...customerKeyFields(destKey),
  };
}

/** The SSE-C fields that read or write an object with a customer key (none without one). */
export function customerKeyFields(key: CustomerKey | undefined) {
  return {
    SSECustomerAlgorithm: key ? "AES256" : undefined,
    SSECustomerKey: key?.keyBase64,
    SSECustomerKeyMD5: key?.md5,
  };
}

/** The same key, as the copy-source fields of CopyObject and UploadPartCopy. */
export function copySourceKeyFields(key: CustomerKey | undefined) {
  return {
    CopySourceSSECustomerAlgorithm: key ? "AES256" : undefined,
    CopySourceSSECustomerKey: key?.keyBase64,
    CopySourceSSECustomerKeyMD5: key?.md5,
  };
}

export const isKms = (sse: string | undefined) => sse?.startsWith("aws:kms") ?? false;

/**
 * What to add to a copy's 403 when it sent a destination SSE-C key: since April 2026 AWS blocks
 * SSE-C on new buckets (and on buckets with no SSE-C objects) and answers AccessDenied, which
 * otherwise reads as a missing permission. Undefined for any other failure.
 */
export function sseCBlockedHint(status: number | undefined, destinationKeySent: boolean): string | undefined {
  if (status !== 403 || !destinationKeySent) return undefined;
  return (
    "; or the destination bucket blocks SSE-C, as AWS does by default for buckets created since April 2026: " +
    "allow it in the bucket's default encryption (BlockedEncryptionTypes NONE, blockedEncryptionTypes in " +
    "aws.s3.BucketServerSideEncryptionConfiguration), or drop customerKey for SSE-S3 or SSE-KMS"
  );
}
