import * as pulumi from "@pulumi/pulumi";

import { objectCopyProvider } from "./dynamic";
import type {
  ChecksumAlgorithm,
  CopyOutputs,
  CustomerAlgorithm,
  DeleteBehavior,
  LegalHoldStatus,
  MetadataDirective,
  ObjectAcl,
  ObjectLockMode,
  RequestPayer,
  RestoreRequest,
  ServerSideEncryption,
  StorageClass,
  TaggingDirective,
} from "./engine/types";
import { OBSERVED_OUTPUTS } from "./engine/types";

/** Arguments of {@link ObjectCopy}. Names follow `aws.s3.ObjectCopy` where it has the same input. */
export interface ObjectCopyArgs {
  /** Destination bucket. Changing it replaces the resource (copy to the new place, then delete the old copy). */
  bucket: pulumi.Input<string>;
  /** Destination key. Changing it replaces the resource. */
  key: pulumi.Input<string>;
  /**
   * The object to copy: `"bucket/key"`, `"s3://bucket/key"` or an access-point object ARN, each
   * optionally ending in `?versionId=V` to copy one version. The key is written as it is, not
   * URL-encoded. Pointing it at the destination itself copies the object onto itself, which is
   * how S3 changes metadata, storage class or encryption of an existing object.
   */
  source: pulumi.Input<string>;

  /**
   * `"COPY"` keeps the source's metadata and content headers; `"REPLACE"` sends only what is
   * declared here (anything not declared is dropped, and Content-Type falls back to S3's
   * default); `"MERGE"` lays what is declared over the source's values and sends the full set.
   * @default "COPY"
   */
  metadataDirective?: pulumi.Input<MetadataDirective>;
  /**
   * User metadata (`x-amz-meta-*`). Keys are lowercased, as S3 stores them; keys and values
   * together must fit in 2 KB. Not allowed with `metadataDirective: "COPY"`.
   * @default the source's metadata under COPY and MERGE; none under REPLACE
   */
  metadata?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** @default the source's value (COPY, MERGE); S3's default `binary/octet-stream` under REPLACE */
  contentType?: pulumi.Input<string>;
  /** @default the source's value (COPY, MERGE); none under REPLACE */
  cacheControl?: pulumi.Input<string>;
  /** @default the source's value (COPY, MERGE); none under REPLACE */
  contentDisposition?: pulumi.Input<string>;
  /** @default the source's value (COPY, MERGE); none under REPLACE */
  contentEncoding?: pulumi.Input<string>;
  /** @default the source's value (COPY, MERGE); none under REPLACE */
  contentLanguage?: pulumi.Input<string>;
  /** The `Expires` header, as ISO 8601 or an HTTP date. @default the source's value (COPY, MERGE); none under REPLACE */
  expires?: pulumi.Input<string>;
  /** `x-amz-website-redirect-location`. S3 never copies it from the source. @default none */
  websiteRedirect?: pulumi.Input<string>;

  /**
   * `"AES256"` (SSE-S3), `"aws:kms"` or `"aws:kms:dsse"`. Inferred as `"aws:kms"` when only
   * `kmsKeyId` is set. For SSE-C set `customerKey` instead.
   * @default the destination bucket's default encryption (not the source's)
   */
  serverSideEncryption?: pulumi.Input<ServerSideEncryption>;
  /**
   * KMS key for SSE-KMS: key id, key ARN, alias name (`alias/x`) or alias ARN. Resolved with KMS
   * DescribeKey to the key ARN (output `kmsKeyArn`), so an alias never causes a diff. The key must
   * be Enabled, symmetric, and in the destination bucket's region.
   * @default the AWS managed key `aws/s3` when serverSideEncryption is `"aws:kms"`
   */
  kmsKeyId?: pulumi.Input<string>;
  /** Use an S3 Bucket Key for SSE-KMS. @default the bucket's setting */
  bucketKeyEnabled?: pulumi.Input<boolean>;
  /**
   * KMS encryption context: a map, or base64-encoded JSON of one as `aws.s3.ObjectCopy` takes it.
   * @default none
   */
  kmsEncryptionContext?: pulumi.Input<Record<string, pulumi.Input<string>> | string>;
  /** SSE-C algorithm for the destination. @default "AES256" when customerKey is set */
  customerAlgorithm?: pulumi.Input<CustomerAlgorithm>;
  /**
   * SSE-C key for the destination: 32 bytes, raw or base64. Always stored as a Pulumi secret and
   * never in outputs; the state keeps only its MD5 (`customerKeyMd5`).
   * @default none (no SSE-C)
   */
  customerKey?: pulumi.Input<string>;
  /** SSE-C algorithm of the source. @default "AES256" when sourceCustomerKey is set */
  sourceCustomerAlgorithm?: pulumi.Input<CustomerAlgorithm>;
  /** SSE-C key the source was written with; required to read such a source. Handled like `customerKey`. @default none */
  sourceCustomerKey?: pulumi.Input<string>;

  /** @default "STANDARD" (S3 does not carry the source's class over) */
  storageClass?: pulumi.Input<StorageClass>;
  /** `"COPY"` keeps the source's tags; `"REPLACE"` sets `tags`. @default "COPY" */
  taggingDirective?: pulumi.Input<TaggingDirective>;
  /** At most 10 tags; needs `taggingDirective: "REPLACE"`. A change of tags alone updates them without a re-copy. @default none */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Canned ACL. S3 never copies ACLs. A change of ACL alone is applied without a re-copy. @default "private" */
  acl?: pulumi.Input<ObjectAcl>;
  /** Object Lock mode; set together with objectLockRetainUntilDate. @default none */
  objectLockMode?: pulumi.Input<ObjectLockMode>;
  /** ISO 8601 timestamp in the future. @default none */
  objectLockRetainUntilDate?: pulumi.Input<string>;
  /** Legal hold. A change of legal hold alone is applied without a re-copy. @default none (OFF) */
  objectLockLegalHoldStatus?: pulumi.Input<LegalHoldStatus>;
  /** Have S3 compute this checksum for the copy. @default none: the source's checksum is carried over */
  checksumAlgorithm?: pulumi.Input<ChecksumAlgorithm>;
  /** Fail (403) unless the destination bucket belongs to this account. @default not checked */
  expectedBucketOwner?: pulumi.Input<string>;
  /** Fail (403) unless the source bucket belongs to this account. @default not checked */
  expectedSourceBucketOwner?: pulumi.Input<string>;
  /** `"requester"` for Requester Pays buckets. @default none */
  requestPayer?: pulumi.Input<RequestPayer>;
  /** Copy only if the source's ETag is this one; otherwise fail without copying. @default no condition */
  copyIfMatch?: pulumi.Input<string>;
  /** Copy only if the source's ETag is not this one. @default no condition */
  copyIfNoneMatch?: pulumi.Input<string>;
  /** Copy only if the source was modified after this time (ISO 8601). @default no condition */
  copyIfModifiedSince?: pulumi.Input<string>;
  /** Copy only if the source was not modified after this time (ISO 8601). @default no condition */
  copyIfUnmodifiedSince?: pulumi.Input<string>;

  /** Region of the destination bucket. @default the stack's `aws:region`, then `AWS_REGION`, then us-east-1 */
  region?: pulumi.Input<string>;
  /**
   * Region of the source bucket. When it differs from the destination's, setting it saves the
   * redirect S3 answers with (the SDK follows it).
   * @default the destination region
   */
  sourceRegion?: pulumi.Input<string>;
  /**
   * S3 endpoint URL, for S3-compatible stores. KMS keeps the SDK's configuration
   * (`AWS_ENDPOINT_URL_KMS`).
   * @default the SDK's (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, else AWS)
   */
  endpoint?: pulumi.Input<string>;
  /** Path-style bucket addressing. @default true when a custom endpoint is configured, else false */
  forcePathStyle?: pulumi.Input<boolean>;

  /**
   * Check the source on every preview and copy again when it has changed (new version, ETag or
   * Last-Modified). Costs one HeadObject per resource per preview.
   * @default true
   */
  trackSourceChanges?: pulumi.Input<boolean>;
  /**
   * On create, when the destination already holds what this copy would write (equal bytes by
   * ETag where ETags are comparable, else by a checksum both objects carry under the same
   * algorithm, and the declared metadata, content headers, encryption and storage class), record
   * that object instead of copying; an object that differs is copied over. Dynamic resources
   * cannot be `pulumi import`ed, so this is how an existing object comes under management.
   * **The adopted object then belongs to this resource: destroy deletes it** (on a versioned
   * bucket, exactly the version that was adopted). Has no effect after create. Not allowed for an
   * in-place copy (`source` is the destination itself).
   * @default false
   */
  adopt?: pulumi.Input<boolean>;
  /** Start a restore of an archived (Glacier) source instead of failing. @default none: fail with instructions */
  restoreArchivedSource?: pulumi.Input<RestoreRequest>;
  /** Minutes to wait for that restore before failing with "run up again". @default 0 */
  restoreWaitMinutes?: pulumi.Input<number>;

  /** Sources larger than this are copied in parallel parts. @default 64 MiB (see bench/RESULTS.md) */
  multipartThreshold?: pulumi.Input<number>;
  /**
   * Part size for multipart copies, 5 MiB-5 GiB.
   * @default about 64 MiB, sized so the parts fill whole rounds of `concurrency`, and grown so the
   * copy fits in 10,000 parts
   */
  partSize?: pulumi.Input<number>;
  /**
   * Parallel UploadPartCopy requests. Set, exactly this many (throttling lowers it for a while);
   * unset, an adaptive controller starts at 64 and lowers it while fewer parts are as fast.
   * @default adaptive, at most 64 (see bench/RESULTS.md)
   */
  concurrency?: pulumi.Input<number>;
}

/**
 * Every property declared on the class. Pulumi creates an output only for keys present in the
 * props, so each is passed (undefined when not an input) for the engine to fill in.
 */
const OUTPUT_NAMES = [
  "bucket",
  "key",
  "source",
  "metadataDirective",
  "metadata",
  "contentType",
  "cacheControl",
  "taggingDirective",
  "tags",
  "region",
  "kmsKeyId",
  ...OBSERVED_OUTPUTS,
  "drift",
] as const;

/**
 * A server-side copy of an S3 object, kept in step with its declaration: a copy that re-runs when
 * the source changes, multipart for large objects, KMS aliases resolved, SSE-C keys out of state.
 *
 * To copy a copy, pass the first one's `uri` as the second one's `source`
 * (`source: first.uri`), not `` pulumi.interpolate`${first.bucket}/${first.key}` ``: bucket and key
 * are inputs, known during a preview, so a preview in which `first` will copy again would not show
 * the second one changing, and `up` would then update it as well. `uri` is written by the provider,
 * so such a preview shows it as unknown and the second copy as an update.
 */
export class ObjectCopy extends pulumi.dynamic.Resource {
  // `declare`: with ES2022 class fields a plain `x!: T` would be redefined as undefined after
  // super() returns, wiping the outputs Pulumi has just attached.
  /** Destination bucket. */
  declare public readonly bucket: pulumi.Output<string>;
  /** Destination key. */
  declare public readonly key: pulumi.Output<string>;
  /** The source as declared (`bucket/key`, with `?versionId=` when pinned). */
  declare public readonly source: pulumi.Output<string>;
  /** How metadata was set: COPY, REPLACE or MERGE. */
  declare public readonly metadataDirective: pulumi.Output<MetadataDirective>;
  /** User metadata as declared (keys lowercased). */
  declare public readonly metadata: pulumi.Output<Record<string, string> | undefined>;
  /** Content-Type as declared. */
  declare public readonly contentType: pulumi.Output<string | undefined>;
  /** Cache-Control as declared. */
  declare public readonly cacheControl: pulumi.Output<string | undefined>;
  /** How tags were set: COPY or REPLACE. */
  declare public readonly taggingDirective: pulumi.Output<TaggingDirective>;
  /** The destination region the copy was made in, when set on the resource. */
  declare public readonly region: pulumi.Output<string | undefined>;
  /** The KMS key as declared (an alias stays an alias here; `kmsKeyArn` has the key). */
  declare public readonly kmsKeyId: pulumi.Output<string | undefined>;
  /** Tags as declared. */
  declare public readonly tags: pulumi.Output<Record<string, string> | undefined>;
  /** ETag of the copy (not comparable with the source's: multipart and KMS copies differ by design). */
  declare public readonly etag: pulumi.Output<string>;
  /** Version the copy created, on a versioned bucket. */
  declare public readonly versionId: pulumi.Output<string | undefined>;
  /** Last-Modified of the copy (ISO 8601). */
  declare public readonly lastModified: pulumi.Output<string>;
  /** Size of the copy in bytes. */
  declare public readonly contentLength: pulumi.Output<number>;
  /** Source ETag, version and Last-Modified at copy time; source tracking compares against them. */
  declare public readonly sourceEtag: pulumi.Output<string>;
  /** Source version copied, on a versioned source. */
  declare public readonly sourceVersionId: pulumi.Output<string | undefined>;
  /** Source Last-Modified at copy time (ISO 8601). */
  declare public readonly sourceLastModified: pulumi.Output<string>;
  /** Encryption S3 applied (may come from the bucket default). */
  declare public readonly serverSideEncryption: pulumi.Output<ServerSideEncryption | undefined>;
  /** ARN of the KMS key that encrypts the copy. */
  declare public readonly kmsKeyArn: pulumi.Output<string | undefined>;
  /** Storage class S3 applied. */
  declare public readonly storageClass: pulumi.Output<StorageClass>;
  /** base64 MD5 of the SSE-C key (never the key). */
  declare public readonly customerKeyMd5: pulumi.Output<string | undefined>;
  /** How the bytes were copied: one CopyObject, or a multipart copy. */
  declare public readonly copyMethod: pulumi.Output<"CopyObject" | "UploadPartCopy">;
  /** Parts of a multipart copy. */
  declare public readonly partCount: pulumi.Output<number | undefined>;
  /** True when the copy was made onto the source object itself. */
  declare public readonly inPlace: pulumi.Output<boolean>;
  /** What delete will do: remove the version this resource wrote, the object, or (in-place, unversioned) nothing. */
  declare public readonly deleteBehavior: pulumi.Output<DeleteBehavior>;
  /** True when `adopt` recorded the object already at the destination instead of copying it. */
  declare public readonly adopted: pulumi.Output<boolean | undefined>;
  /** Differences refresh found between the object and what this resource wrote; the next up repairs them. */
  declare public readonly drift: pulumi.Output<string[] | undefined>;
  /**
   * The copy, written as another ObjectCopy's `source` takes it: `s3://bucket/key?versionId=V` on
   * a versioned bucket (the version this resource wrote), `s3://bucket/key` otherwise. It changes
   * whenever the copy is written on a versioned bucket, and it is unknown in a preview where this
   * copy will be updated, so chain copies through it (`source: first.uri`). A preview of a
   * tags-, ACL- or legal-hold-only update marks it unknown too; `up` then finds nothing to do for
   * what is chained to it.
   */
  declare public readonly uri: pulumi.Output<string>;

  constructor(name: string, args: ObjectCopyArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = {
      ...args,
      // Secrets even when passed as plain strings, so state only ever holds their ciphertext.
      customerKey: args.customerKey === undefined ? undefined : pulumi.secret(args.customerKey),
      sourceCustomerKey:
        args.sourceCustomerKey === undefined ? undefined : pulumi.secret(args.sourceCustomerKey),
    };
    for (const out of OUTPUT_NAMES) if (!(out in props)) props[out] = undefined;
    super(objectCopyProvider, name, props, opts, "s3", "ObjectCopy");
  }
}

/** The outputs of {@link ObjectCopy} as plain values (for example from `pulumi stack output`). */
export type ObjectCopyOutputs = CopyOutputs;
