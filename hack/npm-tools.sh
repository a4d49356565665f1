#!/usr/bin/env bash
# Installs the pinned npm tools the chart tests use into a folder (default:
# build/npm-tools): Bitnami's readme-generator-for-helm, which writes
# charts/trove/README.md's parameter tables and values.schema.json from the
# `## @param` comments in values.yaml. Only the npm registry is used, through
# npm itself. Idempotent: a folder with the pinned version is kept.
set -euo pipefail

PKG="@bitnami/readme-generator-for-helm"
PKG_VERSION="2.7.2"
root=$(cd "$(dirname "$0")/.." && pwd)
dest="${1:-$root/build/npm-tools}"
stamp="$dest/.pinned-readme-generator-$PKG_VERSION"
bin="$dest/node_modules/.bin/readme-generator"

if [ -f "$stamp" ] && [ -x "$bin" ]; then
  exit 0
fi

command -v npm >/dev/null || { echo "npm-tools: npm missing; run hack/deps.sh" >&2; exit 1; }
mkdir -p "$dest"
npm install --silent --no-audit --no-fund --prefix "$dest" "$PKG@$PKG_VERSION" >/dev/null
[ -x "$bin" ] || { echo "npm-tools: $bin missing after npm install" >&2; exit 1; }
touch "$stamp"
echo "npm-tools: $PKG $PKG_VERSION in $dest"
