# The demo game: updates BOXES treasure boxes through the sidecar's
# POST /v1/ingest (NDJSON) every INTERVAL seconds, with bash alone so the
# sidecar's own image can run it. Env: TROVE_INGEST_PORT (the sidecar's
# pod-local ingest listener), BOXES, INTERVAL, ROUNDS (0 = forever; tests use
# a finite number).
set -u
export LC_ALL=C # byte length == character length for Content-Length
port=${TROVE_INGEST_PORT:?}
boxes=${BOXES:-100}
rounds=${ROUNDS:-0}
round=0
while [ "$rounds" -eq 0 ] || [ "$round" -lt "$rounds" ]; do
  round=$((round + 1))
  now=${EPOCHREALTIME/./}
  ts=${now:0:13}
  body=""
  for ((box = 1; box <= boxes; box++)); do
    body+="{\"box\":$box,\"hunt\":\"demo\",\"x\":$((RANDOM % 200 - 100)).5,\"y\":$((RANDOM % 200 - 100)).25,\"state\":\"open\",\"ts\":$ts,\"player\":\"p-$((RANDOM % 1000))\"}"$'\n'
  done
  if exec 3<>"/dev/tcp/127.0.0.1/$port"; then
    printf 'POST /v1/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "${#body}" "$body" >&3
    IFS= read -r -t 5 status <&3 || status="(no answer)"
    exec 3>&-
    case "$status" in
      "HTTP/1.1 200"*) ;;
      *) echo "demo game: ingest answered: $status" >&2 ;;
    esac
  else
    echo "demo game: sidecar not reachable on $port" >&2
  fi
  sleep "${INTERVAL:-0.25}"
done
