// What a preview says and decides: the one summary line of a plan, and which inputs changed.
import { MiB } from "../constants";
import { SECRET_PROPERTIES, SET_IDENTITY_INPUTS } from "../rules";
import { SET_OBSERVED_OUTPUTS } from "../rules/set-properties";
import { SUMMARY_EXAMPLE_KEYS, type SetInputs, type SetOutputs } from "./state";
import type { PlannedCopy, SetPlan } from "./types";

const mib = (bytes: number) => (bytes / MiB).toFixed(1);
const sizeOf = (copies: PlannedCopy[]) => copies.reduce((n, c) => n + c.entry.size, 0);

/** The one line a preview prints: what an up would copy, re-copy and delete, with a few keys. */
export function planSummary(plan: SetPlan, deleteRemoved = true): string {
  const examples = [...plan.created, ...plan.updated, ...plan.deleted]
    .slice(0, SUMMARY_EXAMPLE_KEYS)
    .map((t) => t.relativeKey);
  const removed = deleteRemoved
    ? `delete ${plan.deleted.length}`
    : `forget ${plan.deleted.length} (deleteRemoved is false)`;
  return (
    `copy ${plan.created.length} objects (${mib(sizeOf(plan.created))} MiB), ` +
    `re-copy ${plan.updated.length} (${mib(sizeOf(plan.updated))} MiB), ${removed}` +
    (examples.length ? `; e.g. ${examples.join(", ")}` : "")
  );
}

export const hasWork = (plan: SetPlan) => plan.created.length + plan.updated.length + plan.deleted.length > 0;

/** JSON with sorted keys, so two equal maps compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Inputs (secrets aside: the settings digest covers them) whose value differs from the state's. */
export function changedInputs(olds: SetOutputs, news: SetInputs): string[] {
  const skip = new Set<string>([...SECRET_PROPERTIES, ...SET_OBSERVED_OUTPUTS, ...SET_IDENTITY_INPUTS]);
  const o = olds as unknown as Record<string, unknown>;
  const n = news as unknown as Record<string, unknown>;
  const names = new Set(
    [...Object.keys(o), ...Object.keys(n)].filter((p) => !skip.has(p) && !p.startsWith("__")),
  );
  return [...names].filter((p) => canonical(o[p]) !== canonical(n[p])).sort();
}
