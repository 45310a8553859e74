import {
  DeleteObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";

import { deleteObjects } from "../../provider/engine/set/delete";
import { exists, newBucket, put, verifier, versionsOf } from "../helpers/s3";
import { SERVER } from "../helpers/server";

/** A client that counts the DeleteObjects requests it sends (every HTTP attempt) and their sizes. */
function countingClient(): { client: S3Client; batches: number[]; attempts: () => number } {
  const client = verifier().s3;
  const batches: number[] = [];
  let attempts = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "DeleteObjectsCommand") {
        batches.push((args.input as { Delete: { Objects: unknown[] } }).Delete.Objects.length);
      }
      return next(args);
    },
    { step: "initialize", name: "countDeleteBatches" },
  );
  // The deserialize step runs inside the retry loop, so it sees each attempt on the wire.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "DeleteObjectsCommand") attempts += 1;
      return next(args);
    },
    { step: "deserialize", name: "countDeleteAttempts" },
  );
  return { client, batches, attempts: () => attempts };
}

async function putMany(bucket: string, keys: string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < keys.length) await put(bucket, keys[next++], "x");
    }),
  );
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await verifier().s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

describe("deleteObjects", () => {
  it("deletes 2,345 objects in 3 DeleteObjects requests and leaves an object someone else put under the prefix", async () => {
    const bucket = await newBucket();
    const ours = Array.from({ length: 2345 }, (_, i) => `site/f${String(i).padStart(4, "0")}.html`);
    await putMany(bucket, ours);
    await put(bucket, "site/someone-elses.html", "theirs");
    await put(bucket, "elsewhere/keep", "theirs");

    const { client, batches, attempts } = countingClient();
    const result = await deleteObjects({ client, bucket, items: ours.map((key) => ({ key })) });

    expect(result).toEqual({ deleted: 2345, failures: [] });
    expect(batches).toEqual([1000, 1000, 345]);
    expect(attempts()).toBe(3);
    expect(await keysUnder(bucket, "")).toEqual(["elsewhere/keep", "site/someone-elses.html"]);
  });

  it("on a versioned bucket deletes exactly the versions given, adds no delete marker, and leaves other versions and keys", async () => {
    const bucket = await newBucket({ versioned: true });
    const older = await put(bucket, "p/a", "someone else's older version");
    const oursA = await put(bucket, "p/a", "ours");
    const newer = await put(bucket, "p/a", "someone else's newer version");
    const oursB = await put(bucket, "p/b", "ours");
    const unpinned = await put(bucket, "p/c", "ours, but no version recorded");
    await put(bucket, "p/other", "theirs");
    // A version already deleted (a destroy that ran before) counts as deleted, not as a failure.
    const gone = await put(bucket, "p/d", "ours, deleted earlier");
    await verifier().s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "p/d", VersionId: gone }));

    const { client, attempts } = countingClient();
    const result = await deleteObjects({
      client,
      bucket,
      items: [
        { key: "p/a", versionId: oursA },
        { key: "p/b", versionId: oursB },
        { key: "p/c" },
        { key: "p/d", versionId: gone },
      ],
    });

    expect(result.deleted).toBe(3);
    expect(result.failures).toEqual([
      {
        key: "p/c",
        code: "DELETE_VERSION_UNKNOWN",
        message: expect.stringMatching(/only add a delete marker/),
      },
    ]);
    expect(attempts()).toBe(1);
    expect((await versionsOf(bucket, "p/a")).sort()).toEqual([older, newer].sort());
    expect(await versionsOf(bucket, "p/b")).toEqual([]);
    expect(await versionsOf(bucket, "p/c")).toEqual([unpinned]);
    expect(await exists(bucket, "p/other")).toBe(true);
    const listed = await verifier().s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "p/" }));
    expect(listed.DeleteMarkers ?? []).toEqual([]);
  });

  it("reports a version Object Lock protects as that key's failure and still deletes the rest of its batch", async () => {
    const bucket = await newBucket({ objectLock: true });
    const free = await put(bucket, "p/free", "ours");
    const locked = await put(bucket, "p/locked", "ours, under retention", {
      ObjectLockMode: "GOVERNANCE",
      ObjectLockRetainUntilDate: new Date(Date.now() + 24 * 3600_000),
    });
    const { client, attempts } = countingClient();
    const result = await deleteObjects({
      client,
      bucket,
      items: [
        { key: "p/free", versionId: free },
        { key: "p/locked", versionId: locked },
      ],
    });
    expect(result.deleted).toBe(1);
    expect(result.failures).toEqual([
      {
        key: "p/locked",
        // S3 and moto answer AccessDenied, MinIO InvalidRequest ("WORM protected").
        code: SERVER === "minio" ? "InvalidRequest" : "AccessDenied",
        message: expect.stringMatching(
          new RegExp(
            `^DeleteObjects on s3://${bucket}/p/locked \\(version ${locked}\\) failed with \\w+: .*(lock|WORM)`,
          ),
        ),
      },
    ]);
    expect(attempts()).toBe(1);
    expect(await versionsOf(bucket, "p/free")).toEqual([]);
    expect(await versionsOf(bucket, "p/locked")).toEqual([locked]);
  });

  it("sends nothing for an empty list", async () => {
    const bucket = await newBucket();
    const { client, attempts } = countingClient();
    expect(await deleteObjects({ client, bucket, items: [] })).toEqual({ deleted: 0, failures: [] });
    expect(attempts()).toBe(0);
  });
});
