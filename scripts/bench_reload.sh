#!/usr/bin/env bash
# Hot swap under load: `rubrika serve RUN_A` answers a closed-loop load while POST
# /admin/reload switches it to RUN_B and back, SWAPS times; prints each reload's answer and
# the load generator's line (requests, latency, errors by status — errors=0 is the goal).
#
# Usage: scripts/bench_reload.sh RUN_A RUN_B [DURATION_S] [SWAPS] [CONCURRENCY]
#   RUN_A, RUN_B  run folders (e.g. a news run and the one `rubrika extend` made from it)
#   DURATION_S    seconds of load (default 30); SWAPS reloads spread over it (default 6);
#   CONCURRENCY   client connections (default 8)
# Environment: RUBRIKA_BUILD (default build/) holds bin/rubrika and bin/rubrika_serve_load.
set -euo pipefail
cd "$(dirname "$0")/.."

run_a=${1:-}
run_b=${2:-}
duration=${3:-30}
swaps=${4:-6}
concurrency=${5:-8}
build=${RUBRIKA_BUILD:-build}

if [[ -z "$run_a" || -z "$run_b" ]]; then
  echo "usage: scripts/bench_reload.sh RUN_A RUN_B [DURATION_S] [SWAPS] [CONCURRENCY]" >&2
  exit 2
fi
for run in "$run_a" "$run_b"; do
  if [[ ! -f "$run/pipeline.toml" ]]; then
    echo "bench_reload.sh: '$run' is not a run folder (no pipeline.toml there)" >&2
    exit 2
  fi
done
for binary in rubrika rubrika_serve_load; do
  if [[ ! -x "$build/bin/$binary" ]]; then
    echo "bench_reload.sh: $build/bin/$binary is missing; build it: cmake --build $build --target $binary" >&2
    exit 2
  fi
done

token="bench-reload-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
log=$(mktemp)
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; rm -f "$log"; true; }
trap cleanup EXIT

"$build/bin/rubrika" serve "$run_a" --port 0 --set serve.admin_token="$token" >"$log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 600); do
  port=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -1 | sed 's/.*://' || true)
  if [[ -n "$port" ]] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$log" >&2; exit 1; fi
  sleep 0.1
done

load_out=$(mktemp)
"$build/bin/rubrika_serve_load" --port "$port" --concurrency "$concurrency" --duration "$duration" \
  --warmup 1 >"$load_out" &
load_pid=$!
gap=$(awk -v d="$duration" -v n="$swaps" 'BEGIN { printf "%.2f", d / (n + 1) }')
targets=("$(realpath "$run_b")" "$(realpath "$run_a")")
for i in $(seq 1 "$swaps"); do
  sleep "$gap"
  target=${targets[$(( (i - 1) % 2 ))]}
  answer=$(curl -s -X POST "http://127.0.0.1:$port/admin/reload" -H "Authorization: Bearer $token" \
    -d "{\"run\": \"$target\"}")
  echo "reload $i → $target: $answer"
done
wait "$load_pid"
echo "load: $(cat "$load_out")"
echo "metrics: $(curl -s "http://127.0.0.1:$port/metrics" | grep '^rubrika_reloads_total' | tr '\n' ' ')"
rm -f "$load_out"
echo "$concurrency connections · $duration s · $swaps reloads · $(nproc) cores · $(date -u +%Y-%m-%d)"
