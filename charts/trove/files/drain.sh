# preStop hook of the trove sidecar. Kubernetes' httpGet hooks can only GET,
# and trove's admin API never mutates on a GET, so this asks for the drain
# with a real POST through bash's /dev/tcp: the runtime image carries bash
# but no curl. Then it waits DRAIN_SECONDS so in-flight requests finish and
# clients move to other pods before SIGTERM arrives.
# Env: TROVE_ADMIN_PORT, TROVE_TOKEN_FILE (optional), DRAIN_SECONDS.
set -u
port=${TROVE_ADMIN_PORT:?}
headers=$'Host: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n'
if [ -n "${TROVE_TOKEN_FILE:-}" ] && [ -r "$TROVE_TOKEN_FILE" ]; then
  headers+="Authorization: Bearer $(<"$TROVE_TOKEN_FILE")"$'\r\n'
fi
if ! exec 3<>"/dev/tcp/127.0.0.1/$port"; then
  echo "trove drain: admin port $port refused the connection" >&2
  exit 1
fi
printf 'POST /admin/v1/drain HTTP/1.1\r\n%s\r\n' "$headers" >&3
IFS= read -r -t 5 status <&3 || status="(no answer)"
exec 3>&-
case "$status" in
  "HTTP/1.1 202"*) echo "trove drain: accepted" ;;
  *) echo "trove drain: unexpected answer: $status" >&2; exit 1 ;;
esac
sleep "${DRAIN_SECONDS:-5}"
