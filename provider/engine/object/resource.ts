import { DeleteObjectCommand } from "@aws-sdk/client-s3";

import type { CopyInputs, CopyOutputs, DeleteBehavior } from "../types";
import { type Adoptable, findAdoptable } from "./adopt";
import { isSameObject, parseSource } from "./address";
import { startResolve } from "./context";
import { copyObject } from "./copy";
import { objectUri, ownerOf } from "./destination";
import { isKms } from "./encryption";
import { cleanUpStaleUploads, reportInPlaceUploads, type UploadTarget } from "./orphans";
import { realVersion } from "./source";

/*
 * ObjectCopy's use of the copy unit (copy.ts): its inputs resolved for one object, the
 * stale-upload clean-up on the key it owns, its state, and the superseded version it deletes.
 */

export function deleteBehavior(inPlace: boolean, versionId: string | undefined): DeleteBehavior {
  if (realVersion(versionId)) return "delete-version";
  return inPlace ? "retain-object" : "delete-object";
}

export function stripSecrets(inputs: CopyInputs): Omit<CopyInputs, "customerKey" | "sourceCustomerKey"> {
  const { customerKey: _k, sourceCustomerKey: _s, ...rest } = inputs;
  return rest;
}

const destUriOf = (i: Pick<CopyInputs, "bucket" | "key">) => `s3://${i.bucket}/${i.key}`;

/**
 * Copies the source to the destination (create, or an update that must re-copy) and returns the
 * new state. `previous` is the state of the copy this one replaces in place, whose now-superseded
 * version is removed afterwards; the original object of an in-place copy is never touched.
 */
export async function performCopy(inputs: CopyInputs, previous?: CopyOutputs): Promise<CopyOutputs> {
  const startedAt = new Date();
  const src = parseSource(inputs.source);
  const resolved = await startResolve(inputs, src);
  const { destination } = resolved;
  const inPlace = isSameObject(src, inputs.bucket, inputs.key);
  // Off the critical path: the orphan scan runs beside the copy.
  let ownUpload: (uploadId?: string) => void = () => undefined;
  const ownUploadId = new Promise<string | undefined>((resolve) => (ownUpload = resolve));
  const uploads = (client: UploadTarget["client"]): UploadTarget => ({
    client,
    bucket: inputs.bucket,
    key: inputs.key,
    owner: ownerOf(inputs),
    startedAt,
    ownUpload: ownUploadId,
  });
  // On its own key, ObjectCopy aborts what an earlier attempt left. In place, the key is the
  // user's object and an open upload there may be theirs: a multipart copy only lists and warns.
  let stale: Promise<string[]> = inPlace
    ? Promise.resolve([])
    : destination.then((d) => cleanUpStaleUploads(uploads(d.dest)));
  const onMultipart = () => {
    if (inPlace) stale = destination.then((d) => reportInPlaceUploads(uploads(d.dest)));
  };

  try {
    // Only a create adopts: after that, the object on the key is this resource's own copy.
    const found =
      inputs.adopt && !previous && !inPlace
        ? await findAdoptable(resolved, { src, bucket: inputs.bucket, key: inputs.key })
        : undefined;
    if (found) return adoptedState(inputs, found);
    const result = await copyObject(resolved, {
      src,
      bucket: inputs.bucket,
      key: inputs.key,
      previous: previous && {
        // Only a version this resource wrote is its own to supersede.
        versionId: previous.deleteBehavior === "delete-version" ? previous.versionId : undefined,
        sourceVersionId: previous.sourceVersionId,
      },
      prefetchTags: true,
      onMultipart,
      onCreated: ownUpload,
    });
    const outputs: CopyOutputs = {
      ...stripSecrets(inputs),
      etag: result.written.etag,
      versionId: result.written.versionId,
      lastModified: result.written.lastModified?.toISOString(),
      contentLength: result.source.size,
      sourceEtag: result.source.etag,
      sourceVersionId: result.source.versionId,
      sourceLastModified: result.source.lastModified?.toISOString(),
      kmsKeyArn: result.kmsKeyArn,
      serverSideEncryption: (result.written.sse ??
        inputs.serverSideEncryption) as CopyOutputs["serverSideEncryption"],
      storageClass: inputs.storageClass ?? "STANDARD",
      customerKeyMd5: resolved.destKey?.md5,
      copyMethod: result.copyMethod,
      partCount: result.partCount,
      inPlace: result.inPlace,
      deleteBehavior: deleteBehavior(result.inPlace, result.written.versionId),
      uri: objectUri(inputs, result.written.versionId),
    };
    if (previous && previous.bucket === inputs.bucket && previous.key === inputs.key) {
      await deleteSuperseded((await destination).dest, outputs, result.superseded);
    }
    return outputs;
  } finally {
    ownUpload(undefined);
    const aborted = await stale;
    if (aborted.length && !inPlace)
      console.log(
        `aborted ${aborted.length} multipart upload(s) an earlier attempt left on ${destUriOf(inputs)}`,
      );
  }
}

/**
 * The state of an adopted object: what the destination's HEAD reported, as if this resource had
 * written it, so that refresh, diff and destroy treat it exactly like one of its own copies.
 */
function adoptedState(inputs: CopyInputs, { source, dest, keys }: Adoptable): CopyOutputs {
  console.log(`adopt: recorded s3://${inputs.bucket}/${inputs.key} as it is, without copying`);
  return {
    ...stripSecrets(inputs),
    etag: dest.ETag,
    versionId: dest.VersionId,
    lastModified: dest.LastModified?.toISOString(),
    contentLength: source.ContentLength,
    sourceEtag: source.ETag,
    sourceVersionId: source.VersionId,
    sourceLastModified: source.LastModified?.toISOString(),
    kmsKeyArn: isKms(dest.ServerSideEncryption) ? (dest.SSEKMSKeyId ?? keys.kmsKeyArn) : undefined,
    serverSideEncryption: (dest.ServerSideEncryption ??
      inputs.serverSideEncryption) as CopyOutputs["serverSideEncryption"],
    storageClass: (dest.StorageClass ?? "STANDARD") as CopyOutputs["storageClass"],
    customerKeyMd5: keys.customerKeyMd5,
    inPlace: false,
    adopted: true,
    deleteBehavior: deleteBehavior(false, dest.VersionId),
    uri: objectUri(inputs, dest.VersionId),
  };
}

/**
 * After an update re-copied onto a versioned destination, the version this resource wrote before
 * is superseded: remove it so re-copies do not pile up versions.
 */
async function deleteSuperseded(
  client: Parameters<typeof cleanUpStaleUploads>[0]["client"],
  now: CopyOutputs,
  versions: string[],
): Promise<void> {
  for (const old of versions) {
    try {
      await client.send(
        new DeleteObjectCommand({
          Bucket: now.bucket,
          Key: now.key,
          VersionId: old,
          ExpectedBucketOwner: now.expectedBucketOwner,
          RequestPayer: now.requestPayer,
        }),
      );
    } catch (err) {
      // The new copy is in place; a locked or already-removed old version is not worth failing for.
      console.log(
        `kept superseded version ${old} of s3://${now.bucket}/${now.key}: ${(err as Error).message}`,
      );
    }
  }
}
