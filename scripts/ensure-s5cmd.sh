#!/usr/bin/env bash
# Makes s5cmd (pinned in tools/s5cmd/go.mod) available and prints the absolute path of its
# executable on the last stdout line; everything else goes to stderr, so callers can take
# `tail -n1`. Only the ObjectCopySet benchmark (bench/set/) uses it.
#
# s5cmd publishes release binaries, but only package registries are reachable here. Its module is
# on the Go module proxy, but `go install github.com/peak/s5cmd/v2@v2.3.0` fails here: it reads the
# module's version list (for deprecation notices), which the proxy answers 403. A small module
# that requires it (tools/s5cmd, go.sum committed) builds it with `go build` instead, in
# seconds here (measured: 5 s to download the modules, 7 s to build on 2 cores; a fully cold Go
# build cache may take up to about a minute).
#
# The binary is cached outside the repo, keyed by version:
#   ${PULUMI_S3_COPY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-s3-object-copy}/s5cmd-<version>/s5cmd
# It is built into a temporary directory next to that path and moved into place only when it runs,
# so an interrupted build never leaves a binary that looks finished. S5CMD_BINARY=... uses another
# binary as is.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/tools/s5cmd"
module=github.com/peak/s5cmd/v2

log() { echo "ensure-s5cmd: $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

if [[ -n "${S5CMD_BINARY:-}" ]]; then
  [[ -x "$S5CMD_BINARY" ]] || die "S5CMD_BINARY=$S5CMD_BINARY is not an executable"
  echo "$S5CMD_BINARY"
  exit 0
fi

# `require M V` on one line or inside a require block.
version="$(awk -v m="$module" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' \
  "$tools_dir/go.mod")"
[[ -n "$version" ]] || die "could not read the pinned $module version from $tools_dir/go.mod"

cache_root="${PULUMI_S3_COPY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-s3-object-copy}"
dest_dir="$cache_root/s5cmd-$version"
dest="$dest_dir/s5cmd"

if [[ -x "$dest" ]]; then
  echo "$dest"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "the Go toolchain (go) is needed to build s5cmd $version and is not on PATH"

mkdir -p "$dest_dir"
tmp="$(mktemp -d "$dest_dir/.build.XXXXXX")"
go_pid=""
cleanup() {
  # Killed mid-build: stop `go build` too, or it would write into the removed directory.
  if [[ -n "$go_pid" ]]; then
    kill "$go_pid" 2>/dev/null || true
    wait "$go_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "building $module@$version into $dest (seconds to a minute, depending on the Go caches)"
started=$SECONDS
# -mod=readonly builds exactly what the committed go.mod/go.sum say; GOWORK=off keeps a go.work
# in a parent directory out of it; -buildvcs=false because this checkout's git state must not
# matter; CGO off for a static binary. The -X flags stamp what `s5cmd version` prints, as the
# project's release builds do.
(cd "$tools_dir" && GOWORK=off CGO_ENABLED=0 GOFLAGS="" go build -mod=readonly -buildvcs=false -trimpath \
  -ldflags "-s -w -X $module/version.Version=$version -X $module/version.GitCommit=modproxy" \
  -o "$tmp/s5cmd" "$module") >&2 &
go_pid=$!
wait "$go_pid" || die "go build of $module $version failed (module $tools_dir); see the go output above"
go_pid=""

got="$("$tmp/s5cmd" version 2>/dev/null || true)"
[[ "$got" == "$version"* ]] || die "the freshly built s5cmd reports '$got', expected '$version-…'"
chmod 0755 "$tmp/s5cmd"
mv -f "$tmp/s5cmd" "$dest"
log "built in $((SECONDS - started))s"
echo "$dest"
