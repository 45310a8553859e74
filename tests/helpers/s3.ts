import { randomBytes } from "node:crypto";

import {
  CreateAliasCommand,
  CreateKeyCommand,
  KMSClient,
  type CreateKeyCommandInput,
} from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from "@aws-sdk/client-s3";

import { objectCopyProvider } from "../../provider/dynamic";
import { resetClientCaches, resetKmsCache, setProviderSettings } from "../../provider/engine";
import type { CopyOutputs } from "../../provider/engine/types";

/**
 * A client of the test's own, separate from the provider's, used to set up sources and to read
 * results back, so assertions never go through the code under test.
 */
export function verifier(region = "us-east-1"): { s3: S3Client; kms: KMSClient } {
  const endpoint = process.env.TEST_S3_ENDPOINT ?? process.env.AWS_ENDPOINT_URL;
  return {
    s3: new S3Client({ region, endpoint, forcePathStyle: true }),
    kms: new KMSClient({ region, endpoint: process.env.AWS_ENDPOINT_URL }),
  };
}

let counter = 0;
export function uniqueBucket(prefix = "t"): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(3).toString("hex")}`;
}

export async function newBucket(
  opts: { region?: string; versioned?: boolean; objectLock?: boolean } = {},
): Promise<string> {
  const region = opts.region ?? "us-east-1";
  const bucket = uniqueBucket();
  const { s3 } = verifier(region);
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration: region === "us-east-1" ? undefined : { LocationConstraint: region as never },
      ObjectLockEnabledForBucket: opts.objectLock || undefined,
    }),
  );
  if (opts.versioned && !opts.objectLock) {
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
  return bucket;
}

export async function put(
  bucket: string,
  key: string,
  body: string | Buffer,
  extra: Partial<PutObjectCommandInput> = {},
  region = "us-east-1",
): Promise<string | undefined> {
  const out = await verifier(region).s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }),
  );
  return out.VersionId;
}

export async function head(
  bucket: string,
  key: string,
  region = "us-east-1",
  extra: object = {},
): Promise<HeadObjectCommandOutput> {
  return verifier(region).s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...extra }));
}

export async function exists(bucket: string, key: string, region = "us-east-1"): Promise<boolean> {
  return head(bucket, key, region).then(
    () => true,
    (e: { name?: string }) => {
      if (e.name === "NotFound" || e.name === "NoSuchKey") return false;
      throw e;
    },
  );
}

export async function bytes(
  bucket: string,
  key: string,
  region = "us-east-1",
  extra: object = {},
): Promise<Buffer> {
  const out = await verifier(region).s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

export async function tagsOf(
  bucket: string,
  key: string,
  region = "us-east-1",
): Promise<Record<string, string>> {
  const out = await verifier(region).s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key!, t.Value!]));
}

export async function versionsOf(bucket: string, key: string, region = "us-east-1"): Promise<string[]> {
  const out = await verifier(region).s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return (out.Versions ?? []).filter((v) => v.Key === key).map((v) => v.VersionId!);
}

export async function openUploads(bucket: string, region = "us-east-1"): Promise<string[]> {
  const out = await verifier(region).s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (out.Uploads ?? []).map((u) => `${u.Key}:${u.UploadId}`);
}

export async function newKmsKey(
  region = "us-east-1",
  opts: Partial<CreateKeyCommandInput> & { alias?: string } = {},
): Promise<{ arn: string; id: string; alias?: string }> {
  const { alias, ...input } = opts;
  const { kms } = verifier(region);
  const out = await kms.send(new CreateKeyCommand({ Description: "test", ...input }));
  const arn = out.KeyMetadata!.Arn!;
  if (alias)
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: out.KeyMetadata!.KeyId! }));
  return { arn, id: out.KeyMetadata!.KeyId!, alias };
}

/** Drives the provider the way the engine does: check, then the operation, failing on check errors. */
export const provider = {
  reset(region?: string) {
    resetClientCaches();
    resetKmsCache();
    setProviderSettings({ region });
  },
  async check(news: Record<string, unknown>) {
    return objectCopyProvider.check!({}, news);
  },
  async checked(news: Record<string, unknown>): Promise<Record<string, unknown>> {
    const r = await objectCopyProvider.check!({}, news);
    if (r.failures?.length) throw new Error(`check failed: ${JSON.stringify(r.failures)}`);
    return r.inputs as Record<string, unknown>;
  },
  async create(news: Record<string, unknown>): Promise<CopyOutputs> {
    const inputs = await this.checked(news);
    const r = await objectCopyProvider.create(inputs);
    return r.outs as CopyOutputs;
  },
  async diff(olds: CopyOutputs, news: Record<string, unknown>) {
    return objectCopyProvider.diff!("id", olds, await this.checked(news));
  },
  async update(olds: CopyOutputs, news: Record<string, unknown>): Promise<CopyOutputs> {
    const r = await objectCopyProvider.update!("id", olds, await this.checked(news));
    return r.outs as CopyOutputs;
  },
  async read(olds: CopyOutputs) {
    return objectCopyProvider.read!("id", olds);
  },
  async delete(olds: CopyOutputs) {
    return objectCopyProvider.delete!("id", olds);
  },
};
