// One set's run context: its clients and owners, the parsed source and selection, the settings
// digest; and what every operation starts from: the source listing and the set's own manifest.
import type { S3Client } from "@aws-sdk/client-s3";

import { destinationRegion, s3Client } from "../clients";
import { ObjectCopyError } from "../errors";
import { show } from "../rules";
import { listObjects } from "./listing";
import { readManifest } from "./manifest";
import { planSet, settingsDigest } from "./plan";
import { selects, type Selection } from "./select";
import { parseSetSource, relativeKey } from "./spec";
import { MAX_EXAMPLE_KEYS, objectSettings, type SetInputs } from "./state";
import type { Manifest, SetPlan, SourceEntry, SourceLocation } from "./types";

export interface SetContext {
  inputs: SetInputs;
  source: SourceLocation;
  selection: Selection;
  sourceClient: S3Client;
  destClient: S3Client;
  manifestClient: S3Client;
  digest: string;
  inPlace: boolean;
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
    inPlace: source.bucket === inputs.bucket && source.prefix === inputs.prefix,
    sourceOwner: { ExpectedBucketOwner: inputs.expectedSourceBucketOwner, RequestPayer: inputs.requestPayer },
    destOwner: { ExpectedBucketOwner: inputs.expectedBucketOwner, RequestPayer: inputs.requestPayer },
  };
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

export async function listDestination(ctx: SetContext): Promise<Map<string, SourceEntry>> {
  const { entries } = await listObjects({
    client: ctx.destClient,
    bucket: ctx.inputs.bucket,
    prefix: ctx.inputs.prefix,
    owner: ctx.destOwner,
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

export async function readOwnManifest(ctx: SetContext): Promise<{ manifest?: Manifest; digest?: string }> {
  const read = await readManifest(ctx.manifestClient, ctx.inputs.manifestLocation);
  const m = read.manifest;
  if (m && (m.bucket !== ctx.inputs.bucket || m.prefix !== ctx.inputs.prefix)) {
    throw new ObjectCopyError(
      "MANIFEST_MISMATCH",
      `the manifest at ${ctx.inputs.manifestLocation} records a set copied to s3://${m.bucket}/${m.prefix}, ` +
        `not s3://${ctx.inputs.bucket}/${ctx.inputs.prefix}; give this set its own manifestLocation`,
    );
  }
  return read;
}

export interface Planned {
  entries: SourceEntry[];
  manifest?: Manifest;
  plan: SetPlan;
}

export async function planFor(ctx: SetContext): Promise<Planned> {
  const [entries, { manifest }] = await Promise.all([listSource(ctx), readOwnManifest(ctx)]);
  const missing = missingKeys(ctx, entries);
  if (missing.length) throw keysNotFound(ctx, missing);
  const plan = planSet({
    entries,
    source: ctx.source,
    destPrefix: ctx.inputs.prefix,
    selection: ctx.selection,
    manifest,
    settingsDigest: ctx.digest,
  });
  return { entries, manifest, plan };
}
