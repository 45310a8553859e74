/**
 * The per-key record of a set, kept in S3 as gzip JSON rather than in Pulumi state (which Pulumi
 * re-uploads on every step). A run checkpoints what changed as small journal objects beside the
 * manifest, so a killed run loses only what it had not checkpointed; `finish` compacts them into
 * the manifest. A reader replays the journals the manifest does not yet include.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createGzip, gunzipSync, gzipSync } from "node:zlib";

import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";

import { MAX_KEY_BYTES } from "../constants";
import { isNotFound, ObjectCopyError, showValue, wrapAwsError } from "../errors";
import { MANIFEST_FORMAT, type Manifest, type ManifestRecord, type SetOwner } from "./types";

/** Keys under this prefix (at a bucket's root) belong to the sets themselves; no listing yields them. */
export const RESERVED_PREFIX = ".pulumi-s3-object-copy/";

export const JOURNAL_FORMAT = "pulumi-s3-object-copy/set-journal/1";
/** Journal objects fetched at once when a manifest is read. */
export const JOURNAL_READ_CONCURRENCY = 16;
/** DeleteObjects takes at most this many keys a request. */
const DELETE_BATCH = 1_000;
const SEQ_DIGITS = 8;
/** User metadata on the manifest: the highest journal sequence number it already includes. */
const SEQ_METADATA = "journal-seq";
const GZ = ".json.gz";

/** One checkpoint: the records set and removed since the previous one. */
interface Journal {
  format: typeof JOURNAL_FORMAT;
  seq: number;
  settingsDigest: string;
  bucket: string;
  prefix: string;
  owner?: SetOwner;
  set: Record<string, ManifestRecord>;
  removed: string[];
  /** Only in the journal a run writes before its first copy: the keys it is about to copy. */
  planned?: string[];
}

/**
 * `s3://<destBucket>/.pulumi-s3-object-copy/<project>/<stack>/<name>.json.gz`, each name
 * percent-encoded so any characters stay one URL-safe segment; names too long for a key are hashed.
 */
export function defaultManifestLocation(where: {
  destBucket: string;
  project: string;
  stack: string;
  name: string;
}): string {
  const segment = (s: string) => (/^\.*$/.test(s) ? s.replace(/\./g, "%2E") : encodeURIComponent(s));
  let key = `${RESERVED_PREFIX}${[where.project, where.stack, where.name].map(segment).join("/")}${GZ}`;
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
    const hash = createHash("sha256").update(JSON.stringify([where.project, where.stack, where.name]));
    key = `${RESERVED_PREFIX}${hash.digest("hex")}${GZ}`;
  }
  return `s3://${where.destBucket}/${key}`;
}

export function parseManifestLocation(uri: string): { bucket: string; key: string } {
  const m = typeof uri === "string" ? /^s3:\/\/([^/\s]+)\/(.+)$/s.exec(uri) : null;
  if (!m || m[2].endsWith("/") || Buffer.byteLength(m[2], "utf8") > MAX_KEY_BYTES) {
    throw new ObjectCopyError(
      "INVALID_MANIFEST_LOCATION",
      `manifestLocation ${showValue(uri)} must be "s3://bucket/key" naming an object (not ending in "/")`,
    );
  }
  return { bucket: m[1], key: m[2] };
}

/** JSON with every object's keys sorted and undefined members left out: one text per value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * canonicalJson(value) as a sequence of pieces whose concatenation is exactly that text. Objects
 * and arrays down to `depth` levels are written member by member, anything deeper in one piece:
 * a manifest of 100,000 records is some 30 MB of JSON, and building it as one string (with the
 * member strings it is joined from) was the largest allocation of a whole run.
 */
export function* canonicalJsonPieces(value: unknown, depth = 2): Generator<string> {
  if (depth <= 0 || value === null || typeof value !== "object") {
    yield canonicalJson(value);
    return;
  }
  if (Array.isArray(value)) {
    yield "[";
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) yield ",";
      yield* canonicalJsonPieces(value[i] ?? null, depth - 1);
    }
    yield "]";
    return;
  }
  const map = value as Record<string, unknown>;
  const keys = Object.keys(map)
    .filter((k) => map[k] !== undefined)
    .sort();
  yield "{";
  for (let i = 0; i < keys.length; i += 1) {
    yield `${i > 0 ? "," : ""}${JSON.stringify(keys[i])}:`;
    yield* canonicalJsonPieces(map[keys[i]], depth - 1);
  }
  yield "}";
}

/**
 * Pieces are joined into chunks of about this many characters before they are hashed and
 * compressed: one zlib write per record would cost more than the JSON itself.
 */
const SERIALIZE_CHUNK_CHARS = 64 * 1024;

/**
 * The pieces, joined into chunks. A chunk boundary is always a piece boundary, and no piece ends
 * inside a surrogate pair (JSON.stringify escapes lone surrogates), so hashing or encoding the
 * chunks one by one as UTF-8 gives the bytes of the whole text.
 */
function* chunks(pieces: Iterable<string>): Generator<string> {
  let chunk = "";
  for (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= SERIALIZE_CHUNK_CHARS) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

/** sha256 hex of canonicalJson(value)'s UTF-8, hashed chunk by chunk. */
export function canonicalDigest(value: unknown): string {
  const hash = createHash("sha256");
  for (const chunk of chunks(canonicalJsonPieces(value))) hash.update(chunk, "utf8");
  return hash.digest("hex");
}

/**
 * The gzip of canonicalJson(value) and the sha256 hex of its uncompressed text, in one pass that
 * never holds the text: only the compressed bytes (about a tenth of it) are kept, for the upload.
 */
export async function gzipCanonicalJson(value: unknown): Promise<{ body: Buffer; digest: string }> {
  const hash = createHash("sha256");
  const gzip = createGzip();
  const out: Buffer[] = [];
  gzip.on("data", (b: Buffer) => out.push(b));
  // once() rejects on an "error" event, so a zlib failure fails the finish.
  const ended = once(gzip, "end");
  for (const chunk of chunks(canonicalJsonPieces(value))) {
    hash.update(chunk, "utf8");
    if (!gzip.write(chunk, "utf8")) await Promise.race([once(gzip, "drain"), ended]);
  }
  gzip.end();
  await ended;
  return { body: Buffer.concat(out), digest: hash.digest("hex") };
}

/** The digest state records: sha256 hex of the manifest's uncompressed canonical JSON. */
export const manifestDigest = (m: Manifest) => canonicalDigest(m);

export const journalPrefix = (key: string) => `${key}.journal/`;
const journalKey = (key: string, seq: number) =>
  `${journalPrefix(key)}${String(seq).padStart(SEQ_DIGITS, "0")}${GZ}`;
const JOURNAL_NAME = new RegExp(`^(\\d{${SEQ_DIGITS}})\\.json\\.gz$`);

function journalSeq(key: string, candidate: string): number | undefined {
  const m = JOURNAL_NAME.exec(candidate.slice(journalPrefix(key).length));
  return candidate.startsWith(journalPrefix(key)) && m ? Number(m[1]) : undefined;
}

const unreadable = (where: string, why: string) =>
  new ObjectCopyError(
    "MANIFEST_UNREADABLE",
    `${where} is not a manifest of an ObjectCopySet (${why}); point manifestLocation elsewhere or remove that object`,
  );

function decode(body: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(gunzipSync(body).toString("utf8"));
  } catch (err) {
    throw unreadable(where, `not gzip JSON: ${(err as Error).message}`);
  }
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

function header(v: Record<string, unknown>, format: string, where: string): void {
  if (v.format !== format)
    throw unreadable(where, `format ${showValue(v.format)}, expected ${showValue(format)}`);
  for (const field of ["settingsDigest", "bucket", "prefix"]) {
    if (typeof v[field] !== "string") throw unreadable(where, `${field} is not a string`);
  }
}

function asManifest(v: unknown, where: string): Manifest {
  if (!isMap(v)) throw unreadable(where, "not a JSON object");
  header(v, MANIFEST_FORMAT, where);
  if (!isMap(v.records)) throw unreadable(where, "records is not an object");
  return v as unknown as Manifest;
}

function asJournal(v: unknown, where: string): Journal {
  if (!isMap(v)) throw unreadable(where, "not a JSON object");
  header(v, JOURNAL_FORMAT, where);
  if (!isMap(v.set) || !Array.isArray(v.removed)) throw unreadable(where, "set or removed is malformed");
  return v as unknown as Journal;
}

/** Assigns as an own property, so a key such as `__proto__` is a record like any other. */
function setRecord(records: Record<string, ManifestRecord>, key: string, record: ManifestRecord): void {
  Object.defineProperty(records, key, {
    value: record,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** `o` without its undefined members: each would still take a slot in every one of N records. */
function defined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/**
 * A record as the writer keeps it for the rest of the run: stamped with `digest` unless it has
 * its own, no undefined members, and the destination's ETag the same string as the source's when
 * they are equal (a plain copy's are). Its canonical JSON is the record's.
 */
function compactRecord(record: ManifestRecord, digest: string): ManifestRecord {
  const source = defined(record.source);
  const dest = defined(record.dest);
  if (dest.etag === source.etag) dest.etag = source.etag;
  return defined({ ...record, source, dest, settingsDigest: record.settingsDigest ?? digest });
}

/** Records written before per-record digests carry their manifest's. */
function stampDigests(m: Manifest, digest = m.settingsDigest): void {
  for (const [k, r] of Object.entries(m.records)) {
    if (r.settingsDigest === undefined) setRecord(m.records, k, { ...r, settingsDigest: digest });
  }
}

/** An object's bytes and metadata, or undefined when there is none. */
export async function getObject(client: S3Client, bucket: string, key: string) {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { body: await out.Body!.transformToByteArray(), metadata: out.Metadata ?? {} };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw wrapAwsError("GetObject", `s3://${bucket}/${key}`, err);
  }
}

async function listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ key: string; lastModified?: Date }[]> {
  const found: { key: string; lastModified?: Date }[] = [];
  let token: string | undefined;
  do {
    const page = await client
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
      .catch((err: unknown) => {
        throw wrapAwsError("ListObjectsV2", `s3://${bucket}/${prefix}`, err);
      });
    for (const o of page.Contents ?? [])
      if (o.Key !== undefined) found.push({ key: o.Key, lastModified: o.LastModified });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found;
}

const listKeys = async (client: S3Client, bucket: string, prefix: string) =>
  (await listObjects(client, bucket, prefix)).map((o) => o.key);

/** The journal objects under a manifest, by sequence number, with when S3 stored each. */
async function journals(client: S3Client, bucket: string, key: string) {
  const found: { key: string; seq: number; lastModified?: Date }[] = [];
  for (const o of await listObjects(client, bucket, journalPrefix(key))) {
    const seq = journalSeq(key, o.key);
    if (seq !== undefined) found.push({ key: o.key, seq, lastModified: o.lastModified });
  }
  return found.sort((a, b) => a.seq - b.seq);
}

/** What a run that was killed (its journals left, never compacted) had begun to copy. */
export interface InterruptedRun {
  /** When S3 stored the first journal of a killed run, which it wrote before its first copy. */
  since: Date;
  /** Relative keys the killed runs were about to copy. */
  planned: Set<string>;
  /** The settings digests the killed runs copied with. */
  settingsDigests: Set<string>;
}

const baseSeq = (metadata: Record<string, string>) => Number(metadata[SEQ_METADATA] ?? 0) || 0;

/** What a reader finds at a manifest location. */
export interface ManifestRead {
  manifest?: Manifest;
  digest?: string;
  /**
   * Set when a run left journals the manifest does not include (it was killed before its finish)
   * and one of them is the journal it wrote before its first copy: every copy that run sent was
   * written after S3 stored that journal.
   */
  interrupted?: InterruptedRun;
}

/**
 * The manifest as the last run left it: the compacted object, then every journal written after it,
 * in order. No manifest and no journal: `{}`.
 */
export async function readManifest(client: S3Client, location: string): Promise<ManifestRead> {
  const { bucket, key } = parseManifestLocation(location);
  const [base, found] = await Promise.all([getObject(client, bucket, key), journals(client, bucket, key)]);
  let manifest = base ? asManifest(decode(base.body, location), location) : undefined;
  if (manifest) stampDigests(manifest);
  const pending = found.filter((j) => j.seq > (base ? baseSeq(base.metadata) : 0));
  let interrupted: InterruptedRun | undefined;

  for (let i = 0; i < pending.length; i += JOURNAL_READ_CONCURRENCY) {
    const batch = pending.slice(i, i + JOURNAL_READ_CONCURRENCY);
    const bodies = await Promise.all(batch.map((j) => getObject(client, bucket, j.key)));
    bodies.forEach((body, n) => {
      // Listed a moment ago and gone now: a concurrent finish compacted it into the manifest.
      if (!body) return;
      const where = `s3://${bucket}/${batch[n].key}`;
      const journal = asJournal(decode(body.body, where), where);
      manifest = apply(manifest, journal);
      interrupted = noteInterrupted(interrupted, journal, batch[n].lastModified);
    });
  }
  const extra = interrupted ? { interrupted } : {};
  return manifest ? { manifest, digest: manifestDigest(manifest), ...extra } : extra;
}

/** Adds one left-over journal to what is known of the killed runs. */
function noteInterrupted(
  known: InterruptedRun | undefined,
  j: Journal,
  storedAt: Date | undefined,
): InterruptedRun | undefined {
  const planned = Array.isArray(j.planned) ? j.planned.filter((k) => typeof k === "string") : undefined;
  if (!known && (!planned || !storedAt)) return undefined;
  const run = known ?? { since: storedAt!, planned: new Set<string>(), settingsDigests: new Set<string>() };
  run.settingsDigests.add(j.settingsDigest);
  if (planned && storedAt) {
    for (const k of planned) run.planned.add(k);
    if (storedAt < run.since) run.since = storedAt;
  }
  return run;
}

function apply(manifest: Manifest | undefined, j: Journal): Manifest {
  const m: Manifest = manifest ?? {
    format: MANIFEST_FORMAT,
    settingsDigest: j.settingsDigest,
    bucket: j.bucket,
    prefix: j.prefix,
    records: {},
  };
  m.settingsDigest = j.settingsDigest;
  m.bucket = j.bucket;
  m.prefix = j.prefix;
  if (j.owner) m.owner = j.owner;
  for (const [k, r] of Object.entries(j.set))
    setRecord(m.records, k, { settingsDigest: j.settingsDigest, ...r });
  for (const k of j.removed) delete m.records[k];
  return m;
}

/**
 * Collects a run's record changes. `base` is the manifest the run starts from, with the settings
 * digest this run copies with; records set without their own digest are stamped with it.
 */
export class ManifestWriter {
  private readonly bucket: string;
  private readonly key: string;
  private readonly state: Manifest;
  private pending = new Map<string, ManifestRecord | null>();
  private chain: Promise<void> = Promise.resolve();
  private nextSeq?: Promise<{ next: number }>;

  constructor(
    private readonly client: S3Client,
    private readonly location: string,
    base: Manifest,
  ) {
    ({ bucket: this.bucket, key: this.key } = parseManifestLocation(location));
    this.state = { ...base, records: { ...base.records } };
    stampDigests(this.state);
  }

  /**
   * The records as they stand, this run's changes included (each with its settings digest). A
   * live view, not a copy: a run of 100,000 objects keeps one map of its records, this one.
   */
  get records(): Readonly<Record<string, ManifestRecord>> {
    return this.state.records;
  }

  set(relativeKey: string, record: ManifestRecord): void {
    const stamped = compactRecord(record, this.state.settingsDigest);
    setRecord(this.state.records, relativeKey, stamped);
    this.pending.set(relativeKey, stamped);
  }

  remove(relativeKey: string): void {
    delete this.state.records[relativeKey];
    this.pending.set(relativeKey, null);
  }

  /** Writes what changed since the last checkpoint as one journal object; nothing if nothing did. */
  checkpoint(): Promise<void> {
    return this.queueJournal();
  }

  /**
   * Writes a journal before the run's first copy, naming the keys it is about to copy. Should the
   * run be killed, the next reader finds it left over: its Last-Modified bounds when the copies it
   * lost began, and `planned` which keys they can be.
   */
  begin(planned: string[]): Promise<void> {
    return this.queueJournal(planned);
  }

  /** Journals are written one after another, each after the last has settled. */
  private queueJournal(planned?: string[]): Promise<void> {
    const run = this.chain.catch(() => undefined).then(() => this.writeJournal(planned));
    this.chain = run;
    return run;
  }

  /**
   * Writes the whole manifest, then deletes the journals it now includes (in that order: a kill
   * between the two leaves journals the reader skips by sequence number). `bytes` is the
   * compressed size; `warnings` says when journals could not be deleted (the next finish retries).
   */
  async finish(): Promise<{ digest: string; bytes: number; records: number; warnings: string[] }> {
    await this.chain.catch(() => undefined);
    const seq = await this.sequence();
    const { body, digest } = await gzipCanonicalJson(this.state);
    await this.put(this.key, body, { [SEQ_METADATA]: String(seq.next - 1) });
    this.pending.clear();
    const warnings: string[] = [];
    try {
      const left = await deleteVersions(
        this.client,
        this.bucket,
        (k) => k.startsWith(journalPrefix(this.key)),
        journalPrefix(this.key),
      );
      if (left.length)
        warnings.push(`could not delete ${left.length} journal object(s) of ${this.location}: ${left[0]}`);
    } catch (err) {
      warnings.push(`could not delete the journal objects of ${this.location}: ${(err as Error).message}`);
    }
    return {
      digest,
      bytes: body.length,
      records: Object.keys(this.state.records).length,
      warnings,
    };
  }

  private async writeJournal(planned?: string[]): Promise<void> {
    if (this.pending.size === 0 && !planned) return;
    const taken = this.pending;
    this.pending = new Map();
    try {
      const seq = await this.sequence();
      const journal: Journal = {
        format: JOURNAL_FORMAT,
        seq: seq.next,
        settingsDigest: this.state.settingsDigest,
        bucket: this.state.bucket,
        prefix: this.state.prefix,
        owner: this.state.owner,
        set: {},
        removed: [],
        ...(planned ? { planned } : {}),
      };
      // Numbers are never reused, even after a failed write that may have landed.
      seq.next += 1;
      for (const [k, r] of taken) {
        if (r) setRecord(journal.set, k, r);
        else journal.removed.push(k);
      }
      await this.put(journalKey(this.key, journal.seq), gzipSync(canonicalJson(journal)));
    } catch (err) {
      // Keep the changes for the next checkpoint, unless a newer change to the key came since.
      for (const [k, r] of taken) if (!this.pending.has(k)) this.pending.set(k, r);
      throw err;
    }
  }

  /** The next journal number: above every journal present and above what the manifest includes. */
  private sequence(): Promise<{ next: number }> {
    this.nextSeq ??= (async () => {
      const [found, included] = await Promise.all([
        journals(this.client, this.bucket, this.key),
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key })).then(
          (h) => baseSeq(h.Metadata ?? {}),
          (err: unknown) => {
            if (isNotFound(err)) return 0;
            throw wrapAwsError("HeadObject", this.location, err);
          },
        ),
      ]);
      return { next: Math.max(included, ...found.map((j) => j.seq)) + 1 };
    })();
    // A failed look-up is retried by the next call.
    this.nextSeq.catch(() => (this.nextSeq = undefined));
    return this.nextSeq;
  }

  private async put(key: string, body: Buffer, metadata?: Record<string, string>): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          // Not Content-Encoding: gzip, which would invite clients to inflate it under us.
          ContentType: "application/json",
          Metadata: metadata,
        }),
      );
    } catch (err) {
      throw wrapAwsError("PutObject", `s3://${this.bucket}/${key}`, err);
    }
  }
}

/** Deletes every version (and delete marker) of the keys under `prefix` that `match` accepts; returns the failures. */
async function deleteVersions(
  client: S3Client,
  bucket: string,
  match: (key: string) => boolean,
  prefix: string,
): Promise<string[]> {
  const items: { Key: string; VersionId?: string }[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await client
      .send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      )
      .catch((err: unknown) => {
        throw wrapAwsError("ListObjectVersions", `s3://${bucket}/${prefix}`, err);
      });
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
      if (v.Key !== undefined && match(v.Key)) items.push({ Key: v.Key, VersionId: v.VersionId });
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);

  const failures: string[] = [];
  for (let i = 0; i < items.length; i += DELETE_BATCH) {
    const out = await client
      .send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: items.slice(i, i + DELETE_BATCH), Quiet: true },
        }),
      )
      .catch((err: unknown) => {
        throw wrapAwsError("DeleteObjects", `s3://${bucket}/${prefix}`, err);
      });
    for (const e of out.Errors ?? [])
      failures.push(`${e.Key ?? "?"}: ${e.Code ?? "error"} ${e.Message ?? ""}`.trim());
  }
  return failures;
}

/** Removes the manifest and its journals, every version of them. */
export async function deleteManifest(client: S3Client, location: string): Promise<void> {
  const { bucket, key } = parseManifestLocation(location);
  const failures = await deleteVersions(
    client,
    bucket,
    (k) => k === key || k.startsWith(journalPrefix(key)),
    key,
  );
  if (failures.length) {
    throw new ObjectCopyError(
      "MANIFEST_DELETE_FAILED",
      `could not delete ${failures.length} object(s) of the manifest ${location}: ${failures.slice(0, 3).join("; ")}`,
    );
  }
}

/**
 * Every manifest kept under the reserved prefix of `bucket`, as locations: compacted ones, and
 * those a killed run left as journals only. Destroy reads them to spare what another set records.
 */
export async function reservedManifests(client: S3Client, bucket: string): Promise<string[]> {
  const found = new Set<string>();
  for (const k of await listKeys(client, bucket, RESERVED_PREFIX)) {
    const journal = k.indexOf(".journal/");
    const key = journal >= 0 ? k.slice(0, journal) : k;
    if (key.endsWith(GZ)) found.add(`s3://${bucket}/${key}`);
  }
  return [...found].sort();
}

/**
 * Whether `key` in `bucket` is where sets keep their records: the reserved prefix (every set's
 * default manifest) or this set's own manifest and journals. A set never writes or deletes there,
 * since an object copied onto a manifest would forge that set's record of what it may delete.
 */
export function isManifestKey(manifestLocation: string, bucket: string, key: string): boolean {
  if (key.startsWith(RESERVED_PREFIX)) return true;
  const at = parseManifestLocation(manifestLocation);
  return at.bucket === bucket && (key === at.key || key.startsWith(journalPrefix(at.key)));
}
