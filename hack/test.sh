#!/usr/bin/env bash
# Builds and runs every test through ctest, per preset (default: release then
# asan). Fails on the first preset that fails; prints how long each took.
set -euo pipefail
cd "$(dirname "$0")/.."
presets=("$@")
((${#presets[@]})) || presets=(release asan)
jobs=$(nproc)
for p in "${presets[@]}"; do
  t0=$(date +%s)
  cmake --preset "$p" >/dev/null
  cmake --build --preset "$p" -j "$jobs"
  t1=$(date +%s)
  ctest --preset "$p"
  t2=$(date +%s)
  echo "test.sh: preset $p: build $((t1 - t0)) s, tests $((t2 - t1)) s"
done
