// Rules between properties, run once every property has passed or failed its own rule.
import { encodeTagging } from "../metadata";
import { CONTENT_HEADERS } from "../object/header-settings";
import { copySourceHeader, isSameObject, parseSource } from "../source";
import { MAX_DECLARED_HEADER_BYTES } from "./limits";
import { show } from "./show";
import { SECRET_FAILURE_PATH } from "./secrets";
import type { CrossContext, CrossRule } from "./types";

const nonEmptyMap = (v: unknown) => typeof v === "object" && v !== null && Object.keys(v).length > 0;

/** Under COPY, S3 ignores request metadata and content headers: say so instead of dropping them. */
export const copyDirectiveConflicts: CrossRule = (c) => {
  if (c.valid("metadataDirective") !== "COPY") return;
  const given = [
    ...(nonEmptyMap(c.valid("metadata")) ? ["metadata"] : []),
    ...CONTENT_HEADERS.filter((h) => c.declared(h) && !c.unknown(h)),
  ];
  for (const p of given) {
    c.fail(
      p,
      `is set but metadataDirective is "COPY", so S3 would ignore it and copy the source's value; ` +
        `set metadataDirective to "MERGE" (keep the source's other metadata) or "REPLACE" (send only what you declare)`,
    );
  }
};

export const taggingDirectiveConflicts: CrossRule = (c) => {
  if (c.valid("taggingDirective") === "COPY" && nonEmptyMap(c.valid("tags"))) {
    c.fail(
      "tags",
      `are set but taggingDirective is "COPY", so S3 would ignore them; set taggingDirective to "REPLACE"`,
    );
  }
};

const isKms = (sse: unknown) => sse === "aws:kms" || sse === "aws:kms:dsse";

/** SSE-S3, SSE-KMS and SSE-C exclude each other; the algorithm is inferred where only one fits. */
export const encryption: CrossRule = (c) => {
  let sse = c.valid("serverSideEncryption");
  const kmsKeyId = c.valid("kmsKeyId");
  // Inferring the algorithm from the key saves users a redundant line.
  if (!c.declared("serverSideEncryption") && kmsKeyId !== undefined) {
    sse = "aws:kms";
    c.inputs.serverSideEncryption = sse;
  }
  if (kmsKeyId !== undefined && sse === "AES256") {
    c.fail(
      "kmsKeyId",
      `is set but serverSideEncryption is "AES256" (S3-managed keys); remove kmsKeyId or use "aws:kms"`,
    );
  }
  const maybeKms = c.unknown("serverSideEncryption") || c.unknown("kmsKeyId");
  if (c.valid("kmsEncryptionContext") !== undefined && !isKms(sse) && !maybeKms) {
    c.fail("kmsEncryptionContext", `only applies with serverSideEncryption "aws:kms" or "aws:kms:dsse"`);
  }

  for (const [keyProp, algProp] of [
    ["customerKey", "customerAlgorithm"],
    ["sourceCustomerKey", "sourceCustomerAlgorithm"],
  ] as const) {
    const keyGiven = c.declared(keyProp) && !c.unknown(keyProp) && typeof c.news[keyProp] === "string";
    if (keyGiven) {
      // AES256 is the only SSE-C algorithm there is, so a key fills it in.
      if (!c.declared(algProp) || c.unknown(algProp)) c.inputs[algProp] = "AES256";
    } else if (!c.declared(keyProp) && c.valid(algProp) !== undefined) {
      c.fail(
        SECRET_FAILURE_PATH,
        `${keyProp} is required when ${algProp} is set; set ${keyProp} or remove ${algProp}`,
      );
    }
  }

  // Reported on a property whose value is no secret: the engine prints the value of the property.
  if (c.declared("customerKey") && !c.unknown("customerKey") && sse !== undefined) {
    c.fail(
      c.declared("serverSideEncryption") ? "serverSideEncryption" : "kmsKeyId",
      `serverSideEncryption ${show(sse)} cannot be combined with customerKey: SSE-C is chosen by customerKey alone, ` +
        `so remove serverSideEncryption${kmsKeyId !== undefined ? " and kmsKeyId" : ""}`,
    );
  }
};

export const objectLockPair: CrossRule = (c) => {
  const mode = c.valid("objectLockMode");
  const untilKnown = c.declared("objectLockRetainUntilDate") && !c.unknown("objectLockRetainUntilDate");
  if (
    (mode !== undefined && !c.declared("objectLockRetainUntilDate")) ||
    (untilKnown && !c.declared("objectLockMode"))
  ) {
    c.fail(
      mode !== undefined ? "objectLockRetainUntilDate" : "objectLockMode",
      `objectLockMode and objectLockRetainUntilDate must be set together`,
    );
  }
};

const LINE_OVERHEAD = 4; // ": " and CRLF around each header

/**
 * S3 refuses a request whose headers pass 8 KB (HTTP 431 or 400 at up). Sums what this resource
 * declares (each header with a `header` in the table, user metadata, the Tagging header and the
 * copy source) and reports it on the largest contributor.
 */
export const headerBudget: CrossRule = (c) => {
  const sizes: [string, number][] = [];
  for (const [p, spec] of Object.entries(c.table)) {
    const v = c.valid(p);
    if (!spec.header || typeof v !== "string") continue;
    let value = v;
    if (p === "source") {
      try {
        value = copySourceHeader(parseSource(v));
      } catch {
        continue;
      }
    }
    sizes.push([p, Buffer.byteLength(spec.header) + Buffer.byteLength(value) + LINE_OVERHEAD]);
  }
  const metadata = c.valid("metadata") as Record<string, string> | undefined;
  if (metadata) {
    let bytes = 0;
    for (const [k, v] of Object.entries(metadata)) {
      bytes += Buffer.byteLength(`x-amz-meta-${k}`) + Buffer.byteLength(v) + LINE_OVERHEAD;
    }
    sizes.push(["metadata", bytes]);
  }
  const tags = c.valid("tags") as Record<string, string> | undefined;
  if (tags && c.valid("taggingDirective") === "REPLACE") {
    sizes.push(["tags", Buffer.byteLength(`x-amz-tagging${encodeTagging(tags)}`) + LINE_OVERHEAD]);
  }
  const total = sizes.reduce((n, [, b]) => n + b, 0);
  if (total <= MAX_DECLARED_HEADER_BYTES) return;
  const [largest] = [...sizes].sort((a, b) => b[1] - a[1])[0];
  const parts = sizes
    .filter(([, b]) => b > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([p, b]) => `${p} ${b}`)
    .join(", ");
  c.fail(
    largest,
    `the headers this copy declares take ${total} bytes (${parts}); S3 limits a request's headers to 8 KB, ` +
      `which leaves ${MAX_DECLARED_HEADER_BYTES} bytes beside the SDK's own; shorten ${largest} or the others`,
  );
};

/** Copying an object onto itself is only allowed when something about it changes. */
export const inPlaceNoop: CrossRule = (c) => {
  const source = c.valid("source");
  const bucket = c.valid("bucket");
  const key = c.valid("key");
  if (typeof source !== "string" || typeof bucket !== "string" || typeof key !== "string") return;
  const parsed = parseSource(source);
  if (parsed.versionId || !isSameObject(parsed, bucket, key)) return;
  // A value still unknown (preview) may well be the change; only known-empty inputs are rejected.
  const directive = c.valid("metadataDirective");
  const changes =
    directive === "REPLACE" ||
    directive === "MERGE" ||
    c.unknown("metadataDirective") ||
    ["storageClass", "serverSideEncryption", "kmsKeyId", "customerKey", "websiteRedirect"].some((p) =>
      c.declared(p),
    );
  if (!changes) {
    c.fail(
      "source",
      `${show(source)} is the destination itself and nothing would change, which S3 rejects; ` +
        `set metadataDirective "MERGE" or "REPLACE" (with metadata or content headers), storageClass, ` +
        `serverSideEncryption/kmsKeyId, customerKey or websiteRedirect`,
    );
  }
};

/**
 * Adopting the source itself would record the user's original as this resource's to delete. Each
 * resource says what "in place" means for it (one object, or a prefix onto itself).
 */
export const adoptInPlaceWhen =
  (inPlace: (c: CrossContext) => boolean): CrossRule =>
  (c) => {
    if (c.valid("adopt") !== true || !inPlace(c)) return;
    c.fail(
      "adopt",
      `cannot be true for an in-place copy: the destination is the source itself, so there is nothing to adopt ` +
        `and destroy would delete the original; remove adopt`,
    );
  };

export const adoptInPlace: CrossRule = adoptInPlaceWhen((c) => {
  const source = c.valid("source");
  const bucket = c.valid("bucket");
  const key = c.valid("key");
  if (typeof source !== "string" || typeof bucket !== "string" || typeof key !== "string") return false;
  return isSameObject(parseSource(source), bucket, key);
});

/** Cross rules of any resource that writes objects. */
export const PER_OBJECT_CROSS_RULES: readonly CrossRule[] = [
  copyDirectiveConflicts,
  taggingDirectiveConflicts,
  encryption,
  objectLockPair,
];

export const OBJECT_COPY_CROSS_RULES: readonly CrossRule[] = [
  ...PER_OBJECT_CROSS_RULES,
  headerBudget,
  inPlaceNoop,
  adoptInPlace,
];

export type { CrossContext };
