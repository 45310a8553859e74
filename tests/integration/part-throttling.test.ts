import { randomBytes } from "node:crypto";

import { MiB } from "../../provider/engine/constants";
import { type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { bytes, newBucket, openUploads, provider, put } from "../helpers/s3";
import { CAN, itIf } from "../helpers/server";

/*
 * A multipart copy's parts answered 503 SlowDown, through a fault proxy in front of the real
 * server. The engine retries throttled parts itself (the SDK would sleep up to a second per try
 * inside the request, holding its place in flight), so each throttled answer reaches the engine at
 * once: every part request is the SDK's first attempt.
 */

const isPart = (url: string, n: number) =>
  url.includes("uploadId=") && new RegExp(`[?&]partNumber=${n}(&|$)`).test(url);

describe("a multipart copy whose parts are answered 503 SlowDown", () => {
  let proxy: FaultProxy | undefined;
  beforeEach(() => provider.reset());
  afterEach(async () => {
    provider.reset();
    await proxy?.close();
    proxy = undefined;
  });

  itIf(CAN.plainHttp)(
    "sends each throttled part again itself, as the SDK's first attempt every time, and completes with the same bytes",
    async () => {
      const src = await newBucket();
      const dst = await newBucket();
      const body = randomBytes(16 * MiB);
      await put(src, "big.bin", body);
      const attempts: string[] = [];
      let throttled = 0;
      // More throttles of one part than the SDK's 3 attempts and our 3 attempts per part together.
      proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, {
        match: (r) => {
          if (r.method !== "PUT" || !r.url.includes("uploadId=")) return undefined;
          attempts.push(String(r.headers["amz-sdk-request"]));
          return isPart(r.url, 2) && throttled++ < 5 ? "503-slowdown" : undefined;
        },
      });

      const outs = await provider.create({
        source: `${src}/big.bin`,
        bucket: dst,
        key: "copy.bin",
        endpoint: proxy.endpoint,
        multipartThreshold: 5 * MiB,
        partSize: 5 * MiB,
      });

      expect(outs).toMatchObject({ copyMethod: "UploadPartCopy", partCount: 4 });
      expect(proxy.log.filter((l) => isPart(l, 2))).toHaveLength(6);
      expect(attempts).toHaveLength(9);
      expect(attempts.every((a) => a.startsWith("attempt=1;"))).toBe(true);
      expect((await bytes(dst, "copy.bin")).equals(body)).toBe(true);
      expect(await openUploads(dst)).toEqual([]);
    },
  );
});
