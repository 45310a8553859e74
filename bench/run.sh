#!/usr/bin/env bash
# Runs one benchmark: compiles bench/ (tsc -p bench/tsconfig.json into bench/out/) and starts its
# driver. The engine under test is the built package in dist/ (run `npm run build` first if
# dist/ is missing or stale; this script builds it only when it is missing).
#
#   bash bench/run.sh latency-model          # benchmark 2: latency-model S3 server
#   bash bench/run.sh single-vs-multipart    # benchmark 3: CopyObject vs multipart on MinIO
#   bash bench/run.sh large-object           # benchmark 1: ours vs aws s3 cp vs rclone on MinIO
#   bash bench/run.sh latency-vs-aws         # ours vs aws s3 cp on the latency-model server
#   bash bench/run.sh set-minio              # B4: a whole prefix on MinIO: ObjectCopySet vs aws s3 sync, rclone, s5cmd
#   bash bench/run.sh latency-set            # B5: 100,000 objects on the latency model under a 3,500 writes/s limit
#   bash bench/run.sh set-preview            # no-op preview of a 10,000-object ObjectCopySet vs 200 ObjectCopy
#   bash bench/run.sh set-memory             # ObjectCopySet's peak RSS and live heap by phase at 100,000 objects
#   bash bench/run.sh controller-trace       # throughput and parts in flight over time, one copy per server and setting
#
# Results go to bench/out/<name>.md (and .json); the console shows progress.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

name="${1:-}"
case "$name" in
  latency-model) driver=bench/out/bench/latency-model/bench.js ;;
  single-vs-multipart) driver=bench/out/bench/minio/single-vs-multipart.js ;;
  large-object) driver=bench/out/bench/minio/large-object.js ;;
  latency-vs-aws) driver=bench/out/bench/latency-model/vs-aws.js ;;
  set-minio) driver=bench/out/bench/set/minio-sync.js ;;
  latency-set) driver=bench/out/bench/set/latency-set.js ;;
  set-preview) driver=bench/out/bench/set/preview-cost.js ;;
  set-memory) driver=bench/out/bench/set/memory.js ;;
  controller-trace) driver=bench/out/bench/controller/trace.js ;;
  *)
    echo "usage: bash bench/run.sh latency-model|single-vs-multipart|large-object|latency-vs-aws|set-minio|latency-set|set-preview|set-memory|controller-trace" >&2
    exit 2
    ;;
esac

if [[ ! -f dist/provider/engine/index.js ]]; then
  npm run --silent build
fi
tsc -p bench/tsconfig.json
exec node "$driver"
