// Rules for ObjectCopy's single values that need more than a primitive: names, dates, URLs.
import { MAX_KEY_BYTES } from "../constants";
import { ObjectCopyError } from "../errors";
import { parseSource } from "../source";
import { all, matching, str, stringMap } from "./primitives";
import { show } from "./show";
import { type Rule } from "./types";

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const LEGACY_BUCKET_NAME = /^[A-Za-z0-9._-]{3,255}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT_ID = /^\d{12}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Why a destination bucket name breaks S3's naming rules, or undefined when it is valid. */
export function bucketNameProblem(name: string): string | undefined {
  if (!BUCKET_NAME.test(name)) {
    return "must be 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit";
  }
  if (name.includes("..")) return "must not contain two adjacent dots";
  if (IPV4.test(name)) return "must not be formatted as an IP address";
  if (name.startsWith("xn--") || name.startsWith("sthree-")) return "must not start with xn-- or sthree-";
  if (name.endsWith("-s3alias") || name.endsWith("--ol-s3")) return "must not end with -s3alias or --ol-s3";
  return undefined;
}

const required = str();

export const bucketRule: Rule<string> = all(required, (value, ctx) => {
  const problem = bucketNameProblem(value as string);
  return problem ? ctx.fail(`${show(value)} ${problem}`) : (value as string);
});

export const keyRule: Rule<string> = all(required, (value, ctx) => {
  const bytes = Buffer.byteLength(value as string, "utf8");
  return bytes > MAX_KEY_BYTES
    ? ctx.fail(`is ${bytes} bytes long in UTF-8; S3 keys are at most ${MAX_KEY_BYTES} bytes`)
    : (value as string);
});

export const sourceRule: Rule<string> = all(required, (value, ctx) => {
  const source = value as string;
  try {
    const parsed = parseSource(source);
    if (!parsed.accessPoint && !LEGACY_BUCKET_NAME.test(parsed.bucket)) {
      return ctx.fail(`bucket ${show(parsed.bucket)} in ${show(source)} is not a valid bucket name`);
    }
    if (Buffer.byteLength(parsed.key, "utf8") > MAX_KEY_BYTES) {
      return ctx.fail(`key is longer than ${MAX_KEY_BYTES} bytes`);
    }
    return source;
  } catch (e) {
    if (!(e instanceof ObjectCopyError)) throw e;
    // parseSource quotes the whole source; quote it capped like every other echoed value.
    return ctx.fail(e.message.split(JSON.stringify(source)).join(show(source)));
  }
});

export const regionRule: Rule<string> = all(
  str({ whenOmitted: "use the stack's aws:region, then AWS_REGION" }),
  matching((s) => REGION.test(s), `is not an AWS region name such as "us-east-1"`),
);

export const accountIdRule: Rule<string> = all(
  str({ whenOmitted: "skip the bucket owner check" }),
  matching((s) => ACCOUNT_ID.test(s), "is not a 12-digit AWS account ID"),
);

export const endpointRule: Rule<string> = all(
  str({ whenOmitted: "use the SDK's endpoint (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL)" }),
  matching((s) => {
    try {
      const u = new URL(s);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, "is not an http(s) URL"),
);

/** An ISO 8601 timestamp with a zone; a new one must lie ahead (an applied one may pass). */
export const retainUntilRule: Rule<string> = all(str({ whenOmitted: "set no retention" }), (value, ctx) => {
  const until = value as string;
  if (!ISO_8601.test(until) || Number.isNaN(Date.parse(until))) {
    return ctx.fail(`${show(until)} is not an ISO 8601 timestamp such as "2030-01-01T00:00:00Z"`);
  }
  // Only a new date must lie ahead: an applied one passing must not fail every later preview.
  if (Date.parse(until) <= ctx.now.getTime() && until !== ctx.olds[ctx.property]) {
    return ctx.fail(`${show(until)} is in the past; retention must end in the future`);
  }
  return until;
});

const contextMap = stringMap();

/** aws.s3.ObjectCopy takes base64-encoded JSON; accept that form too so programs port unchanged. */
export const kmsContextRule: Rule<Record<string, string>> = (value, ctx) => {
  if (typeof value !== "string") return contextMap(value, ctx);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, "base64").toString("utf8"));
  } catch {
    return ctx.fail(`${show(value)} is neither a map nor base64-encoded JSON of a map`);
  }
  return contextMap(parsed, ctx);
};
