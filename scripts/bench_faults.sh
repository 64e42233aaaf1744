#!/usr/bin/env bash
# Fault checks of `rubrika serve` on loopback (issue 18 item 7, first part; not yet: open-loop
# 10x overload, mixed sizes, rerank floods, SIGTERM under load): how /healthz and
# a good classify answer while bad clients hold the server, bounded in count and time.
#   slow headers   N connections that send half a request head and then nothing
#   half bodies    N connections that announce a body and send half of it
#   idle           M keep-alive connections that send nothing at all
#   overload       rubrika_serve_load at high concurrency, with /healthz timed beside it
# Each prints the /healthz and classify latencies (curl, 10 s cap) and the server's RSS.
#
# Usage: scripts/bench_faults.sh RUN_DIR [SLOW_CLIENTS] [IDLE_CLIENTS]   (default 70, 500)
# Environment: RUBRIKA_BUILD (default build/).
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

start_server() {
  local log
  log=$(mktemp)
  "$build/bin/rubrika" serve "$run_dir" --port 0 >"$log" 2>&1 &
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

