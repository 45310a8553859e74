// `adopt`, the one comparison both resources use: does a destination object already hold what a
// copy of this source, with these settings, would write? Everything is read from a HEAD of each
// side; whatever a HEAD cannot show (tags to replace, ACLs, object lock) means "copy".
import { HeadObjectCommand, type HeadObjectCommandOutput } from "@aws-sdk/client-s3";

import { awsErrorCode, isNotFound } from "../errors";
import type { ObjectSettings } from "../set/types";
import type { ParsedSource } from "./address";
import type { Resolved } from "./context";
import { customerKeyFields, isKms } from "./encryption";
import { resolveHeaders } from "./metadata";
import { checkPreconditions } from "./preconditions";

/** The checksum fields a HEAD with ChecksumMode ENABLED may carry, by algorithm. */
export const CHECKSUM_FIELDS = {
  CRC32: "ChecksumCRC32",
  CRC32C: "ChecksumCRC32C",
  CRC64NVME: "ChecksumCRC64NVME",
  SHA1: "ChecksumSHA1",
  SHA256: "ChecksumSHA256",
} as const satisfies Record<string, keyof HeadObjectCommandOutput>;

/** What an adopting HEAD must be asked for, so that checksums come back. */
export const ADOPT_HEAD_FIELDS = { ChecksumMode: "ENABLED" } as const;

/** The parts of a HEAD (or a listing entry) that say something about the bytes. */
export interface ObjectBytes {
  etag?: string;
  size?: number;
  sse?: string;
}

/**
 * Whether two ETags say anything about the bytes: a multipart ETag depends on the part sizes, and
 * SSE-KMS and SSE-C ETags are not the MD5 of the content, so unequal ETags would prove nothing.
 */
export function comparableEtags(settings: ObjectSettings, source: ObjectBytes, dest: ObjectBytes): boolean {
  if (!source.etag || !dest.etag) return false;
  if (source.etag.includes("-") || dest.etag.includes("-")) return false;
  if (settings.customerKey || settings.sourceCustomerKey) return false;
  return (
    !isKms(settings.serverSideEncryption) && !settings.kmsKeyId && !isKms(source.sse) && !isKms(dest.sse)
  );
}

/**
 * Whether a listing alone rules an object out (sizes differ, or comparable ETags differ), so that
 * no HEAD is spent on it. Unknown is not "ruled out": the HEADs and their checksums decide.
 */
export function listingRulesOut(settings: ObjectSettings, source: ObjectBytes, dest: ObjectBytes): boolean {
  if (source.size !== dest.size) return true;
  return comparableEtags(settings, source, dest) && source.etag !== dest.etag;
}

/**
 * The checksum both sides carry under the same algorithm, compared; undefined when they share
 * none. A composite (multipart) checksum depends on the part sizes as its ETag does, so unequal
 * composite values prove nothing, but equal ones still mean equal bytes.
 */
function sameChecksum(source: HeadObjectCommandOutput, dest: HeadObjectCommandOutput): boolean | undefined {
  let verdict: boolean | undefined;
  for (const field of Object.values(CHECKSUM_FIELDS)) {
    const a = source[field];
    const b = dest[field];
    if (!a || !b) continue;
    if (a === b) return true;
    if (!a.includes("-") && !b.includes("-")) verdict = false;
  }
  return verdict;
}

function sameBytes(settings: ObjectSettings, source: HeadObjectCommandOutput, dest: HeadObjectCommandOutput) {
  if (source.ContentLength !== dest.ContentLength) return false;
  const bytes = (h: HeadObjectCommandOutput): ObjectBytes => ({ etag: h.ETag, sse: h.ServerSideEncryption });
  if (comparableEtags(settings, bytes(source), bytes(dest)) && source.ETag === dest.ETag) return true;
  return sameChecksum(source, dest) === true;
}

function headersDiffer(
  settings: ObjectSettings,
  source: HeadObjectCommandOutput,
  dest: HeadObjectCommandOutput,
): string | undefined {
  const want = resolveHeaders(settings, source);
  const have = resolveHeaders({ metadataDirective: "COPY" }, dest);
  const sorted = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort());
  if (sorted(want.Metadata) !== sorted(have.Metadata)) return "user metadata differs";
  const fields = [
    "ContentType",
    "CacheControl",
    "ContentDisposition",
    "ContentEncoding",
    "ContentLanguage",
  ] as const;
  for (const f of fields) if (want[f] !== have[f]) return `${f} differs`;
  if (want.Expires?.getTime() !== have.Expires?.getTime()) return "Expires differs";
  // S3 never copies a redirect; only MERGE resends the source's, beside a declared one.
  const redirect =
    settings.websiteRedirect ??
    (settings.metadataDirective === "MERGE" ? source.WebsiteRedirectLocation : undefined);
  if ((redirect ?? undefined) !== (dest.WebsiteRedirectLocation ?? undefined)) {
    return "the website redirect differs";
  }
  return undefined;
}

/** Tags to replace, ACLs and object lock are not visible in a HEAD: declaring them means copying. */
export function headShowsAllDeclared(settings: ObjectSettings): boolean {
  return (
    settings.taggingDirective !== "REPLACE" &&
    !settings.acl &&
    !settings.objectLockMode &&
    settings.objectLockLegalHoldStatus !== "ON"
  );
}

function encryptionDiffers(
  settings: ObjectSettings,
  dest: HeadObjectCommandOutput,
  keys: AdoptKeys,
): string | undefined {
  if (settings.serverSideEncryption && settings.serverSideEncryption !== dest.ServerSideEncryption) {
    return `encryption is ${dest.ServerSideEncryption ?? "none"}, not ${settings.serverSideEncryption}`;
  }
  const kmsKey = keys.kmsKeyArn ?? settings.kmsKeyId;
  if (kmsKey && kmsKey !== dest.SSEKMSKeyId) return "the KMS key differs";
  if (keys.customerKeyMd5 && keys.customerKeyMd5 !== dest.SSECustomerKeyMD5) {
    return "the customer key differs";
  }
  if (settings.storageClass && settings.storageClass !== (dest.StorageClass ?? "STANDARD")) {
    return `storage class is ${dest.StorageClass ?? "STANDARD"}, not ${settings.storageClass}`;
  }
  const alg = settings.checksumAlgorithm;
  if (alg && !dest[CHECKSUM_FIELDS[alg]]) return `it carries no ${alg} checksum`;
  return undefined;
}

/** What the settings resolve to that a HEAD reports back: the KMS key's ARN, the SSE-C key's MD5. */
export interface AdoptKeys {
  kmsKeyArn?: string;
  customerKeyMd5?: string;
}

/**
 * Why the destination does not hold what the copy would write, or undefined when it does (and may
 * be adopted). Bytes count as equal by ETag where ETags are comparable, else by a checksum both
 * sides carry under the same algorithm; without either, the answer is "copy".
 */
export function adoptMismatch(
  settings: ObjectSettings,
  source: HeadObjectCommandOutput,
  dest: HeadObjectCommandOutput,
  keys: AdoptKeys = {},
): string | undefined {
  if (!headShowsAllDeclared(settings))
    return "tags, ACL or object lock are declared, which a HEAD cannot show";
  if (!sameBytes(settings, source, dest)) {
    return "its bytes differ, or cannot be compared (no comparable ETag and no shared checksum)";
  }
  return headersDiffer(settings, source, dest) ?? encryptionDiffers(settings, dest, keys);
}

/** The two HEADs an adoption rests on, and what the settings resolved to. */
export interface Adoptable {
  source: HeadObjectCommandOutput;
  dest: HeadObjectCommandOutput;
  keys: AdoptKeys;
}

/**
 * ObjectCopy's adoption: HEADs the source and the destination side by side and returns them when
 * the destination may be recorded as the copy; undefined means copy. Any doubt (a failed HEAD, a
 * precondition that does not hold, a KMS key that does not resolve) means copy, which then reports
 * a real problem with its own error. The reason is printed, never a key: SDK errors are shown by
 * their code only.
 */
export async function findAdoptable(
  resolved: Resolved,
  target: { src: ParsedSource; bucket: string; key: string },
): Promise<Adoptable | undefined> {
  const s = resolved.settings;
  const where = `s3://${target.bucket}/${target.key}`;
  const copying = (why: string) => {
    console.log(`adopt: copying over ${where}: ${why}`);
    return undefined;
  };
  if (!headShowsAllDeclared(s))
    return copying("tags, ACL or object lock are declared, which a HEAD cannot show");
  let source: HeadObjectCommandOutput;
  let dest: HeadObjectCommandOutput;
  let keys: AdoptKeys;
  try {
    const { dest: client } = await resolved.destination;
    [source, dest] = await Promise.all([
      resolved.source.send(
        new HeadObjectCommand({
          Bucket: target.src.bucket,
          Key: target.src.key,
          VersionId: target.src.versionId,
          ExpectedBucketOwner: s.expectedSourceBucketOwner,
          RequestPayer: s.requestPayer,
          ...customerKeyFields(resolved.sourceKey),
          ...ADOPT_HEAD_FIELDS,
        }),
      ),
      client.send(
        new HeadObjectCommand({
          Bucket: target.bucket,
          Key: target.key,
          ExpectedBucketOwner: s.expectedBucketOwner,
          RequestPayer: s.requestPayer,
          ...customerKeyFields(resolved.destKey),
          ...ADOPT_HEAD_FIELDS,
        }),
      ),
    ]);
    checkPreconditions(s, source, `s3://${target.src.bucket}/${target.src.key}`);
    keys = { kmsKeyArn: await resolved.kmsKeyArn(), customerKeyMd5: resolved.destKey?.md5 };
  } catch (err) {
    if (isNotFound(err)) {
      console.log(`adopt: nothing to adopt at ${where} (or its source is missing); copying`);
      return undefined;
    }
    return copying(`it could not be compared (${awsErrorCode(err) ?? "error"})`);
  }
  const mismatch = adoptMismatch(s, source, dest, keys);
  if (mismatch) return copying(mismatch);
  return { source, dest, keys };
}
