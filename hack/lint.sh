#!/usr/bin/env bash
# make lint: clang-format check on every C++ file, then clang-tidy over the
# project's translation units (compile_commands.json of the release preset).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
((${#files[@]})) || { echo "lint: no C++ files"; exit 0; }
echo "lint: clang-format (${#files[@]} files)"
clang-format --dry-run --Werror "${files[@]}"
mapfile -t tus < <(git ls-files '*.cpp')
echo "lint: clang-tidy (${#tus[@]} translation units)"
log=$(mktemp)
status=0
printf '%s\n' "${tus[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p build/release --quiet >"$log" 2>&1 || status=$?
grep -v -E '^[0-9]+ warnings? generated|^Suppressed|^Use -header-filter' "$log" || true
rm -f "$log"
[ "$status" -eq 0 ] || { echo "lint: clang-tidy found problems"; exit 1; }
echo "lint: clean"
