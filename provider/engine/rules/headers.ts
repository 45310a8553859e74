// Values that travel as HTTP headers: what HTTP and S3 accept, checked at preview instead of failing
// at up with "Invalid character in header content" or HTTP 431, which name the header, not the input.
import { MAX_METADATA_BYTES } from "../constants";
import { MAX_HEADER_VALUE_BYTES } from "./limits";
import { isUnknown, stringMap } from "./primitives";
import { show } from "./show";
import { INVALID, type Invalid, type Rule, type RuleContext } from "./types";

// Printable ASCII and tab: what S3 stores and returns unchanged. Node's HTTP client refuses control
// characters outright, and S3 drops metadata it cannot print (x-amz-missing-meta).
const HEADER_CHARS = /^[\x20-\x7e\t]*$/;
const BAD_HEADER_CHAR = /[^\x20-\x7e\t]/u;
// HTTP's optional whitespace around a field value, which every hop may strip.
const EDGE_WHITESPACE = /^[ \t]+|[ \t]+$/g;
// HTTP header token characters: anything else cannot travel as an x-amz-meta-* header name.
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

export interface HeaderOptions {
  /** What leaving the header out means (for the empty-value message). */
  whenOmitted: string;
  /** How to write characters a header cannot carry. */
  encoding: string;
  maxBytes?: number;
}

/**
 * A header value: trimmed of the surrounding whitespace HTTP would strip anyway (so the state holds
 * what S3 stores), not empty once trimmed, printable ASCII only, and within a size S3 accepts.
 */
export function headerValue({
  whenOmitted,
  encoding,
  maxBytes = MAX_HEADER_VALUE_BYTES,
}: HeaderOptions): Rule<string> {
  return (value, ctx) => {
    if (typeof value !== "string") return ctx.fail(`must be a string, got ${show(value)}`);
    const trimmed = value.replace(EDGE_WHITESPACE, "");
    if (value === "") return ctx.fail(`is an empty string; omit it to ${whenOmitted}`);
    if (trimmed === "") {
      return ctx.fail(
        `${show(value)} is only whitespace, which HTTP drops, so S3 would store no value; omit it to ${whenOmitted}`,
      );
    }
    if (!HEADER_CHARS.test(trimmed)) {
      const bad = BAD_HEADER_CHAR.exec(trimmed)!;
      const where = [...trimmed.slice(0, bad.index)].length + 1;
      return ctx.fail(
        `${show(value)} contains ${codePoint(bad[0])} at character ${where}; HTTP headers carry only printable ASCII and tab, ${encoding}`,
      );
    }
    const bytes = Buffer.byteLength(trimmed, "utf8");
    if (bytes > maxBytes) {
      return ctx.fail(
        `${show(value)} is ${bytes} bytes; S3 accepts at most ${maxBytes} bytes in this header`,
      );
    }
    return trimmed;
  };
}

const METADATA_VALUE = headerValue({
  whenOmitted: "leave the key out",
  encoding: "so encode other characters (for example with encodeURIComponent, and decode when reading)",
});

/** S3 stores metadata keys lowercased and without the x-amz-meta- prefix a user may have written. */
function metadataKey(
  rawKey: string,
  ctx: RuleContext,
  taken: Readonly<Record<string, string>>,
): string | Invalid {
  const key = rawKey.toLowerCase().replace(/^x-amz-meta-/, "");
  if (!HEADER_TOKEN.test(key)) {
    return ctx.fail(`key ${show(rawKey)} is not a valid header name; use ASCII letters, digits and -_.`);
  }
  if (Object.hasOwn(taken, key)) {
    return ctx.fail(
      `key ${show(rawKey)} collides with another key once lowercased (S3 lowercases metadata keys)`,
    );
  }
  return key;
}

/**
 * User metadata: keys as S3 stores them, values as headerValue, and at most MAX_METADATA_BYTES of
 * keys and values together.
 */
export function metadataMap(): Rule<Record<string, string>> {
  const entries = stringMap({ key: metadataKey, value: METADATA_VALUE });
  return (value, ctx) => {
    const map = entries(value, ctx);
    if (map === INVALID) return INVALID;
    let bytes = 0;
    for (const [k, v] of Object.entries(map)) {
      bytes += Buffer.byteLength(k, "utf8") + (isUnknown(v) ? 0 : Buffer.byteLength(v, "utf8"));
    }
    if (bytes > MAX_METADATA_BYTES) {
      return ctx.fail(
        `keys and values take ${bytes} bytes; S3 allows at most ${MAX_METADATA_BYTES} bytes of user metadata`,
      );
    }
    return map;
  };
}
