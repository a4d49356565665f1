#!/usr/bin/env bash
# Builds and runs the tests through ctest, per stage (default: release, asan,
# tsan, fuzz). Fails on the first stage that fails; prints how long each took.
#   release, asan   every test of that preset
#   tsan            the tests that start threads (TSAN_LABELS, see below),
#                   building only the executables they run
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
# The fuzz replays (label fuzz) run one thread over the committed corpus:
# nothing for TSan to watch; the asan stage replays them and the fuzz stage
# fuzzes them.
tsan_skip_labels=${TSAN_SKIP_LABELS:-'^fuzz$'}
# Executables no test of those labels runs: the operator and the standalone
# fake API server (chart, e2e, contract and observability tests drive them;
# the kube tests use the in-process fake API server), and the fuzz replays.
tsan_skip_binaries=${TSAN_SKIP_BINARIES:-'^(trove-operator|trove-fake-apiserver|fuzz_.*)$'}

# The executables of the configured build dir $1 whose name does not match $2.
executables_except() {
  ninja -C "$1" -t targets all | awk -F: '/_EXECUTABLE_LINKER/ { print $1 }' |
    xargs -n1 basename | grep -Ev "$2"
}
for p in "${presets[@]}"; do
  t0=$(date +%s)
  if [ "$p" = fuzz ]; then
    FUZZ_SECONDS=${FUZZ_CHECK_SECONDS:-20} JOBS=$jobs bash hack/fuzz.sh check
    echo "test.sh: stage fuzz: $(($(date +%s) - t0)) s"
    continue
  fi
  cmake --preset "$p" >/dev/null
  if [ "$p" = tsan ]; then
    mapfile -t targets < <(executables_except build/tsan "$tsan_skip_binaries")
    cmake --build --preset "$p" -j "$jobs" --target "${targets[@]}"
  else
    cmake --build --preset "$p" -j "$jobs"
  fi
  t1=$(date +%s)
  if [ "$p" = tsan ]; then
    ctest --preset "$p" -L "$tsan_labels" -LE "$tsan_skip_labels"
  else
    ctest --preset "$p"
  fi
  t2=$(date +%s)
  echo "test.sh: preset $p: build $((t1 - t0)) s, tests $((t2 - t1)) s"
done
