import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

import { MiB } from "../../provider/engine/constants";
import { multipartCopy } from "../../provider/engine/object/multipart";
import { planParts } from "../../provider/engine/object/parts";

// Its own file: Node warns about too many listeners only once per process and event.
const s3 = mockClient(S3Client);
const client = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
afterAll(() => s3.restore());

it("12 concurrent multipart copies share one SIGINT and one SIGTERM listener, with no MaxListenersExceededWarning", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on("warning", onWarning);
  const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];

  let release: () => void = () => undefined;
  const partsMayFinish = new Promise<void>((r) => (release = r));
  let started = 0;
  s3.on(CreateMultipartUploadCommand).callsFake(async () => ({ UploadId: `U${++started}` }));
  s3.on(UploadPartCopyCommand).callsFake(async () => {
    await partsMayFinish;
    return { CopyPartResult: { ETag: '"e"' } };
  });
  s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"done"' });

  const copies = Array.from({ length: 12 }, (_, i) =>
    multipartCopy({
      client,
      create: { Bucket: "dst", Key: `k${i}` },
      part: { Bucket: "dst", Key: `k${i}`, CopySource: "src/big" },
      plan: planParts(10 * MiB, 5 * MiB),
      concurrency: 2,
    }),
  );
  while (s3.commandCalls(UploadPartCopyCommand).length < 24) await new Promise((r) => setImmediate(r));
  const during = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
  release();
  await Promise.all(copies);
  await new Promise((r) => setImmediate(r)); // warnings are emitted on a later tick
  process.off("warning", onWarning);

  expect(during).toEqual([before[0] + 1, before[1] + 1]);
  expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual(before);
  expect(warnings).toEqual([]);
});
