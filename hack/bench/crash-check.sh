#!/usr/bin/env bash
# The crash checker's long run: durable ingest, kill -9 at KILLS random
# moments, restart each time, and compare the store with every acknowledged
# update (tests/server/integration/test_state.py, CrashChecker; ctest runs
# the same check with 3 kills). Usage: hack/bench/crash-check.sh [KILLS] [SEED]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kills=${1:-20}
seed=${2:-$RANDOM}
server=${TROVE_SERVER_BIN:-$root/build/release/server/app/trove-server}
[[ -x $server ]] || { echo "build trove-server first (make build)" >&2; exit 1; }
echo "crash check: $kills kills, seed $seed, $server"
cd "$root/tests/server/integration"
TROVE_SERVER_BIN=$server TROVE_CRASH_KILLS=$kills TROVE_CRASH_SEED=$seed \
  /usr/bin/python3 -W ignore::ResourceWarning -m unittest -v \
  test_state.CrashChecker.test_kill_9_with_durable_acks_loses_no_acknowledged_update
