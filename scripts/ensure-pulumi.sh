#!/usr/bin/env bash
# Makes a real Pulumi CLI (`pulumi`) and Node.js language host (`pulumi-language-nodejs`) available
# and prints the absolute directory that holds both on the LAST stdout line; everything else goes
# to stderr, so callers can do `bin="$(scripts/ensure-pulumi.sh | tail -n1)"`.
#
# No prebuilt Pulumi release can be downloaded here (only package registries are reachable, and no
# registry package ships the binaries), so they are built from source with the Go toolchain out of
# the Go module proxy. The pins live in tools/pulumi-cli (see tools/pulumi-cli/tools.go):
#   - pulumi                  github.com/pulumi/pulumi/pkg/v3 v3.259.0, the newest the proxy serves.
#   - pulumi-language-nodejs  github.com/pulumi/pulumi/sdk/v3 v3.68.0, the last release whose module
#                             contains the host (its own module is refused by the proxy).
# Both drive @pulumi/pulumi 3.270.0 from node_modules; the engine is backward compatible with the
# older host (create/diff/update/read/delete of dynamic resources, secrets, TypeScript and
# JavaScript programs and the Automation API were checked end to end). Known limit of that host:
# it ignores the Pulumi.yaml runtime options (typescript, nodeargs, tsconfig, packagemanager) and
# always turns on the SDK's TypeScript support (its vendored ts-node with the `typescript` that
# node_modules resolves), which runs .js programs unchanged; and it lacks the newer RPCs for
# code generation (`pulumi convert`, `pulumi package gen-sdk` for Node.js) and policy packs.
#
# Order of preference:
#   1. `pulumi` and `pulumi-language-nodejs` side by side on PATH, with `pulumi version` equal to
#      the pinned CLI version or to the @pulumi/pulumi version in node_modules (an official
#      install of the matching release is the best possible match).
#   2. A finished build in the cache outside the repo, keyed by both versions:
#      ${PULUMI_S3_COPY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-s3-object-copy}/pulumi-cli-<cli>-nodejs-host-<host>/bin
#   3. Build both into a temporary directory next to the cache entry, then rename it into place:
#      the rename is atomic, so an interrupted build never looks finished. On 2 cores this takes
#      about 9-10 minutes with empty Go module and build caches (~300 modules to download), about
#      5 minutes with the modules already downloaded, and about a minute with a warm Go build
#      cache.
#
# The bin directory also gets `pulumi-resource-pulumi-nodejs`, the launcher for dynamic providers
# that official releases ship next to `pulumi`. The engine looks for it on PATH or beside the
# `pulumi` binary (and warns when the PATH copy is elsewhere); the launcher resolves
# @pulumi/pulumi/cmd/dynamic-provider from the program's own directory, so it always runs the
# project's SDK version.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/tools/pulumi-cli"
host_dir="$tools_dir/language-nodejs"
version_pkg="github.com/pulumi/pulumi/sdk/v3/go/common/version"

log() { echo "ensure-pulumi: $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# The version a go.mod requires for a module, from either `require M V` or a require block.
mod_version() {
  awk -v m="$1" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$2"
}

cli_version="$(mod_version github.com/pulumi/pulumi/pkg/v3 "$tools_dir/go.mod")"
host_version="$(mod_version github.com/pulumi/pulumi/sdk/v3 "$host_dir/go.mod")"
[[ -n "$cli_version" && -n "$host_version" ]] ||
  die "could not read the pinned versions from $tools_dir/go.mod and $host_dir/go.mod"

# --- 1. Already on PATH -------------------------------------------------------------------------
accepted=("$cli_version")
sdk_pkg="$repo_root/node_modules/@pulumi/pulumi/package.json"
if [[ -f "$sdk_pkg" ]]; then
  sdk_version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$sdk_pkg" | head -n1)"
  [[ -n "$sdk_version" ]] && accepted+=("v$sdk_version")
fi
if ambient="$(command -v pulumi 2>/dev/null)" && [[ -n "$ambient" ]]; then
  ambient_dir="$(cd "$(dirname "$ambient")" && pwd)"
  if [[ -x "$ambient_dir/pulumi-language-nodejs" ]]; then
    # PULUMI_SKIP_UPDATE_CHECK keeps `pulumi version` from trying to reach the internet.
    ambient_version="$(PULUMI_SKIP_UPDATE_CHECK=true timeout 60 "$ambient_dir/pulumi" version 2>/dev/null || true)"
    for want in "${accepted[@]}"; do
      if [[ "$ambient_version" == "$want" ]]; then
        log "using pulumi $ambient_version already on PATH in $ambient_dir"
        echo "$ambient_dir"
        exit 0
      fi
    done
    log "ignoring $ambient on PATH: it reports '${ambient_version}', wanted one of: ${accepted[*]}"
  fi
fi

# --- 2. Cached build ----------------------------------------------------------------------------
cache_root="${PULUMI_S3_COPY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-s3-object-copy}"
mkdir -p "$cache_root"
cache_root="$(cd "$cache_root" && pwd)"
key="pulumi-cli-$cli_version-nodejs-host-$host_version"
final="$cache_root/$key"

complete() {
  [[ -x "$1/bin/pulumi" && -x "$1/bin/pulumi-language-nodejs" && -x "$1/bin/pulumi-resource-pulumi-nodejs" ]]
}

if complete "$final"; then
  echo "$final/bin"
  exit 0
fi

# --- 3. Build from the Go module proxy ----------------------------------------------------------
command -v go >/dev/null 2>&1 || die "the Go toolchain (go) is needed to build the Pulumi CLI and is not on PATH"

log "building pulumi $cli_version and pulumi-language-nodejs $host_version into $final"
log "(up to ~10 minutes on 2 cores with cold Go caches; Go's module and build caches stay in their default places)"
tmp="$(mktemp -d "$cache_root/.build-$key.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp" # mktemp makes it private; the finished entry should be readable like any cache
mkdir -p "$tmp/bin"
started=$SECONDS

# -mod=readonly builds exactly what the committed go.mod/go.sum say (and fails rather than
# resolving anything new); GOWORK=off keeps a go.work in a parent directory out of it;
# -buildvcs=false because the tools live inside this repo's git checkout, whose state must not
# matter; -trimpath keeps local paths out of the binaries. The -X flag stamps the version that
# `pulumi version` and the host's GetPluginInfo report (releases set it the same way).
build() { # build MODULE_DIR VERSION PACKAGE OUTPUT
  (cd "$1" && GOWORK=off go build -mod=readonly -buildvcs=false -trimpath \
    -ldflags "-X $version_pkg.Version=$2" -o "$4" "$3") >&2
}
build "$tools_dir" "$cli_version" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$tmp/bin/pulumi" ||
  die "go build of pulumi $cli_version failed (module $tools_dir); see the go output above"
log "built pulumi after $((SECONDS - started))s"
build "$host_dir" "$host_version" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
  "$tmp/bin/pulumi-language-nodejs" ||
  die "go build of pulumi-language-nodejs $host_version failed (module $host_dir); see the go output above"
log "built pulumi-language-nodejs after $((SECONDS - started))s"

# Same behaviour as the launcher in the @pulumi/pulumi package root, with "$@" quoted.
cat >"$tmp/bin/pulumi-resource-pulumi-nodejs" <<'EOF'
#!/bin/sh
# Launcher for Pulumi's Node.js dynamic provider: runs the @pulumi/pulumi that the program's
# directory (the plugin's working directory) resolves.
PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")
if [ -n "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" ]; then
    exec node "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" "$@"
fi
exit 1
EOF
chmod 0755 "$tmp/bin/pulumi-resource-pulumi-nodejs"

got="$(PULUMI_SKIP_UPDATE_CHECK=true PULUMI_HOME="$tmp/home" "$tmp/bin/pulumi" version 2>/dev/null || true)"
[[ "$got" == "$cli_version" ]] || die "the freshly built pulumi reports '$got', expected '$cli_version'"
rm -rf "${tmp:?}/home"

# Move into place. A leftover that is not complete (only possible by hand) is cleared first; if a
# concurrent run got there first, its finished copy is used and ours is dropped.
if [[ -e "$final" ]] && ! complete "$final"; then
  rm -rf "$final"
fi
if ! mv -T "$tmp" "$final" 2>/dev/null; then
  complete "$final" || die "could not move the build from $tmp to $final"
  log "another run finished $final first; using it"
fi
trap - EXIT
rm -rf "$tmp"
log "done in $((SECONDS - started))s"
echo "$final/bin"
