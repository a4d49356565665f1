# preStop hook of the trove sidecar. `trove-server drain` POSTs
# /admin/v1/drain with the admin token (Kubernetes' httpGet hooks can only
# GET, and trove's admin API never mutates on a GET); it reads the same flags
# as the server, so the slim image needs no curl. It exits 0 once the data
# listeners are closed; then this waits DRAIN_SECONDS so in-flight requests
# finish and clients move to other pods before SIGTERM arrives.
# Env: TROVE_ADMIN_PORT, TROVE_TOKEN_FILE, DRAIN_SECONDS.
set -u
trove-server drain --admin-port="${TROVE_ADMIN_PORT:?}" --admin-token-file="${TROVE_TOKEN_FILE:?}" || exit 1
sleep "${DRAIN_SECONDS:-5}"
