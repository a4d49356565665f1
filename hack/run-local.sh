#!/usr/bin/env bash
# make run: start trove-server on localhost with defaults, seed one box, and
# print the URLs to try. Extra arguments go to trove-server (e.g. --workers 1).
# Ctrl-C (SIGINT) drains and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${TROVE_SERVER_BIN:-build/release/server/app/trove-server}
if [[ ! -x $bin ]]; then
  echo "run-local.sh: $bin is missing; run 'make build' first" >&2
  exit 1
fi
port_file=$(mktemp -t trove-ports.XXXXXX)
rm -f "$port_file"
"$bin" --port-file "$port_file" "$@" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true; wait $pid; rm -f "$port_file"' EXIT
for _ in $(seq 100); do
  [[ -s $port_file ]] && break
  kill -0 $pid 2>/dev/null || { echo "run-local.sh: trove-server exited" >&2; exit 1; }
  sleep 0.05
done
read -r data ingest admin < <(sed -E 's/.*"data":([0-9]+),"ingest":([0-9]+),"admin":([0-9]+).*/\1 \2 \3/' "$port_file")
curl -s -X POST --data-binary $'{"box":1,"hunt":"spring","x":12.5,"y":-3.25,"state":"open","ts":1732712345678,"player":"p-8812"}\n' \
  "http://127.0.0.1:$ingest/v1/ingest" >/dev/null
cat <<MSG

trove-server is running (pid $pid). Try:

  curl -i http://127.0.0.1:$data/v1/boxes/1                         # poll (ETag)
  etag=\$(curl -sI http://127.0.0.1:$data/v1/boxes/1 | sed -n 's/^ETag: //Ip' | tr -d '\\r')
  curl -i -H "If-None-Match: \$etag" http://127.0.0.1:$data/v1/boxes/1  # 304
  printf '{"box":2,"state":"open"}\n{"box":0}\n' | curl -s --data-binary @- http://127.0.0.1:$ingest/v1/ingest  # ingest listener
  /usr/bin/python3 -m websockets ws://127.0.0.1:$data/v1/ws          # then {"op":"get","box":1}
  curl -s http://127.0.0.1:$admin/metrics | grep ^trove_              # metrics
  curl -s http://127.0.0.1:$admin/admin/v1/stats                      # autotuner stats
  curl -s http://127.0.0.1:$admin/help                                # every admin route

Ctrl-C drains and stops the server.
MSG
wait $pid
