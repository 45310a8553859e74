import * as pulumi from "@pulumi/pulumi";

import type { SetDrift, SetOutputs, SetRunCounts } from "./engine/set";
import type { BatchJobState } from "./engine/set/state";
import type { LegalHoldStatus, ObjectAcl } from "./engine/types";
import type { ObjectCopyArgs } from "./resource";
import { objectCopySetProvider } from "./set-dynamic";

/** The options of each copied object, with the same names, meaning and defaults as ObjectCopy's. */
type PerObjectArgs =
  | "metadataDirective"
  | "metadata"
  | "contentType"
  | "cacheControl"
  | "contentDisposition"
  | "contentEncoding"
  | "contentLanguage"
  | "expires"
  | "serverSideEncryption"
  | "kmsKeyId"
  | "bucketKeyEnabled"
  | "kmsEncryptionContext"
  | "customerAlgorithm"
  | "customerKey"
  | "sourceCustomerAlgorithm"
  | "sourceCustomerKey"
  | "storageClass"
  | "taggingDirective"
  | "objectLockMode"
  | "objectLockRetainUntilDate"
  | "checksumAlgorithm"
  | "expectedBucketOwner"
  | "expectedSourceBucketOwner"
  | "requestPayer"
  | "region"
  | "sourceRegion"
  | "endpoint"
  | "forcePathStyle";

/**
 * Arguments of {@link ObjectCopySet}. Every per-object option is ObjectCopy's (same name, same
 * default), applied to each object; a change of any of them re-copies every object of the set.
 */
export interface ObjectCopySetArgs extends Pick<ObjectCopyArgs, PerObjectArgs> {
  /**
   * What to copy: `"bucket/prefix"` or `"s3://bucket/prefix"`. The prefix is a raw S3 key prefix,
   * as S3 lists it: `"bucket/src"` also matches `src2/x`, so write `"bucket/src/"` for a folder.
   * `"bucket"` or `"bucket/"` copies the whole bucket.
   */
  source: pulumi.Input<string>;
  /**
   * Glob patterns on the key relative to the source prefix (minimatch: `*` stays within one `/`
   * segment, `**` crosses them, dot files match). A key is copied when it matches any of them.
   * Not with `keys`.
   * @default every key under the prefix
   */
  include?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Glob patterns (as `include`) of keys to leave out, applied after `include`. Not with `keys`.
   * @default none
   */
  exclude?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * An explicit list of keys relative to the source prefix. A key that does not exist fails the
   * preview, naming it. Not with `include`/`exclude`.
   * @default none: the prefix (and patterns) decide
   */
  keys?: pulumi.Input<pulumi.Input<string>[]>;
  /** Destination bucket. Changing it replaces the set. */
  bucket: pulumi.Input<string>;
  /**
   * Destination key prefix: destination key = prefix + (source key without the source prefix).
   * A raw prefix, so write `"site/"` for a folder. Changing it replaces the set.
   * @default "" (the bucket's root)
   */
  prefix?: pulumi.Input<string>;
  /**
   * On `up`, delete the destination objects this set wrote whose source is gone or no longer
   * selected. Never an object the set did not write, even under its prefix.
   * @default true
   */
  deleteRemoved?: pulumi.Input<boolean>;
  /**
   * Objects copied at once. Set, it is fixed (503 SlowDown lowers it for a while, then it comes
   * back); unset, an adaptive controller starts at DEFAULT_SET_CONCURRENCY and moves it while the
   * run goes, cutting it on throttling. Large objects are copied in parts within the same socket
   * budget.
   * @default adaptive, at most 128 (DEFAULT_SET_CONCURRENCY; see bench/RESULTS.md)
   */
  concurrency?: pulumi.Input<number>;
  /**
   * Where the set keeps its per-key record (a gzip JSON object), `s3://bucket/key`. It must not
   * lie under the source or destination prefix. Changing it replaces the set.
   * @default `s3://<bucket>/.pulumi-s3-object-copy/<project>/<stack>/<resource name>.json.gz`
   */
  manifestLocation?: pulumi.Input<string>;
  /**
   * On create, record a destination object that already holds what the copy would write (equal
   * size and ETag where ETags are comparable, so not under SSE-KMS, SSE-C or multipart ETags; the
   * same content headers, metadata, encryption and storage class) instead of copying it; one that
   * differs is copied over. Adopted objects then belong to the set: destroy deletes them.
   * @default false
   */
  adopt?: pulumi.Input<boolean>;
  /**
   * Run the copies as one S3 Batch Operations job (AWS's managed engine for millions of objects)
   * instead of from the machine running Pulumi. The set writes a CSV manifest of what to copy under
   * the report prefix and sends one CreateJob (S3PutObjectCopy) in the destination's region; a
   * retried create never starts a second job. What a job cannot do is still done by the provider
   * and said at preview: objects over 5 GiB (multipart, beside the job) and every delete. SSE-C,
   * `metadataDirective: "MERGE"`, encryption contexts, bucket-owner checks and a destination prefix
   * that does not end with the source prefix are check errors. The README's IAM section lists
   * the role's trust policy and permissions.
   * @default none (the provider copies every object itself)
   */
  batchOperations?: pulumi.Input<BatchOperationsArgs>;
  /**
   * Tags of every object; needs `taggingDirective: "REPLACE"`. A change re-copies the set.
   * @default none
   */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Canned ACL of every object (S3 never copies ACLs). A change re-copies the set. @default "private" */
  acl?: pulumi.Input<ObjectAcl>;
  /** Legal hold of every object. A change re-copies the set. @default none (OFF) */
  objectLockLegalHoldStatus?: pulumi.Input<LegalHoldStatus>;
  /** Objects larger than this are copied in parallel parts. @default 64 MiB (as ObjectCopy) */
  multipartThreshold?: pulumi.Input<number>;
  /** Part size for multipart copies, 5 MiB-5 GiB. @default about 64 MiB, grown to fit 10,000 parts */
  partSize?: pulumi.Input<number>;
}

/** How an {@link ObjectCopySet} runs its copies as an S3 Batch Operations job. */
export interface BatchOperationsArgs {
  /** The IAM role the job runs as; it must trust `batchoperations.s3.amazonaws.com`. */
  roleArn: pulumi.Input<string>;
  /**
   * Where S3 writes the completion report (`<prefix>/job-<id>/...`); the provider also keeps each
   * job's CSV manifest and plan file here, under `<prefix>/pulumi-s3-object-copy-jobs/`.
   */
  report: pulumi.Input<{
    /** Bucket of the completion report (in the job's region). */
    bucket: pulumi.Input<string>;
    /** Key prefix of the report, without a leading or trailing "/". @default "" (the bucket's root) */
    prefix?: pulumi.Input<string>;
  }>;
  /** The job's priority; higher runs first. @default 10 */
  priority?: pulumi.Input<number>;
  /** The account the job runs in. @default the caller's, from STS GetCallerIdentity */
  accountId?: pulumi.Input<string>;
  /**
   * `"complete"`: up waits for the job to end, printing progress, and records every key. `"started"`:
   * up returns once the job runs; the next up or refresh follows it and records its report.
   * @default "complete"
   */
  wait?: pulumi.Input<"complete" | "started">;
  /** The S3 Control endpoint, for a VPC or FIPS endpoint or a local simulator. @default the SDK's */
  endpoint?: pulumi.Input<string>;
}

/** Properties declared on the class; Pulumi creates an output only for keys present in the props. */
const OUTPUT_NAMES = [
  "source",
  "bucket",
  "prefix",
  "include",
  "exclude",
  "keys",
  "deleteRemoved",
  "adopt",
  "manifestLocation",
  "manifestDigest",
  "objectCount",
  "totalBytes",
  "lastRun",
  "drift",
  "batchJob",
] as const;

/**
 * A whole prefix (or a list of keys) copied server-side as ONE resource, kept in sync: an `up`
 * copies what is new, re-copies what changed at the source, and deletes what this set wrote whose
 * source is gone. The per-key record lives in S3 (the manifest), so state stays small whatever the
 * number of objects, and a preview prints one line of what `up` would do.
 */
export class ObjectCopySet extends pulumi.dynamic.Resource {
  // `declare`, as in ObjectCopy: a class field would be reset to undefined after super().
  /** The source prefix as declared (`bucket/prefix`). */
  declare public readonly source: pulumi.Output<string>;
  /** Destination bucket. */
  declare public readonly bucket: pulumi.Output<string>;
  /** Destination prefix. */
  declare public readonly prefix: pulumi.Output<string>;
  /** Glob patterns a key must match, as declared. */
  declare public readonly include: pulumi.Output<string[] | undefined>;
  /** Glob patterns that leave a key out, as declared. */
  declare public readonly exclude: pulumi.Output<string[] | undefined>;
  /** The explicit keys, as declared. */
  declare public readonly keys: pulumi.Output<string[] | undefined>;
  /** Whether up deletes what the set wrote once its source is gone. */
  declare public readonly deleteRemoved: pulumi.Output<boolean>;
  /** Whether create recorded equal existing objects instead of copying them. */
  declare public readonly adopt: pulumi.Output<boolean>;
  /** Where the per-key record is kept, `s3://bucket/key`. */
  declare public readonly manifestLocation: pulumi.Output<string>;
  /** sha256 of the manifest as the last up wrote it. */
  declare public readonly manifestDigest: pulumi.Output<string>;
  /** Objects the set holds (copied or adopted). */
  declare public readonly objectCount: pulumi.Output<number>;
  /** Their bytes together. */
  declare public readonly totalBytes: pulumi.Output<number>;
  /** What the last up did: copied, recopied, deleted, adopted, failed. */
  declare public readonly lastRun: pulumi.Output<SetRunCounts>;
  /** What refresh found deleted or overwritten under the prefix (counts, a few keys); up repairs it. */
  declare public readonly drift: pulumi.Output<SetDrift | undefined>;
  /**
   * The last Batch Operations job: id, status, task counts, the report's location, the CSV
   * manifest and the cost estimate. Absent without `batchOperations`.
   */
  declare public readonly batchJob: pulumi.Output<BatchJobState | undefined>;

  constructor(name: string, args: ObjectCopySetArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = {
      ...args,
      // Secrets even when passed as plain strings, so state only ever holds their ciphertext.
      customerKey: args.customerKey === undefined ? undefined : pulumi.secret(args.customerKey),
      sourceCustomerKey:
        args.sourceCustomerKey === undefined ? undefined : pulumi.secret(args.sourceCustomerKey),
      // The provider cannot see these, and the default manifest is named after them.
      __setProject: pulumi.getProject(),
      __setStack: pulumi.getStack(),
      __setName: name,
    };
    for (const out of OUTPUT_NAMES) if (!(out in props)) props[out] = undefined;
    super(objectCopySetProvider, name, props, opts, "s3", "ObjectCopySet");
  }
}

/** The outputs of {@link ObjectCopySet} as plain values. */
export type ObjectCopySetOutputs = SetOutputs;
