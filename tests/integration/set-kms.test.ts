// ObjectCopySet with SSE-KMS: the alias is resolved once for the whole set, every object is written
// under the key's ARN, and declaring another key re-copies every object.
import { DescribeKeyCommand, KMSClient, UpdateAliasCommand } from "@aws-sdk/client-kms";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";

import { objectCopySetProvider } from "../../provider/set-dynamic";
import type { SetOutputs } from "../../provider/engine/set";
import { head, newBucket, newKmsKey, provider, put, verifier } from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

let n = 0;
const identity = () => ({ __setProject: "proj", __setStack: "kms", __setName: `set-${++n}` });

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const r = await objectCopySetProvider.check!(olds, news);
  if (r.failures?.length) throw new Error(`check failed: ${JSON.stringify(r.failures)}`);
  return r.inputs as Record<string, unknown>;
}

async function userKeys(bucket: string): Promise<string[]> {
  const out = await verifier().s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key!).filter((k) => !k.startsWith(".pulumi-s3-object-copy/"));
}

let logs: string[] = [];
let describeKeys: string[] = [];
beforeEach(() => {
  provider.reset();
  logs = [];
  describeKeys = [];
  jest.spyOn(console, "log").mockImplementation((line: string) => void logs.push(String(line)));
  const send = KMSClient.prototype.send;
  jest.spyOn(KMSClient.prototype, "send").mockImplementation(function (this: KMSClient, ...args: never[]) {
    const [command] = args as unknown as [unknown];
    if (command instanceof DescribeKeyCommand) describeKeys.push(String(command.input.KeyId));
    return (send as (...a: never[]) => unknown).apply(this, args);
  } as never);
});
afterEach(() => jest.restoreAllMocks());

describe("ObjectCopySet with SSE-KMS", () => {
  itIf(CAN.kmsApi)(
    "resolves the alias once for the whole set, writes every object under the key's ARN, and re-copies all on another key",
    async () => {
      const suffix = `${process.pid}-${Date.now()}`;
      const k1 = await newKmsKey("us-east-1", { alias: `alias/set-a-${suffix}` });
      const k2 = await newKmsKey("us-east-1", { alias: `alias/set-b-${suffix}` });
      const src = await newBucket();
      const dst = await newBucket();
      const keys = Array.from({ length: 12 }, (_, i) => `obj-${String(i).padStart(2, "0")}`);
      for (const k of keys) await put(src, `s/${k}`, `body ${k}`);
      const news = {
        source: `${src}/s/`,
        bucket: dst,
        serverSideEncryption: "aws:kms",
        kmsKeyId: k1.alias,
        ...identity(),
      };

      const outs = (await objectCopySetProvider.create(await checked(news))).outs as SetOutputs;

      expect(outs.lastRun).toEqual({ copied: 12, recopied: 0, deleted: 0, adopted: 0, failed: 0 });
      expect(describeKeys).toEqual([k1.alias]);
      expect((await userKeys(dst)).sort()).toEqual(keys);
      for (const k of keys) {
        expect(await head(dst, k)).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: k1.arn });
      }
      expect(await objectCopySetProvider.diff!("id", outs, await checked(news, outs as never))).toMatchObject(
        {
          changes: false,
        },
      );

      // Another key: every object again, resolved once more, under the new key's ARN.
      describeKeys = [];
      logs = [];
      const rekeyed = { ...news, kmsKeyId: k2.alias };
      const d = await objectCopySetProvider.diff!("id", outs, await checked(rekeyed, outs as never));
      expect(d).toMatchObject({ changes: true, replaces: [] });
      expect(logs).toEqual([expect.stringMatching(/^copy 0 objects \(0\.0 MiB\), re-copy 12 /)]);
      const updated = (await objectCopySetProvider.update!("id", outs, await checked(rekeyed, outs as never)))
        .outs as SetOutputs;
      expect(updated.lastRun).toEqual({ copied: 0, recopied: 12, deleted: 0, adopted: 0, failed: 0 });
      expect(describeKeys).toEqual([k2.alias]);
      for (const k of keys) {
        expect(await head(dst, k)).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: k2.arn });
      }
      expect(
        await objectCopySetProvider.diff!("id", updated, await checked(rekeyed, updated as never)),
      ).toMatchObject({ changes: false });
    },
  );

  itIf(CAN.kmsApi)(
    "re-copies every object when its alias is moved to another key, and copies nothing when the alias is replaced by its key's ARN",
    async () => {
      const suffix = `${process.pid}-${Date.now()}`;
      const alias = `alias/set-moved-${suffix}`;
      const k1 = await newKmsKey("us-east-1", { alias });
      const k2 = await newKmsKey("us-east-1");
      const src = await newBucket();
      const dst = await newBucket();
      const keys = ["a.txt", "b.txt", "c.txt"];
      for (const k of keys) await put(src, `s/${k}`, `body ${k}`);
      const byAlias = { source: `${src}/s/`, bucket: dst, kmsKeyId: alias, ...identity() };
      const outs = (await objectCopySetProvider.create(await checked(byAlias))).outs as SetOutputs;
      expect(outs.lastRun).toMatchObject({ copied: 3, recopied: 0 });

      // The key's own ARN in place of the alias that names it: the same settings, nothing to copy.
      const byArn = { ...byAlias, kmsKeyId: k1.arn };
      logs = [];
      await objectCopySetProvider.diff!("id", outs, await checked(byArn, outs as never));
      expect(logs.filter((l) => /re-copy [1-9]/.test(l))).toEqual([]);
      const same = (await objectCopySetProvider.update!("id", outs, await checked(byArn, outs as never)))
        .outs as SetOutputs;
      expect(same.lastRun).toMatchObject({ copied: 0, recopied: 0, deleted: 0 });

      // The alias moves to another key (a new provider process resolves it again): all re-copied.
      await verifier("us-east-1").kms.send(new UpdateAliasCommand({ AliasName: alias, TargetKeyId: k2.id }));
      provider.reset();
      logs = [];
      const d = await objectCopySetProvider.diff!("id", same, await checked(byAlias, same as never));
      expect(d).toMatchObject({ changes: true, replaces: [] });
      expect(logs).toEqual([expect.stringMatching(/^copy 0 objects \(0\.0 MiB\), re-copy 3 /)]);
      const moved = (await objectCopySetProvider.update!("id", same, await checked(byAlias, same as never)))
        .outs as SetOutputs;
      expect(moved.lastRun).toMatchObject({ copied: 0, recopied: 3, deleted: 0, failed: 0 });
      for (const k of keys) {
        expect(await head(dst, k)).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: k2.arn });
      }
      expect(
        await objectCopySetProvider.diff!("id", moved, await checked(byAlias, moved as never)),
      ).toMatchObject({
        changes: false,
      });
    },
  );
});
