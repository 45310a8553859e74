// A set's objects copied through setCopier, the same unit ObjectCopy copies through, against a
// real server: what lands at the destination equals its source, byte for byte, with the headers
// and tags each directive promises.
import { ListObjectsV2Command } from "@aws-sdk/client-s3";

import { MiB } from "../../provider/engine/constants";
import { setCopier } from "../../provider/engine/object";
import type { CopyTask, SourceEntry } from "../../provider/engine/set/types";
import { bytes, head, newBucket, openUploads, provider, put, tagsOf, verifier } from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

beforeEach(() => provider.reset());

const COUNT = 20;

/** Puts COUNT objects of different sizes, types, metadata and tags under `in/`. */
async function sources(bucket: string): Promise<void> {
  await Promise.all(
    Array.from({ length: COUNT }, (_, i) =>
      put(bucket, `in/dir${i % 3}/f${i}.txt`, `object ${i} `.repeat(i * 7 + 1), {
        ContentType: i % 2 ? "text/plain" : "application/json",
        CacheControl: `max-age=${i}`,
        Metadata: { index: String(i) },
        Tagging: `n=${i}&kind=src`,
      }),
    ),
  );
}

/** The source listing, as a set's listing reports it. */
async function listing(bucket: string): Promise<SourceEntry[]> {
  const out = await verifier().s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "in/" }));
  return (out.Contents ?? []).map((o) => ({
    key: o.Key!,
    size: o.Size!,
    etag: o.ETag!,
    lastModified: o.LastModified!.toISOString(),
    storageClass: o.StorageClass,
  }));
}

const taskFor = (src: string, dst: string, e: SourceEntry): CopyTask => ({
  sourceBucket: src,
  sourceKey: e.key,
  destBucket: dst,
  destKey: `out/${e.key.slice("in/".length)}`,
  entry: e,
});

describe("setCopier on a real server", () => {
  it("copies 20 objects under COPY: bytes, content headers, metadata and tags equal their sources", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await sources(src);
    const entries = await listing(src);
    expect(entries).toHaveLength(COUNT);

    const copy = await setCopier({ metadataDirective: "COPY" }, { sourceBucket: src, destBucket: dst });
    const results = await Promise.all(entries.map((e) => copy(taskFor(src, dst, e))));

    for (const [i, e] of entries.entries()) {
      const destKey = taskFor(src, dst, e).destKey;
      expect((await bytes(dst, destKey)).equals(await bytes(src, e.key))).toBe(true);
      const [s, d] = [await head(src, e.key), await head(dst, destKey)];
      expect(d.ContentType).toBe(s.ContentType);
      expect(d.CacheControl).toBe(s.CacheControl);
      expect(d.Metadata).toEqual(s.Metadata);
      expect(await tagsOf(dst, destKey)).toEqual(await tagsOf(src, e.key));
      expect(results[i].written).toMatchObject({ etag: d.ETag, size: e.size });
    }
  });

  it("copies 20 objects under MERGE: each keeps its own headers and metadata, with the declared ones laid over", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await sources(src);
    const entries = await listing(src);

    const copy = await setCopier(
      { metadataDirective: "MERGE", cacheControl: "public, max-age=31536000", metadata: { stage: "prod" } },
      { sourceBucket: src, destBucket: dst },
    );
    for (const e of entries) await copy(taskFor(src, dst, e));

    for (const e of entries) {
      const destKey = taskFor(src, dst, e).destKey;
      expect((await bytes(dst, destKey)).equals(await bytes(src, e.key))).toBe(true);
      const [s, d] = [await head(src, e.key), await head(dst, destKey)];
      expect(d.ContentType).toBe(s.ContentType);
      expect(d.CacheControl).toBe("public, max-age=31536000");
      expect(d.Metadata).toEqual({ ...s.Metadata, stage: "prod" });
      expect(await tagsOf(dst, destKey)).toEqual(await tagsOf(src, e.key));
    }
  });

  it("copies an object above the multipart threshold in parts, with its tags, and leaves no upload open", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    const body = Buffer.alloc(12 * MiB, 7);
    await put(src, "in/big.bin", body, { ContentType: "application/octet-stream", Tagging: "size=big" });
    const [e] = await listing(src);

    const copy = await setCopier(
      { multipartThreshold: 8 * MiB, partSize: 5 * MiB },
      { sourceBucket: src, destBucket: dst },
    );
    const result = await copy(taskFor(src, dst, e));

    expect((await bytes(dst, "out/big.bin")).equals(body)).toBe(true);
    expect((await head(dst, "out/big.bin")).ContentType).toBe("application/octet-stream");
    expect(await tagsOf(dst, "out/big.bin")).toEqual({ size: "big" });
    expect(result.written.size).toBe(12 * MiB);
    expect(await openUploads(dst)).toEqual([]);
  });

  // moto checks no copy-source If-Match, so only MinIO can refuse the stale copy.
  itIf(CAN.preconditions)(
    "fails with SOURCE_CHANGED_DURING_COPY when the source was overwritten after it was listed, writing nothing",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      await put(src, "in/a.txt", "first");
      const [e] = await listing(src);
      await put(src, "in/a.txt", "second, longer");

      const copy = await setCopier({}, { sourceBucket: src, destBucket: dst });
      const failed = copy(taskFor(src, dst, e));
      await expect(failed).rejects.toMatchObject({ code: "SOURCE_CHANGED_DURING_COPY" });
      // Pinned to the listing's ETag, this copy sent no HeadObject, so the message names none.
      await expect(failed).rejects.toThrow(
        /changed after it was read: it no longer has the ETag the CopyObject was pinned to \(412\)/,
      );
      const out = await verifier().s3.send(new ListObjectsV2Command({ Bucket: dst }));
      expect(out.KeyCount ?? 0).toBe(0);
    },
  );
});
