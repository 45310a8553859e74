// What a user reads before depending on the package: every input of the resources documented,
// every optional one with its @default (typedoc checks the exported symbols themselves, in
// `npm run docs`), the changelog naming the version package.json carries, and the license file
// the license field promises.
import * as fs from "node:fs";
import * as path from "node:path";

import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");
const RESOURCE_FILES = ["provider/resource.ts", "provider/set-resource.ts"];

interface Prop {
  where: string;
  optional: boolean;
  doc: string;
}

/** Every property of every exported `*Args` interface, nested object types included. */
function argsProperties(file: string): Prop[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Prop[] = [];
  const visitMembers = (members: ts.NodeArray<ts.TypeElement>, owner: string) => {
    for (const m of members) {
      if (!ts.isPropertySignature(m) || !m.name) continue;
      const name = `${owner}.${m.name.getText(source)}`;
      const doc = ts
        .getJSDocCommentsAndTags(m)
        .map((d) => d.getText(source))
        .join("\n");
      out.push({ where: name, optional: Boolean(m.questionToken), doc });
      m.type?.forEachChild(function nested(n: ts.Node): void {
        if (ts.isTypeLiteralNode(n)) visitMembers(n.members, name);
        else n.forEachChild(nested);
      });
    }
  };
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text.endsWith("Args"))
      visitMembers(node.members, node.name.text);
  });
  return out;
}

describe("the API reference's sources", () => {
  const props = RESOURCE_FILES.flatMap(argsProperties);

  test("finds the resources' inputs (so the checks below check something)", () => {
    const names = props.map((p) => p.where);
    expect(names).toContain("ObjectCopyArgs.concurrency");
    expect(names).toContain("ObjectCopySetArgs.batchOperations");
    expect(names).toContain("BatchOperationsArgs.report.prefix");
    expect(props.length).toBeGreaterThan(50);
  });

  test("every input of ObjectCopy and ObjectCopySet has a doc comment", () => {
    expect(props.filter((p) => !/\/\*\*[\s\S]*\w[\s\S]*\*\//.test(p.doc)).map((p) => p.where)).toEqual([]);
  });

  test("every optional input says its default with @default", () => {
    expect(props.filter((p) => p.optional && !p.doc.includes("@default")).map((p) => p.where)).toEqual([]);
  });
});

describe("release files", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    version: string;
    license: string;
    files: string[];
  };

  test("the changelog's newest release is the version package.json carries", () => {
    const changelog = fs.readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8");
    const releases = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$/gm)].map(
      (m) => m[1],
    );
    expect(releases[0]).toBe(pkg.version);
    expect(releases).toContain("0.1.0");
  });

  test("the LICENSE file holds the license package.json names, and the tarball carries it", () => {
    expect(pkg.license).toBe("Apache-2.0");
    const license = fs.readFileSync(path.join(ROOT, "LICENSE"), "utf8");
    expect(license).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(license).toMatch(/END OF TERMS AND CONDITIONS/);
    expect(pkg.files).toEqual(expect.arrayContaining(["LICENSE", "CHANGELOG.md", "README.md"]));
  });
});
