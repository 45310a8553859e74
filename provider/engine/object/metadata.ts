import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";

import type { ObjectSettings } from "../set/types";

/** The user-settable headers that REPLACE (and a multipart copy) must resend. */
export interface ObjectHeaders {
  Metadata: Record<string, string>;
  ContentType?: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentLanguage?: string;
  Expires?: Date;
}

type SourceHead = Pick<
  HeadObjectCommandOutput,
  | "Metadata"
  | "ContentType"
  | "CacheControl"
  | "ContentDisposition"
  | "ContentEncoding"
  | "ContentLanguage"
  | "Expires"
>;

/**
 * User metadata laid left to right into a null-prototype object: keys are the user's, so one named
 * "constructor" or "__proto__" must be an ordinary key, not Object.prototype's.
 */
function userMap(...maps: (Record<string, string> | undefined)[]): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const map of maps) {
    if (!map) continue;
    for (const [k, v] of Object.entries(map)) {
      if (v !== undefined && v !== null) out[k] = v;
    }
  }
  return out;
}

const fromInputs = (i: ObjectSettings): ObjectHeaders => ({
  Metadata: userMap(i.metadata),
  ContentType: i.contentType,
  CacheControl: i.cacheControl,
  ContentDisposition: i.contentDisposition,
  ContentEncoding: i.contentEncoding,
  ContentLanguage: i.contentLanguage,
  Expires: i.expires ? new Date(i.expires) : undefined,
});

const fromSource = (s: SourceHead): ObjectHeaders => ({
  Metadata: userMap(s.Metadata),
  ContentType: s.ContentType,
  CacheControl: s.CacheControl,
  ContentDisposition: s.ContentDisposition,
  ContentEncoding: s.ContentEncoding,
  ContentLanguage: s.ContentLanguage,
  Expires: s.Expires,
});

/**
 * The full set of headers the destination should end up with. COPY takes the source's, REPLACE
 * only what was declared, MERGE the declared ones laid over the source's, so that the rule "with
 * REPLACE you must resend every user-settable field" is kept for the user.
 */
export function resolveHeaders(inputs: ObjectSettings, source: SourceHead): ObjectHeaders {
  const directive = inputs.metadataDirective ?? "COPY";
  if (directive === "COPY") return fromSource(source);
  const declared = fromInputs(inputs);
  if (directive === "REPLACE") return declared;
  const base = fromSource(source);
  return {
    Metadata: userMap(base.Metadata, declared.Metadata),
    ContentType: declared.ContentType ?? base.ContentType,
    CacheControl: declared.CacheControl ?? base.CacheControl,
    ContentDisposition: declared.ContentDisposition ?? base.ContentDisposition,
    ContentEncoding: declared.ContentEncoding ?? base.ContentEncoding,
    ContentLanguage: declared.ContentLanguage ?? base.ContentLanguage,
    Expires: declared.Expires ?? base.Expires,
  };
}

/**
 * Tags as the `Tagging` request parameter wants them: a URL query string, percent-encoded
 * (`%20`, never `+`, for a space, so no server can read it as a literal plus).
 */
export function encodeTagging(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
}
