#!/usr/bin/env bash
# Copies the TreasureHunt CRD (crds/, its one source of truth) into the Helm
# chart, which renders it from templates/crd.yaml. With --check it changes
# nothing and fails when the chart's copy differs (a ctest runs that).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/crds/treasurehunts.trove.dev.yaml"
dst="$root/charts/trove/files/treasurehunts.trove.dev.yaml"

if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$src" "$dst"; then
    echo "sync-crd: charts/trove/files/treasurehunts.trove.dev.yaml differs from crds/treasurehunts.trove.dev.yaml:" >&2
    diff -u "$dst" "$src" >&2 || true
    echo "sync-crd: run 'bash hack/sync-crd.sh' and commit the chart's copy" >&2
    exit 1
  fi
  echo "sync-crd: the chart's CRD copy matches crds/"
  exit 0
fi
install -m 0644 "$src" "$dst"
echo "sync-crd: copied crds/treasurehunts.trove.dev.yaml to charts/trove/files/"
