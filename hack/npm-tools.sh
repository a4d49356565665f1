#!/usr/bin/env bash
# Installs the pinned npm tools the tests use. Only the npm registry is used,
# through npm itself; npm runs no install scripts (npm 11's default).
# - into a folder (default: build/npm-tools): Bitnami's
#   readme-generator-for-helm, which writes charts/trove/README.md's parameter
#   tables and values.schema.json from the `## @param` comments in values.yaml;
# - the locked dependency sets, each by `npm ci` from its package-lock.json:
#   tests/protocol (the protocol document checks) into build/npm-protocol,
#   tests/browser (puppeteer-core, which drives Debian's chromium through the
#   live demo; it never downloads a browser) into build/npm-browser, and
#   clients/js (the TypeScript client's build and tests) into its own
#   node_modules (kept out of git).
# Idempotent: a folder whose stamp names the pinned version or lock is kept.
set -euo pipefail

PKG="@bitnami/readme-generator-for-helm"
PKG_VERSION="2.7.2"
root=$(cd "$(dirname "$0")/.." && pwd)
dest="${1:-$root/build/npm-tools}"
stamp="$dest/.pinned-readme-generator-$PKG_VERSION"
bin="$dest/node_modules/.bin/readme-generator"

command -v npm >/dev/null || { echo "npm-tools: npm missing; run hack/deps.sh" >&2; exit 1; }

if [ ! -f "$stamp" ] || [ ! -x "$bin" ]; then
  mkdir -p "$dest"
  npm install --silent --no-audit --no-fund --prefix "$dest" "$PKG@$PKG_VERSION" >/dev/null
  [ -x "$bin" ] || { echo "npm-tools: $bin missing after npm install" >&2; exit 1; }
  touch "$stamp"
  echo "npm-tools: $PKG $PKG_VERSION in $dest"
fi

# install_locked SRC DEST: `npm ci` of SRC's package.json + package-lock.json
# in DEST (SRC itself when equal), skipped when DEST's stamp holds the lock's hash.
install_locked() {
  local src="$root/$1" out="$root/$2"
  local hash
  hash=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
  [ -f "$out/.npm-ci-stamp" ] && [ "$(cat "$out/.npm-ci-stamp")" = "$hash" ] && return 0
  mkdir -p "$out"
  if [ "$src" != "$out" ]; then cp "$src/package.json" "$src/package-lock.json" "$out/"; fi
  local t0=$SECONDS
  (cd "$out" && npm ci --silent --no-audit --no-fund >/dev/null)
  echo "$hash" >"$out/.npm-ci-stamp"
  echo "npm-tools: $1 installed in $2 ($((SECONDS - t0)) s)"
}
# puppeteer-core has no browser download of its own; the variable keeps any
# puppeteer package from fetching one.
export PUPPETEER_SKIP_DOWNLOAD=1
install_locked tests/protocol build/npm-protocol
install_locked tests/browser build/npm-browser
if [ -f "$root/clients/js/package-lock.json" ]; then install_locked clients/js clients/js; fi
