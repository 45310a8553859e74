// Rules for one value each, shared by every resource's property table.
import { UNKNOWN } from "../constants";
import { show } from "./show";
import { INVALID, type Invalid, type Rule, type RuleContext } from "./types";

export const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/** One rule for absent values everywhere: the engine sends null where a program wrote null. */
export const isAbsent = (v: unknown): v is null | undefined => v === undefined || v === null;

/** Present and known: what a rule may look at. */
export const isKnown = (v: unknown): boolean => !isAbsent(v) && !isUnknown(v);

/** Runs rules in turn on the value the previous one returned, stopping at the first failure. */
export function all<T>(...rules: Rule[]): Rule<T> {
  return (value, ctx) => {
    let v: unknown = value;
    for (const rule of rules) {
      v = rule(v, ctx);
      if (v === INVALID) return INVALID;
    }
    return v as T;
  };
}

export function oneOf<T extends string>(allowed: readonly T[]): Rule<T> {
  return (value, ctx) =>
    typeof value === "string" && (allowed as readonly string[]).includes(value)
      ? (value as T)
      : ctx.fail(`${show(value)} is not allowed; use one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
}

export interface StringOptions {
  /**
   * What leaving the property out means, for the message that rejects "" (an empty string is
   * never what S3 would store, and for kmsKeyId it silently meant the AWS-managed key). Required
   * properties have none: the runner reports their "" as missing before any rule runs.
   */
  whenOmitted?: string;
}

export function str({ whenOmitted }: StringOptions = {}): Rule<string> {
  return (value, ctx) => {
    if (typeof value !== "string") return ctx.fail(`must be a string, got ${show(value)}`);
    if (value === "")
      return ctx.fail(whenOmitted ? `is an empty string; omit it to ${whenOmitted}` : "is required");
    return value;
  };
}

/** A string rule that must also pass `test`, else fails with `${value} ${problem}`. */
export function matching(test: (s: string) => boolean, problem: string): Rule<string> {
  return (value, ctx) => (test(value as string) ? (value as string) : ctx.fail(`${show(value)} ${problem}`));
}

export function bool(): Rule<boolean> {
  return (value, ctx) =>
    typeof value === "boolean" ? value : ctx.fail(`must be a boolean (true or false), got ${show(value)}`);
}

/** A whole number in [min, max]; `fix` says what is allowed. */
export function int(min: number, max: number, fix: string): Rule<number> {
  return (value, ctx) =>
    typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
      ? value
      : ctx.fail(`${show(value)} is out of range: ${fix}`);
}

/** A string that Date.parse understands. */
export function date(fix: string): Rule<string> {
  return (value, ctx) =>
    Number.isNaN(Date.parse(value as string))
      ? ctx.fail(`${show(value)} is not a date; ${fix}`)
      : (value as string);
}

/**
 * Keys that cannot be a user's map key here. "__proto__" never reaches the provider: the dynamic
 * provider's protobuf Struct conversion (google-protobuf's Struct.fromJavaScript/toJavaScript and
 * jspb.Map store fields in plain objects) drops it in both directions, so the object and the state
 * would disagree for ever. Rejecting it says so at preview instead.
 */
const UNUSABLE_KEYS = new Set(["__proto__"]);

export interface MapOptions {
  /**
   * Normalizes one key (S3 lowercases metadata keys, for instance); `taken` holds the keys kept so
   * far, to report two keys that become one.
   */
  key?: (key: string, ctx: RuleContext, taken: Readonly<Record<string, string>>) => string | Invalid;
  /** Checks one entry's value (already known to be a string); returns it normalized. */
  value?: Rule<string>;
}

/**
 * A map of strings, returned as a null-prototype object, so that user keys such as "constructor"
 * or "toString" are plain keys and never collide with Object.prototype. Null entries are absent;
 * not-yet-known entries pass through. Every entry is checked, so all problems show at once.
 */
export function stringMap({ key: keyRule, value: valueRule }: MapOptions = {}): Rule<Record<string, string>> {
  return (value, ctx) => {
    if (typeof value !== "object" || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
      return ctx.fail(`must be a map of strings, got ${show(value)}`);
    }
    const out = Object.create(null) as Record<string, string>;
    let ok = true;
    for (const [rawKey, v] of Object.entries(value as Record<string, unknown>)) {
      const entry = ctx.at(`${ctx.property}.${rawKey}`);
      if (UNUSABLE_KEYS.has(rawKey)) {
        entry.fail(
          `key ${show(rawKey)} cannot be used: Pulumi's dynamic-provider protocol drops it on the way to the provider; rename the key`,
        );
        ok = false;
        continue;
      }
      if (isAbsent(v)) continue;
      const k = keyRule ? keyRule(rawKey, entry, out) : rawKey;
      let checked: unknown = v;
      if (isUnknown(v)) checked = v;
      else if (typeof v !== "string") checked = entry.fail(`must be a string, got ${show(v)}`);
      else if (valueRule) checked = valueRule(v, entry);
      if (k === INVALID || checked === INVALID) ok = false;
      else out[k] = checked as string;
    }
    return ok ? out : INVALID;
  };
}

/** An object with fixed fields, each with its own rule; other fields are reported. */
export function shape(
  fields: Readonly<Record<string, Rule>>,
  describe: string,
): Rule<Record<string, unknown>> {
  return (value, ctx) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return ctx.fail(`must be an object ${describe}, got ${show(value)}`);
    }
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const entry = ctx.at(`${ctx.property}.${k}`);
      if (!Object.hasOwn(fields, k)) {
        entry.fail(`is not a field of ${ctx.property}; use ${describe}`);
        ok = false;
        continue;
      }
      if (isAbsent(v)) continue;
      if (isUnknown(v)) {
        out[k] = v;
        continue;
      }
      const checked = fields[k](v, entry);
      if (checked === INVALID) ok = false;
      else out[k] = checked;
    }
    return ok ? out : INVALID;
  };
}

export type { Invalid, RuleContext };
