import { createHash } from "node:crypto";

import { type CopyContext, copyContext } from "./object/context";
import { decodeCustomerKey } from "./object/encryption";
import { HEADER_SETTINGS } from "./object/header-settings";
import { resolveKmsKey } from "./object/kms";
import { headSource, sourceUri } from "./object/source";
import type { CopyInputs, CopyOutputs } from "./types";
import { containsUnknown, isUnknown } from "./validate";

/** What an update has to do, worked out from old state and new inputs alone. */
export interface ChangePlan {
  /** Destination properties whose change means a new object (copy there, delete the old one). */
  replaces: string[];
  /** Why the object must be copied again in place; empty when no re-copy is needed. */
  recopy: string[];
  tags: boolean;
  acl: boolean;
  legalHold: boolean;
  /** Settings that change how later calls run but not the object; recorded without S3 calls. */
  settings: string[];
  /** kmsKeyId changed in text: whether it names another key needs KMS. */
  resolveKms: boolean;
}

const REPLACE_PROPS = ["bucket", "key"] as const;
const RECOPY_PROPS = [
  "source",
  ...HEADER_SETTINGS,
  "bucketKeyEnabled",
  "kmsEncryptionContext",
  "objectLockMode",
  "objectLockRetainUntilDate",
  "checksumAlgorithm",
] as const;
/** Compared only when declared: when left out, whatever S3 applied is accepted. */
const APPLIED_PROPS = ["serverSideEncryption", "storageClass"] as const;
const SETTING_PROPS = [
  "sourceCustomerAlgorithm",
  "customerAlgorithm",
  "expectedBucketOwner",
  "expectedSourceBucketOwner",
  "copyIfMatch",
  "copyIfNoneMatch",
  "copyIfModifiedSince",
  "copyIfUnmodifiedSince",
  "requestPayer",
  "region",
  "sourceRegion",
  "endpoint",
  "forcePathStyle",
  "trackSourceChanges",
  "restoreArchivedSource",
  "restoreWaitMinutes",
  "multipartThreshold",
  "partSize",
  "concurrency",
] as const;

const absent = (v: unknown): v is null | undefined => v === undefined || v === null;

/**
 * Canonical text for comparison. Absent, null and an empty map mean the same to S3 (the engine
 * sends null where a program wrote null, and older state may hold one), and so does a map entry
 * that is null. Entries are read with Object.entries, so user keys such as "__proto__" or
 * "constructor" compare as the plain keys they are.
 */
function canonical(v: unknown): string {
  if (absent(v)) return "";
  if (typeof v === "object" && !Array.isArray(v)) {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => !absent(x))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.length ? JSON.stringify(entries.map(([k, x]) => [k, canonical(x)])) : "";
  }
  return JSON.stringify(v);
}

const differs = (a: unknown, b: unknown) => canonical(a) !== canonical(b);

export function keyMd5(key: string | undefined): string | undefined {
  const bytes = key ? decodeCustomerKey(key) : undefined;
  return bytes ? createHash("md5").update(bytes).digest("base64") : undefined;
}

/** The pure part of diff: no network, so it can be tested exhaustively. */
export function planChanges(olds: CopyOutputs, news: CopyInputs): ChangePlan {
  const n = news as unknown as Record<string, unknown>;
  const o = olds as unknown as Record<string, unknown>;
  const plan: ChangePlan = {
    replaces: [],
    recopy: [],
    tags: false,
    acl: false,
    legalHold: false,
    settings: [],
    resolveKms: false,
  };

  for (const p of REPLACE_PROPS) if (isUnknown(n[p]) || differs(o[p], n[p])) plan.replaces.push(p);
  for (const p of RECOPY_PROPS) if (differs(o[p], n[p])) plan.recopy.push(p);
  for (const p of APPLIED_PROPS) if (!absent(n[p]) && differs(o[p], n[p])) plan.recopy.push(p);
  for (const p of SETTING_PROPS) if (differs(o[p], n[p])) plan.settings.push(p);

  const kmsKeyId = news.kmsKeyId ?? undefined;
  if (kmsKeyId !== (olds.kmsKeyId ?? undefined)) {
    if (kmsKeyId === undefined) plan.recopy.push("kmsKeyId");
    else plan.resolveKms = true;
  }
  if (keyMd5(news.customerKey ?? undefined) !== (olds.customerKeyMd5 ?? undefined))
    plan.recopy.push("customerKey");
  if (olds.drift?.length) plan.recopy.push(...olds.drift);

  plan.tags =
    differs(olds.taggingDirective, news.taggingDirective) ||
    (news.taggingDirective === "REPLACE" && differs(olds.tags, news.tags));
  plan.acl = differs(olds.acl, news.acl);
  plan.legalHold = differs(olds.objectLockLegalHoldStatus, news.objectLockLegalHoldStatus);
  return plan;
}

export const hasChanges = (p: ChangePlan) =>
  p.replaces.length > 0 || p.recopy.length > 0 || p.tags || p.acl || p.legalHold || p.settings.length > 0;

const seconds = (iso: string | Date | undefined) =>
  iso === undefined ? undefined : Math.floor(new Date(iso).getTime() / 1000);

/**
 * Whether the source moved on since it was copied. Versioned sources compare version ids, others
 * ETag and Last-Modified (a metadata-only change keeps the ETag). Never the destination's ETag
 * against the source's: multipart and KMS copies have different ETags by design.
 */
export async function sourceChange(olds: CopyOutputs, ctx: CopyContext): Promise<string | undefined> {
  // In place, the current object is our own copy, readable with the destination key (SSE-C).
  const head = ctx.inPlace
    ? await headSource(ctx, ctx.src.versionId, ctx.destKey).catch(() => headSource(ctx))
    : await headSource(ctx);
  const where = sourceUri(ctx);
  if (ctx.src.versionId) return undefined;
  // In place, the current object should be this resource's own copy; anything else is new content.
  const expected = ctx.inPlace
    ? { version: olds.versionId, etag: olds.etag, modified: olds.lastModified }
    : { version: olds.sourceVersionId, etag: olds.sourceEtag, modified: olds.sourceLastModified };
  const versioned =
    expected.version && expected.version !== "null" && head.VersionId && head.VersionId !== "null";
  if (versioned) {
    return head.VersionId !== expected.version
      ? `${where} has a new version (${expected.version} -> ${head.VersionId})`
      : undefined;
  }
  if (head.ETag !== expected.etag) return `${where} changed (ETag ${expected.etag} -> ${head.ETag})`;
  if (expected.modified && seconds(head.LastModified) !== seconds(expected.modified)) {
    return `${where} was rewritten (Last-Modified ${expected.modified} -> ${head.LastModified?.toISOString()})`;
  }
  return undefined;
}

/** The whole diff: the pure plan, then KMS resolution and source tracking where they matter. */
export async function planUpdate(olds: CopyOutputs, news: CopyInputs): Promise<ChangePlan> {
  const plan = planChanges(olds, news);
  if (plan.replaces.length) return plan;
  // One context (clients, regions, parsed source) for both checks, built only if one runs.
  let ctx: CopyContext | undefined;
  const context = async () => (ctx ??= await copyContext(news));
  if (plan.resolveKms && news.kmsKeyId) {
    const arn = await resolveKmsKey(news.kmsKeyId, (await context()).destRegion);
    if (arn !== olds.kmsKeyArn) plan.recopy.push("kmsKeyId");
  }
  if (news.trackSourceChanges !== false && plan.recopy.length === 0) {
    const moved = await sourceChange(olds, await context());
    if (moved) plan.recopy.push(moved);
  }
  return plan;
}

export interface DiffAnswer {
  changes: boolean;
  replaces: string[];
  /** Human-readable reasons, printed by the provider so the preview says why. */
  reasons: string[];
}

export async function diff(olds: CopyOutputs, news: CopyInputs): Promise<DiffAnswer> {
  if (containsUnknown(news)) {
    // Preview with values not known yet: no network call, and assume the worst for bucket/key.
    return { changes: true, replaces: planChanges(olds, news).replaces, reasons: [] };
  }
  const plan = await planUpdate(olds, news);
  const reasons = plan.recopy.filter((r) => r.includes(" "));
  return { changes: hasChanges(plan), replaces: plan.replaces, reasons };
}
