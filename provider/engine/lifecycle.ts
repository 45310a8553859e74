import {
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectAclCommand,
  PutObjectLegalHoldCommand,
  PutObjectTaggingCommand,
} from "@aws-sdk/client-s3";

import { destinationRegion, s3Client } from "./clients";
import { planUpdate } from "./diff";
import { isNotFound, ObjectCopyError, wrapAwsError } from "./errors";
import { copyContext } from "./object/context";
import { objectUri } from "./object/destination";
import { liveDestination, modificationDrift } from "./object/live";
import { performCopy, stripSecrets } from "./object/resource";
import { sourceTags } from "./object/source";
import { OBSERVED_OUTPUTS, type CopyInputs, type CopyOutputs } from "./types";

export const resourceId = (i: Pick<CopyInputs, "bucket" | "key">) => `${i.bucket}/${i.key}`;

/**
 * Drops undefined and null fields: the provider server turns results into protobuf Structs, which
 * reject undefined ("Unexpected struct type"), and absent is absent whether the engine sent null or
 * nothing. Nested maps hold user keys (metadata, tags), so they are rebuilt without a prototype: a
 * key named "__proto__" or "constructor" stays an ordinary key.
 */
export function compact<T extends object>(value: T, nested = false): T {
  const out = (nested ? Object.create(null) : {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) ? compact(v, true) : v;
  }
  return out as T;
}

export async function create(inputs: CopyInputs): Promise<{ id: string; outs: CopyOutputs }> {
  return { id: resourceId(inputs), outs: compact(await performCopy(inputs)) };
}

export async function update(olds: CopyOutputs, news: CopyInputs): Promise<CopyOutputs> {
  const plan = await planUpdate(olds, news);
  if (plan.replaces.length) {
    throw new ObjectCopyError(
      "UNEXPECTED_REPLACE",
      `${plan.replaces.join(", ")} changed; that needs a replace, not an update`,
    );
  }
  if (plan.recopy.length) return compact(await performCopy(news, olds));

  const client = s3Client(news, destinationRegion(news));
  const target = { Bucket: news.bucket, Key: news.key, VersionId: realVersion(olds.versionId) };
  const owner = { ExpectedBucketOwner: news.expectedBucketOwner, RequestPayer: news.requestPayer };
  const where = `s3://${news.bucket}/${news.key}`;
  if (plan.tags) {
    const tags =
      news.taggingDirective === "REPLACE"
        ? (news.tags ?? {})
        : await sourceTags(await copyContext(news), olds.sourceVersionId);
    await client
      .send(
        new PutObjectTaggingCommand({
          ...target,
          ...owner,
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      )
      .catch((err) => {
        throw wrapAwsError("PutObjectTagging", where, err);
      });
  }
  if (plan.acl) {
    await client
      .send(new PutObjectAclCommand({ ...target, ...owner, ACL: news.acl ?? "private" }))
      .catch((err) => {
        throw wrapAwsError("PutObjectAcl", where, err);
      });
  }
  if (plan.legalHold) {
    await client
      .send(
        new PutObjectLegalHoldCommand({
          ...target,
          ...owner,
          LegalHold: { Status: news.objectLockLegalHoldStatus ?? "OFF" },
        }),
      )
      .catch((err) => {
        throw wrapAwsError("PutObjectLegalHold", where, err);
      });
  }
  const outs: CopyOutputs = { ...stripSecrets(news) };
  for (const p of OBSERVED_OUTPUTS) (outs as unknown as Record<string, unknown>)[p] = olds[p];
  // State written before `uri` existed gains it from what it recorded.
  outs.uri ??= objectUri(olds, olds.versionId);
  return compact(outs);
}

const realVersion = (v: string | undefined) => (v && v !== "null" ? v : undefined);

/**
 * Refresh. A destination that is gone drops out of state. One that changed keeps the record of
 * what this resource wrote and gains `drift` reasons (kept until an update repairs them), so the
 * next up copies again; storage class and encryption show their live values.
 */
export async function read(state: CopyOutputs): Promise<CopyOutputs | undefined> {
  const live = await liveDestination(s3Client(state, destinationRegion(state)), state);
  if (!live) return undefined;
  const drift = [...new Set([...(state.drift ?? []), ...modificationDrift(state, live)])];
  return compact({
    ...state,
    uri: state.uri ?? objectUri(state, state.versionId),
    // A multipart copy does not learn its Last-Modified when it completes; the first refresh that
    // finds the copy unchanged records it.
    lastModified: state.lastModified ?? (drift.length ? undefined : live.lastModified?.toISOString()),
    storageClass: live.storageClass as CopyOutputs["storageClass"],
    serverSideEncryption: (live.serverSideEncryption ??
      state.serverSideEncryption) as CopyOutputs["serverSideEncryption"],
    kmsKeyArn:
      live.kmsKeyArn ?? (live.serverSideEncryption?.startsWith("aws:kms") ? state.kmsKeyArn : undefined),
    drift: drift.length ? drift : undefined,
  });
}

/**
 * Deletes exactly what this resource wrote: its own version on a versioned bucket (so older
 * versions, and the original of an in-place copy, survive), the object on an unversioned bucket
 * only while it is still the copy this resource made, and nothing for an in-place copy on an
 * unversioned bucket, where the object is the user's original.
 */
export async function deleteCopy(state: CopyOutputs): Promise<string> {
  const client = s3Client(state, destinationRegion(state));
  const where = `s3://${state.bucket}/${state.key}`;
  const owner = { ExpectedBucketOwner: state.expectedBucketOwner, RequestPayer: state.requestPayer };
  if (state.deleteBehavior === "retain-object") {
    return `left ${where} in place: it is the original object this in-place copy modified, on an unversioned bucket, so deleting it would lose the data`;
  }
  if (state.deleteBehavior === "delete-version" && state.inPlace && state.sourceVersionId) {
    // Deleting our version restores the original only while the original is still there; if it
    // was expired or deleted since, our version holds the only copy of the data.
    const original = await client
      .send(
        new HeadObjectCommand({
          Bucket: state.bucket,
          Key: state.key,
          VersionId: state.sourceVersionId,
          ...owner,
        }),
      )
      .then(
        () => true,
        // Any answer but "not found" (400 for an SSE-C version read without its key) means it exists.
        (err: unknown) => !isNotFound(err),
      );
    if (!original) {
      return `left ${where} in place: the original version ${state.sourceVersionId} it was copied from is gone, so this copy holds the only data`;
    }
  }
  if (state.deleteBehavior === "delete-version") {
    try {
      await client.send(
        new DeleteObjectCommand({
          Bucket: state.bucket,
          Key: state.key,
          VersionId: state.versionId,
          ...owner,
        }),
      );
    } catch (err) {
      if (!isNotFound(err)) throw wrapAwsError("DeleteObject", `${where}?versionId=${state.versionId}`, err);
    }
    return `deleted version ${state.versionId} of ${where}`;
  }
  const live = await liveDestination(client, state);
  if (!live) return `${where} was already gone`;
  if (modificationDrift(state, live).length) {
    return `left ${where} in place: it was overwritten after this resource copied it (ETag ${live.etag}), so it is not this resource's to delete`;
  }
  try {
    await client.send(new DeleteObjectCommand({ Bucket: state.bucket, Key: state.key, ...owner }));
  } catch (err) {
    if (!isNotFound(err)) throw wrapAwsError("DeleteObject", where, err);
  }
  return `deleted ${where}`;
}
