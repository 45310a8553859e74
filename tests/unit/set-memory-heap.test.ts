// The bounds on V8's heap that a large set runs under (provider/engine/set/lean-heap.ts): the old
// generation's growth set when the first phase starts; after each collection the young
// generation's growth stopped at the cap and allowed below it; V8's defaults back only after the
// last phase plus the linger time; nothing touched when the user chose one of these flags.
const MiB = 1024 * 1024;
const setFlagsFromString = jest.fn();
let youngBytes = 0;
jest.mock("node:v8", () => ({
  setFlagsFromString,
  getHeapSpaceStatistics: () => [
    { space_name: "old_space", space_size: 500 * MiB },
    { space_name: "new_space", space_size: youngBytes },
  ],
}));

/** The GC observers the module makes; `collect()` stands in for a garbage collection. */
const observers: { callback: () => void; observing: boolean }[] = [];
jest.mock("node:perf_hooks", () => ({
  PerformanceObserver: class {
    private readonly entry: { callback: () => void; observing: boolean };
    constructor(callback: () => void) {
      this.entry = { callback, observing: false };
      observers.push(this.entry);
    }
    observe(options: { entryTypes: string[] }) {
      expect(options).toEqual({ entryTypes: ["gc"] });
      this.entry.observing = true;
    }
    disconnect() {
      this.entry.observing = false;
    }
  },
}));
const collect = (bytes: number) => {
  youngBytes = bytes;
  for (const o of observers) if (o.observing) o.callback();
};
const flags = () => setFlagsFromString.mock.calls.map((c: unknown[]) => c[0]);
const FROZEN = "--semi-space-growth-factor=1";
const DEFAULT = "--semi-space-growth-factor=2";
const GROWING = "--heap-growing-percent=50";
const DEFAULT_GROWING = "--heap-growing-percent=0";

type LeanHeap = typeof import("../../provider/engine/set/lean-heap");

/** A fresh copy of the module (its state is per process). */
function load(): LeanHeap {
  let mod: LeanHeap | undefined;
  jest.isolateModules(() => {
    mod = jest.requireActual<LeanHeap>("../../provider/engine/set/lean-heap");
  });
  return mod!;
}

describe("holdLeanHeap", () => {
  const nodeOptions = process.env.NODE_OPTIONS;
  const execArgv = process.execArgv;
  beforeEach(() => {
    setFlagsFromString.mockClear();
    observers.length = 0;
    youngBytes = 2 * MiB;
    jest.useFakeTimers();
    delete process.env.NODE_OPTIONS;
    process.execArgv = [];
  });
  afterEach(() => {
    jest.useRealTimers();
    if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = nodeOptions;
    process.execArgv = execArgv;
  });

  it("stops the young generation's growth once a collection finds it at the cap, and allows it again below", () => {
    const { holdLeanHeap, YOUNG_GENERATION_CAP_MIB: cap } = load();
    expect(cap).toBe(16);
    holdLeanHeap();
    // Below the cap V8 grows it as usual: only the old generation's flag.
    collect(8 * MiB);
    expect(flags()).toEqual([GROWING]);
    collect(cap * MiB);
    expect(flags()).toEqual([GROWING, FROZEN]);
    // Already stopped: a larger size (the doubling that was under way) sets nothing again.
    collect(2 * cap * MiB);
    expect(flags()).toEqual([GROWING, FROZEN]);
    // V8 shrank it: growth is allowed again, and stopped again at the cap.
    collect(4 * MiB);
    collect(cap * MiB - 1);
    collect(cap * MiB);
    expect(flags()).toEqual([GROWING, FROZEN, DEFAULT, FROZEN]);
  });

  it("restores V8's defaults only after the last phase plus the linger time, across overlapping phases", () => {
    const { holdLeanHeap, LEAN_HEAP_LINGER_MS: linger } = load();
    const listing = holdLeanHeap();
    const other = holdLeanHeap();
    expect(observers).toHaveLength(1);
    collect(64 * MiB);
    listing();
    listing(); // a second release of the same phase changes nothing
    jest.advanceTimersByTime(linger * 2);
    expect(flags()).toEqual([GROWING, FROZEN]);
    other();
    jest.advanceTimersByTime(linger / 2);
    // The copies start before the linger ran out: the same observer goes on, nothing is restored.
    const copies = holdLeanHeap();
    jest.advanceTimersByTime(linger * 2);
    expect(observers).toHaveLength(1);
    expect(flags()).toEqual([GROWING, FROZEN]);
    copies();
    jest.advanceTimersByTime(linger - 1);
    expect(flags()).toEqual([GROWING, FROZEN]);
    jest.advanceTimersByTime(1);
    expect(flags()).toEqual([GROWING, FROZEN, DEFAULT, DEFAULT_GROWING]);
    expect(observers[0].observing).toBe(false);
    // After the restore, collections change nothing.
    collect(64 * MiB);
    expect(flags()).toEqual([GROWING, FROZEN, DEFAULT, DEFAULT_GROWING]);
  });

  it("restores only the old generation's growth when the young generation never reached the cap", () => {
    const { holdLeanHeap, LEAN_HEAP_LINGER_MS: linger } = load();
    const release = holdLeanHeap();
    collect(4 * MiB);
    release();
    jest.advanceTimersByTime(linger);
    expect(flags()).toEqual([GROWING, DEFAULT_GROWING]);
    expect(observers[0].observing).toBe(false);
  });

  it.each([
    ["NODE_OPTIONS", () => (process.env.NODE_OPTIONS = "--max-old-space-size=4096 --max-semi-space-size=2")],
    ["the command line", () => (process.execArgv = ["--semi-space-growth-factor=4"])],
    ["NODE_OPTIONS, for the old generation", () => (process.env.NODE_OPTIONS = "--heap-growing-percent=10")],
  ])("leaves V8 alone when the user chose one of its heap flags in %s", (_where, choose) => {
    choose();
    const { holdLeanHeap, LEAN_HEAP_LINGER_MS: linger } = load();
    const release = holdLeanHeap();
    collect(128 * MiB);
    release();
    jest.advanceTimersByTime(linger * 2);
    expect(observers).toHaveLength(0);
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });
});

describe("the phases that hold the bounds", () => {
  beforeEach(() => {
    setFlagsFromString.mockClear();
    observers.length = 0;
    youngBytes = 2 * MiB;
    jest.useFakeTimers();
  });
  afterEach(() => jest.useRealTimers());

  type Scheduler = typeof import("../../provider/engine/set/scheduler");
  type Listing = typeof import("../../provider/engine/set/listing");
  /** The scheduler and the listing with one fresh copy of lean-heap's state between them. */
  function loadPhases(): { scheduler: Scheduler; listing: Listing; heap: LeanHeap } {
    let loaded: { scheduler: Scheduler; listing: Listing; heap: LeanHeap } | undefined;
    jest.isolateModules(() => {
      loaded = {
        scheduler: jest.requireActual<Scheduler>("../../provider/engine/set/scheduler"),
        listing: jest.requireActual<Listing>("../../provider/engine/set/listing"),
        heap: jest.requireActual<LeanHeap>("../../provider/engine/set/lean-heap"),
      };
    });
    return loaded!;
  }

  it.each([
    [50_000, [GROWING], [GROWING, DEFAULT_GROWING]],
    [49_999, [], []],
  ])(
    "a copy of %i objects has set %j by its first copy, and %j after the linger",
    async (n, during, after) => {
      const { scheduler, heap } = loadPhases();
      expect(heap.LEAN_HEAP_MIN_OBJECTS).toBe(50_000);
      const { CancelRegistry } = jest.requireActual<typeof import("../../provider/engine/cancel")>(
        "../../provider/engine/cancel",
      );
      const { fakeProcess } =
        jest.requireActual<typeof import("../helpers/fake-process")>("../helpers/fake-process");
      let atFirstCopy: unknown[] | undefined;
      const report = await scheduler.runCopies({
        tasks: Array.from({ length: n }, (_, i) => ({
          relativeKey: `k${i}`,
          sourceKey: `k${i}`,
          destKey: `k${i}`,
          entry: { key: `k${i}`, size: 1, etag: '"e"', lastModified: "2026-01-01T00:00:00.000Z" },
        })),
        copy: async () => {
          atFirstCopy ??= flags();
          return { written: { size: 1 } };
        },
        maxConcurrency: 64,
        onDone: () => undefined,
        checkpoint: async () => undefined,
        log: () => undefined,
        cancels: new CancelRegistry(fakeProcess().hooks),
      });
      expect(report.copied).toBe(n);
      expect(atFirstCopy).toEqual(during);
      expect(flags()).toEqual(during);
      jest.advanceTimersByTime(heap.LEAN_HEAP_LINGER_MS);
      expect(flags()).toEqual(after);
    },
  );

  /** A client whose first plain page is truncated (or not) and whose one delimited level holds `n` keys. */
  function pages(truncated: boolean, n: number) {
    const contents = (count: number) =>
      Array.from({ length: count }, (_, i) => ({
        Key: `p/${String(i).padStart(6, "0")}`,
        Size: 1,
        ETag: '"e"',
      }));
    const seen: unknown[][] = [];
    const client = {
      send: async (command: { input: { Delimiter?: string } }) => {
        seen.push(flags());
        if (!command.input.Delimiter) return { IsTruncated: truncated, Contents: contents(1) };
        return { IsTruncated: false, Contents: contents(n) };
      },
    };
    return { client: client as never, seen };
  }

  it("a listing of one page leaves V8 alone", async () => {
    const { listing } = loadPhases();
    const { client, seen } = pages(false, 0);
    const out = await listing.listObjects({ client, bucket: "b", prefix: "p/" });
    expect(out.entries).toHaveLength(1);
    expect(seen).toEqual([[]]);
    expect(flags()).toEqual([]);
  });

  it("a split listing that ends small runs under the bounds and restores V8's defaults as it ends", async () => {
    const { listing } = loadPhases();
    const { client, seen } = pages(true, 2);
    const out = await listing.listObjects({ client, bucket: "b", prefix: "p/" });
    expect(out.entries).toHaveLength(2);
    // The first page is sent before anything is known; the split requests under the bounds.
    expect(seen).toEqual([[], [GROWING]]);
    expect(flags()).toEqual([GROWING, DEFAULT_GROWING]);
  });

  it("a split listing of 50,000 keys keeps the bounds for the linger time, for the copies that follow", async () => {
    const { listing, heap } = loadPhases();
    const { client } = pages(true, heap.LEAN_HEAP_MIN_OBJECTS);
    const out = await listing.listObjects({ client, bucket: "b", prefix: "p/" });
    expect(out.entries).toHaveLength(heap.LEAN_HEAP_MIN_OBJECTS);
    expect(flags()).toEqual([GROWING]);
    jest.advanceTimersByTime(heap.LEAN_HEAP_LINGER_MS - 1);
    expect(flags()).toEqual([GROWING]);
    jest.advanceTimersByTime(1);
    expect(flags()).toEqual([GROWING, DEFAULT_GROWING]);
  });
});
