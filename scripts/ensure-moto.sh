#!/usr/bin/env bash
# Makes a pinned moto server available and prints the path of its `moto_server` executable on the
# last stdout line. The venv lives outside the repo, keyed by version, so CI and the demo reuse it
# across clones and rebuild it only when it is missing or half-built.
set -euo pipefail

MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
cache_root="${PULUMI_S3_COPY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-s3-object-copy}"
venv="$cache_root/moto-$MOTO_VERSION"
marker="$venv/.complete"

if [[ -f "$marker" && -x "$venv/bin/moto_server" ]]; then
  echo "$venv/bin/moto_server"
  exit 0
fi

python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
echo "ensure-moto: building venv for moto[server]==$MOTO_VERSION in $venv" >&2
# A venv records its own path in its scripts, so it is built in place; the marker written last
# tells a finished venv from an interrupted one, which is thrown away and rebuilt.
rm -rf "$venv"
mkdir -p "$cache_root"
"$python" -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
touch "$marker"
echo "$venv/bin/moto_server"
