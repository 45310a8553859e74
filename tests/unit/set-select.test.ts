import { invalidPattern, selects, type Selection } from "../../provider/engine/set/select";

const awkward = [
  "a.txt",
  ".env",
  "dir/.hidden",
  "dir/sub/file.js",
  "with space/and+plus%20.txt",
  "ünï/çødé.txt",
  "a//double",
  "/leading",
  "#hash",
  "!bang",
];

describe("selects", () => {
  const table: [string, Selection, string[]][] = [
    ["no patterns select everything", {}, awkward],
    ["** selects every key, dot files and // included", { include: ["**"] }, awkward],
    ["* stays within one segment", { include: ["*"] }, ["a.txt", ".env", "#hash", "!bang"]],
    ["*.txt matches only top-level .txt", { include: ["*.txt"] }, ["a.txt"]],
    [
      "**/*.txt crosses segments",
      { include: ["**/*.txt"] },
      ["a.txt", "with space/and+plus%20.txt", "ünï/çødé.txt"],
    ],
    ["dot files match *", { include: ["dir/*"] }, ["dir/.hidden"]],
    ["dir/** matches all under dir", { include: ["dir/**"] }, ["dir/.hidden", "dir/sub/file.js"]],
    ["exclude removes from include", { include: ["dir/**"], exclude: ["**/*.js"] }, ["dir/.hidden"]],
    [
      "exclude alone removes from everything",
      { exclude: ["dir/**", "*.txt", "**/*.txt"] },
      [".env", "a//double", "/leading", "#hash", "!bang"],
    ],
    ["any include suffices", { include: ["a.txt", ".env"] }, ["a.txt", ".env"]],
    [
      "spaces, + and % are literal",
      { include: ["with space/and+plus%20.txt"] },
      ["with space/and+plus%20.txt"],
    ],
    ["unicode is literal", { include: ["ünï/*"] }, ["ünï/çødé.txt"]],
    ["// needs its empty segment", { include: ["a//*"] }, ["a//double"]],
    ["a leading / is an empty first segment", { include: ["/*"] }, ["/leading"]],
    ["a leading # is not a comment", { include: ["#*"] }, ["#hash"]],
    ["a leading ! is not a negation", { include: ["!bang"] }, ["!bang"]],
    ["braces expand", { include: ["{a,.env}*"] }, ["a.txt", ".env"]],
    [
      "keys select exactly those keys",
      { keys: ["a.txt", "a//double", "/leading", "missing"] },
      ["a.txt", "a//double", "/leading"],
    ],
    ["keys are not patterns", { keys: ["*.txt", "dir/*"] }, []],
    ["an empty keys list selects nothing", { keys: [] }, []],
  ];

  it.each(table)("%s", (_name, sel, expected) => {
    expect(awkward.filter((k) => selects(sel, k))).toEqual(expected);
  });

  // Keys S3 takes as written; a glob alone would never let a wildcard match their . and .. segments.
  const dotted = ["../secret.map", "a/./b.map", "private/../x.txt", "./c", "..", "app.js", "a/.../d.map"];
  it.each<[string, Selection, string[]]>([
    ["** selects keys with . and .. segments", { include: ["**"] }, dotted],
    ["exclude patterns exclude them too", { exclude: ["**/*.map", "private/**"] }, ["./c", "..", "app.js"]],
    ["* matches a . or .. segment", { include: ["*/*"] }, ["../secret.map", "./c"]],
    ["a literal . or .. segment matches only itself", { include: ["a/./*", ".."] }, ["a/./b.map", ".."]],
    ["? matches . and ?? matches ..", { include: ["?/c", "??"] }, ["./c", ".."]],
  ])("%s", (_name, sel, expected) => {
    expect(dotted.filter((k) => selects(sel, k))).toEqual(expected);
  });

  it("answers the same for a selection asked many times (patterns compiled once)", () => {
    const sel: Selection = { include: ["**/*.txt"] };
    for (let i = 0; i < 3; i += 1) expect(selects(sel, "x/y.txt")).toBe(true);
    expect(selects(sel, "x/y.js")).toBe(false);
  });
});

describe("invalidPattern", () => {
  it("accepts ordinary globs", () => {
    expect(invalidPattern("**/*.{js,css}")).toBeUndefined();
    expect(invalidPattern("[abc]*")).toBeUndefined();
  });
  it("names a pattern minimatch cannot compile", () => {
    expect(invalidPattern("x".repeat(70_000))).toMatch(/is not a valid glob/);
  });
});
