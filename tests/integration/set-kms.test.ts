// ObjectCopySet with SSE-KMS: the alias is resolved once for the whole set, every object is written
// under the key's ARN, and declaring another key re-copies every object.
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
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
});
