import { execFileSync } from "node:child_process";
import * as path from "node:path";

import { newBucket, provider, put } from "../helpers/s3";

const KEY_RAW = "0123456789abcdef0123456789ABCDEF";
const KEY_B64 = Buffer.from(KEY_RAW).toString("base64");

beforeEach(() => provider.reset());

describe("secrets", () => {
  it("keeps SSE-C keys out of the outputs and out of the serialized provider", async () => {
    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", "secret bytes");
    // moto accepts (and ignores) SSE-C headers, which is enough to exercise the state path; the
    // encryption itself is verified against MinIO.
    const outs = await provider.create({ bucket: dst, key: "b", source: `${src}/a`, customerKey: KEY_RAW });

    const serialized = execFileSync(
      process.execPath,
      [path.join(__dirname, "..", "helpers", "serialize-provider.js")],
      {
        encoding: "utf8",
      },
    );
    const stateText = JSON.stringify(outs);
    for (const text of [stateText, serialized]) {
      expect(text).not.toContain(KEY_RAW);
      expect(text).not.toContain(KEY_B64);
      expect(text).not.toContain("testing"); // the access key and secret from the environment
    }
    expect(outs.customerKeyMd5).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(outs).not.toHaveProperty("customerKey");
    expect(serialized).toContain('require("pulumi-s3-object-copy/engine")');
  });
});
