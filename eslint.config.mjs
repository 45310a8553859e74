import { readFileSync } from "node:fs";
import { join } from "node:path";

import js from "@eslint/js";
import tseslint from "typescript-eslint";

// What git ignores is build output or a local cache (dist-demo/ after `npm run demo`, for one):
// lint it never. Read from .gitignore so a new output directory cannot break `npm test` again.
const gitIgnored = readFileSync(join(import.meta.dirname, ".gitignore"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#") && !line.startsWith("!"))
  .map((line) => (line.endsWith("/") ? `**/${line}**` : `**/${line}`));

export default tseslint.config(
  { ignores: [...gitIgnored, "**/*.d.ts", "examples/*/node_modules/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        require: "readonly",
        module: "writable",
        __dirname: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Plain CommonJS scripts run by Node directly.
    files: ["**/*.js"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
