import { DescribeKeyCommand } from "@aws-sdk/client-kms";

import { kmsClient } from "../clients";
import { ObjectCopyError, wrapAwsError } from "../errors";

const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/;

/** The region named in a KMS key ARN, if the value is one. */
export function keyArnRegion(value: string): string | undefined {
  return KEY_ARN.exec(value)?.[1];
}

const resolved = new Map<string, Promise<string>>();

/**
 * Resolves a key id, key ARN, alias name or alias ARN to the key ARN S3 reports, and checks the
 * key can encrypt objects in `region`. Comparing ARNs is what keeps an alias from diffing forever.
 * Results are cached per process, so a preview asks KMS once per distinct key.
 */
export function resolveKmsKey(keyId: string, region: string): Promise<string> {
  const cacheKey = `${region}\u0000${keyId}`;
  let arn = resolved.get(cacheKey);
  if (!arn) {
    arn = describe(keyId, region);
    arn.catch(() => resolved.delete(cacheKey));
    resolved.set(cacheKey, arn);
  }
  return arn;
}

async function describe(keyId: string, region: string): Promise<string> {
  const named = keyArnRegion(keyId) ?? /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(keyId)?.[1];
  if (named && named !== region) {
    throw new ObjectCopyError(
      "KMS_KEY_WRONG_REGION",
      `kmsKeyId ${keyId} is in ${named} but the destination bucket is in ${region}; KMS keys are regional, ` +
        `so use a key (or a multi-region replica) in ${region}`,
    );
  }
  let meta;
  try {
    meta = (await kmsClient(region).send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  } catch (err) {
    if ((err as { name?: string }).name === "NotFoundException") {
      throw new ObjectCopyError("KMS_KEY_NOT_FOUND", `kmsKeyId ${keyId} was not found in ${region}`);
    }
    throw wrapAwsError("DescribeKey", keyId, err, "KMS");
  }
  if (!meta?.Arn)
    throw new ObjectCopyError("KMS_KEY_NOT_FOUND", `kmsKeyId ${keyId} was not found in ${region}`);
  if (meta.KeyState !== "Enabled") {
    throw new ObjectCopyError(
      "KMS_KEY_NOT_ENABLED",
      `kmsKeyId ${keyId} (${meta.Arn}) is ${meta.KeyState}; S3 can only encrypt with an Enabled key`,
    );
  }
  if (
    (meta.KeyUsage ?? "ENCRYPT_DECRYPT") !== "ENCRYPT_DECRYPT" ||
    (meta.KeySpec ?? "SYMMETRIC_DEFAULT") !== "SYMMETRIC_DEFAULT"
  ) {
    throw new ObjectCopyError(
      "KMS_KEY_UNSUPPORTED",
      `kmsKeyId ${keyId} (${meta.Arn}) is ${meta.KeySpec}/${meta.KeyUsage}; S3 supports only symmetric ENCRYPT_DECRYPT keys`,
    );
  }
  const arnRegion = keyArnRegion(meta.Arn);
  if (arnRegion && arnRegion !== region) {
    throw new ObjectCopyError(
      "KMS_KEY_WRONG_REGION",
      `kmsKeyId ${keyId} resolves to ${meta.Arn} in ${arnRegion}, but the destination bucket is in ${region}`,
    );
  }
  return meta.Arn;
}

export function resetKmsCache(): void {
  resolved.clear();
}
