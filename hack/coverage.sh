#!/usr/bin/env bash
# clang source-based coverage (coverage preset): builds with
# -fprofile-instr-generate -fcoverage-mapping, runs the tests that exercise
# the C++ code (COVERAGE_LABELS: unit, kube, fakeapi and the server's
# integration tests, which start the instrumented trove-server), merges the
# profiles with llvm-profdata and reports with llvm-cov: line and branch
# coverage per directory (common, server, operator) on stdout, the HTML
# report under build/coverage/html/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
labels=${COVERAGE_LABELS:-'^(unit|kube|integration|fakeapi)$'}
jobs=${JOBS:-$(nproc)}
out=build/coverage
profiles=$out/profiles

cmake --preset coverage >/dev/null
cmake --build --preset coverage -j "$jobs"
rm -rf "$profiles" "$out/html"
mkdir -p "$profiles"
# %p: one file per process (tests start servers and subprocesses);
# %m: per binary, so merging never mixes two binaries' counters.
LLVM_PROFILE_FILE="$PWD/$profiles/%p-%m.profraw" ctest --preset coverage -L "$labels" || {
  echo "coverage: some tests failed; the figures below still count what ran" >&2
}
llvm-profdata merge -sparse "$profiles"/*.profraw -o "$out/trove.profdata"

# Every instrumented executable and library the tests ran.
objects=()
while IFS= read -r bin; do
  objects+=(-object "$bin")
done < <(find "$out" -type f -executable \( -name 'trove*' -o -name 'fuzz_*' -o -name '*_test' -o -name '*_tests' \) \
  -not -path '*/CMakeFiles/*' | sort)
# Paths in the mapping are the build folder joined with ../../<file>; the
# checkout's build/ is in every one of them, so it cannot be a filter.
ignore='(^/usr/|/tests/|/hack/|/server/bench/)'
llvm-cov show "${objects[@]:1}" -instr-profile="$out/trove.profdata" -format=html \
  -output-dir="$out/html" -ignore-filename-regex="$ignore" -show-branches=count >/dev/null
llvm-cov export "${objects[@]:1}" -instr-profile="$out/trove.profdata" -summary-only \
  -ignore-filename-regex="$ignore" >"$out/summary.json"
python3 hack/coverage_summary.py "$out/summary.json" "$PWD" common server operator
echo "coverage: HTML report in $out/html/index.html"
