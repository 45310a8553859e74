// ObjectCopySet's inputs: which objects (source prefix, patterns or keys), where (bucket, prefix,
// manifest) and how (the per-object options ObjectCopy shares), plus the rules between them.
import { MAX_CONCURRENCY, MAX_KEY_BYTES } from "../constants";
import { ObjectCopyError } from "../errors";
import { defaultManifestLocation, parseManifestLocation, RESERVED_PREFIX } from "../set/manifest";
import { parseSetSource } from "../set/spec";
import { batchOperationsLimits, batchOperationsRule } from "./batch-rules";
import { adoptInPlaceWhen, headerBudget, PER_OBJECT_CROSS_RULES } from "./cross";
import { all, bool, int, isUnknown, str } from "./primitives";
import { PER_OBJECT_PROPERTIES } from "./properties";
import { show } from "./show";
import type { CrossContext, CrossRule, PropertyTable, Rule } from "./types";
import { bucketRule } from "./values";

/**
 * Per-object options that do not make sense for a set: a restore wait is about one archived
 * object, and one website redirect location on every object of a prefix would send all of them
 * to the same page.
 */
export const NOT_SET_PROPERTIES = ["restoreArchivedSource", "restoreWaitMinutes", "websiteRedirect"] as const;

/** Names the resource class sends so that check can name the default manifest after the resource. */
export const SET_IDENTITY_INPUTS = ["__setProject", "__setStack", "__setName"] as const;

/** What a set's state holds besides its inputs; the class declares them, so they may come back as inputs. */
export const SET_OBSERVED_OUTPUTS = [
  "manifestDigest",
  "objectCount",
  "totalBytes",
  "lastRun",
  "drift",
  "batchJob",
] as const;

/** At most this many patterns or keys are echoed in one failure. */
const MAX_LISTED = 5;

const rethrowUnlessOurs = (e: unknown): string => {
  if (!(e instanceof ObjectCopyError)) throw e;
  return e.message;
};

const setSourceRule: Rule<string> = all(str(), (value, ctx) => {
  let prefix: string;
  try {
    prefix = parseSetSource(value as string).prefix;
  } catch (e) {
    return ctx.fail(rethrowUnlessOurs(e));
  }
  // Every listing a set makes skips the reserved prefix, so such a set would copy nothing.
  if (prefix.startsWith(RESERVED_PREFIX)) {
    return ctx.fail(
      `${show(value)} is inside ${show(RESERVED_PREFIX)}, where sets keep their manifests and which every ` +
        `listing of a set skips, so it would copy nothing; copy from a prefix outside it`,
    );
  }
  return value as string;
});

/** A raw S3 key prefix: may be "" (the whole bucket), never inside the set's reserved prefix. */
const prefixRule: Rule<string> = (value, ctx) => {
  if (typeof value !== "string") return ctx.fail(`must be a string, got ${show(value)}`);
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes >= MAX_KEY_BYTES) {
    return ctx.fail(
      `is ${bytes} bytes long in UTF-8; it must leave room for keys within ${MAX_KEY_BYTES} bytes`,
    );
  }
  if (value.startsWith(RESERVED_PREFIX)) {
    return ctx.fail(
      `${show(value)} is inside ${show(RESERVED_PREFIX)}, which sets keep their manifests under`,
    );
  }
  return value;
};

/** A non-empty list of distinct, non-empty strings. */
function stringList(what: string): Rule<string[]> {
  return (value, ctx) => {
    if (!Array.isArray(value)) return ctx.fail(`must be a list of ${what}, got ${show(value)}`);
    if (value.length === 0) return ctx.fail(`is an empty list; omit it, or list at least one ${what}`);
    const bad = value.filter((v) => typeof v !== "string" || v === "");
    if (bad.length) return ctx.fail(`holds ${show(bad[0])}; every entry must be a non-empty string`);
    const seen = new Set<string>();
    const dupes = [...new Set(value.filter((v: string) => seen.size === seen.add(v).size))];
    if (dupes.length) {
      return ctx.fail(`lists ${dupes.slice(0, MAX_LISTED).map(show).join(", ")} more than once`);
    }
    return value as string[];
  };
}

const manifestLocationRule: Rule<string> = all(
  str({ whenOmitted: `keep the manifest in the destination bucket under "${RESERVED_PREFIX}"` }),
  (value, ctx) => {
    try {
      parseManifestLocation(value as string);
      return value as string;
    } catch (e) {
      return ctx.fail(rethrowUnlessOurs(e));
    }
  },
);

const PER_OBJECT_FOR_SET: PropertyTable = Object.fromEntries(
  Object.entries(PER_OBJECT_PROPERTIES).filter(
    ([name]) => !(NOT_SET_PROPERTIES as readonly string[]).includes(name),
  ),
);

/** ObjectCopySet: a source prefix and a selection, a destination prefix, and the per-object options. */
export const OBJECT_COPY_SET_PROPERTIES: PropertyTable = {
  source: { rule: setSourceRule, required: true },
  include: { rule: stringList("glob patterns") },
  exclude: { rule: stringList("glob patterns") },
  keys: { rule: stringList("keys relative to the source prefix") },
  bucket: { rule: bucketRule, required: true },
  prefix: { rule: prefixRule, default: "" },
  deleteRemoved: { rule: bool() },
  adopt: { rule: bool() },
  manifestLocation: { rule: manifestLocationRule },
  ...PER_OBJECT_FOR_SET,
  concurrency: { rule: int(1, MAX_CONCURRENCY, `use 1-${MAX_CONCURRENCY} objects in flight`) },
  batchOperations: { rule: batchOperationsRule },
};

/** `keys` names exact objects; patterns would silently narrow or widen that list. */
export const keysOrPatterns: CrossRule = (c) => {
  if (!c.declared("keys")) return;
  for (const p of ["include", "exclude"]) {
    if (c.declared(p)) {
      c.fail(p, `cannot be combined with keys: list the keys you want, or use include/exclude patterns`);
    }
  }
};

/** Booleans the table cannot default (its defaults are strings), written out so outputs show them. */
export const booleanDefaults: CrossRule = (c) => {
  if (!c.declared("deleteRemoved")) c.inputs.deleteRemoved = true;
  if (!c.declared("adopt")) c.inputs.adopt = false;
};

const isKnownString = (v: unknown): v is string => typeof v === "string";

/**
 * The manifest lives, by default, in the destination bucket under the reserved prefix, named after
 * project, stack and resource (which the resource class passes). A declared one must not sit where
 * the set copies from or to, or the set would copy or delete its own record.
 */
export const manifestPlacement: CrossRule = (c) => {
  const bucket = c.valid("bucket");
  if (!c.declared("manifestLocation")) {
    // An existing set keeps the manifest it has: a stack or resource rename would otherwise move
    // it, and a new set at a new manifest would rewrite the objects the old one's destroy deletes.
    const kept = c.olds.manifestLocation;
    if (isKnownString(kept) && isKnownString(bucket) && c.olds.bucket === bucket) {
      c.inputs.manifestLocation = kept;
      return;
    }
    const [project, stack, name] = SET_IDENTITY_INPUTS.map((p) => c.news[p]);
    const identity = [project, stack, name];
    if (isKnownString(bucket) && identity.every(isKnownString)) {
      c.inputs.manifestLocation = defaultManifestLocation({
        destBucket: bucket,
        project: project as string,
        stack: stack as string,
        name: name as string,
      });
    } else if (!identity.every((v) => isKnownString(v) || isUnknown(v))) {
      c.fail(
        "manifestLocation",
        `is required when the resource is not created through the ObjectCopySet class; set "s3://bucket/key"`,
      );
    }
    return;
  }
  const location = c.valid("manifestLocation");
  if (!isKnownString(location)) return;
  const at = parseManifestLocation(location);
  const prefix = c.valid("prefix");
  if (
    at.bucket === bucket &&
    isKnownString(prefix) &&
    at.key.startsWith(prefix) &&
    !at.key.startsWith(RESERVED_PREFIX)
  ) {
    c.fail(
      "manifestLocation",
      `${show(location)} is under the destination prefix ${show(prefix)}, where the set copies and deletes; ` +
        `put it outside that prefix (the default is under "${RESERVED_PREFIX}")`,
    );
  }
  const source = c.valid("source");
  if (isKnownString(source)) {
    const src = parseSetSource(source);
    if (at.bucket === src.bucket && at.key.startsWith(src.prefix) && !at.key.startsWith(RESERVED_PREFIX)) {
      c.fail(
        "manifestLocation",
        `${show(location)} is under the source ${show(source)}, so the set would copy its own manifest; put it elsewhere`,
      );
    }
  }
};

/** A copy of a prefix onto itself must change something, as S3 rejects a copy that changes nothing. */
export const setInPlaceNoop: CrossRule = (c) => {
  const source = c.valid("source");
  const bucket = c.valid("bucket");
  const prefix = c.valid("prefix");
  if (!isKnownString(source) || !isKnownString(bucket) || !isKnownString(prefix)) return;
  const src = parseSetSource(source);
  if (src.bucket !== bucket || src.prefix !== prefix) return;
  const directive = c.valid("metadataDirective");
  const changes =
    directive === "REPLACE" ||
    directive === "MERGE" ||
    c.unknown("metadataDirective") ||
    ["storageClass", "serverSideEncryption", "kmsKeyId", "customerKey"].some((p) => c.declared(p));
  if (!changes) {
    c.fail(
      "source",
      `${show(source)} is the destination prefix itself and nothing would change, which S3 rejects; ` +
        `set metadataDirective "MERGE" or "REPLACE" (with metadata or content headers), storageClass, ` +
        `serverSideEncryption/kmsKeyId or customerKey`,
    );
  }
};

/** Source and destination prefixes, once both are known and valid. */
function prefixesOf(c: CrossContext): { bucket: string; source: string; dest: string } | undefined {
  const source = c.valid("source");
  const bucket = c.valid("bucket");
  const prefix = c.valid("prefix");
  if (!isKnownString(source) || !isKnownString(bucket) || !isKnownString(prefix)) return undefined;
  const src = parseSetSource(source);
  return src.bucket === bucket ? { bucket, source: src.prefix, dest: prefix } : undefined;
}

/**
 * In one bucket, a destination prefix that starts with the source prefix (or the reverse) makes
 * the set list what it wrote: `data/` to `data/copy/` copies copy/x again at every up, and `data/`
 * to "" writes data/data/x onto data/x, the user's own object, which destroy then deletes. The
 * test is on raw strings, as S3 lists them: source `data` also lists `data2/x`.
 */
export const overlappingPrefixes: CrossRule = (c) => {
  const p = prefixesOf(c);
  if (!p || p.source === p.dest) return;
  if (!p.dest.startsWith(p.source) && !p.source.startsWith(p.dest)) return;
  c.fail(
    "prefix",
    `the destination prefix ${show(p.dest)} and the source prefix ${show(p.source)} overlap in bucket ` +
      `${show(p.bucket)}: the set would list and copy its own copies, or overwrite the originals; ` +
      `use separate prefixes (neither starting with the other), or the same prefix for an in-place change`,
  );
};

/** ObjectCopy's rule, for a prefix copied onto itself: its objects are the user's originals. */
export const setAdoptInPlace: CrossRule = adoptInPlaceWhen((c) => {
  const p = prefixesOf(c);
  return p !== undefined && p.source === p.dest;
});

export const OBJECT_COPY_SET_CROSS_RULES: readonly CrossRule[] = [
  ...PER_OBJECT_CROSS_RULES,
  headerBudget,
  keysOrPatterns,
  booleanDefaults,
  manifestPlacement,
  setInPlaceNoop,
  overlappingPrefixes,
  setAdoptInPlace,
  batchOperationsLimits,
];
