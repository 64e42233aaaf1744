#!/usr/bin/env bash
# Fault checks of `rubrika serve` on loopback (issue 18 item 7): how /healthz and a good
# classify answer while bad clients or too much work hold the server, bounded in count and
# time (about 3 minutes).
#   slow headers   N connections that send half a request head and then nothing
#   half bodies    N connections that announce a body and send half of it
#   idle           M keep-alive connections that send nothing at all
#   closed-loop    rubrika_serve_load with 512 clients, /healthz timed beside it
# then, with rubrika_serve_load and its /healthz probe (every 20 ms):
#   capacity       closed loop, 64 clients: the requests/s the server sustains (C)
#   unloaded       open loop at 0.5 C: the p99 an admitted request sees without overload
#   10x overload   open loop at 10 C for 15 s, 512 connections
#   mixed sizes    open loop at 2 C requests of 1-64 texts
#   rerank flood   60 closed-loop clients on /v1/rerank with 3 candidates
#   SIGTERM        open loop at 2 C, SIGTERM after 3 s: what each request got
# Each prints status counts (-1: no answer or connection refused), p50/p99 of the 200s,
# /healthz latency during the storm, and the server's RSS.
#
# Usage: scripts/bench_faults.sh RUN_DIR [SLOW_CLIENTS] [IDLE_CLIENTS]   (default 70, 500)
# Environment: RUBRIKA_BUILD (default build/); FAULTS_SERVE_ARGS: extra `rubrika serve`
#   arguments, e.g. "--set serve.max_queue_wait_ms=100".
set -euo pipefail
cd "$(dirname "$0")/.."

run_dir=${1:?usage: scripts/bench_faults.sh RUN_DIR [SLOW_CLIENTS] [IDLE_CLIENTS]}
slow=${2:-70}
idle=${3:-500}
build=${RUBRIKA_BUILD:-build}
[[ -f "$run_dir/pipeline.toml" ]] || { echo "bench_faults.sh: $run_dir has no pipeline.toml" >&2; exit 2; }

server_pid="" port="" holders=()
cleanup() {
  for pid in "${holders[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -n "$server_pid" ]] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  true
}
trap cleanup EXIT

# Starts `rubrika serve` with FAULTS_SERVE_ARGS unless the first argument is "plain".
start_server() {
  local log extra=${FAULTS_SERVE_ARGS:-}
  [[ "${1:-}" == plain ]] && extra=""
  log=$(mktemp)
  # shellcheck disable=SC2086  # a list of words
  "$build/bin/rubrika" serve "$run_dir" --port 0 $extra >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    port=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -1 | sed 's/.*://' || true)
    if [[ -n "$port" ]] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "bench_faults.sh: the server did not become ready:" >&2
  cat "$log" >&2
  exit 1
}

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server_pid/status"; }

# "healthz <status> <ms> · classify <status> <ms>", each capped at 10 s (000 = no answer).
probe() {
  local h c
  h=$(curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}' "http://127.0.0.1:$port/healthz" || true)
  c=$(curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}' -H 'Content-Type: application/json' \
        -d '{"texts": ["Продаю диван угловой, почти новый"]}' "http://127.0.0.1:$port/v1/classify" || true)
  awk -v h="$h" -v c="$c" 'BEGIN {split(h, a, " "); split(c, b, " ");
    printf "healthz %s %.1f ms · classify %s %.1f ms", a[1], a[2] * 1000, b[1], b[2] * 1000}'
}

# Opens `count` connections that each send `payload` and then hold the socket `hold_s`.
hold_connections() {
  local count=$1 payload=$2 hold_s=$3
  for _ in $(seq 1 "$count"); do
    ( exec 3<>"/dev/tcp/127.0.0.1/$port" && printf '%b' "$payload" >&3 && sleep "$hold_s" ) 2>/dev/null &
    holders+=($!)
  done
  sleep 2  # let them connect and send
}

release_connections() {
  for pid in "${holders[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${holders[@]}" 2>/dev/null || true
  holders=()
  sleep 3  # the server's read timeouts free its threads
}

# One table row: `count` connections sending `payload` held while the server is probed.
storm_case() {
  local name=$1 count=$2 payload=$3 before during rss
  before=$(rss_mb)
  hold_connections "$count" "$payload" 30
  during=$(probe)
  rss=$(rss_mb)
  release_connections
  echo "| $name | $during | $(probe) | $before → $rss |"
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) vCPU; run: $run_dir; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| case | during the storm | after | RSS before → during (MB) |"
echo "|---|---|---|---|"
start_server
echo "| quiet server | $(probe) | – | $(rss_mb) |"

storm_case "$slow slow-header clients" "$slow" 'POST /v1/classify HTTP/1.1\r\nHost: x\r\n'
storm_case "$slow half-body clients" "$slow" 'POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{"texts": ["'
storm_case "$idle idle connections" "$idle" ''

before=$(rss_mb)
"$build/bin/rubrika_serve_load" --port "$port" --concurrency 512 --duration 12 --warmup 0 >/tmp/bench_faults_load.txt 2>&1 &
load=$!
sleep 5
during=$(probe); rss=$(rss_mb)
wait "$load" || true
echo "| overload: 512 closed-loop clients | $during | $(probe) | $before → $rss |"
echo
echo "overload load generator: $(tr '\n' ' ' </tmp/bench_faults_load.txt)"

load() { "$build/bin/rubrika_serve_load" --port "$port" "$@" 2>&1 || true; }
field() { grep -o "$1=[^ ]*" <<<"$2" | head -1 | cut -d= -f2; }
# "| name | statuses | p50 | p99 | healthz p50 / p99 / max | RSS |" from a load line.
row() {
  local name=$1 out=$2 rss_before=$3
  echo "| $name | 200:$(field requests "$out") $(field errors "$out") | $(field p50_ms "$out") | $(field p99_ms "$out") | $(field healthz_p50_ms "$out") / $(field healthz_p99_ms "$out") / $(field healthz_max_ms "$out") | $rss_before → $(rss_mb) |"
}

stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""; }

# Capacity with the run's own [serve] (admission limits would refuse part of a closed loop).
echo
stop_server
start_server plain
out=$(load --concurrency 64 --duration 8 --warmup 2)
capacity=$(field rps "$out")
capacity=${capacity%.*}
echo "capacity (closed loop, 64 clients, no extra serve arguments): $capacity requests/s, p99 $(field p99_ms "$out") ms"
stop_server
start_server
echo "then serving with: ${FAULTS_SERVE_ARGS:-the run folder [serve] table}"
echo
echo "| case | statuses | p50 ms (200s) | p99 ms (200s) | /healthz p50 / p99 / max ms | RSS MB |"
echo "|---|---|---|---|---|---|"
before=$(rss_mb)
out=$(load --concurrency 64 --rate $((capacity / 2)) --duration 10 --warmup 2 --probe-healthz 20)
row "unloaded: open loop at 0.5 C = $((capacity / 2))/s" "$out" "$before"
before=$(rss_mb)
out=$(load --concurrency 512 --rate $((capacity * 10)) --duration 15 --warmup 2 --probe-healthz 20)
row "10x overload: open loop at $((capacity * 10))/s" "$out" "$before"
sleep 2
before=$(rss_mb)
out=$(load --concurrency 64 --rate $((capacity / 4)) --duration 10 --warmup 1 --texts-per-request 1 \
        --max-texts-per-request 64 --probe-healthz 20)
row "mixed sizes: 1-64 texts at $((capacity / 4)) requests/s (~8x the text capacity)" "$out" "$before"
labels=$(curl -s "http://127.0.0.1:$port/v1/info" | python3 -c 'import json, sys; print(",".join(json.load(sys.stdin)["labels"][:3]))')
if curl -s "http://127.0.0.1:$port/v1/info" | grep -q '"reranker":true'; then
  before=$(rss_mb)
  out=$(load --concurrency 60 --duration 10 --warmup 1 --rerank "$labels" --probe-healthz 20)
  row "rerank flood: 60 clients, 3 candidates" "$out" "$before"
fi
before=$(rss_mb)
load --concurrency 256 --rate $((capacity * 2)) --duration 6 --warmup 0 >/tmp/bench_faults_term.txt &
term_load=$!
sleep 3
kill -TERM "$server_pid"
wait "$server_pid"
code=$?
server_pid=""
wait "$term_load" || true
out=$(cat /tmp/bench_faults_term.txt)
echo "| SIGTERM after 3 s of 2 C open loop (exit $code) | 200:$(field requests "$out") $(field errors "$out") | $(field p50_ms "$out") | $(field p99_ms "$out") | – | $before |"
