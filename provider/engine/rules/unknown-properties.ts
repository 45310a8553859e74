// A misspelled input (storage_class, serverSideEncyption, metaData) would otherwise be accepted and
// ignored. Reported at "" because the engine prints a failing property's input value, and an
// unknown property's value may be a secret; the reason names the property only.
import { show } from "./show";

/** Case, snake_case and kebab-case folded away: storage_class, Storage-Class -> storageclass. */
const fold = (name: string) => name.toLowerCase().replace(/[-_\s]/g, "");

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/** The known name a misspelling most likely meant, or undefined when none is close. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const folded = fold(name);
  const exact = known.find((k) => fold(k) === folded);
  if (exact) return exact;
  // Close enough: a couple of typos, more for longer names, never most of the word.
  const limit = Math.max(1, Math.min(3, Math.floor(folded.length / 4)));
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(folded, fold(k));
    if (distance <= limit && (!best || distance < best.distance)) best = { name: k, distance };
  }
  return best?.name;
}

export function unknownPropertyReason(name: string, resource: string, known: readonly string[]): string {
  const near = nearestName(name, known);
  return (
    `${show(name)} is not an input of ${resource}, so it would be ignored; ` +
    (near ? `did you mean "${near}"?` : `see the inputs table in the README`) +
    ` (its value is not shown: it could be a secret)`
  );
}
