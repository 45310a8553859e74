/*
 * The README's two commands must work in either order in one checkout. `npm run demo` leaves
 * build output behind (dist-demo/), and `npm test` lints the tree, so every directory git ignores
 * must be invisible to eslint and prettier. Asked of the real tools, on a file that breaks a rule.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const repo = path.resolve(__dirname, "../..");
const bin = (tool: string) => path.join(repo, "node_modules", ".bin", tool);

const ignoredDirectories = fs
  .readFileSync(path.join(repo, ".gitignore"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line.endsWith("/") && !line.startsWith("#") && !line.startsWith("!"));

// An unused variable: an error under this repo's eslint rules wherever it is linted.
const LINT_ERROR = "var unused = 1\n";

describe("generated directories are skipped by lint and format checks", () => {
  it("reads at least the demo's output directory from .gitignore", () => {
    expect(ignoredDirectories).toContain("dist-demo/");
  });

  it.each(ignoredDirectories)("eslint ignores %s", (dir) => {
    const run = spawnSync(bin("eslint"), ["--stdin", "--stdin-filename", `${dir}probe.js`], {
      cwd: repo,
      input: LINT_ERROR,
      encoding: "utf8",
    });
    expect(run.stdout).toMatch(/File ignored (because of a matching ignore pattern|by default)/);
    expect(run.status).toBe(0);
  });

  it("eslint still reports the same file outside an ignored directory", () => {
    const run = spawnSync(bin("eslint"), ["--stdin", "--stdin-filename", "provider/probe.js"], {
      cwd: repo,
      input: LINT_ERROR,
      encoding: "utf8",
    });
    expect(run.stdout).toContain("no-unused-vars");
    expect(run.status).toBe(1);
  });

  it.each(ignoredDirectories)("prettier ignores %s", (dir) => {
    const run = spawnSync(bin("prettier"), ["--file-info", `${dir}probe.js`], {
      cwd: repo,
      encoding: "utf8",
    });
    expect(JSON.parse(run.stdout)).toMatchObject({ ignored: true });
  });
});
