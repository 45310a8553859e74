// What an ObjectCopySet takes and keeps: its inputs as check leaves them, and its state, which
// holds counts and the manifest's location but never a record per object.
import { SET_IDENTITY_INPUTS, SET_OBSERVED_OUTPUTS } from "../rules/set-properties";
import type { ObjectSettings } from "./types";

/** The inputs as check leaves them: defaults written out, the manifest's location decided. */
export interface SetInputs extends ObjectSettings {
  source: string;
  include?: string[];
  exclude?: string[];
  keys?: string[];
  bucket: string;
  prefix: string;
  deleteRemoved?: boolean;
  adopt?: boolean;
  manifestLocation: string;
  batchOperations?: BatchOperationsInput;
  __setProject?: string;
  __setStack?: string;
  __setName?: string;
}

/** `batchOperations` as check leaves it: run the set's copies as an S3 Batch Operations job. */
export interface BatchOperationsInput {
  roleArn: string;
  report: { bucket: string; prefix?: string };
  priority?: number;
  accountId?: string;
  wait?: "complete" | "started";
  /** The S3 Control endpoint (a simulator, a FIPS or VPC endpoint); the SDK's otherwise. */
  endpoint?: string;
}

/** The set's last Batch Operations job, as the state keeps it. */
export interface BatchJobState {
  jobId: string;
  accountId: string;
  region: string;
  status: string;
  totalTasks: number;
  succeeded: number;
  failed: number;
  /** s3:// URI of the completion report's manifest.json. */
  reportLocation: string;
  /** s3:// URI of the CSV manifest the job ran over. */
  manifestCsv: string;
  /** When S3 answered CreateJob (ISO 8601). */
  createdAt: string;
  /** What the job was estimated to cost, and where the figures come from. */
  estimate: string;
  failureReasons?: string[];
  /** True once the report's results are in the set's manifest. */
  recorded: boolean;
  /** Set when AWS no longer knows the job (it deletes them 90 days after they end). */
  note?: string;
}

/** What the last up did, by object. */
export interface SetRunCounts {
  copied: number;
  recopied: number;
  deleted: number;
  adopted: number;
  failed: number;
}

/** What refresh found changed under the destination prefix since the set wrote it. */
export interface SetDrift {
  missing: number;
  overwritten: number;
  /** A few of the keys (relative to the prefix), never all of them: state stays small. */
  examples: string[];
}

/**
 * The set's state: its inputs without the SSE-C keys, and counts. The per-key records live in the
 * manifest, so the state's size does not grow with the number of objects.
 */
export interface SetOutputs extends Omit<SetInputs, "customerKey" | "sourceCustomerKey"> {
  manifestDigest?: string;
  objectCount: number;
  totalBytes: number;
  lastRun?: SetRunCounts;
  drift?: SetDrift;
  batchJob?: BatchJobState;
}

/** Keys, with their error codes, named in a failure or a summary line. */
export const MAX_EXAMPLE_KEYS = 5;
/** Example keys on the preview's summary line. */
export const SUMMARY_EXAMPLE_KEYS = 3;

/** Inputs whose change means a different set of objects or another record: a replacement. */
export const REPLACE_PROPS = ["bucket", "prefix", "manifestLocation"] as const;
/** Inputs that say which objects and where, not how each one is written. */
const SET_ONLY_PROPS = [
  "source",
  "include",
  "exclude",
  "keys",
  "bucket",
  "prefix",
  "deleteRemoved",
  "adopt",
  "manifestLocation",
  "concurrency",
  "batchOperations",
  ...SET_IDENTITY_INPUTS,
] as const;

export function stripSecrets(inputs: SetInputs): Omit<SetInputs, "customerKey" | "sourceCustomerKey"> {
  const { customerKey: _k, sourceCustomerKey: _s, ...rest } = inputs;
  return rest;
}

/** The per-object settings, as the shared copy unit and the settings digest take them. */
export function objectSettings(inputs: SetInputs): ObjectSettings {
  const out: Record<string, unknown> = { ...inputs };
  for (const p of [...SET_ONLY_PROPS, ...SET_OBSERVED_OUTPUTS]) delete out[p];
  return out as ObjectSettings;
}
