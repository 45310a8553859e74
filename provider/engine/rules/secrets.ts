// SSE-C keys. The Pulumi engine prints a failing property's input value next to the failure, in
// clear even when the program wrapped it in pulumi.secret(): its step generator looks up
// inputs[failure.Property] literally, and with an empty property prints only the reason. So every
// failure about a key is reported at "" (the whole resource) with the reason naming the input, and
// says nothing about the value but its type or length.
import { decodeCustomerKey } from "../sse";
import { typeName } from "./show";
import type { Rule } from "./types";

/** Inputs whose values are secrets: never a failure's property, never echoed. */
export const SECRET_PROPERTIES = ["customerKey", "sourceCustomerKey"] as const;

/** The path a failure about a secret is reported at: the engine shows no value for it. */
export const SECRET_FAILURE_PATH = "";

const NOT_SHOWN = "the value is not shown because it is a secret";

/** A 32-byte AES-256 key, raw or base64. */
export function customerKeyRule(name: string): Rule<string> {
  return (value, ctx) => {
    if (typeof value !== "string") {
      return ctx.fail(
        `${name} must be a string holding a 32-byte AES-256 key, raw or base64-encoded (got ${typeName(value)}; ${NOT_SHOWN})`,
        SECRET_FAILURE_PATH,
      );
    }
    if (!decodeCustomerKey(value)) {
      return ctx.fail(
        `${name} must be a 32-byte AES-256 key, raw or base64-encoded (got ${Buffer.byteLength(value, "utf8")} characters; ${NOT_SHOWN})`,
        SECRET_FAILURE_PATH,
      );
    }
    return value;
  };
}

const topLevel = (property: string) => property.split(/[.[]/, 1)[0];

/** Whether a failure at this path would make the engine print a secret input. */
export const namesSecret = (property: string): boolean =>
  (SECRET_PROPERTIES as readonly string[]).includes(topLevel(property));
