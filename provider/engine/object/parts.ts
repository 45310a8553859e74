import {
  DEFAULT_CONCURRENCY,
  DEFAULT_PART_SIZE,
  MAX_OBJECT_BYTES,
  MAX_PARTS,
  MAX_PART_BYTES,
  MAX_SINGLE_COPY_BYTES,
  MiB,
  MIN_PART_BYTES,
} from "../constants";
import { ObjectCopyError } from "../errors";

export interface PartPlan {
  size: number;
  partSize: number;
  partCount: number;
}

/** One part's inclusive byte range, as UploadPartCopy's `bytes=first-last` wants it. */
export interface PartRange {
  partNumber: number;
  first: number;
  last: number;
}

/** Single CopyObject at or below the threshold (and never above S3's 5 GiB limit). */
export function useMultipart(size: number, threshold: number): boolean {
  return size > MAX_SINGLE_COPY_BYTES || size > threshold;
}

const ceilToMiB = (bytes: number) => Math.ceil(bytes / MiB) * MiB;

/**
 * Chooses the part size: the requested one, or an automatic one. Any object up to
 * MAX_OBJECT_BYTES gets a valid plan.
 *
 * Automatic parts aim at DEFAULT_PART_SIZE but are spread evenly over the workers: a copy takes
 * as many rounds as its fullest worker has parts, so 80 parts on 64 workers cost two full rounds
 * while 128 parts of 40 MiB cost the same two rounds with less in each (bench/RESULTS.md, B2).
 * Parts are whole MiB, at least MIN_PART_BYTES, and large enough to fit in MAX_PARTS.
 */
export function planParts(
  size: number,
  requestedPartSize?: number,
  concurrency: number = DEFAULT_CONCURRENCY,
): PartPlan {
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new ObjectCopyError("INVALID_SIZE", `cannot plan a multipart copy of ${size} bytes`);
  }
  if (size > MAX_OBJECT_BYTES) {
    throw new ObjectCopyError(
      "OBJECT_TOO_LARGE",
      `the source is ${size} bytes; S3 objects are at most ${MAX_OBJECT_BYTES} bytes (${MAX_PARTS} parts of 5 GiB)`,
    );
  }
  let partSize: number;
  if (requestedPartSize !== undefined) {
    if (requestedPartSize < MIN_PART_BYTES || requestedPartSize > MAX_PART_BYTES) {
      throw new ObjectCopyError(
        "INVALID_PART_SIZE",
        `partSize ${requestedPartSize} is outside ${MIN_PART_BYTES}-${MAX_PART_BYTES} bytes`,
      );
    }
    partSize = requestedPartSize;
    const count = Math.ceil(size / partSize);
    if (count > MAX_PARTS) {
      const smallest = Math.ceil(size / MAX_PARTS);
      throw new ObjectCopyError(
        "PART_PLAN_IMPOSSIBLE",
        `partSize ${partSize} would split the ${size}-byte source into ${count} parts; S3 allows ${MAX_PARTS}, ` +
          `so use a partSize of at least ${smallest} bytes, or leave partSize unset`,
      );
    }
  } else {
    const workers = Math.max(1, Math.floor(concurrency));
    const smallest = Math.max(MIN_PART_BYTES, ceilToMiB(size / MAX_PARTS));
    const rounds = Math.ceil(size / (workers * Math.max(DEFAULT_PART_SIZE, smallest)));
    partSize = Math.min(MAX_PART_BYTES, Math.max(smallest, ceilToMiB(size / (workers * rounds))));
  }
  return { size, partSize, partCount: Math.ceil(size / partSize) };
}

export function partRange(plan: PartPlan, partNumber: number): PartRange {
  const first = (partNumber - 1) * plan.partSize;
  const last = Math.min(plan.size, first + plan.partSize) - 1;
  return { partNumber, first, last };
}
