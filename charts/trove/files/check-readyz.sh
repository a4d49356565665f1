# `helm test`: the operator's /readyz must answer 200. Bash /dev/tcp, so the
# test runs in trove's own image. Env: TARGET_HOST, TARGET_PORT, ATTEMPTS.
set -u
host=${TARGET_HOST:?}
port=${TARGET_PORT:?}
attempts=${ATTEMPTS:-10}
for ((attempt = 1; attempt <= attempts; attempt++)); do
  if exec 3<>"/dev/tcp/$host/$port"; then
    printf 'GET /readyz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3
    IFS= read -r -t 5 status <&3 || status="(no answer)"
    exec 3>&-
    case "$status" in
      "HTTP/1.1 200"*) echo "operator /readyz: $status"; exit 0 ;;
    esac
    echo "attempt $attempt: /readyz answered: $status" >&2
  fi
  if ((attempt < attempts)); then sleep 3; fi
done
echo "operator /readyz never answered 200 on $host:$port" >&2
exit 1
