import type { ObjectVersion } from "@aws-sdk/client-s3";

import { lostRecord } from "../../provider/engine/set/resume-in-place";
import type { PlannedCopy } from "../../provider/engine/set/types";

const MD5_A = '"0123456789abcdef0123456789abcdef"';
const MD5_B = '"fedcba9876543210fedcba9876543210"';
const SINCE = Date.parse("2026-12-01T10:00:00Z");
const at = (s: number) => new Date(SINCE + s * 1000);
const version = (VersionId: string, ETag: string, Size: number, seconds: number): ObjectVersion => ({
  Key: "site/a.js",
  VersionId,
  ETag,
  Size,
  LastModified: at(seconds),
});
const task = (etag: string, previous?: PlannedCopy["previous"]): PlannedCopy => ({
  relativeKey: "a.js",
  sourceKey: "site/a.js",
  destKey: "site/a.js",
  entry: { key: "site/a.js", etag, size: 10, lastModified: at(5).toISOString() },
  previous,
});

describe("lostRecord: the record a killed in-place run's copy would have had", () => {
  it("for a first copy: the original (older than the run) as source, the killed run's version as written", () => {
    const record = lostRecord(
      task(MD5_A),
      [version("vk", MD5_A, 10, 5), version("vo", MD5_A, 10, -60)],
      SINCE,
    );
    expect(record).toEqual({
      source: { etag: MD5_A, size: 10, lastModified: at(-60).toISOString(), versionId: "vo" },
      dest: { versionId: "vk", etag: MD5_A, size: 10 },
    });
  });

  it("for a re-copy: keeps the record's original and supersedes what the record named", () => {
    const previous = {
      source: { etag: MD5_A, size: 10, lastModified: at(-600).toISOString(), versionId: "vo" },
      dest: { versionId: "v1", size: 10, superseded: ["v0"] },
    };
    expect(lostRecord(task(MD5_A, previous), [version("v2", MD5_A, 10, 5)], SINCE)).toEqual({
      source: previous.source,
      dest: { versionId: "v2", etag: MD5_A, size: 10, superseded: ["v0", "v1"] },
    });
    // The current version is the one the record names: nothing was lost.
    expect(lostRecord(task(MD5_A, previous), [version("v1", MD5_A, 10, 5)], SINCE)).toBeUndefined();
  });

  it.each<[string, ObjectVersion[]]>([
    [
      "a rewrite with other bytes (another MD5)",
      [version("vk", MD5_B, 10, 5), version("vo", MD5_A, 10, -60)],
    ],
    ["a rewrite of another size", [version("vk", MD5_A, 11, 5), version("vo", MD5_A, 10, -60)]],
    ["an unversioned bucket", [version("null", MD5_A, 10, 5)]],
    ["no version under it", [version("vk", MD5_A, 10, 5)]],
  ])("takes nothing for %s: the copy goes as planned", (_name, versions) => {
    expect(lostRecord(task(versions[0].ETag!), versions, SINCE)).toBeUndefined();
  });
});
