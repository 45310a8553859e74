/**
 * Which objects a set wrote have since been deleted or overwritten by someone else, judged from one
 * listing of the destination prefix (no HEAD per key). Pure: the caller lists, this compares.
 */
import type { Manifest, SourceEntry } from "./types";

/** ETags as S3 quotes them in one answer and not in another: compare without the quotes. */
const bareEtag = (etag: string) => etag.replace(/^"|"$/g, "");

/**
 * To the second: a listing and a copy's answer may render the same instant with or without
 * milliseconds. A time that does not parse says nothing either way.
 */
function differentSecond(a: string, b: string): boolean {
  const [x, y] = [Date.parse(a), Date.parse(b)].map((ms) => Math.floor(ms / 1000));
  return Number.isFinite(x) && Number.isFinite(y) && x !== y;
}

export function destinationDrift(
  manifest: Manifest,
  live: SourceEntry[],
): { missing: string[]; overwritten: string[] } {
  const byRelativeKey = new Map<string, SourceEntry>();
  for (const entry of live) {
    if (entry.key.startsWith(manifest.prefix))
      byRelativeKey.set(entry.key.slice(manifest.prefix.length), entry);
  }
  const missing: string[] = [];
  const overwritten: string[] = [];
  for (const relativeKey of Object.keys(manifest.records).sort()) {
    const wrote = manifest.records[relativeKey].dest;
    const now = byRelativeKey.get(relativeKey);
    if (!now) missing.push(relativeKey);
    else if (
      now.size !== wrote.size ||
      (wrote.etag !== undefined && bareEtag(now.etag) !== bareEtag(wrote.etag)) ||
      (wrote.lastModified !== undefined && differentSecond(now.lastModified, wrote.lastModified))
    ) {
      overwritten.push(relativeKey);
    }
  }
  return { missing, overwritten };
}
