import { showValue } from "../errors";

/**
 * A value as a failure shows it: the engine's one rendering of a user's value (NaN and Infinity
 * named, long values cut with their length given), so check failures and runtime errors agree.
 * Never call it on a secret; use {@link typeName}.
 */
export const show = (value: unknown): string => showValue(value);

/** What kind of value it is, without any of its content: the only thing said about a secret. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (Buffer.isBuffer(value)) return "a Buffer";
  if (ArrayBuffer.isView(value)) return "a byte array";
  switch (typeof value) {
    case "object":
      return "an object";
    case "undefined":
      return "undefined";
    default:
      return `a ${typeof value}`;
  }
}
