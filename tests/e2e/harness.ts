import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { PulumiCli } from "../helpers/pulumi-cli";
import { repoRoot } from "../servers/ports";

/**
 * A Pulumi project in a temporary directory holding one example's program, with node_modules
 * resolving this package (built in dist/) the way a user's install would.
 */
export async function exampleStack(
  example: string,
  from = path.join(repoRoot(), "examples"),
): Promise<PulumiCli> {
  const repo = repoRoot();
  const selfLink = path.join(repo, "node_modules", "pulumi-s3-object-copy");
  if (!fs.existsSync(selfLink)) fs.symlinkSync("..", selfLink, "dir");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `e2e-${example}-`));
  for (const f of ["Pulumi.yaml", "index.ts", "tsconfig.json"]) {
    const src = path.join(from, example, f);
    if (fs.existsSync(src)) fs.copyFileSync(src, path.join(dir, f));
  }
  // A program has a package.json of its own; without one, Node and the language host would look
  // for the nearest one above the temporary directory.
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `e2e-${example}`, private: true }));
  fs.symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"), "dir");
  const state = fs.mkdtempSync(path.join(os.tmpdir(), `e2e-state-${example}-`));
  return PulumiCli.init(dir, state, "e2e", PulumiCli.environment(state), { removeWith: [dir, state] });
}

/** Operations the preview plans for ObjectCopy resources, by resource name ("same" left out). */
export async function plannedChanges(cli: PulumiCli): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const s of await cli.preview()) {
    if (s.op === "same") continue;
    (out[s.name] ??= []).push(s.op);
  }
  return out;
}

/** The ObjectCopy resources recorded in the stack's state, by name. */
export async function stateResources(cli: PulumiCli): Promise<string[]> {
  const state = JSON.parse(await cli.exportState()) as {
    deployment: { resources?: { urn: string; type: string }[] };
  };
  return (state.deployment.resources ?? [])
    .filter((r) => r.type === "pulumi-nodejs:dynamic/s3:ObjectCopy")
    .map((r) => r.urn.split("::").pop()!)
    .sort();
}
