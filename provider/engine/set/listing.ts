/**
 * The source listing of a set: every object under a prefix, with the fields change detection
 * compares (ETag, size, LastModified). One ListObjectsV2 lister reads about 1,000 keys a request
 * and its pages are strictly sequential, so a prefix is split on `/` and its sub-prefixes are
 * listed side by side.
 */
import {
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
  type _Object,
} from "@aws-sdk/client-s3";

import { ObjectCopyError, wrapAwsError } from "../errors";
import { holdLeanHeap, LEAN_HEAP_MIN_OBJECTS } from "./lean-heap";
import { RESERVED_PREFIX } from "./manifest";
import type { SourceEntry } from "./types";

/** Sub-prefixes listed at once: well inside S3's 5,500 GET/s per prefix and the socket pool. */
export const LISTING_CONCURRENCY = 16;
/**
 * How deep a lone sub-prefix is split again (`bucket/` holding only `site/` holding only `v1/`):
 * each level costs one delimited request, and a prefix with several children is split no further.
 */
export const MAX_SPLIT_DEPTH = 4;

export interface ListOptions {
  client: S3Client;
  bucket: string;
  prefix: string;
  /** Keys to leave out besides the reserved prefix (a manifest kept elsewhere, say). */
  skip?: (key: string) => boolean;
  owner?: { ExpectedBucketOwner?: string; RequestPayer?: "requester" };
  signal?: AbortSignal;
}

export interface Listing {
  /** Sorted by key. */
  entries: SourceEntry[];
  /** ListObjectsV2 requests sent. */
  requests: number;
}

export async function listObjects(opts: ListOptions): Promise<Listing> {
  const lister = new Lister(opts);
  // Most sets are small: one plain page answers them whole, where the split below would send one
  // request per sub-prefix. A truncated first page is thrown away (one request) and the split runs.
  const first = await lister.firstPage(opts.prefix);
  if (first) return { entries: sortByKey(first), requests: lister.requests };
  const release = holdLeanHeap();
  let listed: Listing | undefined;
  try {
    listed = await splitListing(lister, opts.prefix);
    return listed;
  } finally {
    // A large listing is followed by a large copy: the bounds linger until it starts.
    release((listed?.entries.length ?? 0) >= LEAN_HEAP_MIN_OBJECTS);
  }
}

/** A prefix of more than one page: split on `/`, its sub-prefixes listed side by side. */
async function splitListing(lister: Lister, prefix: string): Promise<Listing> {
  const entries: SourceEntry[] = [];
  let prefixes = [prefix];
  // Split while the listing is a chain of lone sub-prefixes, then list the children in parallel.
  for (let depth = 0; ; depth += 1) {
    const level = await lister.delimited(prefixes[0]);
    entries.push(...level.entries);
    prefixes = level.prefixes.filter((p) => !reserved(p));
    if (prefixes.length !== 1 || level.entries.length > 0 || depth + 1 >= MAX_SPLIT_DEPTH) break;
  }
  const lists = await mapLimited(prefixes, LISTING_CONCURRENCY, (p) => lister.all(p));
  // Not push(...list): a sub-prefix of some 100,000 keys would overflow the call's arguments.
  for (const list of lists) for (const e of list) entries.push(e);
  return { entries: sortByKey(entries), requests: lister.requests };
}

const sortByKey = (entries: SourceEntry[]) =>
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/** The set's own manifests and journals live here; no set copies or deletes them. */
const reserved = (key: string) => key.startsWith(RESERVED_PREFIX);

class Lister {
  requests = 0;
  constructor(private readonly opts: ListOptions) {}

  /** One level under `prefix`: its direct keys and its `/`-delimited sub-prefixes. */
  async delimited(prefix: string): Promise<{ entries: SourceEntry[]; prefixes: string[] }> {
    const entries: SourceEntry[] = [];
    const prefixes: string[] = [];
    await this.pages(prefix, "/", (page) => {
      entries.push(...this.keep(page.Contents));
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) prefixes.push(p.Prefix);
    });
    return { entries, prefixes };
  }

  /** Every key under `prefix` when one undelimited page holds them all; undefined when truncated. */
  async firstPage(prefix: string): Promise<SourceEntry[] | undefined> {
    let entries: SourceEntry[] | undefined;
    await this.pages(prefix, undefined, (page) => {
      entries = page.IsTruncated ? undefined : this.keep(page.Contents);
      return false;
    });
    return entries;
  }

  /** Every key under `prefix`, page after page. */
  async all(prefix: string): Promise<SourceEntry[]> {
    const entries: SourceEntry[] = [];
    await this.pages(prefix, undefined, (page) => {
      entries.push(...this.keep(page.Contents));
    });
    return entries;
  }

  private keep(objects: _Object[] | undefined): SourceEntry[] {
    const out: SourceEntry[] = [];
    for (const o of objects ?? []) {
      if (o.Key === undefined || reserved(o.Key) || this.opts.skip?.(o.Key)) continue;
      out.push({
        key: o.Key,
        size: o.Size ?? 0,
        etag: o.ETag ?? "",
        lastModified: o.LastModified ? o.LastModified.toISOString() : "",
        ...(o.StorageClass ? { storageClass: o.StorageClass } : {}),
      });
    }
    return out;
  }

  private async pages(
    prefix: string,
    delimiter: string | undefined,
    /** Returns false to stop after this page. */
    onPage: (page: ListObjectsV2CommandOutput) => void | boolean,
  ): Promise<void> {
    const { client, bucket, owner, signal } = this.opts;
    let token: string | undefined;
    do {
      if (signal?.aborted) throw cancelled(bucket, prefix);
      this.requests += 1;
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix || undefined,
            Delimiter: delimiter,
            ContinuationToken: token,
            ...owner,
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        if (signal?.aborted) throw cancelled(bucket, prefix);
        throw wrapAwsError("ListObjectsV2", `s3://${bucket}/${prefix}`, err);
      }
      if (onPage(page) === false) return;
      // A truncated page without a token would loop forever; S3 always sends one, so stop.
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}

const cancelled = (bucket: string, prefix: string) =>
  new ObjectCopyError("CANCELLED", `listing s3://${bucket}/${prefix} was cancelled`);

/** `fn` over `items` with at most `limit` running; the first failure rejects and starts no more. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        results[i] = await fn(items[i]);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
