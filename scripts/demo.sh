#!/usr/bin/env bash
# `npm run demo`: installs what it needs (npm packages with Node 24, the moto venv, the Pulumi
# CLI), then runs demo/run.ts, which drives the top-level Pulumi.yaml program against a local
# moto server and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."

[[ -x node_modules/.bin/node ]] || npm install --no-audit --no-fund
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/ensure-moto.sh >/dev/null
bash scripts/ensure-pulumi.sh >/dev/null
npm run --silent build
# The provider process resolves this package from the program's node_modules, as it would in a
# user's program; here the program lives in the package itself, so link the package in.
ln -sfn .. node_modules/pulumi-s3-object-copy
tsc -p demo/tsconfig.json
node dist-demo/demo/run.js
