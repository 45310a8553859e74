/*
 * The package as users get it: `npm pack`, installed from the tarball into a fresh program outside
 * this checkout, run by the real CLI, once as TypeScript (Pulumi's runner) and once as compiled
 * JavaScript. Also the serialized provider's size and contents, and an SSE-C key's absence from
 * the exported state.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { PulumiCli } from "../helpers/pulumi-cli";
import { bytes, newBucket, put } from "../helpers/s3";
import { repoRoot } from "../servers/ports";

jest.setTimeout(900_000);

const KEY_RAW = "e2e-sse-c-key-0123456789abcdefgh"; // 32 bytes
const PROGRAM = (lang: "ts" | "js") => `
${lang === "ts" ? 'import * as pulumi from "@pulumi/pulumi";\nimport { ObjectCopy } from "pulumi-s3-object-copy";' : 'const pulumi = require("@pulumi/pulumi");\nconst { ObjectCopy } = require("pulumi-s3-object-copy");'}
const config = new pulumi.Config();
const copy = new ObjectCopy("packaged", {
  source: config.require("source"),
  bucket: config.require("bucket"),
  key: config.require("key"),
  customerKey: config.requireSecret("customerKey"),
});
${lang === "ts" ? "export const etag = copy.etag;" : "exports.etag = copy.etag;"}
`;

let installDir: string;

beforeAll(() => {
  const repo = repoRoot();
  installDir = fs.mkdtempSync(path.join(os.tmpdir(), "objcopy-user-"));
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", installDir], {
    cwd: repo,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop()!;
  const pulumiVersion = (
    JSON.parse(fs.readFileSync(path.join(repo, "node_modules/@pulumi/pulumi/package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  fs.writeFileSync(
    path.join(installDir, "package.json"),
    JSON.stringify({
      name: "user-program",
      private: true,
      dependencies: {
        "pulumi-s3-object-copy": `file:./${tarball}`,
        "@pulumi/pulumi": pulumiVersion,
        typescript: "5.9.3",
      },
    }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: installDir,
    stdio: "ignore",
  });
});

afterAll(() => fs.rmSync(installDir, { recursive: true, force: true }));

it("ships the built package and nothing else", () => {
  const pkg = path.join(installDir, "node_modules", "pulumi-s3-object-copy");
  expect(fs.existsSync(path.join(pkg, "dist/provider/index.js"))).toBe(true);
  expect(fs.existsSync(path.join(pkg, "dist/provider/index.d.ts"))).toBe(true);
  expect(fs.existsSync(path.join(pkg, "dist/provider/engine/index.js"))).toBe(true);
  expect(fs.existsSync(path.join(pkg, "tests"))).toBe(false);
  expect(fs.existsSync(path.join(pkg, "provider"))).toBe(false);
  // Real files, not a link back into this checkout.
  expect(fs.lstatSync(pkg).isSymbolicLink()).toBe(false);
});

it("packs only the built code, its types, README, LICENSE and CHANGELOG (npm pack --dry-run)", () => {
  const listing = JSON.parse(
    execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: repoRoot(), encoding: "utf8" }),
  ) as { files: { path: string }[] }[];
  const files = listing[0].files.map((f) => f.path).sort();
  expect(files.filter((f) => !/^dist\/provider\/.+\.(js|d\.ts)$/.test(f))).toEqual([
    "CHANGELOG.md",
    "LICENSE",
    "README.md",
    "package.json",
  ]);
  // Every module has its declarations, and no source map points at a source the tarball lacks.
  const js = files.filter((f) => f.endsWith(".js"));
  expect(js.length).toBeGreaterThan(50);
  for (const f of js) expect(files).toContain(f.replace(/\.js$/, ".d.ts"));
  expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
  for (const f of js) {
    const text = fs.readFileSync(path.join(repoRoot(), f), "utf8");
    expect(text).not.toMatch(/sourceMappingURL/);
  }
});

it("installs with its license, changelog and the API reference in its declarations, readable offline", () => {
  const pkg = path.join(installDir, "node_modules", "pulumi-s3-object-copy");
  expect(fs.readFileSync(path.join(pkg, "LICENSE"), "utf8")).toMatch(/Apache License\s+Version 2\.0/);
  const version = (JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8")) as { version: string })
    .version;
  expect(fs.readFileSync(path.join(pkg, "CHANGELOG.md"), "utf8")).toContain(`## [${version}]`);
  const types = fs.readFileSync(path.join(pkg, "dist/provider/set-resource.d.ts"), "utf8");
  expect(types).toMatch(/@default "complete"/);
  expect(types).toMatch(/Run the copies as one S3 Batch Operations job/);
});

/** A user's tsconfig for main.ts under `module` (and the same moduleResolution), strict, into out/. */
const tsconfig = (module: "node16" | "nodenext") =>
  JSON.stringify({
    compilerOptions: {
      module,
      moduleResolution: module,
      target: "ES2022",
      strict: true,
      outDir: "out",
      skipLibCheck: false,
      types: [],
      resolveJsonModule: true,
    },
    files: ["main.ts"],
  });

/** Three user projects inside the install directory, one per module flavour, each importing every entry point. */
const ENTRY_PROGRAMS = {
  "plain JavaScript (CommonJS)": {
    pkg: { type: "commonjs" },
    files: {
      "main.js": `
const root = require("pulumi-s3-object-copy");
const engine = require("pulumi-s3-object-copy/engine");
const pkg = require("pulumi-s3-object-copy/package.json");
let deep = "importable";
try { require("pulumi-s3-object-copy/dist/provider/resource"); } catch (e) { deep = e.code; }
console.log(JSON.stringify({ ObjectCopy: typeof root.ObjectCopy, ObjectCopySet: typeof root.ObjectCopySet,
  objectCopyProvider: typeof root.objectCopyProvider, objectCopySetProvider: typeof root.objectCopySetProvider,
  ObjectCopyError: typeof engine.ObjectCopyError, planParts: typeof engine.planParts, version: pkg.version, deep }));
`,
    },
    run: ["main.js"],
  },
  "TypeScript compiled to CommonJS": {
    pkg: { type: "commonjs" },
    files: {
      "tsconfig.json": tsconfig("node16"),
      "main.ts": `
import { ObjectCopy, ObjectCopySet, objectCopyProvider, objectCopySetProvider, type ObjectCopySetArgs } from "pulumi-s3-object-copy";
import { ObjectCopyError, planParts } from "pulumi-s3-object-copy/engine";
import pkg = require("pulumi-s3-object-copy/package.json");
const args: ObjectCopySetArgs = { source: "a/b/", bucket: "c", batchOperations: { roleArn: "r", report: { bucket: "d" } } };
console.log(JSON.stringify({ ObjectCopy: typeof ObjectCopy, ObjectCopySet: typeof ObjectCopySet,
  objectCopyProvider: typeof objectCopyProvider, objectCopySetProvider: typeof objectCopySetProvider,
  ObjectCopyError: typeof ObjectCopyError, planParts: typeof planParts, version: pkg.version, deep: args.bucket ? "typed" : "" }));
`,
    },
    run: ["out/main.js"],
  },
  "TypeScript compiled to ES modules": {
    pkg: { type: "module" },
    files: {
      "tsconfig.json": tsconfig("nodenext"),
      "main.ts": `
import { ObjectCopy, ObjectCopySet, objectCopyProvider, objectCopySetProvider, type ObjectCopySetArgs } from "pulumi-s3-object-copy";
import { ObjectCopyError, planParts } from "pulumi-s3-object-copy/engine";
import pkg from "pulumi-s3-object-copy/package.json" with { type: "json" };
const args: ObjectCopySetArgs = { source: "a/b/", bucket: "c" };
console.log(JSON.stringify({ ObjectCopy: typeof ObjectCopy, ObjectCopySet: typeof ObjectCopySet,
  objectCopyProvider: typeof objectCopyProvider, objectCopySetProvider: typeof objectCopySetProvider,
  ObjectCopyError: typeof ObjectCopyError, planParts: typeof planParts, version: pkg.version, deep: args.bucket ? "typed" : "" }));
`,
    },
    run: ["out/main.js"],
  },
} as const;

it.each(Object.keys(ENTRY_PROGRAMS) as (keyof typeof ENTRY_PROGRAMS)[])(
  "every entry point of the packed package imports in %s",
  (flavour) => {
    const program = ENTRY_PROGRAMS[flavour];
    const dir = fs.mkdtempSync(path.join(installDir, "entry-"));
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "entry", private: true, ...program.pkg }),
    );
    for (const [name, text] of Object.entries(program.files)) fs.writeFileSync(path.join(dir, name), text);
    if ("tsconfig.json" in program.files) {
      execFileSync(process.execPath, [path.join(installDir, "node_modules/typescript/bin/tsc"), "-p", "."], {
        cwd: dir,
        encoding: "utf8",
      });
    }
    const out = execFileSync(process.execPath, [...program.run], { cwd: dir, encoding: "utf8" });
    const seen = JSON.parse(out.trim().split("\n").pop()!) as Record<string, string>;
    const version = (
      JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8")) as { version: string }
    ).version;
    expect(seen).toEqual({
      ObjectCopy: "function",
      ObjectCopySet: "function",
      objectCopyProvider: "object",
      objectCopySetProvider: "object",
      ObjectCopyError: "function",
      planParts: "function",
      version,
      deep: flavour.startsWith("plain") ? "ERR_PACKAGE_PATH_NOT_EXPORTED" : "typed",
    });
  },
);

it.each(["ts", "js"] as const)(
  "runs in a user's %s program, resolving the package from that program's node_modules",
  async (lang) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `objcopy-user-${lang}-`));
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      `name: user-${lang}\nruntime: nodejs\nmain: index.${lang}\n`,
    );
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `user-${lang}`, private: true }));
    fs.writeFileSync(path.join(dir, `index.${lang}`), PROGRAM(lang));
    fs.symlinkSync(path.join(installDir, "node_modules"), path.join(dir, "node_modules"), "dir");
    // Nothing above the program could supply the package: it must come from its node_modules.
    expect(fs.existsSync(path.join(path.dirname(dir), "node_modules"))).toBe(false);

    const src = await newBucket();
    const dst = await newBucket();
    await put(src, "a", `from a ${lang} program`);
    const state = fs.mkdtempSync(path.join(os.tmpdir(), `objcopy-user-state-`));
    const cli = await PulumiCli.init(dir, state, "dev", PulumiCli.environment(state));
    try {
      await cli.setConfig({ source: `${src}/a`, bucket: dst, key: "b" });
      await cli.must(["config", "set", "--secret", "customerKey", KEY_RAW]);
      await cli.up();
      expect((await bytes(dst, "b")).toString()).toBe(`from a ${lang} program`);

      const exported = await cli.exportState();
      expect(exported).not.toContain(KEY_RAW);
      expect(exported).not.toContain(Buffer.from(KEY_RAW).toString("base64"));
      const resource = (
        JSON.parse(exported) as {
          deployment: { resources: { type: string; inputs: Record<string, unknown> }[] };
        }
      ).deployment.resources.find((r) => r.type === "pulumi-nodejs:dynamic/s3:ObjectCopy")!;
      const provider = resource.inputs.__provider as string;
      expect(provider).toContain('require("pulumi-s3-object-copy/engine")');
      // Small and stable: no SDK internals or install paths, so upgrades do not rewrite state.
      expect(provider).not.toMatch(/node_modules|@aws-sdk|\/tmp\/|smithy/);
      expect(provider.length).toBeLessThan(8 * 1024);
      console.log(`serialized provider in a ${lang} program: ${provider.length} bytes`);
      await cli.destroy();
    } finally {
      await cli.remove();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(state, { recursive: true, force: true });
    }
  },
);
