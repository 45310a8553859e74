// Reading a job manifest (S3BatchOperations_CSV_20180820) into tasks, for the batch-ops simulator.
//
// Keys in the manifest are URL-encoded (user guide, batch-ops-create-job). They are decoded here by
// percent-decoding only: "+" stays "+". S3 Inventory reports, a different manifest format, write a
// space as "+" (cloud-custodian#1997), and no source found says the CSV format does, so a raw "+" is
// ambiguous: it is decoded as "+" and reported as a warning. A writer that encodes "+" as %2B and a
// space as %20 is read the same either way.

import { showValue } from "../../../provider/engine/errors";
import type { JobRequest } from "./create-job";
import { parseCsv } from "./csv";
import type { SimulatedTask } from "./tasks";

/** Why a manifest cannot be run; the job fails with this as its FailureReasons entry. */
export class ManifestError extends Error {
  constructor(
    readonly failureCode: string,
    message: string,
  ) {
    super(message);
    this.name = "ManifestError";
  }
}

export interface ReadManifest {
  tasks: SimulatedTask[];
  warnings: string[];
}

export function readManifest(text: string, request: JobRequest): ReadManifest {
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (e) {
    throw new ManifestError("ManifestParseFailed", (e as Error).message);
  }
  if (rows.length === 0) throw new ManifestError("ManifestEmpty", "The manifest lists no objects.");
  const { fields } = request.manifest;
  const warnings: string[] = [];
  const tasks = rows.map((cells, i): SimulatedTask => {
    const row = i + 1;
    if (cells.length !== fields.length) {
      throw new ManifestError(
        "ManifestParseFailed",
        `Manifest row ${row} has ${cells.length} fields; Manifest.Spec.Fields declares ${fields.length} (${fields.join(",")}).`,
      );
    }
    const [bucket, manifestKey, versionId] = cells as [string, string, string | undefined];
    if (!bucket) throw new ManifestError("ManifestParseFailed", `Manifest row ${row} has an empty Bucket.`);
    let key: string;
    try {
      key = decodeURIComponent(manifestKey);
    } catch {
      throw new ManifestError(
        "ManifestParseFailed",
        `Manifest row ${row}: key ${showValue(manifestKey)} is not valid URL encoding.`,
      );
    }
    if (!key) throw new ManifestError("ManifestParseFailed", `Manifest row ${row} has an empty Key.`);
    if (manifestKey.includes("+")) {
      warnings.push(
        `manifest row ${row}: key ${showValue(manifestKey)} has a raw "+", read as "+"; AWS may read it as a space: encode it as %2B`,
      );
    }
    return {
      row,
      bucket,
      manifestKey,
      key,
      versionId: versionId || undefined,
      status: "pending",
      destinationKey: request.operation.targetKeyPrefix + key,
    };
  });
  return { tasks, warnings };
}

/** ETags compare without their quotes: S3 answers them quoted, callers often send them bare. */
export function sameEtag(a: string, b: string): boolean {
  const bare = (s: string) => s.trim().replace(/^"|"$/g, "");
  return bare(a) === bare(b);
}
