import {
  DEFAULT_CONCURRENCY,
  DEFAULT_MULTIPART_THRESHOLD,
  DEFAULT_PART_SIZE,
  GiB,
  MAX_OBJECT_BYTES,
  MAX_PARTS,
  MAX_PART_BYTES,
  MAX_SINGLE_COPY_BYTES,
  MiB,
  MIN_PART_BYTES,
} from "../../provider/engine/constants";
import { ObjectCopyError } from "../../provider/engine/errors";
import { partRange, planParts, useMultipart, type PartPlan } from "../../provider/engine/object/parts";

const TiB = 1024 * GiB;

function thrown(fn: () => unknown): ObjectCopyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ObjectCopyError);
    return e as ObjectCopyError;
  }
  throw new Error("expected a throw");
}

/** Every range, checked to tile [0, size-1] exactly. */
function expectContiguous(plan: PartPlan) {
  let next = 0;
  for (let n = 1; n <= plan.partCount; n++) {
    const r = partRange(plan, n);
    expect(r.partNumber).toBe(n);
    expect(r.first).toBe(next);
    expect(r.last).toBeGreaterThanOrEqual(r.first);
    expect(r.last - r.first + 1).toBeLessThanOrEqual(plan.partSize);
    if (n < plan.partCount) expect(r.last - r.first + 1).toBe(plan.partSize);
    next = r.last + 1;
  }
  expect(next).toBe(plan.size);
}

describe("planParts without a requested part size", () => {
  const sizes: [string, number, number, number][] = [
    // [label, size, expected partSize, expected partCount] at the default concurrency (64)
    ["1 byte", 1, 5 * MiB, 1],
    ["5 MiB", 5 * MiB, 5 * MiB, 1],
    ["64 MiB", 64 * MiB, 5 * MiB, 13],
    ["64 MiB + 1", 64 * MiB + 1, 5 * MiB, 13],
    ["1 GiB", GiB, 16 * MiB, 64],
    ["5 GiB", 5 * GiB, 40 * MiB, 128],
    ["5 GiB + 1", 5 * GiB + 1, 41 * MiB, 125],
    ["10 GiB", 10 * GiB, 54 * MiB, 190],
    ["625 GiB (10000 default parts exactly)", 625 * GiB, 64 * MiB, 10_000],
    ["625 GiB + 1", 625 * GiB + 1, 65 * MiB, 9847],
    ["1 TiB", TiB, 105 * MiB, 9987],
    ["10 TiB", 10 * TiB, 1049 * MiB, 9996],
    ["MAX_OBJECT_BYTES - 1", MAX_OBJECT_BYTES - 1, MAX_PART_BYTES, MAX_PARTS],
    ["MAX_OBJECT_BYTES", MAX_OBJECT_BYTES, MAX_PART_BYTES, MAX_PARTS],
  ];

  it("defaults to the default concurrency", () => {
    expect(DEFAULT_CONCURRENCY).toBe(64);
    expect(planParts(5 * GiB)).toEqual(planParts(5 * GiB, undefined, DEFAULT_CONCURRENCY));
  });

  it.each(sizes)("plans %s (%d bytes) as %d-byte parts, %d of them", (_label, size, partSize, partCount) => {
    expect(planParts(size)).toEqual({ size, partSize, partCount });
  });

  it.each([
    // [size, concurrency, expected partSize, expected partCount]
    [GiB, 1, 64 * MiB, 16],
    [GiB, 16, 64 * MiB, 16],
    [10 * GiB, 16, 64 * MiB, 160],
    [5 * GiB + 1, 16, 54 * MiB, 95],
    [5 * GiB, 256, 20 * MiB, 256],
    [TiB, 256, 105 * MiB, 9987],
  ])(
    "plans %d bytes at concurrency %d as %d-byte parts, %d of them",
    (size, concurrency, partSize, partCount) => {
      expect(planParts(size, undefined, concurrency)).toEqual({ size, partSize, partCount });
    },
  );

  const grid = sizes.flatMap(([label, size]) =>
    [1, 4, 16, 64, 100, 256].map((c) => [label, c, size] as [string, number, number]),
  );

  it.each(grid)("the plan for %s at concurrency %d obeys every S3 part rule", (_label, c, size) => {
    const p = planParts(size, undefined, c);
    expect(p.partSize).toBeGreaterThanOrEqual(MIN_PART_BYTES);
    expect(p.partSize).toBeLessThanOrEqual(MAX_PART_BYTES);
    expect(p.partCount).toBeGreaterThanOrEqual(1);
    expect(p.partCount).toBeLessThanOrEqual(MAX_PARTS);
    expect(p.partSize * p.partCount).toBeGreaterThanOrEqual(size);
    expect(p.partSize * (p.partCount - 1)).toBeLessThan(size);
    expect(p.partSize % MiB).toBe(0);
  });

  it.each(grid)(
    "the plan for %s at concurrency %d never takes more rounds than 64 MiB parts, nor uses larger parts than needed",
    (_label, c, size) => {
      const p = planParts(size, undefined, c);
      // The part the MAX_PARTS limit forces, in whole MiB, when it exceeds the 64 MiB target.
      const forced = Math.max(DEFAULT_PART_SIZE, Math.ceil(size / MAX_PARTS / MiB) * MiB);
      const rounds = (parts: number) => Math.ceil(parts / c);
      expect(rounds(p.partCount)).toBeLessThanOrEqual(rounds(Math.ceil(size / forced)));
      expect(p.partSize).toBeLessThanOrEqual(Math.min(MAX_PART_BYTES, forced));
    },
  );

  it.each([
    ["MAX_OBJECT_BYTES + 1", MAX_OBJECT_BYTES + 1],
    ["100 TiB", 100 * TiB],
  ])("refuses %s with OBJECT_TOO_LARGE naming the size", (_label, size) => {
    const e = thrown(() => planParts(size));
    expect(e.code).toBe("OBJECT_TOO_LARGE");
    expect(e.message).toContain(String(size));
    expect(e.message).toContain(String(MAX_OBJECT_BYTES));
  });

  it.each([[0], [-1], [1.5], [Number.NaN], [Number.MAX_SAFE_INTEGER + 2]])(
    "refuses the size %d with INVALID_SIZE",
    (size) => {
      expect(thrown(() => planParts(size)).code).toBe("INVALID_SIZE");
    },
  );
});

describe("planParts with a requested part size", () => {
  it.each([
    [GiB, 8 * MiB, 128],
    [GiB, 5 * MiB, 205],
    [10 * GiB, 100 * MiB, 103],
    [5 * MiB * MAX_PARTS, 5 * MiB, MAX_PARTS],
    [MAX_OBJECT_BYTES, MAX_PART_BYTES, MAX_PARTS],
    [1, MAX_PART_BYTES, 1],
  ])("splits %d bytes into parts of %d: %d parts", (size, partSize, partCount) => {
    expect(planParts(size, partSize)).toEqual({ size, partSize, partCount });
  });

  it.each([
    [5 * MiB * MAX_PARTS + 1, 5 * MiB],
    [TiB, 5 * MiB],
    [TiB, 100 * MiB],
    [10 * TiB, GiB],
  ])(
    "refuses %d bytes in parts of %d with PART_PLAN_IMPOSSIBLE naming the smallest workable size",
    (size, partSize) => {
      const e = thrown(() => planParts(size, partSize));
      const smallest = Math.ceil(size / MAX_PARTS);
      expect(e.code).toBe("PART_PLAN_IMPOSSIBLE");
      expect(e.message).toContain(`${size}-byte source`);
      expect(e.message).toContain(`at least ${smallest} bytes`);
      expect(e.message).toContain(`into ${Math.ceil(size / partSize)} parts`);
      // The advice works: that part size gives a valid plan, and one byte less does not.
      expect(planParts(size, smallest).partCount).toBeLessThanOrEqual(MAX_PARTS);
      expect(() => planParts(size, smallest - 1)).toThrow(/PART_PLAN_IMPOSSIBLE/);
    },
  );

  it.each([[MIN_PART_BYTES - 1], [MAX_PART_BYTES + 1], [0]])(
    "refuses a part size of %d with INVALID_PART_SIZE",
    (partSize) => {
      expect(thrown(() => planParts(GiB, partSize)).code).toBe("INVALID_PART_SIZE");
    },
  );

  it("checks the object size before the part size", () => {
    expect(thrown(() => planParts(MAX_OBJECT_BYTES + 1, 5 * MiB)).code).toBe("OBJECT_TOO_LARGE");
  });
});

describe("partRange", () => {
  it.each([
    [1, undefined],
    [5 * MiB, undefined],
    [64 * MiB + 1, undefined],
    [GiB, undefined],
    [5 * GiB + 1, undefined],
    [200 * MiB + 12345, 5 * MiB],
    [3 * 5 * MiB, 5 * MiB],
  ])("tiles %d bytes (partSize %s) contiguously with no gap or overlap", (size, partSize) => {
    expectContiguous(planParts(size, partSize));
  });

  it("gives the exact ranges of a 3-part plan with a short last part", () => {
    const plan = planParts(2 * 5 * MiB + 7, 5 * MiB);
    expect([1, 2, 3].map((n) => partRange(plan, n))).toEqual([
      { partNumber: 1, first: 0, last: 5 * MiB - 1 },
      { partNumber: 2, first: 5 * MiB, last: 10 * MiB - 1 },
      { partNumber: 3, first: 10 * MiB, last: 10 * MiB + 6 },
    ]);
  });

  it.each([[TiB], [10 * TiB], [MAX_OBJECT_BYTES], [MAX_OBJECT_BYTES - 1], [625 * GiB + 1]])(
    "the first and last ranges of the %d-byte plan start at 0 and end at size-1",
    (size) => {
      const plan = planParts(size);
      expect(partRange(plan, 1)).toEqual({ partNumber: 1, first: 0, last: plan.partSize - 1 });
      const last = partRange(plan, plan.partCount);
      expect(last.first).toBe(plan.partSize * (plan.partCount - 1));
      expect(last.last).toBe(size - 1);
      expect(last.last - last.first + 1).toBeGreaterThan(0);
      expect(last.last - last.first + 1).toBeLessThanOrEqual(plan.partSize);
      const secondLast = partRange(plan, plan.partCount - 1);
      expect(secondLast.last + 1).toBe(last.first);
    },
  );
});

describe("useMultipart", () => {
  it.each([
    [1, DEFAULT_MULTIPART_THRESHOLD, false],
    [DEFAULT_MULTIPART_THRESHOLD - 1, DEFAULT_MULTIPART_THRESHOLD, false],
    [DEFAULT_MULTIPART_THRESHOLD, DEFAULT_MULTIPART_THRESHOLD, false],
    [DEFAULT_MULTIPART_THRESHOLD + 1, DEFAULT_MULTIPART_THRESHOLD, true],
    [5 * MiB, 5 * MiB, false],
    [5 * MiB + 1, 5 * MiB, true],
    [MAX_SINGLE_COPY_BYTES, MAX_SINGLE_COPY_BYTES, false],
    [MAX_SINGLE_COPY_BYTES + 1, MAX_SINGLE_COPY_BYTES, true],
    // Above 5 GiB a single CopyObject is impossible, whatever threshold is configured.
    [MAX_SINGLE_COPY_BYTES + 1, Number.MAX_SAFE_INTEGER, true],
    [MAX_SINGLE_COPY_BYTES + 1, Infinity, true],
    [TiB, Infinity, true],
    [MAX_SINGLE_COPY_BYTES, Infinity, false],
  ])("useMultipart(%d, threshold %d) is %s", (size, threshold, expected) => {
    expect(useMultipart(size, threshold)).toBe(expected);
  });
});
