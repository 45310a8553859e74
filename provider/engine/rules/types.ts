import type { CheckFailure } from "../types";

export type Raw = Record<string, unknown>;

/** Returned by a rule whose value failed; the failure has been reported through the context. */
export const INVALID: unique symbol = Symbol("invalid");
export type Invalid = typeof INVALID;

/** What a rule may use besides the value: where to report, and the clock and old inputs. */
export interface RuleContext {
  /** The property path being checked, such as "metadata" or "restoreArchivedSource.days". */
  readonly property: string;
  readonly now: Date;
  /** The previous inputs (empty on create). */
  readonly olds: Raw;
  /** Reports a problem at `property`, or at another path when given ("" = the whole resource). */
  fail(reason: string, property?: string): Invalid;
  /** The same context one level down, for a map entry or an object field. */
  at(property: string): RuleContext;
}

/**
 * Checks one value and returns it normalized (trimmed, lowercased keys, ...) or INVALID. It is
 * called only with a value that is present and known: absent (undefined or null) and not yet known
 * (preview) values are handled once, by the runner.
 */
export type Rule<T = unknown> = (value: unknown, ctx: RuleContext) => T | Invalid;

export interface PropertySpec {
  rule: Rule;
  required?: boolean;
  /** Written into the inputs when the property is absent, so that outputs show S3's default. */
  default?: string;
  /**
   * A secret (an SSE-C key). The engine prints a failing property's input value, so no failure
   * may name it; the runner enforces that whatever a rule does.
   */
  secret?: boolean;
  /** The HTTP header the value travels in, for the request-size budget. */
  header?: string;
}

/** The inputs one resource accepts: property name -> how to check it. */
export type PropertyTable = Readonly<Record<string, PropertySpec>>;

/** What a cross-property rule sees once every property has been checked on its own. */
export interface CrossContext {
  readonly news: Raw;
  /** The normalized inputs so far; a cross rule may add inferred values. */
  readonly inputs: Raw;
  readonly table: PropertyTable;
  readonly now: Date;
  readonly olds: Raw;
  /** The checked value when present, known and valid; otherwise undefined. */
  valid(property: string): unknown;
  /** Present: given and not null, known or not. */
  declared(property: string): boolean;
  /** Given but not known yet (preview). */
  unknown(property: string): boolean;
  fail(property: string, reason: string): void;
}

export type CrossRule = (c: CrossContext) => void;

export interface ResourceRules {
  /** The resource's type name, used in messages ("is not an input of ObjectCopy"). */
  resource: string;
  properties: PropertyTable;
  cross: readonly CrossRule[];
  /** Names the engine or the resource class may send that are not inputs; passed through untouched. */
  passThrough: readonly string[];
  /**
   * Outputs the resource sets, which are not also inputs. The class declares them as undefined
   * inputs, which never arrive; a value given for one is refused (it would be stored as if
   * observed, and an output such as `drift` drives the next diff).
   */
  outputs?: readonly string[];
}

export type { CheckFailure };
