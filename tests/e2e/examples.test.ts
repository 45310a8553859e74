/*
 * Every runnable example under the real Pulumi CLI against moto, through the seven steps a user
 * goes through: up; change an input (an update, not a replace); source overwritten out of band;
 * a second up is a no-op; destination deleted out of band, refresh, up; destination key changed
 * (a replace that leaves one copy); destroy. After each step the exported state is searched for
 * credentials. Objects are always checked through a separate client.
 */
import { DeleteObjectCommand } from "@aws-sdk/client-s3";

import type { PulumiCli } from "../helpers/pulumi-cli";
import { bytes, exists, head, newBucket, newKmsKey, put, tagsOf, verifier, versionsOf } from "../helpers/s3";
import { E2E_ACCESS_KEY, E2E_SECRET_KEY } from "../servers/global-setup-e2e";
import { exampleStack, plannedChanges, stateResources } from "./harness";

interface Place {
  bucket: string;
  key: string;
  region?: string;
}

interface Scenario {
  example: string;
  /** Creates buckets and sources; returns the stack config and the objects the program manages. */
  seed(): Promise<{ config: Record<string, unknown>; copies: Place[]; source: Place & { body: string } }>;
  /** Step 2: config that changes one input, the update it must plan, and how to check it. */
  change(
    config: Record<string, unknown>,
  ): Promise<{ config: Record<string, unknown>; expect: Record<string, string[]>; verify(): Promise<void> }>;
  /** Step 6: config that moves the first copy to another key, and its new place. */
  rekey?(config: Record<string, unknown>, copies: Place[]): { config: Record<string, unknown>; moved: Place };
  /** Whether destroy removes the copies (false for in-place copies on an unversioned bucket). */
  destroyRemoves: boolean;
  /** In-place copies: deleting the destination deletes the source, which the user then restores. */
  inPlace?: boolean;
}

async function assertNoCredentials(cli: PulumiCli) {
  const state = await cli.exportState();
  expect(state).not.toContain(E2E_SECRET_KEY);
  expect(state).not.toContain(E2E_ACCESS_KEY);
}

async function runSteps(s: Scenario) {
  const { config, copies, source } = await s.seed();
  const cli = await exampleStack(s.example);
  try {
    // 1. up
    await cli.setConfig(config);
    await cli.up();
    for (const c of copies) expect((await bytes(c.bucket, c.key, c.region)).toString()).toBe(source.body);
    await assertNoCredentials(cli);

    // 2. change an input: exactly the expected update, no replace
    const change = await s.change(config);
    await cli.setConfig(change.config);
    expect(await plannedChanges(cli)).toEqual(change.expect);
    await cli.up();
    await change.verify();
    await assertNoCredentials(cli);

    // 3. overwrite the source out of band: preview shows updates, up copies the new bytes
    await put(source.bucket, source.key, "rebuilt " + source.body, {}, source.region);
    const afterOverwrite = await plannedChanges(cli);
    expect(Object.values(afterOverwrite).flat()).toEqual(copies.map(() => "update"));
    await cli.up();
    for (const c of copies)
      expect((await bytes(c.bucket, c.key, c.region)).toString()).toBe("rebuilt " + source.body);

    // 4. a second up is a no-op
    expect(await plannedChanges(cli)).toEqual({});

    // 5. delete the first destination out of band (every version of it); refresh drops it; up recreates it
    const first = copies[0];
    const before = await stateResources(cli);
    for (const v of await versionsOf(first.bucket, first.key, first.region)) {
      await verifier(first.region).s3.send(
        new DeleteObjectCommand({ Bucket: first.bucket, Key: first.key, VersionId: v }),
      );
    }
    if (await exists(first.bucket, first.key, first.region)) {
      await verifier(first.region).s3.send(new DeleteObjectCommand({ Bucket: first.bucket, Key: first.key }));
    }
    await cli.refresh();
    expect((await stateResources(cli)).length).toBe(before.length - 1);
    if (s.inPlace) await put(source.bucket, source.key, "restored " + source.body, {}, source.region);
    await cli.up();
    expect(await stateResources(cli)).toEqual(before);
    expect(await exists(first.bucket, first.key, first.region)).toBe(true);
    await assertNoCredentials(cli);

    // 6. change the destination key: a replace that leaves exactly one copy
    let live = copies;
    if (s.rekey) {
      const { config: moved, moved: place } = s.rekey(config, copies);
      await cli.setConfig(moved);
      expect(Object.values(await plannedChanges(cli)).flat()).toContain("replace");
      await cli.up();
      expect(await exists(place.bucket, place.key, place.region)).toBe(true);
      expect(await exists(first.bucket, first.key, first.region)).toBe(false);
      live = [place, ...copies.slice(1)];
    }

    // 7. destroy: the copies go (or stay, for in-place copies of unversioned originals); sources stay
    await cli.destroy();
    for (const c of live) expect(await exists(c.bucket, c.key, c.region)).toBe(!s.destroyRemoves);
    expect(await exists(source.bucket, source.key, source.region)).toBe(true);
    expect(await stateResources(cli)).toEqual([]);
    await assertNoCredentials(cli);
  } finally {
    await cli.destroy().catch(() => undefined);
    await cli.remove();
  }
}

const scenarios: Scenario[] = [
  {
    example: "basic-copy",
    destroyRemoves: true,
    async seed() {
      const src = await newBucket();
      const dst = await newBucket({ versioned: true });
      await put(src, "reports/summary.pdf", "pdf bytes", { ContentType: "application/pdf" });
      return {
        config: { sourceBucket: src, sourceKey: "reports/summary.pdf", destinationBucket: dst },
        copies: [{ bucket: dst, key: "reports/summary.pdf" }],
        source: { bucket: src, key: "reports/summary.pdf", body: "pdf bytes" },
      };
    },
    async change(config) {
      return {
        config: { ...config, storageClass: "STANDARD_IA" },
        expect: { copy: ["update"] },
        verify: async () => {
          const dst = config.destinationBucket as string;
          expect((await head(dst, "reports/summary.pdf")).StorageClass).toBe("STANDARD_IA");
          expect(await versionsOf(dst, "reports/summary.pdf")).toHaveLength(1);
        },
      };
    },
    rekey: (config) => ({
      config: { ...config, destinationKey: "archive/summary.pdf" },
      moved: { bucket: config.destinationBucket as string, key: "archive/summary.pdf" },
    }),
  },
  {
    example: "reencrypt-with-kms",
    destroyRemoves: false,
    inPlace: true,
    async seed() {
      const bucket = await newBucket();
      const k1 = await newKmsKey("us-east-1", { alias: `alias/e2e-a-${Date.now()}` });
      await put(bucket, "ledger.parquet", "ledger");
      return {
        config: { bucket, key: "ledger.parquet", kmsKeyId: k1.alias },
        copies: [{ bucket, key: "ledger.parquet" }],
        source: { bucket, key: "ledger.parquet", body: "ledger" },
      };
    },
    async change(config) {
      const k2 = await newKmsKey("us-east-1");
      return {
        config: { ...config, kmsKeyId: k2.arn },
        expect: { reencrypted: ["update"] },
        verify: async () =>
          expect((await head(config.bucket as string, "ledger.parquet")).SSEKMSKeyId).toBe(k2.arn),
      };
    },
  },
  {
    example: "metadata-in-place",
    destroyRemoves: false,
    inPlace: true,
    async seed() {
      const bucket = await newBucket();
      await put(bucket, "index.html", "<html>", { ContentType: "text/html" });
      return {
        config: { bucket, keys: ["index.html"], cacheControl: "max-age=60" },
        copies: [{ bucket, key: "index.html" }],
        source: { bucket, key: "index.html", body: "<html>" },
      };
    },
    async change(config) {
      return {
        config: { ...config, cacheControl: "max-age=600" },
        expect: { "headers-index.html": ["update"] },
        verify: async () => {
          const h = await head(config.bucket as string, "index.html");
          expect([h.CacheControl, h.ContentType]).toEqual(["max-age=600", "text/html"]);
        },
      };
    },
  },
  {
    example: "promote-across-regions",
    destroyRemoves: true,
    async seed() {
      const build = await newBucket({ region: "us-west-2" });
      await put(build, "app-1.0.zip", "zip", {}, "us-west-2");
      const releases = [];
      for (const region of ["eu-west-1", "ap-southeast-2"]) {
        const k = await newKmsKey(region, { alias: `alias/e2e-release-${Date.now()}` });
        releases.push({ bucket: await newBucket({ region, versioned: true }), region, kmsKeyId: k.alias });
      }
      return {
        config: { buildBucket: build, buildRegion: "us-west-2", artifactKey: "app-1.0.zip", releases },
        copies: releases.map((r) => ({ bucket: r.bucket, key: "app-1.0.zip", region: r.region })),
        source: { bucket: build, key: "app-1.0.zip", region: "us-west-2", body: "zip" },
      };
    },
    async change(config) {
      const releases = config.releases as { bucket: string; region: string }[];
      return {
        config: { ...config, tags: { stage: "release", channel: "stable" } },
        expect: { "release-eu-west-1": ["update"], "release-ap-southeast-2": ["update"] },
        verify: async () => {
          for (const r of releases) {
            expect(await tagsOf(r.bucket, "app-1.0.zip", r.region)).toEqual({
              stage: "release",
              channel: "stable",
            });
            // Tags alone: applied in place, no new version.
            expect(await versionsOf(r.bucket, "app-1.0.zip", r.region)).toHaveLength(1);
          }
        },
      };
    },
  },
  {
    example: "large-object",
    destroyRemoves: true,
    async seed() {
      const src = await newBucket();
      const dst = await newBucket();
      const body = "x".repeat(11 * 1024 * 1024);
      await put(src, "dataset.bin", body);
      return {
        config: {
          sourceBucket: src,
          sourceKey: "dataset.bin",
          destinationBucket: dst,
          multipartThreshold: 5 * 1024 * 1024,
          partSize: 5 * 1024 * 1024,
        },
        copies: [{ bucket: dst, key: "dataset.bin" }],
        source: { bucket: src, key: "dataset.bin", body },
      };
    },
    async change(config) {
      const before = await head(config.destinationBucket as string, "dataset.bin");
      return {
        config: { ...config, concurrency: 2 },
        expect: { "large-copy": ["update"] },
        verify: async () => {
          // A setting only: recorded without copying again.
          const after = await head(config.destinationBucket as string, "dataset.bin");
          expect([after.ETag, after.LastModified]).toEqual([before.ETag, before.LastModified]);
        },
      };
    },
    rekey: (config) => ({
      config: { ...config, destinationKey: "dataset-v2.bin" },
      moved: { bucket: config.destinationBucket as string, key: "dataset-v2.bin" },
    }),
  },
];

jest.setTimeout(600_000);

describe("examples under the real Pulumi CLI", () => {
  it.each(scenarios.map((s) => [s.example, s] as const))(
    "%s: up, change, source change, no-op, refresh, rekey, destroy",
    async (_name, s) => {
      await runSteps(s);
    },
  );
});
