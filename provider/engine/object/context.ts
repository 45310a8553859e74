import type { S3Client } from "@aws-sdk/client-s3";

import { cachedBucketRegion, destinationRegion, discoverBucketRegion, s3Client } from "../clients";
import { DEFAULT_CONCURRENCY } from "../constants";
import type { ObjectSettings } from "../set/types";
import type { CopyInputs } from "../types";
import { isSameObject, type ParsedSource, parseSource } from "./address";
import { type CustomerKey, customerKey } from "./encryption";
import { resolveKmsKey } from "./kms";

/*
 * What follows from a resource's settings alone, worked out once per resource: clients, regions,
 * the KMS key's ARN and the SSE-C keys. ObjectCopy resolves for its one object; a set resolves
 * once and copies every object through the same result.
 */

/** The destination's region and a client for it. */
export interface Destination {
  dest: S3Client;
  destRegion: string;
}

/** A resource's resolved settings; the destination may still be being looked up (ObjectCopy). */
export interface Resolved {
  settings: ObjectSettings;
  source: S3Client;
  sourceRegion: string;
  destination: Promise<Destination>;
  /** The KMS key as an ARN (an alias asked of KMS once), undefined without kmsKeyId. */
  kmsKeyArn: () => Promise<string | undefined>;
  destKey?: CustomerKey;
  sourceKey?: CustomerKey;
  /** Parts in flight for one multipart copy; also the destination client's socket count. */
  concurrency: number;
}

/** The source side of one copy: what the source reads (head, tags, restore) need. */
export interface SourceContext {
  inputs: ObjectSettings;
  src: ParsedSource;
  source: S3Client;
  sourceRegion: string;
  inPlace: boolean;
  destKey?: CustomerKey;
  sourceKey?: CustomerKey;
}

/** Everything one copy needs: clients, regions, parsed source, keys. */
export interface CopyContext extends SourceContext, Destination {}

const keysOf = (settings: ObjectSettings) => ({
  destKey: settings.customerKey ? customerKey(settings.customerKey, "customerKey") : undefined,
  sourceKey: settings.sourceCustomerKey
    ? customerKey(settings.sourceCustomerKey, "sourceCustomerKey")
    : undefined,
});

/**
 * The bucket's own region, so KMS keys are resolved where the bucket lives: `region`, else one
 * HeadBucket per bucket and process (cached), else the configured region.
 */
function destinationSide(
  settings: ObjectSettings,
  bucket: string,
  maxSockets?: number,
): Promise<Destination> {
  const fallback = destinationRegion(settings);
  const region =
    settings.region !== undefined
      ? Promise.resolve(settings.region)
      : discoverBucketRegion(settings, bucket, fallback).then((found) => found ?? fallback);
  return region.then((destRegion) => ({ destRegion, dest: s3Client(settings, destRegion, maxSockets) }));
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

function resolvedWith(
  settings: ObjectSettings,
  sourceRegion: string,
  destination: Promise<Destination>,
  concurrency: number,
): Resolved {
  const kmsKeyId = settings.kmsKeyId;
  return {
    settings,
    source: s3Client(settings, sourceRegion),
    sourceRegion,
    destination,
    kmsKeyArn: once(async () =>
      kmsKeyId ? resolveKmsKey(kmsKeyId, (await destination).destRegion) : undefined,
    ),
    ...keysOf(settings),
    concurrency,
  };
}

/**
 * Resolves everything before the first copy (a set): destination region, source region (asked of
 * the source bucket once when not given), the KMS key, the SSE-C keys. Errors surface here, once.
 */
export async function resolveSettings(
  settings: ObjectSettings,
  where: { sourceBucket: string; destBucket: string },
  /** The destination client's sockets and part slots when more than `concurrency` (a set's objects in flight). */
  sockets?: number,
): Promise<Resolved> {
  const concurrency = settings.concurrency ?? DEFAULT_CONCURRENCY;
  const destination = await destinationSide(settings, where.destBucket, Math.max(concurrency, sockets ?? 0));
  const sourceRegion =
    settings.sourceRegion ??
    (await discoverBucketRegion(settings, where.sourceBucket, destination.destRegion)) ??
    destination.destRegion;
  const resolved = resolvedWith(settings, sourceRegion, Promise.resolve(destination), concurrency);
  await resolved.kmsKeyArn();
  return resolved;
}

const PENDING = Symbol("pending");

/** The value of a promise that has already settled, or PENDING, without waiting for it. */
const settledValue = <T>(p: Promise<T>): Promise<T | typeof PENDING> =>
  Promise.race([p, Promise.resolve(PENDING)]);

/**
 * ObjectCopy's resolution, with the destination still being looked up: the source is read at
 * once, beside the destination's HeadBucket, instead of after it. Only KMS resolution and the
 * requests to the destination wait for its region. The source is addressed in a region already
 * known for its bucket, else the configured one (the SDK follows S3's 301 when that is wrong).
 */
export async function startResolve(inputs: CopyInputs, src: ParsedSource): Promise<Resolved> {
  const concurrency = inputs.concurrency ?? DEFAULT_CONCURRENCY;
  const known =
    inputs.sourceRegion ??
    src.accessPoint?.region ??
    // Asked before this copy's own HeadBucket starts, so an in-place copy does not wait for it.
    (await settledValue(cachedBucketRegion(inputs, src.bucket)));
  const destination = destinationSide(inputs, inputs.bucket, concurrency);
  const sourceRegion = known === PENDING || known === undefined ? destinationRegion(inputs) : known;
  return resolvedWith(inputs, sourceRegion, destination, concurrency);
}

/** The source side of one copy from resolved settings: which object, read with which key. */
export function sourceContext(
  resolved: Resolved,
  src: ParsedSource,
  dest: { bucket: string; key: string },
): SourceContext {
  return {
    inputs: resolved.settings,
    src,
    source: resolved.source,
    sourceRegion: resolved.sourceRegion,
    inPlace: isSameObject(src, dest.bucket, dest.key),
    destKey: resolved.destKey,
    sourceKey: resolved.sourceKey,
  };
}

export interface ContextOptions {
  /** Sockets for the destination client: a multipart copy raises it to its concurrency. */
  maxSockets?: number;
  /**
   * Ask the source bucket for its region (one HeadBucket, cached per process) when `sourceRegion`
   * is not given. A copy skips it: it reads the source twice at most, and the SDK follows S3's
   * 301 to the right region by itself, so the usual same-region copy pays nothing.
   * @default true
   */
  discoverSourceRegion?: boolean;
}

/** A whole context for one ObjectCopy, for the reads diff and update make outside a copy. */
export async function copyContext(inputs: CopyInputs, options: ContextOptions = {}): Promise<CopyContext> {
  const src = parseSource(inputs.source);
  const { dest, destRegion } = await destinationSide(inputs, inputs.bucket, options.maxSockets);
  const sourceRegion =
    inputs.sourceRegion ??
    src.accessPoint?.region ??
    (await (options.discoverSourceRegion === false
      ? cachedBucketRegion(inputs, src.bucket)
      : discoverBucketRegion(inputs, src.bucket, destRegion))) ??
    destRegion;
  return {
    inputs,
    src,
    source: s3Client(inputs, sourceRegion),
    sourceRegion,
    inPlace: isSameObject(src, inputs.bucket, inputs.key),
    ...keysOf(inputs),
    dest,
    destRegion,
  };
}
