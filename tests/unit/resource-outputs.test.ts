/*
 * The ObjectCopy class under Pulumi's mock monitor: the outputs the engine reports must reach the
 * program. (With ES2022 class fields, an undeclared `x!: T` property would be reset to undefined
 * after super() and every output would read as undefined.)
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type * as pulumiModule from "@pulumi/pulumi";

const REPORTED = {
  etag: '"abc"',
  versionId: "v-1",
  lastModified: "2026-11-24T00:00:00.000Z",
  contentLength: 42,
  sourceEtag: '"src"',
  sourceVersionId: "sv-1",
  sourceLastModified: "2026-11-23T00:00:00.000Z",
  kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
  serverSideEncryption: "aws:kms",
  storageClass: "STANDARD",
  customerKeyMd5: "md5==",
  copyMethod: "UploadPartCopy",
  partCount: 3,
  inPlace: false,
  deleteBehavior: "delete-version",
  drift: ["changed"],
  uri: "s3://dst/k?versionId=v-1",
  metadataDirective: "COPY",
  taggingDirective: "COPY",
};

test("every declared output resolves to the value the provider reported", async () => {
  let copy: import("pulumi-s3-object-copy").ObjectCopy | undefined;
  let pulumi!: typeof pulumiModule;
  jest.isolateModules(() => {
    pulumi = require("@pulumi/pulumi");
    void pulumi.runtime.setMocks(
      {
        newResource: (args) => ({ id: "dst/k", state: { ...args.inputs, ...REPORTED } }),
        call: () => ({}),
      },
      "outputs",
      "test",
      false,
    );
    const { ObjectCopy } = require("pulumi-s3-object-copy") as typeof import("pulumi-s3-object-copy");
    copy = new ObjectCopy("c", { bucket: "dst", key: "k", source: "src/k", region: "us-east-1" });
  });
  const read = (o: pulumiModule.Output<unknown>) => new Promise((resolve) => o.apply(resolve));
  const c = copy!;
  const seen: Record<string, unknown> = {};
  for (const name of Object.keys(REPORTED) as (keyof typeof REPORTED)[]) {
    const output = (c as unknown as Record<string, pulumiModule.Output<unknown>>)[name];
    expect([name, pulumi.Output.isInstance(output)]).toEqual([name, true]);
    seen[name] = await read(output);
  }
  expect(seen).toEqual(REPORTED);
  expect(await read(c.bucket)).toBe("dst");
  expect(await read(c.region)).toBe("us-east-1");
  expect(await read(c.id)).toBe("dst/k");
});
