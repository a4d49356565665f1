#!/usr/bin/env bash
# Builds clients/js with tsc and checks the browser entry's closure imports
# nothing outside the package (no runtime dependency in the browser build).
set -euo pipefail
dir="$1"
[ -x "$dir/node_modules/.bin/tsc" ] || { echo "no node_modules in $dir: run hack/npm-tools.sh (make tools)" >&2; exit 1; }
cd "$dir"
rm -rf dist
node_modules/.bin/tsc -p tsconfig.json
for f in dist/index.js dist/client.js dist/backoff.js dist/emitter.js dist/poller.js dist/protocol.js; do
  if grep -nE "^import .* from '[^.]|import\('[^.]" "$f"; then
    echo "$f imports a package: the browser build must have no runtime dependency" >&2
    exit 1
  fi
done
[ -f dist/index.d.ts ] && [ -f dist/node.d.ts ] || { echo "type declarations missing" >&2; exit 1; }
echo "clients/js built: $(ls dist/*.js | wc -l) modules, declarations included"
