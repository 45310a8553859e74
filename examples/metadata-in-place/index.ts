// Changes the headers of existing objects by copying each one onto itself. MERGE keeps every
// other header and all user metadata the object already has; only what is declared here changes.
import * as pulumi from "@pulumi/pulumi";
import { ObjectCopy } from "pulumi-s3-object-copy";

const config = new pulumi.Config();
const bucket = config.require("bucket");
const keys = config.requireObject<string[]>("keys");
const cacheControl = config.get("cacheControl") ?? "public, max-age=31536000, immutable";
// Unset: each object keeps its own Content-Type.
const contentType = config.get("contentType");

if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== "string" || k === "")) {
  throw new Error(`config "keys" must be a non-empty JSON array of object keys, e.g. '["index.html"]'`);
}
if (new Set(keys).size !== keys.length) {
  throw new Error(`config "keys" lists the same key more than once`);
}

const copies = keys.map(
  (key) =>
    // Named after the key, so adding or removing a key leaves the others untouched.
    new ObjectCopy(`headers-${key}`, {
      bucket,
      key,
      source: `${bucket}/${key}`,
      metadataDirective: "MERGE",
      cacheControl,
      contentType,
    }),
);

/** Per key, what `pulumi destroy` will do: delete-version (versioned bucket) or retain-object. */
export const deleteBehaviors = Object.fromEntries(keys.map((key, i) => [key, copies[i].deleteBehavior]));
