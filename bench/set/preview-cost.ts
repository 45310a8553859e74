// Preview cost: a no-op `pulumi preview` of ONE ObjectCopySet over 10,000 objects against one of
// 200 separate ObjectCopy resources (the program of bench/preview/), on a local moto server with
// the real Pulumi CLI, and the S3 requests each preview sends. The set's should be its listing
// pages (10,000 / 1,000 = 10, or a few more when split across sub-prefixes) and one manifest read.
//
//   bash bench/run.sh set-preview   (BENCH_SET_OBJECTS=10000 BENCH_RESOURCES=200 BENCH_RUNS=5)
//
// Both stacks are deployed once, then previewed alternately; every preview must plan 0 changes.
// The provider reaches moto through a counting proxy (AWS_ENDPOINT_URL), reset before each preview.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

import { PulumiCli } from "../../tests/helpers/pulumi-cli";
import { localAwsEnv, startMoto } from "../../tests/servers/moto";
import { median, REPO_ROOT, table, uptimeLine, writeOut } from "../lib/common";
import { startHttpCountingProxy } from "../lib/http-counting-proxy";
import { formatCounts, totalRequests } from "../lib/s3ops";
import { setResourceMissing } from "./tools";

const SET_OBJECTS = Number(process.env.BENCH_SET_OBJECTS ?? 10_000);
const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const SET_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { ObjectCopySet } from "pulumi-s3-object-copy";
const c = new pulumi.Config();
new ObjectCopySet("set", { source: c.require("source"), bucket: c.require("dst"), prefix: "set/" });
`;

// The same program as bench/preview/preview-200.ts (trackSourceChanges: true there is the default).
const MANY_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { ObjectCopy } from "pulumi-s3-object-copy";
const c = new pulumi.Config();
const n = c.requireNumber("count");
for (let i = 0; i < n; i++) {
  new ObjectCopy(\`copy-\${i}\`, { source: \`\${c.require("src")}/many/obj-\${i}\`, bucket: c.require("dst"), key: \`obj-\${i}\` });
}
`;

function program(dir: string, name: string, text: string) {
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\nmain: index.ts\n`);
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true }));
  fs.writeFileSync(path.join(dir, "index.ts"), text);
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

async function main() {
  const missing = setResourceMissing();
  if (missing) {
    const note = `set-preview: skipping (it needs the ObjectCopySet resource): ${missing}`;
    console.log(note);
    writeOut("set-preview.md", `${note}\n`);
    return;
  }
  const startUptime = uptimeLine();
  const moto = await startMoto();
  const proxy = await startHttpCountingProxy(moto.endpoint);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-set-preview-"));
  const clis: PulumiCli[] = [];
  try {
    const self = path.join(REPO_ROOT, "node_modules", "pulumi-s3-object-copy");
    if (!fs.existsSync(self)) fs.symlinkSync("..", self, "dir");
    const s3 = new S3Client({
      region: "us-east-1",
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    await s3.send(new CreateBucketCommand({ Bucket: "src" }));
    await s3.send(new CreateBucketCommand({ Bucket: "dst-set" }));
    await s3.send(new CreateBucketCommand({ Bucket: "dst-many" }));
    const keys = [
      ...Array.from({ length: SET_OBJECTS }, (_, i) => `set/d${i % 16}/obj-${i}`),
      ...Array.from({ length: RESOURCES }, (_, i) => `many/obj-${i}`),
    ];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < keys.length) {
          const Key = keys[next++];
          await s3.send(new PutObjectCommand({ Bucket: "src", Key, Body: `object ${Key}` }));
        }
      }),
    );
    s3.destroy();
    console.log(`put ${keys.length} source objects`);

    program(path.join(work, "set"), "set-preview-set", SET_PROGRAM);
    program(path.join(work, "many"), "set-preview-many", MANY_PROGRAM);
    const env = PulumiCli.environment(path.join(work, "state"), {
      ...process.env,
      ...localAwsEnv(proxy.endpoint),
    });
    const setCli = await PulumiCli.init(path.join(work, "set"), path.join(work, "state"), "set", env);
    clis.push(setCli);
    await setCli.setConfig({ source: "src/set/", dst: "dst-set" });
    const manyCli = await PulumiCli.init(path.join(work, "many"), path.join(work, "state"), "many", env);
    clis.push(manyCli);
    await manyCli.setConfig({ count: String(RESOURCES), src: "src", dst: "dst-many" });
    const upS: Record<string, number> = {};
    for (const cli of clis) {
      upS[cli.stack] = await timed(() => cli.up());
      console.log(`pulumi up ${cli.stack}: ${upS[cli.stack].toFixed(1)} s`);
    }

    const times: Record<string, number[]> = { set: [], many: [] };
    const requests: Record<string, string> = {};
    for (let run = 0; run < RUNS; run++) {
      for (const cli of run % 2 === 0 ? clis : [...clis].reverse()) {
        proxy.reset();
        let changes = 0;
        const t = await timed(async () => {
          changes = (await cli.preview()).filter((s) => s.op !== "same").length;
        });
        if (changes !== 0)
          throw new Error(`preview of ${cli.stack} planned ${changes} changes; expected none`);
        const counts = proxy.counts();
        requests[cli.stack] = `${totalRequests(counts)}: ${formatCounts(counts)}`;
        times[cli.stack].push(t);
        console.log(`preview ${cli.stack} #${run + 1}: ${t.toFixed(2)} s, requests ${requests[cli.stack]}`);
      }
    }
    const md = [
      `## No-op preview: one ObjectCopySet of ${SET_OBJECTS} objects vs ${RESOURCES} ObjectCopy (moto on 127.0.0.1)`,
      "",
      `Command: \`bash bench/run.sh set-preview\` (BENCH_SET_OBJECTS=${SET_OBJECTS}, BENCH_RESOURCES=${RESOURCES}, ` +
        `BENCH_RUNS=${RUNS}, alternating stacks). Load at start: \`${startUptime}\`; at the end: \`${uptimeLine()}\`.`,
      "",
      table(
        ["stack", "pulumi up s", "preview runs s", "median preview s", "requests per preview (last run)"],
        [
          [
            `1 ObjectCopySet, ${SET_OBJECTS} objects`,
            upS.set.toFixed(1),
            times.set.map((t) => t.toFixed(2)).join(", "),
            median(times.set).toFixed(2),
            requests.set,
          ],
          [
            `${RESOURCES} ObjectCopy`,
            upS.many.toFixed(1),
            times.many.map((t) => t.toFixed(2)).join(", "),
            median(times.many).toFixed(2),
            requests.many,
          ],
        ],
      ),
      "",
      `Ratio set / ${RESOURCES} resources: **${(median(times.set) / median(times.many)).toFixed(2)}x**. Every preview planned 0 changes.`,
      "",
    ].join("\n");
    const file = writeOut("set-preview.md", md);
    console.log(`\n${md}\nwritten to ${file}`);
  } finally {
    for (const cli of clis) await cli.destroy().catch(() => undefined);
    for (const cli of clis) await cli.remove().catch(() => undefined);
    await proxy.close();
    await moto.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
