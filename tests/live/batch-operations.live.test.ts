/*
 * OPT-IN, against real AWS: one ObjectCopySet run as a real S3 Batch Operations job. Everything
 * else in the suite runs on loopback servers and a simulator of the job contract; this is the test
 * that shows the job path against AWS itself. It is skipped unless every variable below is set,
 * so `npm test` never leaves the machine.
 *
 *   PULUMI_S3_COPY_LIVE_AWS=1
 *   LIVE_REGION=us-east-1
 *   LIVE_SOURCE_BUCKET=...        a bucket the test may write a few small objects to
 *   LIVE_DEST_BUCKET=...          where the job copies them
 *   LIVE_REPORT_BUCKET=...        where the job writes its report and the provider its CSV manifest
 *   LIVE_ROLE_ARN=arn:aws:iam::<account>:role/<role>   trusted by batchoperations.s3.amazonaws.com (README, IAM)
 *   and credentials as the AWS SDK finds them (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...)
 *
 * Run: PULUMI_S3_COPY_LIVE_AWS=1 ... npx jest tests/live --selectProjects live
 * It costs one job ($0.25 + $1.00 per million objects) and a few requests. It cleans up the set
 * (destroy) and its source objects; the job's report stays in LIVE_REPORT_BUCKET.
 */
import { DeleteObjectsCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

import { checkSet, createSet, deleteSet } from "../../provider/engine/set";

const env = process.env;
const LIVE =
  env.PULUMI_S3_COPY_LIVE_AWS === "1" &&
  ["LIVE_REGION", "LIVE_SOURCE_BUCKET", "LIVE_DEST_BUCKET", "LIVE_REPORT_BUCKET", "LIVE_ROLE_ARN"].every(
    (v) => Boolean(env[v]),
  );
const describeLive = LIVE ? describe : describe.skip;
const OBJECTS = 10;

describeLive("ObjectCopySet on a real S3 Batch Operations job (opt-in, real AWS)", () => {
  jest.setTimeout(60 * 60_000);
  const run = `live-${Date.now()}`;
  const sourcePrefix = `${run}/data/`;
  const keys = Array.from({ length: OBJECTS }, (_, i) => `${sourcePrefix}file ${i}+%.txt`);
  const s3 = new S3Client({ region: env.LIVE_REGION });

  beforeAll(async () => {
    for (const key of keys) {
      await s3.send(
        new PutObjectCommand({ Bucket: env.LIVE_SOURCE_BUCKET, Key: key, Body: `body of ${key}` }),
      );
    }
  });

  afterAll(async () => {
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: env.LIVE_SOURCE_BUCKET,
        Delete: { Objects: keys.map((Key) => ({ Key })) },
      }),
    );
  });

  test("a job copies every key, the report is recorded, and destroy deletes exactly those copies", async () => {
    const { inputs, failures } = await checkSet({
      source: `${env.LIVE_SOURCE_BUCKET}/${sourcePrefix}`,
      bucket: env.LIVE_DEST_BUCKET,
      prefix: `promoted/${sourcePrefix}`,
      region: env.LIVE_REGION,
      batchOperations: {
        roleArn: env.LIVE_ROLE_ARN,
        report: { bucket: env.LIVE_REPORT_BUCKET, prefix: run },
      },
      __setProject: "live",
      __setStack: run,
      __setName: "batch",
    });
    expect(failures).toEqual([]);
    const { outs } = await createSet(inputs);
    expect(outs.batchJob?.status).toBe("Complete");
    expect(outs.batchJob?.succeeded).toBe(OBJECTS);
    expect(outs.objectCount).toBe(OBJECTS);
    for (const key of keys) {
      await s3.send(new HeadObjectCommand({ Bucket: env.LIVE_DEST_BUCKET, Key: `promoted/${key}` }));
    }
    await deleteSet(outs);
    for (const key of keys) {
      await expect(
        s3.send(new HeadObjectCommand({ Bucket: env.LIVE_DEST_BUCKET, Key: `promoted/${key}` })),
      ).rejects.toMatchObject({ name: "NotFound" });
    }
  });
});
