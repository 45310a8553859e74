/** The content headers an input can set on the written object (S3's REPLACE takes them all). */
export const CONTENT_HEADERS = [
  "contentType",
  "cacheControl",
  "contentDisposition",
  "contentEncoding",
  "contentLanguage",
  "expires",
] as const;

/**
 * The inputs that become the written object's metadata and content headers. A change to any of
 * them means the object must be written again: ObjectCopy's diff re-copies for them and a set's
 * settings digest includes them. One list, so a header added to one resource reaches the other.
 */
export const HEADER_SETTINGS = [
  "metadataDirective",
  "metadata",
  ...CONTENT_HEADERS,
  "websiteRedirect",
] as const;
