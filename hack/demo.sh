#!/usr/bin/env bash
# make demo: builds trove-server (release) and trove-client (tsc), then runs
# clients/js/demo/demo.mjs, which starts trove-server, the simulated game and
# the page's static server, and prints the page's URL. Extra arguments go to
# demo.mjs (--http-port 0 for a free port, --boxes N). Ctrl-C stops
# everything it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j "${JOBS:-$(nproc)}" --target trove-server
[[ -x clients/js/node_modules/.bin/tsc ]] || bash hack/npm-tools.sh build/npm-tools
(cd clients/js && node_modules/.bin/tsc -p tsconfig.json)
export TROVE_SERVER_BIN=${TROVE_SERVER_BIN:-$PWD/build/release/server/app/trove-server}
exec node clients/js/demo/demo.mjs "$@"
