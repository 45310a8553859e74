/**
 * What an up of a set must do, from the source listing and the manifest alone (no S3 calls): copy
 * what is new, re-copy what changed since it was recorded, delete what the set wrote whose source
 * is gone or no longer selected. A change is the source's current listing entry against the entry
 * recorded at copy time, never the destination's ETag against the source's (multipart, SSE-KMS and
 * SSE-C ETags differ by design).
 */
import { createHash } from "node:crypto";

import { ObjectCopyError, showValue } from "../errors";
import { decodeCustomerKey } from "../object/encryption";
import { HEADER_SETTINGS } from "../object/header-settings";
import { canonicalJson, RESERVED_PREFIX } from "./manifest";
import { selects, type Selection } from "./select";
import { destinationKey, relativeKey } from "./spec";
import type {
  Manifest,
  ManifestRecord,
  ObjectSettings,
  PlannedCopy,
  SetPlan,
  SourceEntry,
  SourceLocation,
} from "./types";

/**
 * The settings that shape the object a copy writes. Left out, because they do not: owners,
 * requester pays, copy preconditions, regions, endpoint, path style, source tracking and restore,
 * multipart threshold, part size and concurrency; and the source's SSE-C key, which only decrypts
 * (a source re-encrypted under a new key was rewritten, so its listing entry changed anyway).
 */
const WRITTEN_SETTINGS = [
  ...HEADER_SETTINGS,
  "serverSideEncryption",
  "kmsKeyId",
  "bucketKeyEnabled",
  "kmsEncryptionContext",
  "customerAlgorithm",
  "storageClass",
  "taggingDirective",
  "tags",
  "acl",
  "objectLockMode",
  "objectLockRetainUntilDate",
  "objectLockLegalHoldStatus",
  "checksumAlgorithm",
] as const satisfies readonly (keyof ObjectSettings)[];

/** What an absent setting means, so that spelling out a default is no change. */
const DEFAULTS: Partial<Record<(typeof WRITTEN_SETTINGS)[number], unknown>> = {
  metadataDirective: "COPY",
  taggingDirective: "COPY",
};

const emptyMap = (v: unknown) =>
  v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;

/**
 * sha256 hex over the written-object settings in canonical form. The destination SSE-C key enters
 * only as a digest, never as the key, and by its bytes: the same key written raw or in base64 is
 * one setting. `keyAsWritten` digests the string as given instead, as 0.6.0 and earlier did.
 */
export function settingsDigest(settings: ObjectSettings, opts: { keyAsWritten?: boolean } = {}): string {
  const picked: Record<string, unknown> = {};
  for (const name of WRITTEN_SETTINGS) {
    const v = settings[name] ?? DEFAULTS[name];
    if (v === undefined || v === null || emptyMap(v)) continue;
    picked[name] = v;
  }
  // A digest of the key, like S3's SSECustomerKeyMD5: a 256-bit key cannot be recovered from it.
  if (settings.customerKey) {
    const key = settings.customerKey;
    const canonical = opts.keyAsWritten ? key : (decodeCustomerKey(key)?.toString("base64") ?? key);
    picked.customerKeyDigest = sha256(`sse-c-key:${canonical}`);
  }
  return sha256(canonicalJson(picked));
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export interface PlanArgs {
  entries: SourceEntry[];
  source: SourceLocation;
  destPrefix: string;
  selection: Selection;
  manifest?: Manifest;
  settingsDigest: string;
  /**
   * Older digests that also count as the current settings: what the same inputs digested to
   * before a KMS alias was recorded by the key it names (see context.ts, resolveDigest).
   */
  acceptedDigests?: string[];
  /** Destination keys the set must never write (where manifests live); such sources are skipped. */
  isManifestKey?: (destKey: string) => boolean;
}

/** Most missing keys an error names. */
const SHOWN_KEYS = 5;

/**
 * created = selected keys without a record; updated = records whose source entry changed or that
 * were copied with other settings; deleted = records whose key is no longer listed or selected;
 * unchanged = the rest. With explicit `keys`, a key the listing lacks fails the plan.
 */
export function planSet(args: PlanArgs): SetPlan {
  const { source, destPrefix, selection, manifest } = args;
  const selected = new Map<string, SourceEntry>();
  for (const entry of args.entries) {
    const rel = relativeKey(entry.key, source.prefix);
    if (selects(selection, rel)) selected.set(rel, entry);
  }
  const missing = (selection.keys ?? []).filter((k) => !selected.has(k));
  if (missing.length) {
    throw new ObjectCopyError(
      "SOURCE_KEYS_MISSING",
      `${missing.length} of the listed keys do not exist under s3://${source.bucket}/${source.prefix}: ` +
        `${missing
          .slice(0, SHOWN_KEYS)
          .map((k) => showValue(k))
          .join(", ")}${missing.length > SHOWN_KEYS ? ", …" : ""}`,
    );
  }

  // Records are relative to the prefix they were written under; a moved destination starts afresh.
  const records = manifest && manifest.prefix === destPrefix ? manifest.records : {};
  const plan: SetPlan = { created: [], updated: [], deleted: [], unchanged: 0 };
  const skipped: string[] = [];
  for (const [rel, entry] of selected) {
    if (rel === "" && destPrefix === "") {
      // The object at the source prefix itself, copied to the bucket root, would have no key. A
      // folder marker (the empty object the S3 console's "Create folder" writes) has nothing to
      // copy either; anything else there is named, so the user can move it or set a prefix.
      if (entry.size === 0) continue;
      throw new ObjectCopyError(
        "DESTINATION_KEY_EMPTY",
        `the source object ${showValue(entry.key)} (${entry.size} bytes) is the source prefix itself, so copied ` +
          `to the bucket root it would have an empty key; set a destination prefix, or move that object`,
      );
    }
    const previous = Object.prototype.hasOwnProperty.call(records, rel) ? records[rel] : undefined;
    const task: PlannedCopy = {
      relativeKey: rel,
      sourceKey: entry.key,
      // The source key's own string when the prefixes match (one prefix across buckets, or in
      // place), not an equal copy: a run holds every task until it ends, 100,000 of them.
      destKey: destPrefix === source.prefix && rel ? entry.key : destinationKey(rel, destPrefix),
      entry,
    };
    // Skipped rather than failed: one stray file in a build folder should not block the rest, and
    // the warning names it. A record it left behind goes the usual way, and the delete refuses it.
    if (args.isManifestKey?.(task.destKey)) {
      skipped.push(entry.key);
      continue;
    }
    if (!previous) plan.created.push(task);
    else if (stale(previous, entry, args, task.destKey)) plan.updated.push({ ...task, previous });
    else plan.unchanged += 1;
  }
  if (manifest) {
    for (const [rel, record] of Object.entries(manifest.records)) {
      if (records === manifest.records && selected.has(rel)) continue;
      plan.deleted.push({ relativeKey: rel, destKey: destinationKey(rel, manifest.prefix), record });
    }
  }
  const byKey = (a: { relativeKey: string }, b: { relativeKey: string }) =>
    a.relativeKey < b.relativeKey ? -1 : a.relativeKey > b.relativeKey ? 1 : 0;
  plan.created.sort(byKey);
  plan.updated.sort(byKey);
  plan.deleted.sort(byKey);
  if (skipped.length) plan.skipped = skipped;
  return plan;
}

/** The warning a plan with skipped keys prints. */
export function skippedLine(plan: SetPlan): string | undefined {
  const skipped = plan.skipped ?? [];
  if (!skipped.length) return undefined;
  const shown = skipped.slice(0, SHOWN_KEYS).map((k) => showValue(k));
  return (
    `warning: skipped ${skipped.length} source key(s) whose destination is where sets keep their manifests ` +
    `(under "${RESERVED_PREFIX}" or this set's manifest): ${shown.join(", ")}${skipped.length > SHOWN_KEYS ? ", …" : ""}`
  );
}

const unquote = (etag: string | undefined) => (etag ?? "").replace(/^W\//, "").replace(/"/g, "");

/** ISO times to the second: listings and copy answers round differently below it. */
function sameSecond(a: string | undefined, b: string | undefined): boolean {
  const x = a ? Date.parse(a) : NaN;
  const y = b ? Date.parse(b) : NaN;
  if (Number.isNaN(x) || Number.isNaN(y)) return a === b;
  return Math.floor(x / 1000) === Math.floor(y / 1000);
}

function stale(record: ManifestRecord, entry: SourceEntry, args: PlanArgs, destKey: string): boolean {
  const digest = record.settingsDigest ?? args.manifest?.settingsDigest;
  if (digest !== args.settingsDigest && !(digest && args.acceptedDigests?.includes(digest))) return true;
  // In place, the object listed now is the set's own copy: compare it with what was written.
  const inPlace = args.manifest?.bucket === args.source.bucket && destKey === entry.key;
  if (inPlace) {
    const d = record.dest;
    return (
      unquote(d.etag) !== unquote(entry.etag) ||
      d.size !== entry.size ||
      (d.lastModified !== undefined && !sameSecond(d.lastModified, entry.lastModified))
    );
  }
  const s = record.source;
  return (
    unquote(s.etag) !== unquote(entry.etag) ||
    s.size !== entry.size ||
    !sameSecond(s.lastModified, entry.lastModified)
  );
}
