#!/usr/bin/env bash
# The crash checker's long run: ingest, kill -9 at KILLS random moments,
# restart each time, and compare the store with every acknowledged update
# (tests/server/integration/test_state.py, CrashChecker; ctest runs the
# same checks with 3 kills): with --ack durable nothing acknowledged may be
# lost; with --ack memory the largest loss window (a lost update's ack to
# the kill) is printed against the commit interval.
# Usage: hack/bench/crash-check.sh [KILLS] [SEED]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kills=${1:-20}
seed=${2:-$RANDOM}
server=${TROVE_SERVER_BIN:-$root/build/release/server/app/trove-server}
[[ $server == /* ]] || server=$PWD/$server  # the checks run from tests/
[[ -x $server ]] || { echo "build trove-server first (make build)" >&2; exit 1; }
echo "crash check: $kills kills, seed $seed, $server"
cd "$root/tests/server/integration"
TROVE_SERVER_BIN=$server TROVE_CRASH_KILLS=$kills TROVE_CRASH_SEED=$seed \
  /usr/bin/python3 -W ignore::ResourceWarning -m unittest -v \
  test_state.CrashChecker.test_kill_9_with_durable_acks_loses_no_acknowledged_update \
  test_state.CrashChecker.test_kill_9_with_memory_acks_loses_at_most_the_last_commit_interval
