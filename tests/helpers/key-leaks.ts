/**
 * Searches text (CLI output, exported state, error messages) for an SSE-C key in every form it
 * could be printed in. A truncated print counts too, so each text form is also searched by its
 * first PREFIX_CHARS characters.
 */
import { randomInt } from "node:crypto";

import { CUSTOMER_KEY_BYTES } from "../../provider/engine/object/encryption";

/** A key as a program may pass it: the documented string, or a value only `as any` lets through. */
export type KeyValue = string | number | Uint8Array;

/** Long enough that a chance match is out of the question, short enough to catch a truncated print. */
export const PREFIX_CHARS = 16;
/** Consecutive bytes whose decimal digits, run together, still identify a byte-array key. */
const DECIMAL_RUN_BYTES = 8;
/**
 * How many `index: byte` pairs of a byte-array key may appear before it counts as printed: a
 * quarter of a 32-byte key, far above what times like `10:48:05` match by chance.
 */
const MAX_INDEX_PAIRS = 8;
/** Leading digits of a numeric key; a float print (`9.87654321e+14`) keeps them in order. */
const NUMBER_DIGITS = 10;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

function textForms(bytes: Buffer): Record<string, string> {
  const whole: Record<string, string> = {
    raw: bytes.toString("utf8"),
    base64: bytes.toString("base64"),
    base64url: bytes.toString("base64url"),
    hex: bytes.toString("hex"),
  };
  const forms: Record<string, string> = {};
  for (const [name, text] of Object.entries(whole)) {
    forms[name] = text;
    if (text.length > PREFIX_CHARS) forms[`${name} prefix`] = text.slice(0, PREFIX_CHARS);
  }
  return forms;
}

/**
 * The names of the forms of `key` that occur in `text` (empty when the key is not there). Byte
 * arrays are also searched as decimal bytes (`48,49,…`, however separated) and as `index: byte`
 * pairs, the shape the Pulumi SDK sends a Buffer in and the engine or JSON.stringify print it.
 */
export function keyLeaks(text: string, key: KeyValue): string[] {
  const plain = text.replace(ANSI, "");
  const digits = plain.replace(/[^0-9]/g, "");
  const found: string[] = [];
  if (typeof key === "number") {
    const lead = String(key)
      .replace(/[^0-9]/g, "")
      .slice(0, NUMBER_DIGITS);
    if (digits.includes(lead)) found.push("number digits");
    return found;
  }
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : Buffer.from(key);
  for (const [name, form] of Object.entries(textForms(bytes))) {
    if (plain.includes(form)) found.push(name);
  }
  if (typeof key !== "string") {
    const run = [...bytes.subarray(0, DECIMAL_RUN_BYTES)].join("");
    if (digits.includes(run)) found.push("decimal bytes");
    let pairs = 0;
    bytes.forEach((b, i) => {
      if (new RegExp(`(?<![0-9])${i}[\\\\'"]*\\s*[:=]\\s*\\{?${b}(?![0-9])`).test(plain)) pairs += 1;
    });
    if (pairs > MAX_INDEX_PAIRS) found.push(`${pairs} index:byte pairs`);
  }
  return found;
}

/** A random 32-character key of letters and digits: valid as a raw SSE-C key, printable in any form. */
export function randomKey(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let key = "";
  for (let i = 0; i < CUSTOMER_KEY_BYTES; i++) key += alphabet[randomInt(alphabet.length)];
  return key;
}

/** A random 15-digit integer: a key passed as a number, still exact as a double. */
export function randomNumberKey(): number {
  // randomInt spans at most 2^48, so the leading digit is drawn on its own.
  return randomInt(1, 10) * 1e14 + randomInt(0, 1e14);
}
