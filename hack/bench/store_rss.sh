#!/usr/bin/env bash
# The box store's memory for 1 M boxes (docs/design.md, "Box store:
# variable-size payloads"): process RSS and the store's resident bytes per
# box with 50-byte payloads (inline in the slot) and 4 KiB payloads (spill
# blocks), each in a fresh process. The 4 KiB case needs ~4.5 GB of RAM.
#
# usage: hack/bench/store_rss.sh [BUILD_DIR]   (env BOXES, HUGE_PAGES=on|off)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/release}
boxes=${BOXES:-1000000}
huge=${HUGE_PAGES:-on}
bin=$build/server/bench/trove-store-rss
[[ -x $bin ]] || { echo "store_rss.sh: build $bin first (target trove-store-rss)" >&2; exit 2; }
printf '%-14s %-12s %14s %18s %16s\n' boxes payload "RSS (MiB)" "store bytes/box" "spill (MiB)"
for payload in 50 4096; do
  json=$("$bin" "$boxes" "$payload" "$huge")
  python3 - "$json" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print("%-14d %-12s %14.1f %18.1f %16.1f" % (
    r["boxes"], "%d B" % r["payloadBytes"], r["rssAfterBytes"] / 2**20,
    r["storeBytesPerBox"], r["spillCarvedBytes"] / 2**20))
PY
done
