# shellcheck shell=bash
# Source this (bash) to run the real Pulumi CLI against a local, throwaway backend:
#
#   source scripts/pulumi-env.sh [STATE_DIR]
#
# STATE_DIR (or $PULUMI_S3_COPY_STATE_DIR; a new temporary directory when neither is given) holds
# the file backend ($STATE_DIR/backend) and PULUMI_HOME ($STATE_DIR/home), so nothing touches
# ~/.pulumi and no login or network is needed. Afterwards `pulumi stack init dev`, `pulumi up
# --yes --skip-preview`, `pulumi destroy --yes` etc. work in any Pulumi.yaml project whose
# node_modules resolves @pulumi/pulumi (symlinking this repo's node_modules is enough).
# Pass STATE_DIR explicitly from inside a script: bash hands `source` with no arguments the
# caller's own positional parameters, so a script's $1 would be taken as the state directory.
#
# It exports:
#   PULUMI_S3_COPY_STATE_DIR   the absolute state directory
#   PULUMI_S3_COPY_PULUMI_BIN  the directory from scripts/ensure-pulumi.sh (pulumi,
#                              pulumi-language-nodejs, pulumi-resource-pulumi-nodejs)
#   PULUMI_HOME                $STATE_DIR/home: plugin cache, credentials, workspace settings
#   PULUMI_BACKEND_URL         file://$STATE_DIR/backend: replaces `pulumi login` (running
#                              `pulumi login file://$STATE_DIR/backend` instead works too)
#   PULUMI_CONFIG_PASSPHRASE   kept if already set, else "test": encrypts the stack's secrets
#   PULUMI_SKIP_UPDATE_CHECK=true                     no version check against the internet
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true  never try to download provider plugins
# and puts on PATH, in this order:
#   1. the CLI bin dir: `pulumi` starts `pulumi-language-nodejs`, which must be on PATH or beside
#      it, and the dynamic-provider launcher `pulumi-resource-pulumi-nodejs` found there;
#   2. node_modules/.bin: Node 24 from the `node` devDependency (the system Node 20 is too old
#      for @pulumi/pulumi 3.270), used by the language host and the launcher alike;
#   3. node_modules/@pulumi/pulumi: the launcher as the SDK ships it, a fallback for a CLI bin dir
#      without one (Pulumi then warns "using pulumi-resource-pulumi-nodejs from $PATH").
# TypeScript programs need nothing more: the SDK's bundled ts-node uses `typescript` from
# node_modules.
#
# Building the CLI the first time takes several minutes (see scripts/ensure-pulumi.sh). Returns
# non-zero, leaving the environment untouched, if the CLI cannot be had.

__pulumi_s3_copy_env() {
  local repo_root state out bin entry
  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1

  state="${1:-${PULUMI_S3_COPY_STATE_DIR:-}}"
  if [[ -z "$state" ]]; then
    state="$(mktemp -d "${TMPDIR:-/tmp}/pulumi-s3-copy-state.XXXXXX")" || return 1
    echo "pulumi-env: using new state directory $state" >&2
  fi
  mkdir -p "$state/backend" "$state/home" || return 1
  state="$(cd "$state" && pwd)" || return 1

  # Its stdout is only the bin dir on the last line; its progress goes to our stderr.
  out="$(bash "$repo_root/scripts/ensure-pulumi.sh")" || return 1
  bin="${out##*$'\n'}"
  if [[ ! -x "$bin/pulumi" ]]; then
    echo "pulumi-env: scripts/ensure-pulumi.sh did not produce a pulumi binary" >&2
    return 1
  fi

  export PULUMI_S3_COPY_STATE_DIR="$state"
  export PULUMI_S3_COPY_PULUMI_BIN="$bin"
  export PULUMI_HOME="$state/home"
  export PULUMI_BACKEND_URL="file://$state/backend"
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-test}"
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

  # Prepend in reverse order, first dropping each entry from where it already is, so that it
  # really comes first and sourcing twice leaves one copy.
  for entry in "$repo_root/node_modules/@pulumi/pulumi" "$repo_root/node_modules/.bin" "$bin"; do
    PATH=":$PATH:"
    PATH="${PATH//:"$entry":/:}"
    PATH="${PATH#:}"
    PATH="$entry:${PATH%:}"
  done
  export PATH
}

if __pulumi_s3_copy_env "$@"; then
  unset -f __pulumi_s3_copy_env
else
  unset -f __pulumi_s3_copy_env
  # `return` when sourced; `exit` only if this file was run as a script by mistake.
  # shellcheck disable=SC2317
  return 1 2>/dev/null || exit 1
fi
