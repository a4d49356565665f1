#!/usr/bin/env bash
# trove's benchmark suite: `make bench` = `run.sh quick`,
# `make bench-soak` = `run.sh soak`. Builds the release preset, runs the
# micro-benchmarks and the scenarios with trove-server and the references
# (nginx, trove-floor, trove-beast-ref = plain Boost.Beast) taking turns,
# server and load pinned to different cores, then regenerates
# docs/benchmarks.md and docs/plots/*.png.
#
# Every knob is an environment variable (defaults in brackets); for a quick
# dev run: REPS=1 S1_SECONDS=5 S1_INGEST_SECONDS=5 S2_SECONDS=3 S3_SECONDS=3 \
#   S4_SECONDS=3 WS_SECONDS=3 STATE_SECONDS=3 SNAP_SECONDS=3 MICROBENCH=0 bash hack/bench/run.sh quick
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
mode=${1:-quick}
[[ $mode == quick || $mode == soak ]] || { echo "usage: run.sh quick|soak" >&2; exit 2; }

REPS=${REPS:-3}                         # repetitions of every scenario (median, min-max)
WARMUP=${WARMUP:-3}                     # s of load before each measured window
S1_SECONDS=${S1_SECONDS:-20}            # S1 without ingest, per run
S1_INGEST_SECONDS=${S1_INGEST_SECONDS:-60}
S1_CLIENTS=${S1_CLIENTS:-2000}
S1_PERIOD_MS=${S1_PERIOD_MS:-250}
S1_INGEST_RATE=${S1_INGEST_RATE:-500000}
INGEST_BOXES=${INGEST_BOXES:-1-100000}  # producer box range in S1/S3
WS_SECONDS=${WS_SECONDS:-20}            # WebSocket get, 2,000 x 4 Hz
S2_SECONDS=${S2_SECONDS:-10}
S2_CONNS=${S2_CONNS:-64}
S3_SECONDS=${S3_SECONDS:-20}            # S3 with 4 connections and over HTTP
S3_1CONN_SECONDS=${S3_1CONN_SECONDS:-60} # S3 over one WebSocket: the issue asks for 60 s sustained
S3_BATCH=${S3_BATCH:-64}
S4_SECONDS=${S4_SECONDS:-20}
S4_SUBSCRIBERS=${S4_SUBSCRIBERS:-2000}
S4_BOXES=${S4_BOXES:-200}
S4_RATE=${S4_RATE:-2000}                # msg/s into the subscribed boxes: ~10 pushes/s per subscriber
STATE_SECONDS=${STATE_SECONDS:-20}      # S6 ingest per --state-dir variant (none, memory, durable)
# Frames in flight for --ack durable: a durable producer keeps a commit's
# worth in flight (commits of 2-20 ms on this shared disk, at ~800 k msg/s:
# up to 16 k messages = 250 frames), or it waits on the disk instead of
# the server. The loadgen default of 8 caps durable ingest at 8 x 64
# messages per commit. Below --send-queue-max (256), so a commit's burst of
# acks never overflows the connection's send queue.
STATE_DURABLE_WINDOW=${STATE_DURABLE_WINDOW:-192}
SNAP_BOXES=${SNAP_BOXES:-1000000}       # S6 poll: store size while snapshots are written
SNAP_SECONDS=${SNAP_SECONDS:-20}
CRASH_KILLS=${CRASH_KILLS:-20}          # hack/bench/crash-check.sh once per run (0 = skip)
BUSY_POLL_US=${BUSY_POLL_US:-1000}      # trove's --busy-poll-us for the busy-poll runs (0 = skip them)
BUSY_POLL_SECONDS=${BUSY_POLL_SECONDS:-20}
SOAK_SECONDS=${SOAK_SECONDS:-600}       # per allocator
SOAK_ALLOCATORS=${SOAK_ALLOCATORS:-epoch jemalloc system}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
MICROBENCH=${MICROBENCH:-1}
MICROBENCH_TIMEOUT=${MICROBENCH_TIMEOUT:-420}
# The box store's RSS for 1 M boxes of 50-byte and 4 KiB payloads
# (hack/bench/store_rss.sh; the 4 KiB case needs ~4.5 GB of RAM). 0 = skip.
STORE_RSS=${STORE_RSS:-1}
# A git revision to compare the micro-benchmarks against in the same run
# (e.g. BASELINE=origin/main before a performance change): its
# trove-microbench is built in build/baseline and both binaries take turns,
# REPS times each (hack/bench/micro_compare.py). Empty = no comparison.
BASELINE=${BASELINE:-}
SKIP_BUILD=${SKIP_BUILD:-0}
BUILD_DIR=${BUILD_DIR:-build/release}
# Priority of the whole bench over other sessions' work (e.g. builds) on a
# shared machine. The kernel schedules per session ("autogroup"), where a
# process's own nice value counts only against its session's other
# processes: so the bench runs in its own session and renices that group.
# -10 takes about two thirds of a contended core; 0 leaves priorities alone.
BENCH_NICE=${BENCH_NICE:--10}
BENCH_NOTE=${BENCH_NOTE:-}                 # a sentence for docs/benchmarks.md (e.g. noise)
export LC_ALL=C
if [[ $BENCH_NICE != 0 && -z ${TROVE_BENCH_SESSION:-} ]]; then
  export TROVE_BENCH_SESSION=1
  exec setsid --wait bash "$0" "$@"
fi
if [[ $BENCH_NICE != 0 ]] && ! echo "$BENCH_NICE" >/proc/self/autogroup 2>/dev/null; then
  echo "bench: cannot renice the session's autogroup to $BENCH_NICE; running at normal priority" >&2
  BENCH_NICE=0
fi

if (($(nproc) < 2)); then
  echo "bench: only one core: server and load share it; numbers will say so" >&2
  SERVER_CPU=0 LOAD_CPU=0
fi

out=docs/bench-results
mkdir -p "$out" docs/plots
results=$out/loadgen-$mode.jsonl
commands=$out/commands-$mode.txt
meta=$out/meta-$mode.json
work=$(mktemp -d /tmp/trove-bench.XXXXXX)
: >"$results"
: >"$commands"
rm -f "$out/server-exits-$mode.txt" "$out/microbench-compare.json" "$out/s6-snapshots-$mode.jsonl" \
  "$out/crash-check-$mode.txt"
server_pid=
server_name=
last_label=
sampler_pid=
cleanup() {
  stop_sampler
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
note_command() { printf '%s\n' "$*" >>"$commands"; }

# --- build ---------------------------------------------------------------
if [[ $SKIP_BUILD != 1 ]]; then
  log "building the release preset"
  cmake --preset release >/dev/null
  targets=(trove-server trove-loadgen trove-floor trove-beast-ref)
  if cmake --build "$BUILD_DIR" --target help | grep -q '^trove-microbench:'; then
    targets+=(trove-microbench trove-store-rss)
  fi
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target "${targets[@]}"
fi
baseline_microbench_bin=
if [[ -n $BASELINE ]]; then
  # A detached worktree of our own, replaced on every run; nothing else lives there.
  baseline_src=$repo/build/baseline/src
  log "building trove-microbench at BASELINE=$BASELINE in $baseline_src"
  git worktree remove --force "$baseline_src" 2>/dev/null || rm -rf "$baseline_src"
  git worktree prune
  git worktree add --detach "$baseline_src" "$BASELINE" >/dev/null
  (cd "$baseline_src" && cmake --preset release >/dev/null &&
    cmake --build --preset release -j "$(nproc)" --target trove-microbench >/dev/null)
  baseline_microbench_bin=$baseline_src/build/release/server/bench/trove-microbench
fi
server_bin=$BUILD_DIR/server/app/trove-server
loadgen_bin=$BUILD_DIR/hack/loadgen/trove-loadgen
floor_bin=$BUILD_DIR/hack/loadgen/trove-floor
beast_bin=$BUILD_DIR/hack/loadgen/trove-beast-ref
microbench_bin=$BUILD_DIR/server/bench/trove-microbench
for b in "$server_bin" "$loadgen_bin" "$floor_bin" "$beast_bin"; do
  [[ -x $b ]] || { echo "bench: $b missing" >&2; exit 1; }
done

# --- machine and run description -----------------------------------------
cpu_busy() {  # cpu_busy N -> "busy total" jiffies of cpuN
  awk -v c="cpu$1" '$1 == c { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat
}
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# --- servers -----------------------------------------------------------------
wait_port_file() {
  local file=$1
  for _ in $(seq 300); do
    grep -q '}' "$file" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "bench: server died" >&2; cat "$work/server.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "bench: no port file $file" >&2
  exit 1
}

json_field() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_trove() {  # start_trove [extra server flags]
  rm -f "$work/port.json"
  # The load generator's clients all come from loopback: no per-peer cap.
  local cmd=(taskset -c "$SERVER_CPU" "$server_bin" --workers 1 --port 0 --ingest-port 0 --admin-port 0
    --max-conns-per-ip 0 --port-file "$work/port.json" "$@")
  note_command "${cmd[*]}"
  "${cmd[@]}" >"$work/server.log" 2>&1 &
  server_pid=$!
  server_name=trove-server
  wait_port_file "$work/port.json"
  data_port=$(json_field "$work/port.json" data)
  ingest_port=$(json_field "$work/port.json" ingest)
  admin_port=$(json_field "$work/port.json" admin)
}

start_reference() {  # start_reference BINARY: trove-floor or trove-beast-ref (same flags, port file)
  rm -f "$work/port.json"
  local cmd=(taskset -c "$SERVER_CPU" "$1" --port 0 --port-file "$work/port.json")
  note_command "${cmd[*]}"
  "${cmd[@]}" >"$work/server.log" 2>&1 &
  server_pid=$!
  server_name=$(basename "$1")
  wait_port_file "$work/port.json"
  data_port=$(json_field "$work/port.json" data)
  ingest_port=$data_port  # the reference servers take writes on their one port
  admin_port=
}
start_floor() { start_reference "$floor_bin"; }
start_beast() { start_reference "$beast_bin"; }  # plain Boost.Beast, untuned: the plain-Beast reference

start_nginx() {
  local prefix=$work/nginx body
  rm -rf "$prefix"
  mkdir -p "$prefix/tmp"
  data_port=$(free_port)
  ingest_port=$data_port
  admin_port=
  body='{"box":123456,"state":"open","x":12.5,"y":-3.2500}'
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$data_port|g" -e "s|@BODY@|$body|g" \
    -e "s|@USER@|$(id -un)|g" -e "s|@GROUP@|$(id -gn)|g" \
    hack/bench/nginx.conf.template >"$prefix/nginx.conf"
  local cmd=(taskset -c "$SERVER_CPU" nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log")
  note_command "${cmd[*]}   # config: hack/bench/nginx.conf.template"
  "${cmd[@]}" >"$work/server.log" 2>&1 &
  server_pid=$!
  server_name=nginx
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$data_port") 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$prefix/error.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "bench: nginx did not listen" >&2
  exit 1
}

server_pids() {  # the server and its children (nginx's worker), comma separated
  { echo "$server_pid"; pgrep -P "$server_pid" || true; } | paste -sd, -
}

process_jiffies() {  # utime + stime of the server processes
  local total=0 pid
  for pid in ${1//,/ }; do
    total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}

stop_server() {  # SIGTERM; a server that does not exit 0 within 10 s is recorded
  [[ -n ${server_pid:-} ]] || return 0
  local status=0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || status=$?
  if ((status != 0)); then
    printf '%s: %s exited with status %d after SIGTERM%s\n' "$last_label" "$server_name" "$status" \
      "$( ((status > 128)) && echo " (signal $((status - 128)))")" >>"$out/server-exits-$mode.txt"
    log "server $server_name exited with status $status"
  fi
  server_pid=
}

start_subject() {  # trove | nginx | floor | beast
  case $1 in
    trove) start_trove ;;
    nginx) start_nginx ;;
    floor) start_floor ;;
    beast) start_beast ;;
  esac
}

# --- load ----------------------------------------------------------------------
loadgen() {  # loadgen LABEL [flags]: one measured run, appended to $results (busy-polling client)
  local label=$1
  shift
  local cmd=(taskset -c "$LOAD_CPU" "$loadgen_bin" --port "$data_port" --ingest-port "$ingest_port" --cpu "$LOAD_CPU"
    --server-cpu "$SERVER_CPU" --server-pid "$(server_pids)" --warmup "$WARMUP" --label "$label" --spin "$@")
  note_command "${cmd[*]}"
  log "$label"
  last_label=$label
  if ! "${cmd[@]}" >>"$results" 2>"$work/loadgen.err"; then
    cat "$work/loadgen.err" >&2
    echo "bench: loadgen failed for $label" >&2
    exit 1
  fi
  sed 's/^/    /' "$work/loadgen.err" >&2
}

prefill() {  # prefill N [SECONDS]: store boxes 1..N (polls of unknown boxes would be 404s)
  "$loadgen_bin" --port "$data_port" --ingest-port "$ingest_port" --cpu "$LOAD_CPU" --label prefill --ingest-conns 1 --batch 64 \
    --ingest-boxes "1-$1" --duration "${2:-1}" --warmup 0 --check >/dev/null 2>"$work/prefill.err" ||
    { cat "$work/prefill.err" >&2; exit 1; }
}

wrk_run() {  # wrk_run LABEL: closed loop with wrk, same connections and duration as S2
  local label=$1 s0 s1 p0 p1 t0 t1 pids
  local cmd=(taskset -c "$LOAD_CPU" wrk -t1 -c"$S2_CONNS" -d"${S2_SECONDS}s" --latency
    "http://127.0.0.1:$data_port/v1/boxes/1")
  note_command "${cmd[*]}"
  log "$label"
  last_label=$label
  pids=$(server_pids)
  s0=$(cpu_busy "$SERVER_CPU")
  p0=$(process_jiffies "$pids")
  t0=$(date +%s.%N)
  local TIMEFORMAT='%U %S'
  { time "${cmd[@]}" >"$work/wrk.out"; } 2>"$work/wrk.time"
  t1=$(date +%s.%N)
  s1=$(cpu_busy "$SERVER_CPU")
  p1=$(process_jiffies "$pids")
  sed 's/^/    /' "$work/wrk.out" >&2
  /usr/bin/python3 hack/bench/wrk_to_json.py "$label" "$work/wrk.out" "$t0" "$t1" "$s0" "$s1" \
    "$(cat "$work/wrk.time")" "$p0" "$p1" "$(getconf CLK_TCK)" "$S2_SECONDS" >>"$results"
}

start_sampler() {  # sample /admin/v1/stats every second into $1
  local file=$1
  : >"$file"
  (
    while :; do
      local s
      s=$(curl -s --max-time 0.5 "http://127.0.0.1:$admin_port/admin/v1/stats" || true)
      [[ $s == \{* ]] && printf '{"t":%s,"stats":%s}\n' "$(date +%s.%N)" "$s" >>"$file"
      sleep 1
    done
  ) &
  sampler_pid=$!
}

stop_sampler() {
  [[ -n ${sampler_pid:-} ]] || return 0
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=
}

state_metric() {  # state_metric NAME: the value of an unlabelled or ok-labelled metric
  curl -s --max-time 2 "http://127.0.0.1:$admin_port/metrics" |
    awk -v n="$1" '($1 == n || $1 == n "{result=\"ok\"}") && v == "" { v = $2 } END { print v + 0 }'
}

# S6: --state-dir. Ingest over one WebSocket in 64-message frames without a
# state dir, with --ack memory and with --ack durable, taking turns (order
# rotated per repetition); then the S1 poll load on a store of SNAP_BOXES
# boxes, without a state dir and with a snapshot written every second.
run_state() {
  local rep=$1 variants=(none memory durable) first variant
  first=$(((rep - 1) % 3))
  for variant in "${variants[@]:first}" "${variants[@]:0:first}"; do
    local flags=() window=()
    [[ $variant != none ]] && flags=(--state-dir "$work/state" --ack "$variant")
    [[ $variant == durable ]] && window=(--ingest-window "$STATE_DURABLE_WINDOW")
    start_trove "${flags[@]}"
    loadgen "S6-ingest/$variant/$rep" --ingest-conns 1 --batch "$S3_BATCH" --ingest-boxes "$INGEST_BOXES" \
      "${window[@]}" --duration "$STATE_SECONDS"
    stop_server
    rm -rf "$work/state"
  done
  local polls=(none snapshot)
  ((rep % 2 == 0)) && polls=(snapshot none)
  for variant in "${polls[@]}"; do
    local flags=(--max-boxes $((SNAP_BOXES + SNAP_BOXES / 4)))
    [[ $variant == snapshot ]] && flags+=(--state-dir "$work/state" --snapshot-interval-s 1)
    start_trove "${flags[@]}"
    prefill "$SNAP_BOXES" $((SNAP_BOXES / 200000 + 2))
    local before after
    before=$(state_metric trove_state_snapshots_total)
    loadgen "S6-poll/$variant/$rep" "${poll_flags[@]}" --duration "$SNAP_SECONDS"
    after=$(state_metric trove_state_snapshots_total)
    [[ $variant == snapshot ]] &&
      printf '{"label":"S6-poll/%s/%s","snapshots_in_window":%s}\n' "$variant" "$rep" \
        "$(( ${after%.*} - ${before%.*} ))" >>"$out/s6-snapshots-$mode.jsonl"
    stop_server
    rm -rf "$work/state"
  done
}

poll_flags=(--http-conns "$S1_CLIENTS" --http-period-ms "$S1_PERIOD_MS" --poll-boxes "1-$S1_CLIENTS")
ingest_flags=(--ingest-conns 1 --batch 64 --ingest-rate "$S1_INGEST_RATE" --ingest-boxes "$INGEST_BOXES")

run_quick() {
  if [[ $MICROBENCH == 1 && -x $microbench_bin ]]; then
    log "micro-benchmarks (server core $SERVER_CPU)"
    note_command "taskset -c $SERVER_CPU $microbench_bin --benchmark_out=$out/microbench.json --benchmark_out_format=json"
    timeout "$MICROBENCH_TIMEOUT" taskset -c "$SERVER_CPU" "$microbench_bin" \
      --benchmark_out="$out/microbench.json" --benchmark_out_format=json >&2 ||
      log "micro-benchmarks failed or timed out (${MICROBENCH_TIMEOUT}s); continuing"
    if [[ -n $baseline_microbench_bin ]]; then
      log "micro-benchmarks against BASELINE=$BASELINE, $REPS turns each"
      note_command "python3 hack/bench/micro_compare.py --baseline <BASELINE=$BASELINE>/trove-microbench --current $microbench_bin --reps $REPS --cpu $SERVER_CPU"
      python3 hack/bench/micro_compare.py --baseline "$baseline_microbench_bin" \
        --current "$microbench_bin" --reps "$REPS" --cpu "$SERVER_CPU" \
        --out "$out/microbench-compare.json" >&2 ||
        log "micro-benchmarks: some are slower than BASELINE=$BASELINE (see docs/benchmarks.md)"
    fi
  else
    log "micro-benchmarks skipped ($microbench_bin absent or MICROBENCH=0)"
  fi
  if [[ $STORE_RSS == 1 && -x $BUILD_DIR/server/bench/trove-store-rss ]]; then
    log "box store RSS, 1 M boxes (50-byte and 4 KiB payloads)"
    note_command "bash hack/bench/store_rss.sh $BUILD_DIR"
    bash hack/bench/store_rss.sh "$BUILD_DIR" | tee "$out/store-rss.txt" >&2 ||
      log "store RSS measurement failed; continuing"
  fi
  local subjects=(trove nginx floor beast)
  for rep in $(seq "$REPS"); do
    # S1 without ingest and S2: trove and the references take turns, the
    # order rotated by one per repetition (rep 1: trove nginx floor beast,
    # rep 2: nginx floor beast trove, …) so no server always goes first.
    local first=$(((rep - 1) % ${#subjects[@]}))
    for subject in "${subjects[@]:first}" "${subjects[@]:0:first}"; do
      start_subject "$subject"
      [[ $subject == trove ]] && prefill "$S1_CLIENTS"
      loadgen "S1/$subject/$rep" "${poll_flags[@]}" --duration "$S1_SECONDS"
      loadgen "S2/$subject/$rep" --http-conns "$S2_CONNS" --http-period-ms 0 --poll-boxes "1-$S2_CONNS" \
        --duration "$S2_SECONDS"
      [[ $subject != floor ]] && wrk_run "S2-wrk/$subject/$rep"
      stop_server
    done
    # trove alone: ingest under polls, WebSocket, max ingest, push latency.
    start_trove
    prefill "$S1_CLIENTS"
    loadgen "S1-ingest/trove/$rep" "${poll_flags[@]}" "${ingest_flags[@]}" --duration "$S1_INGEST_SECONDS"
    loadgen "WS-get/trove/$rep" --ws-get-conns "$S1_CLIENTS" --ws-get-period-ms "$S1_PERIOD_MS" \
      --poll-boxes "1-$S1_CLIENTS" --duration "$WS_SECONDS"
    loadgen "WS-get-closed/trove/$rep" --ws-get-conns "$S2_CONNS" --ws-get-period-ms 0 \
      --poll-boxes "1-$S2_CONNS" --duration "$S2_SECONDS"
    stop_server
    # The same WebSocket runs against plain Beast, right after trove's.
    start_beast
    loadgen "WS-get/beast/$rep" --ws-get-conns "$S1_CLIENTS" --ws-get-period-ms "$S1_PERIOD_MS" \
      --poll-boxes "1-$S1_CLIENTS" --duration "$WS_SECONDS"
    loadgen "WS-get-closed/beast/$rep" --ws-get-conns "$S2_CONNS" --ws-get-period-ms 0 \
      --poll-boxes "1-$S2_CONNS" --duration "$S2_SECONDS"
    stop_server
    start_trove
    start_sampler "$out/s3-stats-$rep.jsonl"
    loadgen "S3-1conn/trove/$rep" --ingest-conns 1 --batch "$S3_BATCH" --ingest-boxes "$INGEST_BOXES" \
      --duration "$S3_1CONN_SECONDS"
    loadgen "S3-4conn/trove/$rep" --ingest-conns 4 --batch "$S3_BATCH" --ingest-boxes "$INGEST_BOXES" \
      --duration "$S3_SECONDS"
    loadgen "S3-http/trove/$rep" --ingest-conns 1 --ingest-protocol http --batch "$S3_BATCH" \
      --ingest-boxes "$INGEST_BOXES" --duration "$S3_SECONDS"
    stop_sampler
    stop_server
    if ((BUSY_POLL_US > 0)); then
      # The optional busy-poll mode against the default above: latency and
      # what it costs (the server core's busy share at 8,000 req/s).
      start_trove --busy-poll-us "$BUSY_POLL_US"
      prefill "$S1_CLIENTS"
      loadgen "S1-busypoll/trove/$rep" "${poll_flags[@]}" --duration "$BUSY_POLL_SECONDS"
      loadgen "WS-get-busypoll/trove/$rep" --ws-get-conns "$S1_CLIENTS" \
        --ws-get-period-ms "$S1_PERIOD_MS" --poll-boxes "1-$S1_CLIENTS" --duration "$BUSY_POLL_SECONDS"
      stop_server
    fi
    run_state "$rep"
    start_trove
    prefill "$S4_BOXES"
    loadgen "S4/trove/$rep" --ws-subscribers "$S4_SUBSCRIBERS" --subscribe-boxes "1-$S4_BOXES" \
      --ingest-conns 1 --batch 16 --ingest-rate "$S4_RATE" --ingest-boxes "1-$S4_BOXES" \
      --duration "$S4_SECONDS"
    stop_server
  done
}

run_crash_check() {  # durable: 0 acknowledged updates lost; memory: the largest loss window
  ((CRASH_KILLS > 0)) || return 0
  log "crash check, $CRASH_KILLS kills per ack mode"
  note_command "TROVE_SERVER_BIN=$server_bin bash hack/bench/crash-check.sh $CRASH_KILLS"
  TROVE_SERVER_BIN=$server_bin bash hack/bench/crash-check.sh "$CRASH_KILLS" >"$out/crash-check-$mode.txt" 2>&1 ||
    log "crash check failed (see $out/crash-check-$mode.txt)"
}

# Hunt recovery (docs/api.md, Recovery): pushes a resubscriber of a
# 10,000-box hunt receives after missing 10 updates, with its position and
# without. Counts, not rates: one run; it starts its own server.
run_recovery() {
  local cmd=(/usr/bin/python3 hack/bench/recovery.py --server "$server_bin" --boxes 10000 --missed 10
    --out "$out/recovery.json")
  note_command "${cmd[*]}"
  local result
  if result=$("${cmd[@]}"); then
    log "hunt recovery: $result"
  else
    log "hunt recovery bench failed; continuing"
  fi
}

run_soak() {
  for allocator in $SOAK_ALLOCATORS; do
    start_trove --allocator "$allocator"
    prefill "$S1_CLIENTS"
    start_sampler "$out/soak-$allocator.jsonl"
    loadgen "S5/$allocator/1" "${poll_flags[@]}" "${ingest_flags[@]}" --duration "$SOAK_SECONDS" --timeout-ms 5000
    stop_sampler
    stop_server
  done
}

log "mode $mode: server on cpu $SERVER_CPU, load on cpu $LOAD_CPU"
"run_$mode"
[[ $mode == quick ]] && run_crash_check
[[ $mode == quick ]] && run_recovery

finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)
{
  printf '{"mode":"%s","started":"%s","finished":"%s",' "$mode" "$started" "$finished"
  printf '"loadavg_start":"%s","loadavg_end":"%s",' "$loadavg_start" "$loadavg_end"
  printf '"commit":"%s","server_cpu":%s,"load_cpu":%s,"reps":%s,' \
    "$(git rev-parse --short HEAD)" "$SERVER_CPU" "$LOAD_CPU" "$REPS"
  printf '"note":"%s","autogroup_nice":"%s",' "${BENCH_NOTE:-}" "$BENCH_NICE"
  printf '"env":"%s"}\n' "REPS=$REPS WARMUP=$WARMUP S1_SECONDS=$S1_SECONDS S1_INGEST_SECONDS=$S1_INGEST_SECONDS S2_SECONDS=$S2_SECONDS S3_SECONDS=$S3_SECONDS S3_1CONN_SECONDS=$S3_1CONN_SECONDS BUSY_POLL_US=$BUSY_POLL_US BUSY_POLL_SECONDS=$BUSY_POLL_SECONDS S4_SECONDS=$S4_SECONDS WS_SECONDS=$WS_SECONDS STATE_SECONDS=$STATE_SECONDS STATE_DURABLE_WINDOW=$STATE_DURABLE_WINDOW SNAP_BOXES=$SNAP_BOXES SNAP_SECONDS=$SNAP_SECONDS CRASH_KILLS=$CRASH_KILLS SOAK_SECONDS=$SOAK_SECONDS S1_INGEST_RATE=$S1_INGEST_RATE S4_RATE=$S4_RATE"
} >"$meta"
log "writing docs/benchmarks.md and docs/plots"
/usr/bin/python3 hack/bench/report.py --results "$out" --doc docs/benchmarks.md --plots docs/plots
log "done"
