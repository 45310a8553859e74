/*
 * Two copies chained through the first one's `uri` output, under the real Pulumi CLI: when the
 * first one's source changes out of band, the preview must list an update for both, not only the
 * first (after which `up` would update the second as well, unannounced).
 */
import * as path from "node:path";

import { bytes, newBucket, put, versionsOf } from "../helpers/s3";
import { exampleStack, plannedChanges } from "./harness";

it("lists updates for both copies of a chain when the first one's source changes, then up makes the preview empty", async () => {
  const src = await newBucket({ versioned: true });
  const bucket = await newBucket({ versioned: true });
  await put(src, "app.zip", "build 1");
  const cli = await exampleStack("chained-copy", path.join(__dirname, "fixtures"));
  try {
    await cli.setConfig({ sourceBucket: src, sourceKey: "app.zip", bucket });
    await cli.up();
    expect((await bytes(bucket, "released/app.zip")).toString()).toBe("build 1");
    const first = (await cli.outputs()) as { stagedUri: string; releasedSource: string };
    expect(first.releasedSource).toBe(first.stagedUri);
    expect(first.stagedUri).toMatch(new RegExp(`^s3://${bucket}/staged/app\\.zip\\?versionId=.+`));
    expect(await plannedChanges(cli)).toEqual({});

    await put(src, "app.zip", "build 2");
    expect(await plannedChanges(cli)).toEqual({ staged: ["update"], released: ["update"] });

    await cli.up();
    expect((await bytes(bucket, "released/app.zip")).toString()).toBe("build 2");
    const second = (await cli.outputs()) as { stagedUri: string; releasedSource: string };
    expect(second.stagedUri).not.toBe(first.stagedUri);
    expect(second.releasedSource).toBe(second.stagedUri);
    expect(await plannedChanges(cli)).toEqual({});

    await cli.destroy();
    expect(await versionsOf(bucket, "staged/app.zip")).toEqual([]);
    expect(await versionsOf(bucket, "released/app.zip")).toEqual([]);
  } finally {
    await cli.destroy().catch(() => undefined);
    await cli.remove();
  }
});
