// Runs a resource's rules over the inputs the engine sent: each property's rule, then the cross
// rules, then a last pass that keeps secrets out of every failure.
import { isAbsent, isKnown, isUnknown } from "./primitives";
import { namesSecret, SECRET_FAILURE_PATH } from "./secrets";
import { unknownPropertyReason } from "./unknown-properties";
import {
  INVALID,
  type CheckFailure,
  type CrossContext,
  type Raw,
  type ResourceRules,
  type RuleContext,
} from "./types";

/** The shortest secret value searched for in failure reasons. */
export const MIN_SCRUBBED_SECRET_CHARS = 8;

export interface RunOptions {
  now: Date;
  olds: Raw;
}

export interface RunResult {
  /** Normalized inputs: never a null (absent is absent), defaults written out. */
  inputs: Raw;
  failures: CheckFailure[];
}

function ruleContext(property: string, failures: CheckFailure[], opts: RunOptions): RuleContext {
  return {
    property,
    now: opts.now,
    olds: opts.olds,
    fail(reason, at = property) {
      failures.push({ property: at, reason });
      return INVALID;
    },
    at: (p) => ruleContext(p, failures, opts),
  };
}

/**
 * No failure may name a secret input, whatever a rule did: the engine would print the secret next
 * to it. Such a failure moves to "" with the property named in its reason, and any secret value
 * that slipped into a reason is replaced.
 */
export function withoutSecrets(failures: CheckFailure[], secrets: readonly string[]): CheckFailure[] {
  // Shorter values are no usable key, and scrubbing them would garble ordinary words.
  const hidden = secrets.filter((s) => s.length >= MIN_SCRUBBED_SECRET_CHARS);
  return failures.map(({ property, reason }) => {
    let r = reason;
    for (const s of hidden) r = r.split(s).join("[secret]");
    return namesSecret(property)
      ? { property: SECRET_FAILURE_PATH, reason: `${property}: ${r}` }
      : { property, reason: r };
  });
}

export function runRules(rules: ResourceRules, news: Raw, opts: RunOptions): RunResult {
  const failures: CheckFailure[] = [];
  const inputs: Raw = {};
  const valid = new Map<string, unknown>();
  const { properties } = rules;

  for (const [name, value] of Object.entries(news)) {
    if (rules.passThrough.includes(name)) {
      if (!isAbsent(value)) inputs[name] = value;
    } else if (Object.hasOwn(properties, name) || isAbsent(value)) {
      continue;
    } else if (rules.outputs?.includes(name)) {
      // An unknown one (a computed value) is dropped, not refused: it is no user's typo.
      if (!isUnknown(value)) {
        failures.push({
          property: name,
          reason: `is an output of ${rules.resource}, which the resource sets itself; remove it from the inputs`,
        });
      }
    } else {
      failures.push({
        property: "",
        reason: unknownPropertyReason(name, rules.resource, Object.keys(properties)),
      });
    }
  }

  for (const [name, spec] of Object.entries(properties)) {
    const value = news[name];
    if (isAbsent(value) || (spec.required && value === "")) {
      if (spec.required) failures.push({ property: name, reason: "is required" });
      else if (spec.default !== undefined) {
        inputs[name] = spec.default;
        valid.set(name, spec.default);
      }
      continue;
    }
    if (isUnknown(value)) {
      inputs[name] = value;
      continue;
    }
    const checked = spec.rule(value, ruleContext(name, failures, opts));
    if (checked === INVALID) {
      // Kept as given: the failure stops the deployment, and later rules must not see a default.
      inputs[name] = value;
    } else {
      inputs[name] = checked;
      valid.set(name, checked);
    }
  }

  const cross: CrossContext = {
    news,
    inputs,
    table: properties,
    now: opts.now,
    olds: opts.olds,
    valid: (p) => valid.get(p),
    declared: (p) => !isAbsent(news[p]),
    unknown: (p) => isUnknown(news[p]),
    fail: (property, reason) => failures.push({ property, reason }),
  };
  for (const rule of rules.cross) rule(cross);

  const secrets = Object.entries(properties)
    .filter(([name, spec]) => spec.secret && isKnown(news[name]) && typeof news[name] === "string")
    .map(([name]) => news[name] as string);
  return { inputs, failures: withoutSecrets(failures, secrets) };
}
