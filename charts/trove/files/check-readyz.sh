# `helm test`: the operator's /readyz must answer 200. Bash /dev/tcp, so the
# test runs in trove's own image. Env: TARGET_HOST, TARGET_PORT.
set -u
host=${TARGET_HOST:?}
port=${TARGET_PORT:?}
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  if exec 3<>"/dev/tcp/$host/$port"; then
    printf 'GET /readyz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3
    IFS= read -r -t 5 status <&3 || status="(no answer)"
    exec 3>&-
    case "$status" in
      "HTTP/1.1 200"*) echo "operator /readyz: $status"; exit 0 ;;
    esac
    echo "attempt $attempt: /readyz answered: $status" >&2
  fi
  sleep 3
done
echo "operator /readyz never answered 200 on $host:$port" >&2
exit 1
