#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (Node 24 comes from the npm
# registry as a devDependency; moto goes into a cached venv on first use), then build, type-check,
# lint and every jest project. Prints a final "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

# `npm install`, not `npm ci`: npm 11 writes lockfiles without the other platforms' optional
# packages (unrs-resolver's bindings, via jest) and `npm ci` then refuses them as out of sync.
# `npm install` still installs exactly the locked versions.
if [[ ! -x node_modules/.bin/node || "${CI:-}" == "true" ]]; then
  npm install --no-audit --no-fund
fi
# npm scripts put node_modules/.bin first on PATH; do the same here so Node 24 runs everything.
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"

bash scripts/ensure-moto.sh >/dev/null
bash scripts/ensure-minio.sh >/dev/null
# The end-to-end suite runs the real Pulumi CLI; the first build takes ~10 minutes, done here
# rather than inside a test's timeout.
bash scripts/ensure-pulumi.sh >/dev/null
npm run --silent build
# Programs resolve this package from node_modules, as a user's would; link the checkout in.
ln -sfn .. node_modules/pulumi-s3-object-copy
npm run --silent typecheck
npm run --silent lint
# The API reference from the JSDoc (docs/api/, not committed): typedoc fails on any warning, such
# as an exported symbol without documentation or a type it refers to that is not exported.
npm run --silent docs >/dev/null

report="$(mktemp -d)/jest.json"
status=0
jest --ci --json --outputFile="$report" "$@" || status=$?
node -e '
  const r = require(process.argv[1]);
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "$report" || true
exit "$status"
