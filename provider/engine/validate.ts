import { ObjectCopyError } from "./errors";
import { isUnknown, OBJECT_COPY_RULES, runRules } from "./rules";
import type { CheckFailure, CopyInputs } from "./types";

export { bucketNameProblem, isUnknown } from "./rules";

type Raw = Record<string, unknown>;

/** True when any value, however deeply nested, is still unknown (preview). */
export function containsUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/**
 * Validates and normalizes ObjectCopy's inputs with the rule table in ./rules. Every failure names
 * the property (or, for a secret, names it in the reason), shows the bad value capped (never a
 * secret) and says what is allowed. Values still unknown during preview are skipped, not failed;
 * null is absent, and the normalized inputs never hold it.
 */
export function check(
  news: Raw,
  now: Date = new Date(),
  olds: Raw = {},
): { inputs: CopyInputs; failures: CheckFailure[] } {
  const { inputs, failures } = runRules(OBJECT_COPY_RULES, news, { now, olds });
  return { inputs: inputs as unknown as CopyInputs, failures };
}

/** Throws the first failure: for engine entry points called without a preceding check. */
export function assertValid(news: Raw): CopyInputs {
  const { inputs, failures } = check(news);
  if (failures.length) {
    throw new ObjectCopyError(
      "INVALID_INPUT",
      failures.map((f) => (f.property ? `${f.property}: ${f.reason}` : f.reason)).join("; "),
    );
  }
  return inputs;
}
