import { bytes, head, newBucket, provider, put, tagsOf } from "../helpers/s3";

beforeEach(() => provider.reset());

describe("create", () => {
  it("copies bytes, metadata and content headers with the default COPY directive", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a.txt", "hello world", {
      ContentType: "text/plain",
      CacheControl: "max-age=60",
      Metadata: { owner: "team-a" },
      Tagging: "env=dev",
    });

    const outs = await provider.create({ bucket: dst, key: "copy.txt", source: `${src}/a.txt` });

    expect((await bytes(dst, "copy.txt")).toString()).toBe("hello world");
    const h = await head(dst, "copy.txt");
    expect(h.ContentType).toBe("text/plain");
    expect(h.CacheControl).toBe("max-age=60");
    expect(h.Metadata).toEqual({ owner: "team-a" });
    expect(await tagsOf(dst, "copy.txt")).toEqual({ env: "dev" });
    expect(outs).toMatchObject({
      bucket: dst,
      key: "copy.txt",
      metadataDirective: "COPY",
      copyMethod: "CopyObject",
      contentLength: 11,
      etag: h.ETag,
      storageClass: "STANDARD",
      deleteBehavior: "delete-object",
    });
    expect(outs.sourceEtag).toBe((await head(src, "a.txt")).ETag);
  });
});
