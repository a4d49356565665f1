#!/usr/bin/env bash
# A few seconds of one bench scenario against a real server, so that the
# load generator, the floor server and the bench's command lines cannot rot.
# usage: smoke.sh SCENARIO LOADGEN FLOOR SERVER
#   floor      trove-floor: open-loop and closed-loop HTTP polls
#   python_ws  an independent WebSocket server (Python `websockets`, Debian's
#              python3-websockets) speaking trove's /v1/ws and /v1/ingest:
#              checks our RFC 6455 client against code we did not write
#   s1..s4     trove-server: the bench scenarios, scaled down
# Every run uses --check: any error, rejected message or role that completed
# nothing fails the test.
set -euo pipefail
scenario=$1 loadgen=$2 floor=$3 server=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

start() {  # start a server that writes $tmp/port.json, wait until it did
  "$@" >"$tmp/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do
    if grep -q '}' "$tmp/port.json" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "smoke: server exited early:"; cat "$tmp/server.log"; exit 1
    fi
    sleep 0.05
  done
  echo "smoke: no port file after 10 s"; cat "$tmp/server.log"; exit 1
}

# A run's JSON shows no error and no rejected message, only a role that
# completed nothing: the load generator or the server had no CPU during
# its seconds (a loaded machine), not a broken command line or protocol.
starved_only() {
  /usr/bin/python3 - "$1" <<'PY'
import json, sys
roles = json.load(open(sys.argv[1]))["roles"].values()
ok = all(r["error_total"] == 0 and r.get("messages_rejected", 0) == 0 for r in roles)
sys.exit(0 if ok and any(r["completed"] == 0 for r in roles) else 1)
PY
}

# One checked run; a starved run is repeated with twice the seconds, up to
# $max_attempts runs. Errors and rejections fail at once.
max_attempts=3
lg() {
  local duration=1.5 warmup=0.5 attempt
  for ((attempt = 1; ; attempt++)); do
    if "$loadgen" --port-file "$tmp/port.json" --duration "$duration" --warmup "$warmup" \
      --timeout-ms 5000 --check "$@" >"$tmp/run.json"; then
      cat "$tmp/run.json"
      return 0
    fi
    cat "$tmp/run.json"
    if ((attempt == max_attempts)) || ! starved_only "$tmp/run.json"; then exit 1; fi
    echo "smoke: a role completed nothing in ${duration} s, with no error: again, for longer"
    duration=$(awk -v d="$duration" 'BEGIN { print d * 2 }')
    warmup=$(awk -v w="$warmup" 'BEGIN { print w * 2 }')
  done
}

# Store boxes 1..N so that polls find them (a 404 is an error): one POST,
# answered once every box is stored. A timed load-generator run would store
# only what its seconds allow, which on a loaded machine can be nothing.
prefill() {
  local port
  port=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ingest"])' \
    "$tmp/port.json")
  seq 1 "$1" | awk '{ printf "{\"box\":%d,\"state\":\"open\"}\n", $1 }' >"$tmp/prefill.ndjson"
  curl -sS --max-time 60 --data-binary @"$tmp/prefill.ndjson" \
    "http://127.0.0.1:$port/v1/ingest" >"$tmp/prefill.json"
  if ! grep -q "\"accepted\":$1[,}]" "$tmp/prefill.json"; then
    echo "smoke: prefill of $1 boxes not accepted:"; cat "$tmp/prefill.json"; exit 1
  fi
}

trove() {
  start "$server" --port 0 --ingest-port 0 --admin-port 0 --workers 1 --port-file "$tmp/port.json"
}

case $scenario in
  floor)
    start "$floor" --port 0 --port-file "$tmp/port.json"
    lg --label s1-floor --http-conns 200 --http-period-ms 50 --spin
    lg --label s2-floor --http-conns 16 --http-period-ms 0
    ;;
  python_ws)
    start /usr/bin/python3 "$here/fake_trove_ws.py" "$tmp/port.json"
    lg --label python-ws --ws-get-conns 10 --ws-get-period-ms 20 --ws-subscribers 10 \
      --subscribe-boxes 1-5 --ingest-conns 1 --batch 8 --ingest-rate 2000
    ;;
  s1)
    trove
    prefill 200
    lg --label s1 --http-conns 200 --http-period-ms 50 --poll-boxes 1-200 \
      --ingest-conns 1 --batch 64 --ingest-rate 20000 --ingest-boxes 1-200
    ;;
  s2)
    trove
    prefill 64
    lg --label s2 --http-conns 16 --http-period-ms 0 --poll-boxes 1-64
    lg --label s2-ws --ws-get-conns 16 --ws-get-period-ms 0 --poll-boxes 1-64
    ;;
  s3)
    trove
    lg --label s3-ws --ingest-conns 1 --batch 64
    lg --label s3-ws4 --ingest-conns 4 --batch 64
    lg --label s3-http --ingest-conns 1 --batch 64 --ingest-protocol http
    ;;
  s4)
    trove
    prefill 20
    lg --label s4 --ws-subscribers 100 --subscribe-boxes 1-20 --ingest-conns 1 --batch 20 \
      --ingest-rate 2000 --ingest-boxes 1-20
    ;;
  *) echo "smoke: unknown scenario $scenario"; exit 2 ;;
esac
