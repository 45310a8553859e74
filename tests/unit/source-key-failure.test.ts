import { sourceKeyFailure } from "../../provider/engine/object/source";

const answer = (status: number, message: string, name = "InvalidRequest") =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, attempts: 1 } });
const T = "s3://src/a -> s3://dst/a";

describe("sourceKeyFailure: only refusals about the source's SSE-C key are named as such", () => {
  it.each<[string, ReturnType<typeof answer>, boolean]>([
    [
      "a bad storage class",
      answer(400, "The storage class you specified is not valid", "InvalidStorageClass"),
      true,
    ],
    [
      "a copy onto itself that changes nothing",
      answer(
        400,
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      ),
      true,
    ],
    [
      "an SSE-C request over plain HTTP (about the destination's key)",
      answer(
        400,
        "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.",
      ),
      false,
    ],
    ["a 500", answer(500, "We encountered an internal error", "InternalError"), true],
  ])("leaves %s to the usual error", (_name, err, keySent) => {
    expect(sourceKeyFailure("CopyObject", T, err, keySent)).toBeUndefined();
  });

  it("names a missing key, with S3's own words", () => {
    const err = answer(
      400,
      "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.",
    );
    expect(sourceKeyFailure("CopyObject", T, err, false)?.message).toMatch(
      /^SOURCE_NEEDS_CUSTOMER_KEY: CopyObject on s3:\/\/src\/a -> s3:\/\/dst\/a answered 400 \(The object was stored .*\); .*so set sourceCustomerKey$/,
    );
  });

  it("names a key that does not fit, keeping S3's words, and a bodiless HEAD by its status", () => {
    const copy = answer(400, "The provided encryption parameters did not match the ones used originally.");
    expect(sourceKeyFailure("CopyObject", T, copy, true)?.message).toMatch(
      /^SOURCE_CUSTOMER_KEY_REFUSED: CopyObject on .* answered 400 \(The provided encryption parameters did not match the ones used originally\.\) while sourceCustomerKey was sent/,
    );
    const head = answer(403, "UnknownError", "Unknown");
    expect(sourceKeyFailure("HeadObject", "s3://src/a", head, true)?.message).toMatch(
      /^SOURCE_CUSTOMER_KEY_REFUSED: HeadObject on s3:\/\/src\/a answered 403 while sourceCustomerKey was sent: .*caller lacks s3:GetObject/,
    );
  });
});
