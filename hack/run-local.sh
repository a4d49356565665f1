#!/usr/bin/env bash
# make run: start trove-server on localhost with sane defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
exec build/release/server/app/trove-server "$@"
