// After a killed run: the copies it had in flight, or finished after its last checkpoint, may have
// been written without a record. Copying them again would leave the killed run's version on a
// versioned bucket that no record names (destroy would then leave the object readable). Instead,
// what such a copy wrote is recorded, when it is exactly what this run would write.
import { supersededVersions } from "../object/copy";
import { LAST_MODIFIED_SLACK_MS } from "../object/stray-versions";
import { type Adopted, adoptExisting, type AdoptArgs } from "./adopt";
import { listDestination, type SetContext } from "./context";
import type { InterruptedRun } from "./manifest";
import { MAX_EXAMPLE_KEYS, objectSettings } from "./state";
import type { ManifestRecord, PlannedCopy, SourceEntry } from "./types";

/**
 * Whether what the killed runs wrote can be taken for this run's copies: only when they copied with
 * settings this run accepts as its own. A copy made under other settings (another ACL, tags, KMS
 * key) can look equal to a HEAD and still differ.
 */
export function sameSettings(run: InterruptedRun, accepted: readonly string[]): boolean {
  return [...run.settingsDigests].every((d) => accepted.includes(d));
}

/**
 * The planned copies a killed run may have written: keys it was about to copy, whose destination
 * was written since it began. The rest are copied as planned, without another request.
 */
export function writtenSince(
  tasks: PlannedCopy[],
  live: Map<string, SourceEntry>,
  run: Pick<InterruptedRun, "since" | "planned">,
): { candidates: PlannedCopy[]; rest: PlannedCopy[] } {
  // Last-Modified is whole seconds on S3: a copy sent just after the journal may read a second early.
  const from = run.since.getTime() - LAST_MODIFIED_SLACK_MS;
  const candidates: PlannedCopy[] = [];
  const rest: PlannedCopy[] = [];
  for (const t of tasks) {
    const dest = live.get(t.destKey);
    const at = dest ? Date.parse(dest.lastModified) : NaN;
    (run.planned.has(t.relativeKey) && !Number.isNaN(at) && at >= from ? candidates : rest).push(t);
  }
  return { candidates, rest };
}

/**
 * Splits the planned copies into those a killed run already wrote (to record) and those still to
 * copy, in plan order. A candidate is recorded only when the adopt comparison finds it equal to
 * what the declaration writes (bytes, headers, encryption); any doubt means copy.
 */
export async function recoverInterrupted(
  args: Omit<AdoptArgs, "tasks"> & { tasks: PlannedCopy[]; run: InterruptedRun },
): Promise<{ recovered: Adopted[]; copy: PlannedCopy[] }> {
  const { candidates } = writtenSince(args.tasks, args.live, args.run);
  if (!candidates.length) return { recovered: [], copy: args.tasks };
  const found = await adoptExisting({ ...args, tasks: candidates });
  const recorded = new Set(found.adopted.map((a) => a.task.relativeKey));
  return { recovered: found.adopted, copy: args.tasks.filter((t) => !recorded.has(t.relativeKey)) };
}

/** The digests a set takes as its own: the current one, and those it still accepts (context.ts). */
export const acceptedDigests = (ctx: SetContext): string[] => [ctx.digest, ...(ctx.acceptedDigests ?? [])];

/**
 * For a run after a killed one: lists the destination (unless `live` already is its listing) and
 * returns a record for each planned copy the killed run wrote, as a copy by this run would record
 * it (the versions it superseded included), and prints which.
 */
export async function recordInterrupted(
  ctx: SetContext,
  run: InterruptedRun,
  tasks: PlannedCopy[],
  live?: Map<string, SourceEntry>,
): Promise<{ task: PlannedCopy; record: ManifestRecord }[]> {
  const listed = live ?? (await listDestination(ctx));
  const { recovered } = await recoverInterrupted({
    settings: objectSettings(ctx.inputs),
    sourceClient: ctx.sourceClient,
    destClient: ctx.destClient,
    sourceBucket: ctx.source.bucket,
    destBucket: ctx.inputs.bucket,
    live: listed,
    tasks,
    run,
  });
  if (!recovered.length) return [];
  const keys = recovered.map((r) => r.task.relativeKey);
  console.log(
    `recorded ${keys.length} object(s) an interrupted up copied after its last checkpoint, instead of ` +
      `copying them again (written since ${run.since.toISOString()} and equal to this declaration): ` +
      `${keys.slice(0, MAX_EXAMPLE_KEYS).join(", ")}${keys.length > MAX_EXAMPLE_KEYS ? ", ..." : ""}`,
  );
  return recovered.map(({ task, written, sourceVersionId }) => {
    const previous = task.previous;
    const superseded = supersededVersions(
      previous && {
        versionId: previous.dest.versionId,
        sourceVersionId: previous.source.versionId,
        superseded: previous.dest.superseded,
      },
      written.versionId,
      sourceVersionId,
    );
    const { etag, size, lastModified } = task.entry;
    return {
      task,
      record: {
        source: { etag, size, lastModified, versionId: sourceVersionId },
        dest: { ...written, superseded: superseded.length ? superseded : undefined },
      },
    };
  });
}
