// ObjectCopySet's check, diff, create/update, read and delete: list the source, read the manifest,
// plan, then copy, record and delete through the set's parts. The dynamic provider maps each of its
// methods onto one function here.
import { processCancels } from "../cancel";
import { ObjectCopyError } from "../errors";
import { setCopier } from "../object";
import type { SetCopierSettings } from "../object/set-copier";
import { OBJECT_COPY_SET_RULES, runRules } from "../rules";
import type { CheckFailure } from "../types";
import { containsUnknown, isUnknown } from "../validate";
import { adoptExisting } from "./adopt";
import { isTerminal } from "../batch";
import {
  deleteJobMarker,
  jobSummary,
  jobTaskFailures,
  lastJob,
  refreshJob,
  settleJob,
  splitForJob,
  startJob,
  withSuperseded,
  writeJobMarker,
  type SettledJob,
} from "./batch";
import {
  listDestination,
  listSource,
  missingKeys,
  keysNotFound,
  ownerOf,
  planFor,
  readOwnManifest,
  resolveDigest,
  setContext,
  type Planned,
  type SetContext,
} from "./context";
import { deleteObjects } from "./delete";
import { destinationDrift } from "./drift";
import { deleteManifest, type InterruptedRun, isManifestKey, ManifestWriter } from "./manifest";
import {
  needsLiveListing,
  provablyOurs,
  recordItems,
  withLastModified,
  type DeleteItem,
  type KeptObject,
} from "./ownership";
import { DEFAULT_SET_CONCURRENCY } from "./limits";
import { planSet } from "./plan";
import { acceptedDigests, recordInterrupted, sameSettings } from "./resume";
import { reattachInPlace } from "./resume-in-place";
import { runCopies } from "./scheduler";
import { destinationKey, isInPlace, relativeKey } from "./spec";
import {
  type BatchJobState,
  MAX_EXAMPLE_KEYS,
  objectSettings,
  REPLACE_PROPS,
  stripSecrets,
  type SetDrift,
  type SetInputs,
  type SetOutputs,
  type SetRunCounts,
} from "./state";
import { changedInputs, hasWork, planSummary } from "./summary";
import {
  MANIFEST_FORMAT,
  type Manifest,
  type ManifestRecord,
  type SetOwner,
  type SourceEntry,
} from "./types";
import { abortLeftoverUploads } from "./uploads";

export type { SetDrift, SetInputs, SetOutputs, SetRunCounts } from "./state";
export { objectSettings } from "./state";
export { planSummary } from "./summary";

// ---- check -------------------------------------------------------------------------------------

/**
 * The rule table, then, for a new set or a replacement (diff does not run for them, and the
 * provider prints diff's summary only for an existing set), the preview's summary line: one
 * listing of the source (its ListObjectsV2 pages) and one GetObject of the manifest, which a
 * new set usually does not have yet. A `keys` entry that does not exist fails the preview
 * naming it. An existing set lists in diff instead, so a preview lists the source once.
 */
export async function checkSet(
  news: Record<string, unknown>,
  now: Date = new Date(),
  olds: Record<string, unknown> = {},
): Promise<{ inputs: SetInputs; failures: CheckFailure[] }> {
  const { inputs, failures } = runRules(OBJECT_COPY_SET_RULES, news, { now, olds });
  const checked = inputs as unknown as SetInputs;
  const isNew = Object.keys(olds).filter((k) => !k.startsWith("__")).length === 0;
  const replaced =
    !isNew &&
    (REPLACE_PROPS.some((p) => olds[p] !== undefined && olds[p] !== checked[p]) ||
      leavesInPlace(olds, checked as never));
  if (failures.length || !(isNew || replaced) || containsUnknown(inputs))
    return { inputs: checked, failures };
  const ctx = setContext(checked);
  // A replacement that keeps the manifest's location deletes the old set (and its manifest) first.
  const keepsManifest = replaced && olds.manifestLocation === checked.manifestLocation;
  // A listing or manifest read that fails here fails again, with its full error, at up.
  const [entries, read, resolved] = await Promise.all([
    listSource(ctx).catch(() => undefined),
    keepsManifest
      ? Promise.resolve<{ manifest?: Manifest }>({})
      : readOwnManifest(ctx).catch(() => undefined),
    resolveDigest(ctx).then(
      () => true,
      () => false,
    ),
  ]);
  if (!entries) return { inputs: checked, failures };
  const missing = missingKeys(ctx, entries);
  if (missing.length) {
    failures.push({ property: "keys", reason: keysNotFound(ctx, missing).message });
  } else if (read && resolved) {
    // A destination key S3 cannot take is the user's to fix, so the preview fails on `prefix`;
    // any other plan that cannot be made fails up with its full error, and the preview prints no line.
    const plan = (() => {
      try {
        return planSet({
          entries,
          source: ctx.source,
          destPrefix: checked.prefix,
          selection: ctx.selection,
          manifest: read.manifest,
          settingsDigest: ctx.digest,
          acceptedDigests: ctx.acceptedDigests,
          isManifestKey: (key) => isManifestKey(ctx.inputs.manifestLocation, ctx.inputs.bucket, key),
        });
      } catch (e) {
        if (!(e instanceof ObjectCopyError)) throw e;
        if (e.code.startsWith("DESTINATION_KEY_")) failures.push({ property: "prefix", reason: e.message });
        return undefined;
      }
    })();
    if (plan) {
      console.log(planSummary(plan, checked.deleteRemoved !== false));
      const job = jobSummary(plan, checked);
      if (job) console.log(job);
    }
  }
  return { inputs: checked, failures };
}

// ---- diff --------------------------------------------------------------------------------------

export interface SetDiffAnswer {
  changes: boolean;
  replaces: string[];
  /**
   * A replacement that keeps the manifest's location (a new prefix, same default manifest) must
   * delete the old set first: both would otherwise read and write one manifest.
   */
  deleteBeforeReplace: boolean;
  /** The summary line (and why), printed by the provider so the preview says what up will do. */
  reasons: string[];
}

/**
 * Whether a `source` change ends an in-place set. Its records are versions of the user's own
 * objects, which destroy leaves; updated into a copying set, it would delete the ones the new
 * source lacks as "removed". The other way round stays an update: a copying set whose source
 * becomes its own destination keeps its copies as the objects it now changes in place (and the
 * source may be gone, so a replacement's destroy would delete the only copy).
 */
function leavesInPlace(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  return knownPlace(olds) && knownPlace(news) && isInPlace(olds) && !isInPlace(news);
}

/** Whether where the set reads and writes is known (not a preview's unknown). */
const knownPlace = (v: Record<string, unknown>): v is { source: string; bucket: string; prefix: string } =>
  [v.source, v.bucket, v.prefix].every((x) => typeof x === "string");

/** The inputs whose change replaces the set: where it writes, its manifest, and leaving in place. */
function replacedBy(olds: SetOutputs, news: SetInputs, unknownReplaces: boolean): string[] {
  const replaces: string[] = REPLACE_PROPS.filter(
    (p) => (unknownReplaces && isUnknown(news[p])) || olds[p] !== news[p],
  );
  if (!replaces.length && leavesInPlace(olds as never, news as never)) replaces.push("source");
  return replaces;
}

export async function diffSet(olds: SetOutputs, news: SetInputs): Promise<SetDiffAnswer> {
  const replaces = replacedBy(olds, news, true);
  // Also when only the manifest moves: created first, the new set would rewrite the same keys
  // with the same bytes, and the old one's destroy could not tell them from its own.
  const deleteBeforeReplace =
    replaces.length > 0 &&
    (olds.manifestLocation === news.manifestLocation ||
      (olds.bucket === news.bucket && olds.prefix === news.prefix));
  if (containsUnknown(news)) return { changes: true, replaces, deleteBeforeReplace, reasons: [] };
  if (replaces.length) {
    return {
      changes: true,
      replaces,
      deleteBeforeReplace,
      reasons: [
        replaces.includes("source")
          ? "source changed, and the set no longer copies in place: a new set replaces this one, and the objects it changed in place are left as they are"
          : `${replaces.join(", ")} changed: a new set replaces this one`,
      ],
    };
  }
  const ctx = setContext(news);
  const { plan } = await planFor(ctx, ownerOf(olds));
  const changed = changedInputs(olds, news);
  const drifted = olds.drift ? olds.drift.missing + olds.drift.overwritten : 0;
  const reasons: string[] = [];
  if (hasWork(plan) || drifted) {
    reasons.push(
      planSummary(plan, news.deleteRemoved !== false) +
        (drifted ? `; repair ${drifted} changed out of band (refresh found them)` : ""),
    );
    const job = jobSummary(plan, news);
    if (job) reasons.push(job);
  }
  const pending = olds.batchJob && !olds.batchJob.recorded;
  if (pending)
    reasons.push(
      `Batch Operations job ${olds.batchJob!.jobId} (${olds.batchJob!.status}) is followed and its report recorded`,
    );
  return {
    changes: hasWork(plan) || drifted > 0 || changed.length > 0 || Boolean(pending),
    replaces: [],
    deleteBeforeReplace: false,
    reasons,
  };
}

// ---- create / update ---------------------------------------------------------------------------

/** Drifted keys (refresh found them missing or overwritten) move from unchanged to re-copy. */
async function addDriftRepairs(ctx: SetContext, planned: Planned): Promise<void> {
  const { manifest, plan, entries } = planned;
  if (!manifest) return;
  const live = await listDestination(ctx);
  const drift = destinationDrift(manifest, [...live.values()]);
  const queued = new Set([...plan.created, ...plan.updated, ...plan.deleted].map((t) => t.relativeKey));
  const byKey = new Map(entries.map((e) => [relativeKey(e.key, ctx.source.prefix), e]));
  for (const rel of [...drift.missing, ...drift.overwritten]) {
    const entry = byKey.get(rel);
    if (!entry || queued.has(rel)) continue;
    plan.updated.push({
      relativeKey: rel,
      sourceKey: entry.key,
      destKey: destinationKey(rel, ctx.inputs.prefix),
      entry,
      previous: manifest.records[rel],
    });
    plan.unchanged -= 1;
  }
}

/** Says which objects a delete left in place, and why, with a few keys. */
function keptLine(kept: KeptObject[]): string {
  const shown = kept.slice(0, MAX_EXAMPLE_KEYS).map((k) => `${k.key} (${k.why})`);
  return `left ${kept.length} object(s) in place that the set could not prove are still its own: ${shown.join(", ")}${kept.length > MAX_EXAMPLE_KEYS ? ", ..." : ""}`;
}

/** How much of the first failure's message a set's error repeats: S3's reason, the hint, the fix. */
const MAX_REASON_CHARS = 500;

/** The first keys with their codes, then what went wrong with the first, in its own words. */
function failureLine(failures: { key: string; code: string; message?: string }[]): string {
  const shown = failures.slice(0, MAX_EXAMPLE_KEYS).map((f) => `${f.key} (${f.code})`);
  const f = failures[0];
  const first = f?.message?.startsWith(`${f.key}: `) ? f.message.slice(f.key.length + 2) : f?.message;
  const reason =
    first && first.length > MAX_REASON_CHARS ? `${first.slice(0, MAX_REASON_CHARS - 1)}…` : first;
  return (
    `${shown.join(", ")}${failures.length > MAX_EXAMPLE_KEYS ? ", ..." : ""}` +
    (reason ? `. The first, ${f.key}: ${reason}` : "")
  );
}

/**
 * A job an earlier up left running (`wait: "started"`, or a cancelled wait): followed until it has
 * ended, then its results are recorded before anything is planned, so none of its keys is copied
 * again. Undefined when the job is still running and the set waits only for a start.
 */
async function settlePending(
  ctx: SetContext,
  job: BatchJobState,
  until = ctx.inputs.batchOperations?.wait ?? "complete",
  alsoOwner?: SetOwner,
): Promise<SettledJob & { interrupted?: InterruptedRun }> {
  const settled = await settleJob(ctx, job, until);
  if (!settled.done) return settled;
  const [{ manifest, interrupted }] = await Promise.all([
    readOwnManifest(ctx, alsoOwner),
    resolveDigest(ctx),
  ]);
  const records = manifest?.records ?? {};
  const writer = new ManifestWriter(ctx.manifestClient, ctx.inputs.manifestLocation, {
    format: MANIFEST_FORMAT,
    settingsDigest: ctx.digest,
    bucket: ctx.inputs.bucket,
    prefix: ctx.inputs.prefix,
    owner: ctx.owner,
    records,
  });
  for (const [rel, record] of settled.records) writer.set(rel, withSuperseded(record, records[rel]));
  // The finish compacts a killed run's journals: what they say goes to the caller instead.
  await writer.finish();
  await writeJobMarker(ctx, settled.job);
  return { ...settled, interrupted };
}

async function runSet(inputs: SetInputs, isCreate: boolean, olds?: SetOutputs): Promise<SetOutputs> {
  const started = new Date();
  const ctx = setContext(inputs);
  // The marker in S3, not only the state: an up that failed after creating a job saved no state.
  let batchJob = await lastJob(ctx, olds?.batchJob);
  let interrupted: InterruptedRun | undefined;
  if (batchJob && !batchJob.recorded) {
    const settled = await settlePending(ctx, batchJob, undefined, ownerOf(olds));
    batchJob = settled.job;
    interrupted = settled.interrupted;
    if (!settled.done) {
      console.log(
        `Batch Operations job ${batchJob.jobId} is ${batchJob.status}; the next up or refresh follows it`,
      );
      await writeJobMarker(ctx, batchJob);
      return compactSet({
        ...olds,
        ...stripSecrets(inputs),
        objectCount: olds?.objectCount ?? 0,
        totalBytes: olds?.totalBytes ?? 0,
        batchJob,
      });
    }
    // What it did not copy is planned again below, so its failures are reported, not thrown:
    // this run copies those keys (by a new job, with the ended job's id in its token).
    const ended =
      settled.error ??
      (settled.failures.length ? jobTaskFailures(batchJob, settled.failures, MAX_EXAMPLE_KEYS) : undefined);
    if (ended) console.log(`copying again what an earlier job did not: ${ended.message}`);
  }
  // An update may follow a stack or resource rename: the manifest then names the old identity.
  const planned = await planFor(ctx, ownerOf(olds));
  const { manifest, plan } = planned;
  if (olds?.drift) await addDriftRepairs(ctx, planned);

  const base: Manifest = {
    format: MANIFEST_FORMAT,
    // Records carry the digest they were copied with, so a run that stops halfway through a
    // settings change leaves the rest marked for the next up.
    settingsDigest: ctx.digest,
    bucket: inputs.bucket,
    prefix: inputs.prefix,
    owner: ctx.owner,
    records: manifest?.records ?? {},
  };
  const writer = new ManifestWriter(ctx.manifestClient, inputs.manifestLocation, base);
  // The writer's records are the run's: one map of (say) 100,000 records, not a copy per holder.
  const records = writer.records;
  const set = (rel: string, record: ManifestRecord) => writer.set(rel, record);
  const remove = (rel: string) => writer.remove(rel);

  interrupted ??= planned.interrupted;
  await abortLeftoverUploads(ctx, interrupted, started);

  const counts: SetRunCounts = { copied: 0, recopied: 0, deleted: 0, adopted: 0, failed: 0 };
  let live: Map<string, SourceEntry> | undefined;
  let toCreate = plan.created;
  if (inputs.adopt && isCreate && toCreate.length) {
    live = await listDestination(ctx);
    const found = await adoptExisting({
      settings: objectSettings(inputs),
      sourceClient: ctx.sourceClient,
      destClient: ctx.destClient,
      sourceBucket: ctx.source.bucket,
      destBucket: inputs.bucket,
      live,
      tasks: toCreate,
    });
    for (const a of found.adopted) {
      const { etag, size, lastModified } = a.task.entry;
      set(a.task.relativeKey, {
        source: { etag, size, lastModified, versionId: a.sourceVersionId },
        dest: a.written,
        adopted: true,
      });
    }
    counts.adopted = found.adopted.length;
    toCreate = found.copy;
  }
  const recopies = new Set(plan.updated.map((u) => u.relativeKey));
  // A job's copies join the records; the versions their keys' earlier copies wrote are superseded.
  const recordJob = (settled: SettledJob) => {
    for (const [rel, record] of settled.records) {
      set(rel, withSuperseded(record, records[rel]));
      if (recopies.has(rel)) counts.recopied += 1;
      else counts.copied += 1;
    }
  };
  const toCopy = [...toCreate, ...plan.updated];
  // With batchOperations, a job takes every copy it can; the provider copies the rest beside it.
  const split = inputs.batchOperations ? splitForJob(toCopy) : { job: [], ours: toCopy };
  // Only what the provider copies itself: a job's part goes by its token, which its plan decides.
  let tasks = split.ours;
  if (interrupted && tasks.length && ctx.inPlace) {
    // In place the killed run's copies are versions of the user's objects: rebuild their records.
    const { tasks: reattached, reattached: keys } = await reattachInPlace(ctx, interrupted, tasks);
    tasks = reattached;
    if (keys.length)
      console.log(
        `${keys.length} object(s) an interrupted up copied in place after its last checkpoint are copied again ` +
          `from their originals, and the interrupted up's versions removed: ` +
          `${keys.slice(0, MAX_EXAMPLE_KEYS).join(", ")}${keys.length > MAX_EXAMPLE_KEYS ? ", ..." : ""}`,
      );
  }
  if (interrupted && tasks.length && !ctx.inPlace && sameSettings(interrupted, acceptedDigests(ctx))) {
    // Creations `adopt` just compared are not compared again.
    const examined = live !== undefined;
    const recovered = await recordInterrupted(
      ctx,
      interrupted,
      examined ? tasks.filter((t) => recopies.has(t.relativeKey)) : tasks,
      live,
    );
    for (const { task, record } of recovered) {
      set(task.relativeKey, record);
      if (recopies.has(task.relativeKey)) counts.recopied += 1;
      else counts.copied += 1;
    }
    const done = new Set(recovered.map((r) => r.task.relativeKey));
    tasks = tasks.filter((t) => !done.has(t.relativeKey));
  }
  if (split.job.length) {
    batchJob = await startJob(ctx, split.job, batchJob?.jobId);
    if (isTerminal(batchJob.status)) {
      // S3 handed back an ended job for this very plan: one an earlier up created and could not
      // record (it was killed before the job was marked). Its copies are recorded now, and what it
      // did not copy goes to a new job, with its id in the token.
      const reused = await settleJob(ctx, batchJob, "complete");
      recordJob(reused);
      await writeJobMarker(ctx, reused.job);
      const rest = split.job.filter((t) => !reused.records.has(t.relativeKey));
      split.job = rest;
      batchJob = rest.length ? await startJob(ctx, rest, reused.job.jobId) : reused.job;
    }
  }
  if (split.job.length && batchJob) {
    console.log(
      `created Batch Operations job ${batchJob.jobId} for ${split.job.length} objects (${batchJob.estimate}); report: ${batchJob.reportLocation}`,
    );
  }
  // Before the first copy: should this run be killed, this journal tells the next run since when,
  // and for which keys, to look for copies written without a record (resume.ts).
  if (tasks.length) await writer.begin(tasks.map((t) => t.relativeKey));
  const copyOne = tasks.length
    ? await setCopier(copierSettings(inputs), { sourceBucket: ctx.source.bucket, destBucket: inputs.bucket })
    : undefined;
  const report = await runCopies({
    tasks,
    copy: async (t, signal) =>
      withLastModified(
        ctx,
        t.destKey,
        await copyOne!(
          {
            sourceBucket: ctx.source.bucket,
            sourceKey: t.sourceKey,
            destBucket: inputs.bucket,
            destKey: t.destKey,
            entry: t.entry,
            previous: t.previous,
          },
          signal,
        ),
      ),
    maxConcurrency: inputs.concurrency,
    onDone: (t, result) => {
      const superseded = [...(t.previous?.dest.superseded ?? []), ...(result.written.superseded ?? [])];
      const { etag, size, lastModified } = t.entry;
      set(t.relativeKey, {
        source: { etag, size, lastModified, versionId: result.sourceVersionId },
        dest: { ...result.written, superseded: superseded.length ? [...new Set(superseded)] : undefined },
      });
      if (recopies.has(t.relativeKey)) counts.recopied += 1;
      else counts.copied += 1;
    },
    checkpoint: () => writer.checkpoint(),
    log: (line) => console.log(line),
  });
  counts.failed = report.failures.length;

  let jobError: ObjectCopyError | undefined;
  if (batchJob && !batchJob.recorded && split.job.length) {
    const settled = await settleJob(ctx, batchJob, inputs.batchOperations?.wait ?? "complete").catch(
      (e: unknown) => {
        // The wait ended (a cancel, or the job stayed suspended), not the job: the next up follows it.
        if (e instanceof ObjectCopyError) jobError = e;
        else throw e;
        return undefined;
      },
    );
    if (settled) {
      batchJob = settled.job;
      recordJob(settled);
      counts.failed += settled.failures.length;
      await writeJobMarker(ctx, batchJob);
      if (settled.error) jobError = settled.error;
      else if (settled.failures.length)
        jobError = jobTaskFailures(batchJob, settled.failures, MAX_EXAMPLE_KEYS);
    }
  }

  // Deletes: records whose source is gone or no longer selected, and the versions re-copies superseded.
  // Not after a cancel: the user asked the run to stop, and a delete is the one step an up cannot
  // take back. After copy failures they still run: a key whose source is gone is gone whatever
  // other copies did, and a superseded version is one the set already replaced.
  const candidates: { rel: string; whole: boolean; item: DeleteItem; record: ManifestRecord }[] = [];
  const kept: KeptObject[] = [];
  // A SIGINT or SIGTERM while the job was followed stops the deletes too (the job runs on at AWS).
  const stopped = report.cancelled || jobError?.code === "CANCELLED";
  const gone = stopped ? [] : plan.deleted.map((d) => [d.relativeKey, d.record] as [string, ManifestRecord]);
  if (inputs.deleteRemoved !== false && needsLiveListing(gone, ctx.inPlace))
    live ??= await listDestination(ctx);
  for (const [rel, record] of gone) {
    if (inputs.deleteRemoved === false) {
      remove(rel);
      continue;
    }
    const mine = recordItems(ctx, rel, record, live, kept);
    if (!mine.length) remove(rel);
    for (const item of mine) candidates.push({ rel, whole: true, item, record });
  }
  const goneKeys = new Set(gone.map(([rel]) => rel));
  for (const [rel, record] of stopped ? [] : Object.entries(records)) {
    if (goneKeys.has(rel)) continue;
    for (const versionId of record.dest.superseded ?? []) {
      candidates.push({
        rel,
        whole: false,
        item: { key: destinationKey(rel, inputs.prefix), versionId },
        record,
      });
    }
  }
  const { items, versioned } = await provablyOurs(ctx, candidates, kept);
  // A removed record whose object is not provably the set's is forgotten; the object stays.
  const deleting = new Set(items.map((i) => i.rel));
  for (const c of candidates) if (c.whole && !deleting.has(c.rel)) remove(c.rel);
  if (kept.length) console.log(keptLine(kept));
  const deletion = items.length
    ? await deleteRecorded(
        ctx,
        items.map((i) => i.item),
        versioned,
      )
    : { deleted: 0, failures: [] };
  const failedKeys = new Set(deletion.failures.map((f) => f.key));
  for (const rel of new Set(items.map((i) => i.rel))) {
    if (failedKeys.has(destinationKey(rel, inputs.prefix))) continue;
    if (goneKeys.has(rel)) {
      remove(rel);
      counts.deleted += 1;
    } else {
      set(rel, { ...records[rel], dest: { ...records[rel].dest, superseded: undefined } });
    }
  }

  const finished = await writer.finish();

  const outs: SetOutputs = {
    ...stripSecrets(inputs),
    manifestDigest: finished.digest,
    objectCount: Object.keys(records).length,
    totalBytes: Object.values(records).reduce((n, r) => n + r.dest.size, 0),
    lastRun: counts,
    drift: undefined,
    batchJob,
  };
  if (report.cancelled) {
    throw new ObjectCopyError(
      "CANCELLED",
      `the run was cancelled after ${report.copied} of ${tasks.length} copies; they are recorded, so the next up copies the rest`,
    );
  }
  if (report.failures.length) {
    throw new ObjectCopyError(
      "SET_COPY_FAILED",
      `${report.failures.length} of ${tasks.length} objects failed to copy: ${failureLine(report.failures)}; ` +
        `the ${report.copied} that succeeded are recorded in ${inputs.manifestLocation}, so the next up copies only the rest`,
    );
  }
  if (deletion.failures.length) {
    throw new ObjectCopyError(
      "SET_DELETE_FAILED",
      `${deletion.failures.length} objects could not be deleted: ${failureLine(deletion.failures)}; ` +
        `they stay recorded, so the next up tries again`,
    );
  }
  if (jobError) throw jobError;
  return compactSet(outs);
}

/**
 * The settings the copy unit takes: a set's `concurrency` is objects in flight, not parts, so it
 * sizes the destination client (sockets and part slots) instead of each multipart copy's parts.
 */
export function copierSettings(inputs: SetInputs): SetCopierSettings {
  // objectSettings leaves `concurrency` out: the copy unit would read it as parts per object.
  return { ...objectSettings(inputs), objectsInFlight: inputs.concurrency ?? DEFAULT_SET_CONCURRENCY };
}

/**
 * DeleteObjects for what a run found to delete. Under `signal` when the caller has a cancel scope
 * (destroy), else under a scope of its own: a SIGINT or SIGTERM during the deletes stops the
 * batches not yet sent and aborts those in flight.
 */
async function deleteRecorded(
  ctx: SetContext,
  items: DeleteItem[],
  versioned?: boolean,
  signal?: AbortSignal,
) {
  const send = (abort: AbortSignal) =>
    deleteObjects({
      client: ctx.destClient,
      bucket: ctx.inputs.bucket,
      items,
      owner: ctx.destOwner,
      versioned,
      signal: abort,
    });
  if (signal) return send(signal);
  const scope = processCancels.openScope(`deleting ${items.length} objects of a set`);
  try {
    return await send(scope.signal);
  } finally {
    scope.close();
  }
}

/** Drops undefined fields: the provider server's protobuf Structs reject them. */
function compactSet(outs: SetOutputs): SetOutputs {
  return JSON.parse(JSON.stringify(outs)) as SetOutputs;
}

export const setId = (inputs: Pick<SetInputs, "manifestLocation">) => inputs.manifestLocation;

export async function createSet(inputs: SetInputs): Promise<{ id: string; outs: SetOutputs }> {
  return { id: setId(inputs), outs: await runSet(inputs, true) };
}

export async function updateSet(olds: SetOutputs, news: SetInputs): Promise<SetOutputs> {
  const replaces = replacedBy(olds, news, false);
  if (replaces.length) {
    throw new ObjectCopyError("UNEXPECTED_REPLACE", `${replaces.join(", ")} changed; that needs a replace`);
  }
  return runSet(news, false, olds);
}

// ---- read (refresh) ----------------------------------------------------------------------------

/** Lists the destination prefix (no HEAD per key) and reports what changed there as `drift`. */
export async function readSet(state: SetOutputs): Promise<SetOutputs> {
  const ctx = setContext(state as SetInputs);
  const [{ manifest }, live] = await Promise.all([readOwnManifest(ctx), listDestination(ctx)]);
  const drift: SetDrift = manifest
    ? (() => {
        const found = destinationDrift(manifest, [...live.values()]);
        return {
          missing: found.missing.length,
          overwritten: found.overwritten.length,
          examples: [...found.missing, ...found.overwritten].slice(0, MAX_EXAMPLE_KEYS),
        };
      })()
    : { missing: state.objectCount, overwritten: 0, examples: [] };
  const known = await lastJob(ctx, state.batchJob);
  const batchJob = known && !known.recorded && !known.note ? await refreshJob(ctx, known) : known;
  return compactSet({ ...state, drift: drift.missing + drift.overwritten ? drift : undefined, batchJob });
}

// ---- delete (destroy) --------------------------------------------------------------------------

/**
 * Deletes exactly what the manifest records: the versions the set wrote (and its superseded
 * ones) on a versioned bucket, which for an in-place set brings the originals back; on an
 * unversioned bucket each object still as the set wrote it, except in place, where the objects
 * are the originals and stay. Then the manifest. Anything else under the prefix is left alone.
 */
export async function deleteSet(state: SetOutputs): Promise<string> {
  // One cancel scope for the whole destroy: a signal during the listing ends it before any delete,
  // one during the deletes stops the batches not yet sent, and the manifest keeps what is left.
  const scope = processCancels.openScope(`destroying the set at ${state.manifestLocation}`);
  try {
    return await destroyUnder(state, scope.signal);
  } finally {
    scope.close();
  }
}

async function destroyUnder(state: SetOutputs, signal: AbortSignal): Promise<string> {
  const ctx = setContext(state as SetInputs);
  const job = await lastJob(ctx, state.batchJob);
  if (job && !job.recorded) {
    // What a job copied is the set's once recorded; a job still running would write after destroy.
    const settled = await settlePending(ctx, job, "started", ownerOf(state));
    if (!settled.done) {
      throw new ObjectCopyError(
        "BATCH_JOB_RUNNING",
        `Batch Operations job ${job.jobId} is still ${settled.job.status} and would write objects after destroy; ` +
          `wait for it to end (pulumi up or refresh follows it), or cancel it with ` +
          `"aws s3control update-job-status --account-id ${job.accountId} --job-id ${job.jobId} --requested-job-status Cancelled", then destroy again`,
      );
    }
  }
  const { manifest } = await readOwnManifest(ctx);
  if (!manifest) {
    if (job) await deleteJobMarker(ctx);
    return `no manifest at ${state.manifestLocation}: nothing recorded, nothing deleted`;
  }
  const records = Object.entries(manifest.records);
  const live = needsLiveListing(records, ctx.inPlace) ? await listDestination(ctx, signal) : undefined;
  const kept: KeptObject[] = [];
  const candidates = records.flatMap(([rel, record]) =>
    recordItems(ctx, rel, record, live, kept).map((item) => ({ item, record })),
  );
  const proven = await provablyOurs(ctx, candidates, kept);
  const items = proven.items.map((c) => c.item);
  if (kept.length) console.log(keptLine(kept));
  const result = items.length
    ? await deleteRecorded(ctx, items, proven.versioned, signal)
    : { deleted: 0, failures: [] };
  if (result.failures.length) {
    // What was deleted leaves the manifest, so a retried destroy sends only the rest.
    const failed = new Set(result.failures.map((f) => f.key));
    const writer = new ManifestWriter(ctx.manifestClient, state.manifestLocation, manifest);
    for (const [rel] of records) {
      if (!failed.has(destinationKey(rel, state.prefix))) writer.remove(rel);
    }
    await writer.finish();
    throw new ObjectCopyError(
      "SET_DELETE_FAILED",
      `${result.failures.length} objects could not be deleted: ${failureLine(result.failures)}; ` +
        `the manifest keeps them, so destroy can be run again`,
    );
  }
  await deleteManifest(ctx.manifestClient, state.manifestLocation);
  if (job) await deleteJobMarker(ctx);
  const left = records.length - new Set(items.map((i) => i.key)).size;
  return (
    `deleted ${items.length} object${items.length === 1 ? "" : "s"}${proven.versioned ? " (the versions)" : ""} this set wrote under s3://${state.bucket}/${state.prefix}` +
    (left ? `; left ${left} in place (originals of an in-place copy, or overwritten since)` : "")
  );
}
