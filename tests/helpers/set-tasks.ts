// What the set scheduler's unit tests feed it: planned copies of made-up keys, a copy's answer,
// and S3's throttling error, as the SDK raises it.
import type { CopyTaskResult, PlannedCopy } from "../../provider/engine/set/types";

/** `n` planned copies `src/k00000` ... (digits: the key's zero padding) of `size` bytes each. */
export function plannedCopies(n: number, size: number, digits: number): PlannedCopy[] {
  return Array.from({ length: n }, (_, i) => {
    const key = `src/k${String(i).padStart(digits, "0")}`;
    return {
      relativeKey: key.slice(4),
      sourceKey: key,
      destKey: `dst/${key.slice(4)}`,
      entry: { key, size, etag: `"e${i}"`, lastModified: "2026-01-01T00:00:00.000Z" },
    };
  });
}

/** A copy's answer: the destination written as the source entry says. */
export const written = (t: PlannedCopy): CopyTaskResult => ({
  written: { etag: t.entry.etag, size: t.entry.size },
});

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** 503 SlowDown as the SDK throws it. */
export const slowDown = () =>
  Object.assign(new Error("Please reduce your request rate."), {
    name: "SlowDown",
    $metadata: { httpStatusCode: 503 },
  });
