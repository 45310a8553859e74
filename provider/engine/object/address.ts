import { ObjectCopyError } from "../errors";

/** A copy source after parsing: where to read it from and how to name it in x-amz-copy-source. */
export interface ParsedSource {
  /** Bucket name, or the access point ARN when the source was given as one. */
  bucket: string;
  key: string;
  versionId?: string;
  /** Present when the source is an access-point object ARN. */
  accessPoint?: { partition: string; region: string; account: string; name: string };
}

const VERSION_SUFFIX = "?versionId=";
const ACCESS_POINT_ARN =
  /^arn:(aws[a-z-]*):s3:([a-z0-9-]+):(\d{12}):accesspoint\/([a-z0-9-]{3,50})\/object\/(.+)$/s;

/**
 * Accepts `bucket/key`, `s3://bucket/key` and access-point object ARNs, each optionally ending in
 * `?versionId=V`. Keys are taken literally (not URL-encoded): every character after the first `/`
 * up to a trailing `?versionId=` belongs to the key, so keys holding `?`, `#`, `%` or `//` survive.
 */
export function parseSource(source: string): ParsedSource {
  if (typeof source !== "string" || source.length === 0) {
    throw new ObjectCopyError(
      "INVALID_SOURCE",
      `source must be a non-empty string, got ${JSON.stringify(source)}`,
    );
  }
  let rest = source;
  let versionId: string | undefined;
  const v = rest.lastIndexOf(VERSION_SUFFIX);
  if (v >= 0) {
    versionId = rest.slice(v + VERSION_SUFFIX.length);
    rest = rest.slice(0, v);
    if (!versionId || /[/\s]/.test(versionId)) {
      throw new ObjectCopyError(
        "INVALID_SOURCE",
        `source ${JSON.stringify(source)} has an empty or malformed versionId; write "bucket/key?versionId=<id>"`,
      );
    }
  }

  const arn = ACCESS_POINT_ARN.exec(rest);
  if (arn) {
    const [, partition, region, account, name, key] = arn;
    return {
      bucket: `arn:${partition}:s3:${region}:${account}:accesspoint/${name}`,
      key,
      versionId,
      accessPoint: { partition, region, account, name },
    };
  }
  if (rest.startsWith("arn:")) {
    throw new ObjectCopyError(
      "INVALID_SOURCE",
      `source ${JSON.stringify(source)} is an ARN but not an access-point object ARN ` +
        `(arn:aws:s3:<region>:<account>:accesspoint/<name>/object/<key>)`,
    );
  }
  if (rest.startsWith("s3://")) rest = rest.slice("s3://".length);
  const slash = rest.indexOf("/");
  if (slash <= 0 || slash === rest.length - 1) {
    throw new ObjectCopyError(
      "INVALID_SOURCE",
      `source ${JSON.stringify(source)} must name a bucket and a key: "bucket/key", "s3://bucket/key", ` +
        `an access-point object ARN, optionally with "?versionId=<id>"`,
    );
  }
  return { bucket: rest.slice(0, slash), key: rest.slice(slash + 1), versionId };
}

/** Percent-encodes each `/`-separated segment, leaving the separators, as x-amz-copy-source expects. */
export function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/** The value of x-amz-copy-source. The versionId is appended unencoded, as S3 requires. */
export function copySourceHeader(src: ParsedSource, versionId = src.versionId): string {
  const base = src.accessPoint
    ? `${src.bucket}/object/${encodeKey(src.key)}`
    : `${src.bucket}/${encodeKey(src.key)}`;
  return versionId ? `${base}?versionId=${versionId}` : base;
}

/** True when the source names the destination object itself. */
export function isSameObject(src: ParsedSource, bucket: string, key: string): boolean {
  return !src.accessPoint && src.bucket === bucket && src.key === key;
}
