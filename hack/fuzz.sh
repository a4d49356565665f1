#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz preset, tests/fuzz) and runs each for
# FUZZ_SECONDS over its committed corpus (tests/fuzz/corpus/<target>) with
# its dictionary (tests/fuzz/dict/<target>.dict).
#
#   hack/fuzz.sh run [target...]     fuzz, then merge what adds coverage into
#                                    the committed corpus (`make fuzz`)
#   hack/fuzz.sh check [target...]   fuzz without touching the corpus (the
#                                    `fuzz` stage of hack/test.sh)
#
# A crash, leak or failed check stops the run with the input saved under
# build/fuzz/artifacts/<target>/; turn it into a regression test
# (docs/contributing.md, Fuzzing). Prints executions per second and total
# executions per target.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
shift || true
seconds=${FUZZ_SECONDS:-60}
jobs=${JOBS:-$(nproc)}

cmake --preset fuzz >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(ls tests/fuzz/corpus)
fi
cmake --build --preset fuzz -j "$jobs" --target "${targets[@]/#/fuzz_}"

summary=()
for t in "${targets[@]}"; do
  bin=build/fuzz/tests/fuzz/fuzz_$t
  corpus=tests/fuzz/corpus/$t
  new=build/fuzz/new-corpus/$t
  artifacts=build/fuzz/artifacts/$t
  rm -rf "$new"
  mkdir -p "$new" "$artifacts"
  dict=()
  [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
  log=build/fuzz/$t.log
  echo "fuzz: $t for ${seconds} s"
  # New inputs go to $new (the first folder); the committed corpus is read only.
  if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$artifacts/" "${dict[@]}" "$new" "$corpus" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz: $t FAILED; input saved in $artifacts/, log $log" >&2
    exit 1
  fi
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
  if [ "$mode" = run ]; then
    "$bin" -merge=1 "$corpus" "$new" >>"$log" 2>&1
  fi
  summary+=("$(printf '%-22s %10s exec/s %12s execs %6s inputs' "$t" "$rate" "$execs" "$(ls "$corpus" | wc -l)")")
done
printf 'fuzz: %s\n' "${summary[@]}"
