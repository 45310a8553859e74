import { createHash } from "node:crypto";

import { multipartEtag } from "../../provider/engine/object/completed";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

describe("multipartEtag: the ETag S3 gives an object assembled from parts", () => {
  it("is the MD5 of the parts' binary MD5s, then the part count", () => {
    const a = md5("part one");
    const b = md5("part two");
    const want = createHash("md5")
      .update(Buffer.concat([Buffer.from(a, "hex"), Buffer.from(b, "hex")]))
      .digest("hex");
    expect(
      multipartEtag([
        { ETag: `"${a}"`, PartNumber: 1 },
        { ETag: b, PartNumber: 2 },
      ]),
    ).toBe(`"${want}-2"`);
  });

  it("is unknown when a part's ETag is not an MD5 (SSE-KMS, SSE-C), so only size and time identify the version", () => {
    expect(
      multipartEtag([
        { ETag: `"${md5("x")}"`, PartNumber: 1 },
        { ETag: '"not-an-md5"', PartNumber: 2 },
      ]),
    ).toBe(undefined);
    expect(multipartEtag([{ PartNumber: 1 }])).toBe(undefined);
  });
});
