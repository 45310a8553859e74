// One set's run context: its clients and owners, the parsed source and selection, the settings
// digest; and what every operation starts from: the source listing and the set's own manifest.
import type { S3Client } from "@aws-sdk/client-s3";

import { destinationRegion, s3Client } from "../clients";
import { ObjectCopyError } from "../errors";
import { resolveKmsKey } from "../object/kms";
import { show } from "../rules";
import { listObjects } from "./listing";
import {
  type InterruptedRun,
  isManifestKey,
  type ManifestRead,
  readManifest,
  reservedManifests,
} from "./manifest";
import { planSet, settingsDigest, skippedLine } from "./plan";
import { selects, type Selection } from "./select";
import { destinationKey, isInPlace, parseSetSource, relativeKey } from "./spec";
import { MAX_EXAMPLE_KEYS, objectSettings, type SetInputs } from "./state";
import type { ObjectSettings, Manifest, SetOwner, SetPlan, SourceEntry, SourceLocation } from "./types";

export interface SetContext {
  inputs: SetInputs;
  source: SourceLocation;
  selection: Selection;
  sourceClient: S3Client;
  destClient: S3Client;
  manifestClient: S3Client;
  /** The written-object settings' digest; with a KMS key, once resolveDigest ran, by its key ARN. */
  digest: string;
  /** Digests of the same settings that records may also carry (resolveDigest). */
  acceptedDigests?: string[];
  /** Whether resolveDigest ran. */
  digestResolved?: boolean;
  inPlace: boolean;
  /** The resource the set's manifest records as its owner. */
  owner?: SetOwner;
  sourceOwner: { ExpectedBucketOwner?: string; RequestPayer?: "requester" };
  destOwner: { ExpectedBucketOwner?: string; RequestPayer?: "requester" };
}

export function setContext(inputs: SetInputs): SetContext {
  const source = parseSetSource(inputs.source);
  const destRegion = destinationRegion(inputs);
  const destClient = s3Client(inputs, destRegion);
  return {
    inputs,
    source,
    selection: { include: inputs.include, exclude: inputs.exclude, keys: inputs.keys },
    sourceClient: s3Client(inputs, inputs.sourceRegion ?? destRegion),
    destClient,
    // The manifest usually sits in the destination bucket; the client follows a region redirect.
    manifestClient: destClient,
    digest: settingsDigest(objectSettings(inputs)),
    acceptedDigests: keyAsWrittenDigest(objectSettings(inputs)),
    inPlace: isInPlace(inputs),
    owner: ownerOf(inputs),
    sourceOwner: { ExpectedBucketOwner: inputs.expectedSourceBucketOwner, RequestPayer: inputs.requestPayer },
    destOwner: { ExpectedBucketOwner: inputs.expectedBucketOwner, RequestPayer: inputs.requestPayer },
  };
}

/**
 * What a destination SSE-C key written raw (32 characters) digested to in 0.6.0 and earlier, by
 * the string as written: records made so count as current, so an upgrade re-copies nothing.
 */
function keyAsWrittenDigest(settings: ObjectSettings): string[] | undefined {
  if (!settings.customerKey) return undefined;
  const written = settingsDigest(settings, { keyAsWritten: true });
  return written === settingsDigest(settings) ? undefined : [written];
}

/**
 * Digests the settings by the KMS key ARN the `kmsKeyId` names now (KMS DescribeKey, cached per
 * process), not by the alias or id as written: an alias moved to another key then re-encrypts
 * every object, and writing the key's ARN in place of its alias copies nothing. Records made
 * before this digest (0.6.0 and earlier: by `kmsKeyId` as written) still count as current, since
 * which key they were written with is not known; they are checked again once re-copied.
 */
export async function resolveDigest(ctx: SetContext): Promise<void> {
  if (ctx.digestResolved) return;
  const settings = objectSettings(ctx.inputs);
  if (settings.kmsKeyId) {
    const arn = await resolveKmsKey(settings.kmsKeyId, destinationRegion(ctx.inputs));
    const legacy = ctx.digest;
    ctx.digest = settingsDigest({ ...settings, kmsKeyId: arn });
    ctx.acceptedDigests = [legacy, ...(ctx.acceptedDigests ?? [])];
  }
  ctx.digestResolved = true;
}

export async function listSource(ctx: SetContext): Promise<SourceEntry[]> {
  const { selection, source } = ctx;
  const { entries } = await listObjects({
    client: ctx.sourceClient,
    bucket: source.bucket,
    prefix: source.prefix,
    owner: ctx.sourceOwner,
  });
  return entries.filter((e) => selects(selection, relativeKey(e.key, source.prefix)));
}

export async function listDestination(
  ctx: SetContext,
  signal?: AbortSignal,
): Promise<Map<string, SourceEntry>> {
  const { entries } = await listObjects({
    client: ctx.destClient,
    bucket: ctx.inputs.bucket,
    prefix: ctx.inputs.prefix,
    owner: ctx.destOwner,
    signal,
  });
  return new Map(entries.map((e) => [e.key, e]));
}

/** Listed keys that the source does not hold, relative to the source prefix. */
export function missingKeys(ctx: SetContext, entries: SourceEntry[]): string[] {
  if (!ctx.selection.keys) return [];
  const listed = new Set(entries.map((e) => relativeKey(e.key, ctx.source.prefix)));
  return ctx.selection.keys.filter((k) => !listed.has(k));
}

export function keysNotFound(ctx: SetContext, missing: string[]): ObjectCopyError {
  return new ObjectCopyError(
    "SOURCE_KEYS_NOT_FOUND",
    `${missing.length} of the listed keys ${missing.length === 1 ? "is" : "are"} not under ${show(ctx.inputs.source)}: ` +
      `${missing.slice(0, MAX_EXAMPLE_KEYS).map(show).join(", ")}${missing.length > MAX_EXAMPLE_KEYS ? ", ..." : ""}; ` +
      `keys are relative to the source prefix`,
  );
}

/** The resource a set's inputs name (the class passes project, stack and name), if they do. */
export function ownerOf(inputs: Partial<SetInputs> | undefined): SetOwner | undefined {
  const { __setProject: project, __setStack: stack, __setName: name } = inputs ?? {};
  return typeof project === "string" && typeof stack === "string" && typeof name === "string"
    ? { project, stack, name }
    : undefined;
}

const showOwner = (o: SetOwner | undefined) =>
  o ? `${show(`${o.project}/${o.stack}/${o.name}`)}` : "a set created without the ObjectCopySet class";
const sameOwner = (a: SetOwner | undefined, b: SetOwner | undefined) =>
  a?.project === b?.project && a?.stack === b?.stack && a?.name === b?.name;

/**
 * The set's manifest, refused when it records another destination or another owner. `alsoOwner`
 * is the identity in the state of the same resource (an update after a stack or resource rename
 * keeps its manifest), which the run then rewrites as the new one. A manifest without an owner was
 * written before owners were recorded and is taken as the set's own.
 */
export async function readOwnManifest(ctx: SetContext, alsoOwner?: SetOwner): Promise<ManifestRead> {
  const read = await readManifest(ctx.manifestClient, ctx.inputs.manifestLocation);
  const m = read.manifest;
  if (m && (m.bucket !== ctx.inputs.bucket || m.prefix !== ctx.inputs.prefix)) {
    throw new ObjectCopyError(
      "MANIFEST_MISMATCH",
      `the manifest at ${ctx.inputs.manifestLocation} records a set copied to s3://${m.bucket}/${m.prefix}, ` +
        `not s3://${ctx.inputs.bucket}/${ctx.inputs.prefix}; give this set its own manifestLocation`,
    );
  }
  if (m?.owner && !sameOwner(m.owner, ctx.owner) && !(alsoOwner && sameOwner(m.owner, alsoOwner))) {
    throw new ObjectCopyError(
      "MANIFEST_MISMATCH",
      `the manifest at ${ctx.inputs.manifestLocation} belongs to the set ${showOwner(m.owner)}, not to ` +
        `${showOwner(ctx.owner)}; two sets sharing one manifest would delete each other's objects, so ` +
        `give this set its own manifestLocation`,
    );
  }
  return read;
}

/**
 * Destination keys that another set's manifest under the destination bucket's reserved prefix
 * records: a newer set (a renamed resource, a moved manifest) that rewrote the same bytes there
 * holds them now, and an object whose ETag and Last-Modified second match cannot tell the two apart.
 */
export async function keysOtherSetsRecord(ctx: SetContext): Promise<Set<string>> {
  const own = ctx.inputs.manifestLocation;
  const others = (await reservedManifests(ctx.destClient, ctx.inputs.bucket)).filter((l) => l !== own);
  const keys = new Set<string>();
  for (const location of others) {
    // An unreadable manifest spares nothing; it cannot make this set delete anything either.
    const { manifest } = await readManifest(ctx.destClient, location).catch(() => ({ manifest: undefined }));
    if (!manifest || manifest.bucket !== ctx.inputs.bucket) continue;
    for (const rel of Object.keys(manifest.records)) keys.add(destinationKey(rel, manifest.prefix));
  }
  return keys;
}

export interface Planned {
  entries: SourceEntry[];
  manifest?: Manifest;
  plan: SetPlan;
  /** What a killed run had begun to copy (see ManifestRead). */
  interrupted?: InterruptedRun;
}

export async function planFor(ctx: SetContext, alsoOwner?: SetOwner): Promise<Planned> {
  const [entries, { manifest, interrupted }] = await Promise.all([
    listSource(ctx),
    readOwnManifest(ctx, alsoOwner),
    resolveDigest(ctx),
  ]);
  const missing = missingKeys(ctx, entries);
  if (missing.length) throw keysNotFound(ctx, missing);
  const plan = planSet({
    entries,
    source: ctx.source,
    destPrefix: ctx.inputs.prefix,
    selection: ctx.selection,
    manifest,
    settingsDigest: ctx.digest,
    acceptedDigests: ctx.acceptedDigests,
    isManifestKey: (key) => isManifestKey(ctx.inputs.manifestLocation, ctx.inputs.bucket, key),
  });
  const warning = skippedLine(plan);
  if (warning) console.log(warning);
  return { entries, manifest, plan, interrupted };
}
