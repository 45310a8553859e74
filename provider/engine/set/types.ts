/**
 * The shapes the parts of an ObjectCopySet agree on: what the source listing yields, what the
 * manifest records per key, what a plan contains, and the one function through which a set copies
 * an object (the same unit ObjectCopy uses). Plain data, no S3 calls.
 */
import type { CopyInputs } from "../types";

/** Where a set reads from: the source bucket and the raw S3 key prefix (may be ""). */
export interface SourceLocation {
  bucket: string;
  prefix: string;
}

/** One source object as ListObjectsV2 reports it. Keys are full S3 keys, not relative. */
export interface SourceEntry {
  key: string;
  size: number;
  etag: string;
  /** ISO 8601, as the listing gave it. */
  lastModified: string;
  storageClass?: string;
}

/** What the set wrote for one key: enough to delete exactly that, and to notice it changed. */
export interface WrittenObject {
  /** Destination version id on a versioned bucket; undefined (or "null") otherwise. */
  versionId?: string;
  etag?: string;
  size: number;
  /** ISO 8601, when the copy's answer said. */
  lastModified?: string;
  /**
   * Versions of this key that the set's own earlier copies wrote and a re-copy superseded, kept
   * until they are deleted (versioned buckets only).
   */
  superseded?: string[];
}

/** One key's record in the manifest, under its key relative to the source prefix. */
export interface ManifestRecord {
  /** The source's listing entry at copy time; a change of any field means "re-copy". */
  source: { etag: string; size: number; lastModified: string; versionId?: string };
  dest: WrittenObject;
  /** True when `adopt` recorded an existing destination object instead of copying. */
  adopted?: boolean;
  /**
   * The settings digest this key was copied with. Per record, so that a run killed half-way
   * through a settings change re-copies exactly the keys still on the old settings. When absent,
   * the manifest's `settingsDigest` (the manifest writer stamps it on every record it stores).
   */
  settingsDigest?: string;
}

export const MANIFEST_FORMAT = "pulumi-s3-object-copy/set-manifest/1";

/**
 * The resource a manifest belongs to (the hidden inputs the resource class passes). Two sets that
 * shared one manifest would delete each other's objects, so a set refuses a manifest of another.
 */
export interface SetOwner {
  project: string;
  stack: string;
  name: string;
}

/** The per-key record of a set, kept in S3 (gzip JSON), never in Pulumi state. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  /**
   * Digest of the per-object settings the records were copied with (directive, metadata, SSE,
   * storage class, tags, ACL, ...): a change re-copies every key.
   */
  settingsDigest: string;
  /** Destination bucket and prefix the records' keys are relative to. */
  bucket: string;
  prefix: string;
  /** Absent in manifests written before owners were recorded, and for sets made without the class. */
  owner?: SetOwner;
  records: Record<string, ManifestRecord>;
}

/** One object to copy: relative key, its source entry, and the record it replaces (re-copies). */
export interface PlannedCopy {
  relativeKey: string;
  sourceKey: string;
  destKey: string;
  entry: SourceEntry;
  previous?: ManifestRecord;
}

/** One object the set wrote that must go (source gone or no longer selected). */
export interface PlannedDelete {
  relativeKey: string;
  destKey: string;
  record: ManifestRecord;
}

/** What an up must do, worked out from the listing and the manifest alone (pure). */
export interface SetPlan {
  created: PlannedCopy[];
  updated: PlannedCopy[];
  deleted: PlannedDelete[];
  unchanged: number;
  /**
   * Source keys left out because their destination key is where sets keep manifests and journals
   * (the reserved prefix, or this set's own manifest): copying them could forge a set's record.
   */
  skipped?: string[];
}

/**
 * The per-object settings of a set: every ObjectCopy input that is not about which object
 * (bucket, key, source) or about one object's life (tracking, restore waits).
 */
export type ObjectSettings = Omit<CopyInputs, "bucket" | "key" | "source">;

/** What a set hands the shared copy unit for one object. */
export interface CopyTask {
  sourceBucket: string;
  sourceKey: string;
  destBucket: string;
  destKey: string;
  /** The listing entry: the copy is pinned to its ETag so a changed source fails instead of tearing. */
  entry: SourceEntry;
  /** The record of this key's previous copy, on a re-copy. */
  previous?: ManifestRecord;
}

/** The result of one object's copy, as the set records it. */
export interface CopyTaskResult {
  sourceVersionId?: string;
  written: WrittenObject;
}

/** The function a set copies through: the same unit ObjectCopy uses, never a second copy path. */
export type CopyOne = (task: CopyTask, signal?: AbortSignal) => Promise<CopyTaskResult>;
