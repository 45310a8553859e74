import { objectUri } from "../../provider/engine/object/destination";
import { deleteBehavior } from "../../provider/engine/object/resource";
import { modificationDrift, type LiveObject } from "../../provider/engine/object/live";
import { parseSource } from "../../provider/engine/object/address";
import type { CopyOutputs } from "../../provider/engine/types";

const state = (extra: Partial<CopyOutputs>): CopyOutputs => ({
  bucket: "dst",
  key: "dir/k",
  source: "src/k",
  ...extra,
});
const live = (extra: Partial<LiveObject>): LiveObject => ({ storageClass: "STANDARD", ...extra });

const T0 = "2026-01-01T00:00:00.000Z";

describe("modificationDrift on a versioned destination", () => {
  it("reports one reason when the live object is another version", () => {
    const reasons = modificationDrift(
      state({ versionId: "v1", etag: '"e1"', lastModified: T0 }),
      live({ versionId: "v2", etag: '"e2"', lastModified: new Date("2026-02-01T00:00:00Z") }),
    );
    expect(reasons).toEqual(["s3://dst/dir/k is now version v2, not the version v1 this resource wrote"]);
  });

  it("reports nothing when the live object is the version this resource wrote", () => {
    expect(
      modificationDrift(
        state({ versionId: "v1", etag: '"e1"', lastModified: T0 }),
        live({ versionId: "v1", etag: '"e1"', lastModified: new Date(T0) }),
      ),
    ).toEqual([]);
  });

  it("falls back to the ETag when the live version is the unversioned null", () => {
    const reasons = modificationDrift(
      state({ versionId: "v1", etag: '"e1"', lastModified: T0 }),
      live({ versionId: "null", etag: '"e2"', lastModified: new Date(T0) }),
    );
    expect(reasons).toEqual(['s3://dst/dir/k was overwritten out of band (ETag "e1" -> "e2")']);
  });
});

describe("modificationDrift on an unversioned destination", () => {
  it.each([[undefined], ["null"]])("reports an ETag change (state versionId %j)", (versionId) => {
    const reasons = modificationDrift(
      state({ versionId, etag: '"e1"', lastModified: T0 }),
      live({ versionId, etag: '"e2"', lastModified: new Date(T0) }),
    );
    expect(reasons).toEqual(['s3://dst/dir/k was overwritten out of band (ETag "e1" -> "e2")']);
  });

  it("reports only one reason when both ETag and Last-Modified changed", () => {
    const reasons = modificationDrift(
      state({ etag: '"e1"', lastModified: T0 }),
      live({ etag: '"e2"', lastModified: new Date("2026-03-01T00:00:00Z") }),
    );
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain("ETag");
  });

  it.each([
    [T0, "2026-01-01T00:00:01.000Z"],
    [T0, "2025-12-31T23:59:59.000Z"],
    ["2026-01-01T00:00:00.999Z", "2026-01-01T00:00:01.000Z"],
    [T0, "2026-06-01T00:00:00.000Z"],
  ])(
    "reports a rewrite with the same ETag when Last-Modified moves to another second (%s -> %s)",
    (before, after) => {
      const reasons = modificationDrift(
        state({ etag: '"e1"', lastModified: before }),
        live({ etag: '"e1"', lastModified: new Date(after) }),
      );
      expect(reasons).toEqual([
        `s3://dst/dir/k was rewritten out of band (Last-Modified ${before} -> ${new Date(after).toISOString()})`,
      ]);
    },
  );

  it.each([
    [T0, T0],
    ["2026-01-01T00:00:00.123Z", "2026-01-01T00:00:00.000Z"],
    ["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.999Z"],
    ["2026-01-01T00:00:00.999Z", "2026-01-01T00:00:00.001Z"],
  ])("does not call a millisecond difference within the same second drift (%s vs %s)", (before, after) => {
    expect(
      modificationDrift(
        state({ etag: '"e1"', lastModified: before }),
        live({ etag: '"e1"', lastModified: new Date(after) }),
      ),
    ).toEqual([]);
  });

  it("reports nothing when the state recorded no ETag or Last-Modified", () => {
    expect(modificationDrift(state({}), live({ etag: '"x"', lastModified: new Date() }))).toEqual([]);
  });
});

describe("deleteBehavior", () => {
  it.each([
    [false, "v1", "delete-version"],
    [true, "v1", "delete-version"],
    [false, undefined, "delete-object"],
    [false, "null", "delete-object"],
    [false, "", "delete-object"],
    [true, undefined, "retain-object"],
    [true, "null", "retain-object"],
  ] as const)("inPlace %s, versionId %j -> %s", (inPlace, versionId, expected) => {
    expect(deleteBehavior(inPlace, versionId)).toBe(expected);
  });
});

describe("objectUri (the uri output, usable as another copy's source)", () => {
  it.each([
    ["v1", "s3://dst/dir/k?versionId=v1"],
    [undefined, "s3://dst/dir/k"],
    ["null", "s3://dst/dir/k"],
    ["", "s3://dst/dir/k"],
  ] as const)("versionId %j -> %s", (versionId, expected) => {
    expect(objectUri({ bucket: "dst", key: "dir/k" }, versionId)).toBe(expected);
  });

  it("writes the key as it is, so parseSource reads it back to the same object and version", () => {
    const key = "a b/+?#%=&//ü.txt";
    expect(parseSource(objectUri({ bucket: "dst", key }, "V7"))).toMatchObject({
      bucket: "dst",
      key,
      versionId: "V7",
    });
  });
});
