#!/usr/bin/env bash
# Builds and runs the tests through ctest, per stage (default: release, asan,
# tsan, fuzz). Fails on the first stage that fails; prints how long each took.
#   release, asan   every test of that preset
#   tsan            the tests that start threads (TSAN_LABELS, see below)
#   fuzz            every libFuzzer target for FUZZ_CHECK_SECONDS (default 20)
#                   over its committed corpus (hack/fuzz.sh check)
set -euo pipefail
cd "$(dirname "$0")/.."
presets=("$@")
((${#presets[@]})) || presets=(release asan tsan fuzz)
jobs=$(nproc)
# Under TSan: every test that starts threads — unit (server workers, push,
# purge, tuning, store, memory), kube (work queue, informer, leader election,
# controller runtime) and the server's integration tests (the real binary's
# workers under load). Chart, e2e, observability and contract tests drive
# processes through kubectl and helm; the release and asan stages run them.
tsan_labels=${TSAN_LABELS:-'^(unit|kube|integration|fakeapi)$'}
for p in "${presets[@]}"; do
  t0=$(date +%s)
  if [ "$p" = fuzz ]; then
    FUZZ_SECONDS=${FUZZ_CHECK_SECONDS:-20} JOBS=$jobs bash hack/fuzz.sh check
    echo "test.sh: stage fuzz: $(($(date +%s) - t0)) s"
    continue
  fi
  cmake --preset "$p" >/dev/null
  cmake --build --preset "$p" -j "$jobs"
  t1=$(date +%s)
  if [ "$p" = tsan ]; then
    ctest --preset "$p" -L "$tsan_labels"
  else
    ctest --preset "$p"
  fi
  t2=$(date +%s)
  echo "test.sh: preset $p: build $((t1 - t0)) s, tests $((t2 - t1)) s"
done
