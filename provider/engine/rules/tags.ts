// Object tags: S3's own rules, which it otherwise reports only at up.
import { MAX_TAG_KEY_CHARS, MAX_TAG_VALUE_CHARS, MAX_TAGS } from "../constants";
import { stringMap } from "./primitives";
import { show } from "./show";
import { INVALID, type Invalid, type Rule, type RuleContext } from "./types";

// "Letters, numbers, and spaces representable in UTF-8, and the following characters: + - = . _ : / @"
// (S3 User Guide, "Categorizing your objects using tags"; the pattern AWS's tagging APIs publish
// is ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$).
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const BAD_TAG_CHAR = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/u;
// Tag keys starting with aws: are reserved for AWS's own tags.
const RESERVED_PREFIX = /^aws:/i;

const chars = (s: string) => [...s].length;

function badChar(s: string): string {
  const c = BAD_TAG_CHAR.exec(s)![0];
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

const ALLOWED = "letters, digits, spaces and + - = . _ : / @";

function tagKey(key: string, ctx: RuleContext): string | Invalid {
  const n = chars(key);
  if (n === 0 || n > MAX_TAG_KEY_CHARS) return ctx.fail(`tag keys must be 1-${MAX_TAG_KEY_CHARS} characters`);
  if (RESERVED_PREFIX.test(key)) {
    return ctx.fail(
      `tag key ${show(key)} starts with "aws:", which is reserved for AWS; choose another prefix`,
    );
  }
  if (!TAG_CHARS.test(key)) {
    return ctx.fail(`tag key ${show(key)} contains ${badChar(key)}; S3 tag keys allow only ${ALLOWED}`);
  }
  return key;
}

const tagValue: Rule<string> = (value, ctx) => {
  const v = value as string;
  if (chars(v) > MAX_TAG_VALUE_CHARS)
    return ctx.fail(`tag values must be at most ${MAX_TAG_VALUE_CHARS} characters`);
  if (!TAG_CHARS.test(v)) {
    return ctx.fail(`tag value ${show(v)} contains ${badChar(v)}; S3 tag values allow only ${ALLOWED}`);
  }
  return v;
};

export function tagMap(): Rule<Record<string, string>> {
  const entries = stringMap({ key: tagKey, value: tagValue });
  return (value, ctx) => {
    const map = entries(value, ctx);
    if (map === INVALID) return INVALID;
    const n = Object.keys(map).length;
    if (n > MAX_TAGS) return ctx.fail(`has ${n} tags; S3 allows at most ${MAX_TAGS} per object`);
    return map;
  };
}
