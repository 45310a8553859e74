import { LAST_MODIFIED_SLACK_MS } from "../../provider/engine/object/stray-versions";
import type { InterruptedRun } from "../../provider/engine/set/manifest";
import { sameSettings, writtenSince } from "../../provider/engine/set/resume";
import type { PlannedCopy, SourceEntry } from "../../provider/engine/set/types";

const task = (rel: string): PlannedCopy => ({
  relativeKey: rel,
  sourceKey: `src/${rel}`,
  destKey: `dst/${rel}`,
  entry: { key: `src/${rel}`, size: 1, etag: '"e"', lastModified: "2026-01-01T00:00:00.000Z" },
});
const at = (rel: string, iso: string): [string, SourceEntry] => [
  `dst/${rel}`,
  { key: `dst/${rel}`, size: 1, etag: '"e"', lastModified: iso },
];

describe("writtenSince (which planned copies a killed run may have written)", () => {
  const since = new Date("2026-12-01T10:00:00.000Z");
  const live = new Map([
    at("old", "2026-12-01T09:00:00.000Z"),
    at("edge", new Date(since.getTime() - LAST_MODIFIED_SLACK_MS).toISOString()),
    at("too-early", new Date(since.getTime() - LAST_MODIFIED_SLACK_MS - 1).toISOString()),
    at("new", "2026-12-01T10:00:05.000Z"),
    at("new-not-planned", "2026-12-01T10:00:05.000Z"),
    at("garbled", "not a date"),
  ]);
  const planned = new Set(["old", "edge", "too-early", "new", "absent", "garbled"]);

  it("picks the keys the killed run planned whose destination was written since it began, within the clock slack", () => {
    const tasks = ["old", "edge", "too-early", "new", "new-not-planned", "absent", "garbled"].map(task);
    const { candidates, rest } = writtenSince(tasks, live, { since, planned });
    expect(candidates.map((t) => t.relativeKey)).toEqual(["edge", "new"]);
    expect(rest.map((t) => t.relativeKey)).toEqual([
      "old",
      "too-early",
      "new-not-planned",
      "absent",
      "garbled",
    ]);
  });

  it("picks none when the destination holds nothing written since", () => {
    const { candidates, rest } = writtenSince([task("old"), task("absent")], live, { since, planned });
    expect(candidates).toEqual([]);
    expect(rest).toHaveLength(2);
  });
});

describe("sameSettings (whether a killed run's copies can stand for this run's)", () => {
  const run = (...digests: string[]): InterruptedRun => ({
    since: new Date(0),
    planned: new Set(),
    settingsDigests: new Set(digests),
  });

  it("holds when every killed run copied with a digest this run accepts", () => {
    expect(sameSettings(run("d1"), ["d1"])).toBe(true);
    expect(sameSettings(run("d1", "legacy"), ["d1", "legacy"])).toBe(true);
  });

  it("fails when any killed run copied with other settings", () => {
    expect(sameSettings(run("d0"), ["d1"])).toBe(false);
    expect(sameSettings(run("d1", "d0"), ["d1"])).toBe(false);
  });
});
