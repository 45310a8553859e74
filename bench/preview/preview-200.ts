/*
 * What source tracking costs a preview: two stacks of 200 ObjectCopy resources on a local moto
 * server, one deployed with trackSourceChanges (one HeadObject per resource per preview) and one
 * without, previewed alternately. Run: bash bench/preview/run.sh
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

import { PulumiCli } from "../../tests/helpers/pulumi-cli";
import { localAwsEnv, startMoto } from "../../tests/servers/moto";
import { repoRoot } from "../../tests/servers/ports";

const RESOURCES = Number(process.env.RESOURCES ?? 200);
const RUNS = Number(process.env.RUNS ?? 5);

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { ObjectCopy } from "pulumi-s3-object-copy";
const c = new pulumi.Config();
const n = c.requireNumber("count");
for (let i = 0; i < n; i++) {
  new ObjectCopy(\`copy-\${i}\`, {
    source: \`\${c.require("src")}/obj-\${i}\`,
    bucket: c.require("dst"),
    key: \`obj-\${i}\`,
    trackSourceChanges: c.requireBoolean("track"),
  });
}
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed<T>(f: () => Promise<T>): Promise<number> {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function main() {
  const moto = await startMoto();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-preview-"));
  const clis: PulumiCli[] = [];
  try {
    Object.assign(process.env, localAwsEnv(moto.endpoint));
    const s3 = new S3Client({ region: "us-east-1", forcePathStyle: true });
    const src = "bench-src";
    await s3.send(new CreateBucketCommand({ Bucket: src }));
    for (let i = 0; i < RESOURCES; i++)
      await s3.send(new PutObjectCommand({ Bucket: src, Key: `obj-${i}`, Body: `object ${i}` }));

    const dir = path.join(work, "program");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: preview-bench\nruntime: nodejs\nmain: index.ts\n");
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "preview-bench", private: true }),
    );
    fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
    fs.symlinkSync(path.join(repoRoot(), "node_modules"), path.join(dir, "node_modules"), "dir");
    const env = PulumiCli.environment(path.join(work, "state"));

    const upTimes: Record<string, number> = {};
    for (const track of [true, false]) {
      const name = track ? "tracking" : "untracked";
      const dst = `bench-dst-${name}`;
      await s3.send(new CreateBucketCommand({ Bucket: dst }));
      const cli = await PulumiCli.init(dir, path.join(work, "state"), name, env);
      clis.push(cli);
      await cli.setConfig({ count: String(RESOURCES), src, dst, track: String(track) });
      upTimes[name] = await timed(() => cli.up());
      console.log(`pulumi up, ${RESOURCES} resources, ${name}: ${upTimes[name].toFixed(1)} s`);
    }

    const times: Record<string, number[]> = { tracking: [], untracked: [] };
    for (let run = 0; run < RUNS; run++) {
      for (const cli of run % 2 === 0 ? clis : [...clis].reverse()) {
        let changes = 0;
        const t = await timed(async () => {
          changes = (await cli.preview()).filter((s) => s.op !== "same").length;
        });
        if (changes !== 0)
          throw new Error(`preview of ${cli.stack} planned ${changes} changes; expected none`);
        times[cli.stack].push(t);
        console.log(`preview ${cli.stack} run ${run + 1}: ${t.toFixed(2)} s`);
      }
    }
    const on = median(times.tracking);
    const off = median(times.untracked);
    const report = [
      `## Preview cost of source tracking (${RESOURCES} ObjectCopy resources, moto on 127.0.0.1)`,
      "",
      `Command: \`bash bench/preview/run.sh\` (RESOURCES=${RESOURCES}, RUNS=${RUNS}, alternating stacks). Load at start: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}.`,
      "",
      "| stack | pulumi up (s) | preview runs (s) | median preview (s) |",
      "|---|---|---|---|",
      `| trackSourceChanges: true | ${upTimes.tracking.toFixed(1)} | ${times.tracking.map((t) => t.toFixed(2)).join(", ")} | ${on.toFixed(2)} |`,
      `| trackSourceChanges: false | ${upTimes.untracked.toFixed(1)} | ${times.untracked.map((t) => t.toFixed(2)).join(", ")} | ${off.toFixed(2)} |`,
      "",
      `Ratio tracking / no tracking: **${(on / off).toFixed(2)}x** (target <= 1.5x). Every preview planned 0 changes.`,
      "",
    ].join("\n");
    fs.mkdirSync(path.join(repoRoot(), "bench", "out"), { recursive: true });
    fs.writeFileSync(path.join(repoRoot(), "bench", "out", "preview-200.md"), report);
    console.log("\n" + report);
  } finally {
    for (const cli of clis) await cli.destroy().catch(() => undefined);
    for (const cli of clis) await cli.remove().catch(() => undefined);
    await moto.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
