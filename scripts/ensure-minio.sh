#!/usr/bin/env bash
# Makes a pinned MinIO server available and prints the absolute path of its `minio` executable on
# the last stdout line; everything else goes to stderr so callers can take `tail -n1`.
#
# Why MinIO: the integration tests need a local S3 endpoint that really implements SSE-S3, SSE-C
# (which S3 only accepts over TLS) and multipart copies, and MinIO is a single static binary.
# Why `go install`: MinIO no longer publishes community binaries we could pin, but its module is
# on the Go module proxy, so it builds reproducibly from a pinned version with only `go`.
#
# The binary is cached outside the repo, keyed by version, so CI and the demo reuse it across
# clones; it is built into a temporary GOBIN and moved into place only when complete, so an
# interrupted build never leaves a binary that looks finished.
set -euo pipefail

# MinIO's tags (RELEASE.2025-...) are not semver, so the Go toolchain only knows the module by
# pseudo-version. This is `go list -m github.com/minio/minio@latest`: the last commit (2026-02-12)
# before the community repository was marked unmaintained. Its go.mod has no replace directives (a
# module with replace directives cannot be `go install`ed by version) and it builds with Go 1.26.
MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
cache_root="${PULUMI_S3_COPY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-s3-object-copy}"
dest_dir="$cache_root/minio-$MINIO_VERSION"
dest="$dest_dir/minio"

log() { echo "ensure-minio: $*" >&2; }

# The test helper generates a self-signed certificate for MinIO's TLS listener with openssl.
# Install it only when missing: apt-get is slow and needs root.
if ! command -v openssl >/dev/null 2>&1; then
  log "openssl not found; installing it with apt-get"
  if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
  else
    sudo=()
  fi
  "${sudo[@]}" apt-get update >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends openssl >&2
fi

if [[ -x "$dest" ]]; then
  echo "$dest"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "the Go toolchain ('go') is required to build MinIO $MINIO_VERSION"
  exit 1
fi

mkdir -p "$dest_dir"
# The temp GOBIN sits next to the final path so the final `mv` is a same-filesystem rename.
tmp_bin="$(mktemp -d "$dest_dir/.build.XXXXXX")"
go_pid=""
cleanup() {
  # If this script is killed mid-build, stop `go install` too: left running, it would go on to
  # write its binary into the temp GOBIN after that has been removed.
  if [[ -n "$go_pid" ]]; then
    kill "$go_pid" 2>/dev/null || true
    wait "$go_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp_bin"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "building github.com/minio/minio@$MINIO_VERSION (this can take 10+ minutes)"
start=$SECONDS
# CGO off: a static binary that does not depend on a C toolchain. GOFLAGS is overridden so a
# caller's -mod=vendor or similar cannot break a module-mode install. -s -w drop the symbol table
# and DWARF (150 MB -> 112 MB); Go panics still print full stack traces without them.
GOBIN="$tmp_bin" CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath" \
  go install -ldflags="-s -w" "github.com/minio/minio@$MINIO_VERSION" >&2 &
# Run in the background and `wait`, so a TERM/INT reaches the traps above at once.
go_pid=$!
wait "$go_pid"
go_pid=""
log "built in $((SECONDS - start))s"

chmod 0755 "$tmp_bin/minio"
mv -f "$tmp_bin/minio" "$dest"
echo "$dest"
