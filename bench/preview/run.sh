#!/usr/bin/env bash
# Benchmark: preview time of 200 ObjectCopy resources with and without source tracking, under
# the real Pulumi CLI against local moto. Writes bench/out/preview-200.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/ensure-moto.sh >/dev/null
bash scripts/ensure-pulumi.sh >/dev/null
npm run --silent build
ln -sfn .. node_modules/pulumi-s3-object-copy
tsc -p bench/tsconfig.json
exec node bench/out/bench/preview/preview-200.js
