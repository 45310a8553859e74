import { KMSServiceException } from "@aws-sdk/client-kms";
import { S3ServiceException } from "@aws-sdk/client-s3";

import {
  MAX_SHOWN_VALUE_CHARS,
  ObjectCopyError,
  showValue,
  wrapAwsError,
} from "../../provider/engine/errors";

// Shaped as the SDK (3.x, Node) produces them; each was captured from a real answer: moto 5.2.5
// with IAM enforcement for the 403s, a local HTTP server for the 503s and the dropped connection.
const meta = (httpStatusCode: number | undefined, attempts = 1) => ({
  ...(httpStatusCode ? { httpStatusCode, requestId: "req-1" } : {}),
  attempts,
  totalRetryDelay: attempts > 1 ? 105 : 0,
});
/** A HEAD refused: no body, so no code; the SDK names it "Unknown" with message "UnknownError". */
const headForbidden = () =>
  new S3ServiceException({
    name: "Unknown",
    $fault: "client",
    $metadata: meta(403),
    message: "UnknownError",
  });
const accessDenied = () =>
  Object.assign(
    new S3ServiceException({
      name: "AccessDenied",
      $fault: "client",
      $metadata: meta(403),
      message: "Access Denied",
    }),
    { Code: "AccessDenied" },
  );
const headUnavailable = () =>
  new S3ServiceException({
    name: "Unknown",
    $fault: "server",
    $metadata: meta(503, 3),
    message: "UnknownError",
  });
/** What the Node handler rejects with when the server drops the socket, after the SDK's 3 attempts. */
const socketHangUp = () =>
  Object.assign(new Error("socket hang up"), {
    name: "TimeoutError",
    code: "ECONNRESET",
    $metadata: meta(undefined, 3),
  });
const refused = (attempts: number) =>
  Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
    errno: -111,
    code: "ECONNREFUSED",
    syscall: "connect",
    $metadata: meta(undefined, attempts),
  });

describe("wrapAwsError: a refused request names the permission that is missing", () => {
  it("explains a HEAD 403, which has no error code, as s3:GetObject or a missing s3:ListBucket", () => {
    const err = wrapAwsError("HeadObject", "s3://src/a.txt", headForbidden());
    expect(err).toBeInstanceOf(ObjectCopyError);
    expect(err.code).toBe("S3_HEADOBJECT_FAILED");
    expect(err.message).toBe(
      "S3_HEADOBJECT_FAILED: HeadObject on s3://src/a.txt failed with HTTP 403 Forbidden and no error code " +
        "(S3 answers a HEAD request without a body); HeadObject needs s3:GetObject on the object; S3 also " +
        "answers 403 instead of 404 for a key that does not exist when the caller lacks s3:ListBucket on the bucket",
    );
    expect(err.message).not.toMatch(/Unknown/);
  });

  it("asks for s3:GetObjectVersion when HeadObject of a pinned version is refused", () => {
    const { message } = wrapAwsError("HeadObject", "s3://src/a.txt?versionId=v1", headForbidden());
    expect(message).toContain("HeadObject needs s3:GetObjectVersion on the object");
    expect(message).toContain("not only s3:GetObject");
  });

  it("names both sides of a CopyObject, and the version permission when the source is pinned", () => {
    const plain = wrapAwsError("CopyObject", "s3://src/a -> s3://dst/b", accessDenied()).message;
    expect(plain).toMatch(
      /^S3_COPYOBJECT_FAILED: CopyObject on s3:\/\/src\/a -> s3:\/\/dst\/b failed with AccessDenied \(HTTP 403\): Access Denied; CopyObject needs s3:GetObject on the source and s3:PutObject on the destination; /,
    );
    expect(plain).toContain("s3:GetObjectTagging on the source and s3:PutObjectTagging on the destination");
    expect(plain).toContain("kms:GenerateDataKey on the destination key and kms:Decrypt on the source's key");
    expect(plain).not.toContain("s3:GetObjectVersion");

    const pinned = wrapAwsError(
      "CopyObject",
      "s3://src/a?versionId=v7 -> s3://dst/b",
      accessDenied(),
    ).message;
    expect(pinned).toContain(
      "CopyObject needs s3:GetObjectVersion on the source and s3:PutObject on the destination",
    );
  });

  it("does not read a versionId in the destination of a CopyObject target as a pinned source", () => {
    const { message } = wrapAwsError("CopyObject", "s3://src/a -> s3://dst/b?versionId=v2", accessDenied());
    expect(message).toContain("CopyObject needs s3:GetObject on the source");
  });

  it.each([
    ["GetObjectTagging", "s3://src/a", "s3:GetObjectTagging on the source object"],
    ["GetObjectTagging", "s3://src/a?versionId=v1", "s3:GetObjectVersionTagging on the source object"],
    [
      "UploadPartCopy",
      "s3://dst/b part 2 (bytes=5-9)",
      "s3:GetObject (s3:GetObjectVersion for a pinned version) on the source and s3:PutObject on the destination",
    ],
    ["CreateMultipartUpload", "s3://dst/b", "s3:PutObject on the destination"],
    ["CompleteMultipartUpload", "s3://dst/b", "s3:PutObject on the destination"],
    ["AbortMultipartUpload", "s3://dst/b", "s3:AbortMultipartUpload"],
    ["ListMultipartUploads", "s3://dst", "s3:ListBucketMultipartUploads"],
    ["ListObjectVersions", "s3://dst/b", "s3:ListBucketVersions"],
    ["ListObjectsV2", "s3://dst/b", "s3:ListBucket on the bucket"],
    ["PutObjectTagging", "s3://dst/b", "s3:PutObjectTagging on the destination (s3:PutObjectVersionTagging"],
    ["PutObjectAcl", "s3://dst/b", "s3:PutObjectAcl on the destination (s3:PutObjectVersionAcl"],
    ["PutObjectLegalHold", "s3://dst/b", "s3:PutObjectLegalHold"],
    ["DeleteObject", "s3://dst/b", "s3:DeleteObject on the destination"],
    ["DeleteObject", "s3://dst/b?versionId=v3", "s3:DeleteObjectVersion on the destination"],
    ["RestoreObject", "s3://src/a", "s3:RestoreObject"],
  ])("%s on %s names %s", (operation, target, needs) => {
    expect(wrapAwsError(operation, target, accessDenied()).message).toContain(
      `; ${operation} needs ${needs}`,
    );
  });

  it("asks for s3:DeleteObjectVersion only when a version is addressed", () => {
    const plain = wrapAwsError("DeleteObject", "s3://dst/b", accessDenied()).message;
    expect(plain).toContain("DeleteObject needs s3:DeleteObject on the destination");
    expect(plain).not.toContain("DeleteObjectVersion");
  });

  it("names kms:DescribeKey for KMS's AccessDeniedException, which KMS answers with HTTP 400", () => {
    const kmsDenied = new KMSServiceException({
      name: "AccessDeniedException",
      $fault: "client",
      $metadata: meta(400),
      message: "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: kms:DescribeKey",
    });
    const err = wrapAwsError("DescribeKey", "alias/release", kmsDenied, "KMS");
    expect(err.code).toBe("KMS_DESCRIBEKEY_FAILED");
    expect(err.message).toBe(
      "KMS_DESCRIBEKEY_FAILED: DescribeKey on alias/release failed with AccessDeniedException (HTTP 400): " +
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: kms:DescribeKey; " +
        "DescribeKey needs kms:DescribeKey on the key (kmsKeyId is resolved to its ARN with it)",
    );
  });

  it("judges an error body the SDK could not parse by its HTTP status (moto's XML 403 to a KMS call)", () => {
    const unparsed = Object.assign(
      new SyntaxError(
        `Unexpected token '<', "<?xml vers"... is not valid JSON\n  Deserialization error: to see the raw ` +
          `response, inspect the hidden field {error}.$response on this object.`,
      ),
      { $metadata: meta(403) },
    );
    expect(wrapAwsError("DescribeKey", "alias/release", unparsed, "KMS").message).toBe(
      "KMS_DESCRIBEKEY_FAILED: DescribeKey on alias/release failed with HTTP 403 Forbidden and no error code: " +
        "the body of the answer was not a readable error; " +
        "DescribeKey needs kms:DescribeKey on the key (kmsKeyId is resolved to its ARN with it)",
    );
  });

  it("advises on permissions only for a refusal, and keeps other errors as S3 reported them", () => {
    const archived = Object.assign(
      new S3ServiceException({
        name: "InvalidObjectState",
        $fault: "client",
        $metadata: meta(403),
        message: "The operation is not valid for the object's storage class",
      }),
      { Code: "InvalidObjectState" },
    );
    // A 403 that is not about permissions: an archived source.
    expect(wrapAwsError("CopyObject", "s3://src/a -> s3://dst/b", archived).message).toBe(
      "S3_COPYOBJECT_FAILED: CopyObject on s3://src/a -> s3://dst/b failed with InvalidObjectState (HTTP 403): " +
        "The operation is not valid for the object's storage class",
    );
    const internal = Object.assign(
      new S3ServiceException({
        name: "InternalError",
        $fault: "server",
        $metadata: meta(500),
        message: "We encountered an internal error",
      }),
      { Code: "InternalError" },
    );
    expect(wrapAwsError("UploadPartCopy", "s3://dst/b part 2", internal).message).toBe(
      "S3_UPLOADPARTCOPY_FAILED: UploadPartCopy on s3://dst/b part 2 failed with InternalError (HTTP 500): " +
        "We encountered an internal error",
    );
    const original = new ObjectCopyError("SOURCE_NOT_FOUND", "gone");
    expect(wrapAwsError("HeadObject", "s3://src/a", original)).toBe(original);
    // ...while the same operation refused does get the advice.
    expect(wrapAwsError("CopyObject", "s3://src/a -> s3://dst/b", accessDenied()).message).toContain(
      "; CopyObject needs s3:GetObject on the source",
    );
  });

  it("reports a plain error without an HTTP answer by its message alone", () => {
    expect(
      wrapAwsError("CreateMultipartUpload", "s3://dst/b", new Error("no UploadId in the response")).message,
    ).toBe(
      "S3_CREATEMULTIPARTUPLOAD_FAILED: CreateMultipartUpload on s3://dst/b failed: no UploadId in the response",
    );
  });
});

describe("wrapAwsError: throttling and network failures say what happened", () => {
  it("reads a bodiless HEAD 503 as throttling or unavailability, with the SDK's attempt count", () => {
    expect(wrapAwsError("HeadObject", "s3://src/a", headUnavailable()).message).toBe(
      "S3_HEADOBJECT_FAILED: HeadObject on s3://src/a failed: S3 is throttling or unavailable " +
        "(HTTP 503, likely SlowDown, tried 3 times); run up again later",
    );
  });

  it("names SlowDown when S3 sent it, with S3's own message", () => {
    const slowDown = Object.assign(
      new S3ServiceException({
        name: "SlowDown",
        $fault: "server",
        $metadata: meta(503, 3),
        message: "Please reduce your request rate.",
      }),
      { Code: "SlowDown" },
    );
    expect(wrapAwsError("CopyObject", "s3://src/a -> s3://dst/b", slowDown).message).toBe(
      "S3_COPYOBJECT_FAILED: CopyObject on s3://src/a -> s3://dst/b failed: S3 is throttling or unavailable " +
        "(HTTP 503 SlowDown, tried 3 times); run up again later: Please reduce your request rate.",
    );
  });

  it("says a dropped connection leaves the outcome unknown", () => {
    expect(wrapAwsError("CopyObject", "s3://src/a -> s3://dst/b", socketHangUp()).message).toBe(
      "S3_COPYOBJECT_FAILED: CopyObject on s3://src/a -> s3://dst/b failed: the connection was closed before S3 " +
        "answered (socket hang up, ECONNRESET) (after 3 attempts); the request may or may not have taken effect, " +
        "so its outcome is unknown",
    );
  });

  const timeout = (attempts: number) =>
    Object.assign(
      new Error(
        "@smithy/node-http-handler - [ERROR] a request has exceeded the configured 1000 ms requestTimeout.",
      ),
      { name: "TimeoutError", code: "ETIMEDOUT", $metadata: meta(undefined, attempts) },
    );

  it("reports a write that ran out of time as <SERVICE>_<OP>_TIMED_OUT, its outcome unknown", () => {
    expect(wrapAwsError("PutObject", "s3://dst/m.json.gz", timeout(3)).message).toBe(
      "S3_PUTOBJECT_TIMED_OUT: PutObject on s3://dst/m.json.gz got no answer in time (3 attempts): " +
        "@smithy/node-http-handler - [ERROR] a request has exceeded the configured 1000 ms requestTimeout.; " +
        "whether it took effect is unknown; the server is slow or the connection is dead. If the server is just " +
        'slow, raise the limits with PULUMI_S3_COPY_TIMEOUTS (README "Timeouts and cancels")',
    );
    expect(wrapAwsError("DescribeKey", "alias/k", timeout(1), "KMS").code).toBe("KMS_DESCRIBEKEY_TIMED_OUT");
  });

  it("says nothing of an effect for a read or a copy that ran out of time (the copy paths say what it left)", () => {
    for (const op of ["HeadObject", "ListObjectsV2", "CopyObject", "UploadPartCopy"]) {
      const err = wrapAwsError(op, "s3://src/a", timeout(1));
      expect(err.code).toBe(`S3_${op.toUpperCase()}_TIMED_OUT`);
      expect(err.message).toContain("got no answer in time (1 attempt): ");
      expect(err.message).not.toContain("took effect");
    }
  });

  it("says a refused connection was not sent, unless an earlier attempt may have been", () => {
    expect(wrapAwsError("HeadObject", "s3://src/a", refused(1)).message).toBe(
      "S3_HEADOBJECT_FAILED: HeadObject on s3://src/a failed: could not connect to S3 " +
        "(connect ECONNREFUSED 127.0.0.1:1) (after 1 attempt); the request was not sent; " +
        "check the endpoint, network and proxy settings",
    );
    expect(wrapAwsError("HeadObject", "s3://src/a", refused(2)).message).toContain(
      "(after 2 attempts); an earlier attempt may have reached it, so whether the request took effect is unknown",
    );
  });
});

describe("showValue", () => {
  it("shows numbers, NaN and Infinity by name, and maps and lists with them inside", () => {
    const cases: [unknown, string][] = [
      [Number.NaN, "NaN"],
      [Number.POSITIVE_INFINITY, "Infinity"],
      [Number.NEGATIVE_INFINITY, "-Infinity"],
      [-0, "-0"],
      [42, "42"],
      [true, "true"],
      [null, "null"],
      [undefined, "undefined"],
      [10n, "10n"],
      ["abc", '"abc"'],
      [{ days: Number.NaN, tier: "Bulk" }, '{"days": NaN, "tier": "Bulk"}'],
      [[1, Number.POSITIVE_INFINITY, "x"], '[1, Infinity, "x"]'],
    ];
    expect(cases.map(([value]) => showValue(value))).toEqual(cases.map(([, shown]) => shown));
  });

  it("shows a circular value without looping", () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    expect(showValue(loop)).toBe('{"a": 1, "self": [circular]}');
  });

  it(`keeps a string of exactly MAX_SHOWN_VALUE_CHARS (${MAX_SHOWN_VALUE_CHARS}) and cuts a longer one, saying its length`, () => {
    expect(MAX_SHOWN_VALUE_CHARS).toBe(100);
    const exact = "x".repeat(MAX_SHOWN_VALUE_CHARS);
    expect(showValue(exact)).toBe(`"${exact}"`);
    const long = "y".repeat(5000);
    expect(showValue(long)).toBe(`"${"y".repeat(MAX_SHOWN_VALUE_CHARS - 1)}… (5000 characters)`);
  });

  it("counts and cuts by characters, never splitting an astral character", () => {
    const emoji = "😀".repeat(150);
    const shown = showValue(emoji, 10);
    expect(shown).toBe(`"${"😀".repeat(9)}… (150 characters)`);
  });

  it("cuts a long map as well, measured by its rendering", () => {
    const big = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    const shown = showValue(big);
    expect(shown.startsWith('{"k0": 0, "k1": 1,')).toBe(true);
    expect(shown).toMatch(/… \(\d+ characters\)$/);
    expect([...shown.slice(0, shown.indexOf("…"))]).toHaveLength(MAX_SHOWN_VALUE_CHARS);
  });
});
