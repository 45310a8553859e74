/*
 * `npm run demo`: the demo program (../Pulumi.yaml, demo/index.ts) run by the real Pulumi CLI
 * against a local moto server. Seeds buckets, keys and objects; runs `pulumi up`; shows where
 * everything went; changes the build artifact and shows the preview and the re-copy; destroys.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

import { CreateAliasCommand, CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from "@aws-sdk/client-s3";

import { PulumiCli } from "../tests/helpers/pulumi-cli";
import { localAwsEnv, startMoto } from "../tests/servers/moto";

const repo = path.join(__dirname, "..", "..");
const BUILD_REGION = "us-west-2";
const RELEASE_REGIONS = ["eu-west-1", "ap-southeast-2"];
const ARTIFACT = "app-1.4.2.zip";
const LARGE = "dataset.bin";
const WEB_REGION = "eu-west-1";
/** The build folder the ObjectCopySet promotes (the .map file is excluded by the program). */
const WEB_FILES: [string, string, string][] = [
  ["web/index.html", "<h1>hello</h1>", "text/html"],
  ["web/app.js", "console.log('app')", "text/javascript"],
  ["web/app.js.map", "{}", "application/json"],
  ["web/css/site.css", "body{margin:0}", "text/css"],
];

const step = (title: string) => console.log(`\n\x1b[1m== ${title}\x1b[0m`);

async function main() {
  step("Starting a local moto server (S3 + KMS)");
  const moto = await startMoto();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "objcopy-demo-"));
  let cli: PulumiCli | undefined;
  try {
    Object.assign(process.env, localAwsEnv(moto.endpoint));
    console.log(`moto is listening on ${moto.endpoint}`);
    const s3 = (region: string) => new S3Client({ region, forcePathStyle: true });

    step("Seeding buckets, KMS keys and source objects");
    const suffix = randomBytes(3).toString("hex");
    const build = { bucket: `build-artifacts-${suffix}`, region: BUILD_REGION, artifact: ARTIFACT };
    await bucket(s3(BUILD_REGION), build.bucket, BUILD_REGION, true);
    await put(s3(BUILD_REGION), build.bucket, ARTIFACT, "release build #1", {
      ContentType: "application/zip",
      Metadata: { commit: "3f2a9c1" },
    });
    await put(s3(BUILD_REGION), build.bucket, LARGE, randomBytes(12 * 1024 * 1024), {
      ContentType: "application/octet-stream",
    });
    const releases = [];
    for (const region of RELEASE_REGIONS) {
      const b = `releases-${region}-${suffix}`;
      await bucket(s3(region), b, region, true);
      const kms = new KMSClient({ region });
      const key = await kms.send(new CreateKeyCommand({ Description: `release key ${region}` }));
      await kms.send(
        new CreateAliasCommand({ AliasName: "alias/release", TargetKeyId: key.KeyMetadata!.KeyId! }),
      );
      releases.push({ bucket: b, region, kmsKeyId: "alias/release" });
      console.log(`  ${region}: bucket ${b}, KMS alias/release -> ${key.KeyMetadata!.Arn}`);
    }
    const site = { bucket: `site-${suffix}`, keys: ["assets/app.js", "assets/app.css"] };
    await bucket(s3("us-east-1"), site.bucket, "us-east-1", false);
    await put(s3("us-east-1"), site.bucket, "assets/app.js", "console.log('hi')", {
      ContentType: "text/javascript",
    });
    await put(s3("us-east-1"), site.bucket, "assets/app.css", "body{}", { ContentType: "text/css" });
    for (const [key, body, type] of WEB_FILES) {
      await put(s3(BUILD_REGION), build.bucket, key, body, { ContentType: type });
    }
    const web = { bucket: `www-${suffix}`, region: WEB_REGION };
    await bucket(s3(WEB_REGION), web.bucket, WEB_REGION, false);
    console.log(
      `  ${build.bucket} (${BUILD_REGION}): ${ARTIFACT}, ${LARGE} (12 MiB), web/ (${WEB_FILES.length} files); ` +
        `${site.bucket}: 2 assets; ${web.bucket} (${WEB_REGION}): empty`,
    );

    step("pulumi up");
    cli = await PulumiCli.init(repo, stateDir, "demo", PulumiCli.environment(stateDir));
    await cli.setConfig({ build, releases, site, large: { key: LARGE, bucket: build.bucket }, web });
    await cli.up(true);
    await summary(s3, build, releases, site, web);

    step(`Rebuilding ${ARTIFACT} and the web/ folder in the build bucket, out of band`);
    await put(s3(BUILD_REGION), build.bucket, ARTIFACT, "release build #2", {
      ContentType: "application/zip",
      Metadata: { commit: "9b7e0d4" },
    });
    await put(s3(BUILD_REGION), build.bucket, "web/about.html", "<h1>about</h1>", {
      ContentType: "text/html",
    });
    await s3(BUILD_REGION).send(new DeleteObjectCommand({ Bucket: build.bucket, Key: "web/css/site.css" }));
    console.log("  web/: added about.html, removed css/site.css");
    const plan = await cli.preview();
    console.log("pulumi preview plans:");
    for (const s of plan.filter((p) => p.op !== "same")) console.log(`  ${s.op.padEnd(8)} ${s.name}`);
    step("pulumi up (re-copies the changed artifact; the set copies about.html and deletes site.css)");
    await cli.up(true);
    await summary(s3, build, releases, site, web);

    step("pulumi up again: nothing to do");
    const again = await cli.preview();
    console.log(`  ${again.filter((p) => p.op !== "same").length} changes planned`);

    step("pulumi destroy");
    await cli.destroy(true);
  } finally {
    await cli?.remove().catch(() => undefined);
    await moto.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
    console.log("\nStopped moto and removed the demo's state.");
  }
}

async function bucket(s3: S3Client, name: string, region: string, versioned: boolean) {
  await s3.send(
    new CreateBucketCommand({
      Bucket: name,
      CreateBucketConfiguration: region === "us-east-1" ? undefined : { LocationConstraint: region as never },
    }),
  );
  if (versioned) {
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
}

async function put(
  s3: S3Client,
  b: string,
  key: string,
  body: string | Buffer,
  extra: Partial<PutObjectCommandInput>,
) {
  await s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body, ...extra }));
}

async function summary(
  s3: (region: string) => S3Client,
  build: { bucket: string; artifact: string },
  releases: { bucket: string; region: string }[],
  site: { bucket: string; keys: string[] },
  web: { bucket: string; region: string },
) {
  const rows: string[][] = [
    ["object", "size", "content-type", "cache-control", "metadata", "encryption", "tags"],
  ];
  const describe = async (region: string, b: string, key: string) => {
    const h = await s3(region).send(new HeadObjectCommand({ Bucket: b, Key: key }));
    const tags = await s3(region).send(new GetObjectTaggingCommand({ Bucket: b, Key: key }));
    const enc =
      h.ServerSideEncryption === "aws:kms"
        ? `aws:kms ${h.SSEKMSKeyId?.split(":").slice(3, 4)}/${h.SSEKMSKeyId?.split("/").pop()?.slice(0, 8)}…`
        : (h.ServerSideEncryption ?? "-");
    rows.push([
      `s3://${b}/${key}`,
      String(h.ContentLength),
      h.ContentType ?? "-",
      h.CacheControl ?? "-",
      JSON.stringify(h.Metadata ?? {}),
      enc,
      (tags.TagSet ?? []).map((t) => `${t.Key}=${t.Value}`).join(",") || "-",
    ]);
  };
  for (const r of releases) await describe(r.region, r.bucket, `releases/${build.artifact}`);
  for (const key of site.keys) await describe("us-east-1", site.bucket, key);
  await describe(BUILD_REGION, build.bucket, `copies/${LARGE}`);
  const listed = await s3(web.region).send(new ListObjectsV2Command({ Bucket: web.bucket, Prefix: "www/" }));
  for (const o of listed.Contents ?? []) await describe(web.region, web.bucket, o.Key!);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log("\nWhat is where now:");
  for (const r of rows) console.log("  " + r.map((c, i) => c.padEnd(widths[i])).join("  "));
}

main().catch((err: Error) => {
  console.error(`\ndemo failed: ${err.message}`);
  process.exit(1);
});
