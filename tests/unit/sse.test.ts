import { createHash } from "node:crypto";

import { ObjectCopyError } from "../../provider/engine/errors";
import { CUSTOMER_KEY_BYTES, customerKey, decodeCustomerKey } from "../../provider/engine/object/encryption";

const RAW = "0123456789abcdef0123456789abcdef";
const ZEROS_B64 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const RANDOMISH = Buffer.from([...Array(32)].map((_, i) => (i * 37 + 11) % 256));

describe("decodeCustomerKey", () => {
  it.each([
    ["32 ASCII characters", RAW, Buffer.from(RAW, "utf8")],
    ["32 bytes of multi-byte characters", "é".repeat(16), Buffer.from("é".repeat(16), "utf8")],
    ["base64 of 32 zero bytes", ZEROS_B64, Buffer.alloc(32)],
    ["base64 of 32 varied bytes", RANDOMISH.toString("base64"), RANDOMISH],
    ["base64 holding + and /", Buffer.alloc(32, 0xfb).toString("base64"), Buffer.alloc(32, 0xfb)],
  ])("accepts %s and returns the 32 key bytes", (_name, value, bytes) => {
    const out = decodeCustomerKey(value);
    expect(out).toBeInstanceOf(Buffer);
    expect(out).toHaveLength(CUSTOMER_KEY_BYTES);
    expect(out?.equals(bytes)).toBe(true);
  });

  it("takes a 32-character string as raw bytes even when it would also parse as base64", () => {
    const looksBase64 = "A".repeat(32); // base64 of 24 bytes, but 32 raw bytes
    expect(decodeCustomerKey(looksBase64)?.equals(Buffer.from(looksBase64))).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["31 characters", RAW.slice(1)],
    ["33 characters", RAW + "x"],
    ["base64 of 16 bytes", Buffer.alloc(16, 1).toString("base64")],
    ["base64 of 31 bytes", Buffer.alloc(31, 1).toString("base64")],
    ["base64 of 33 bytes", Buffer.alloc(33, 1).toString("base64")],
    ["base64 without padding", ZEROS_B64.slice(0, -1)],
    ["non-canonical base64 (stray low bits)", ZEROS_B64.slice(0, 42) + "B="],
    ["URL-safe base64", Buffer.alloc(32, 0xfb).toString("base64url")],
    ["base64 with a line break", ZEROS_B64.slice(0, 20) + "\n" + ZEROS_B64.slice(20)],
    ["hex of 32 bytes", Buffer.alloc(32, 1).toString("hex")],
  ])("rejects %s", (_name, value) => {
    expect(decodeCustomerKey(value)).toBeUndefined();
  });
});

describe("customerKey", () => {
  it("gives base64 of the key and base64(MD5(key)) for a raw key", () => {
    expect(customerKey(RAW, "customerKey")).toEqual({
      keyBase64: Buffer.from(RAW).toString("base64"),
      md5: createHash("md5").update(RAW).digest("base64"),
    });
  });

  it("matches the known MD5 of 32 zero bytes", () => {
    expect(customerKey(ZEROS_B64, "customerKey")).toEqual({
      keyBase64: ZEROS_B64,
      md5: "cLyPS3KoaSFGi/joRB3OUQ==",
    });
  });

  it("gives the same result for the raw and the base64 form of one key", () => {
    expect(customerKey(Buffer.from(RAW).toString("base64"), "k")).toEqual(customerKey(RAW, "k"));
  });

  it.each([
    ["customerKey", "too-short-secret"],
    ["sourceCustomerKey", "x".repeat(40)],
  ])("throws INVALID_CUSTOMER_KEY for a bad %s without echoing the secret", (property, value) => {
    let err: unknown;
    try {
      customerKey(value, property);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ObjectCopyError);
    expect(err).toMatchObject({ code: "INVALID_CUSTOMER_KEY" });
    const message = (err as Error).message;
    expect(message).toContain(property);
    expect(message).toContain(`got ${value.length} characters`);
    expect(message).not.toContain(value);
  });
});
