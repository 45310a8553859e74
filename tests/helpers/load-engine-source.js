// The engine compiled from its TypeScript source on load, for the child processes tests spawn
// (copy-child.js, set-child.js): a test then always runs the code in the checkout, never a stale
// dist/.
const fs = require("node:fs");
const ts = require("typescript");

require.extensions[".ts"] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  });
  module._compile(outputText, filename);
};

module.exports = require("../../provider/engine");
