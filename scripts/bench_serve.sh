#!/usr/bin/env bash
# Load test of `rubrika serve` on loopback: concurrency 1, 8 and 64, dynamic batching on
# and off, printing throughput and p50/p95/p99 latency as a Markdown table (for
# docs/benchmarks.md).
#
# Usage: scripts/bench_serve.sh RUN_DIR [DURATION_S]
#   RUN_DIR     a run folder written by `rubrika train` (run it once per model shape)
#   DURATION_S  measured seconds per point (default 15; plus 3 s of unmeasured warm-up)
# Environment: RUBRIKA_BUILD (default build/) holds bin/rubrika and bin/rubrika_serve_load;
#   BENCH_TEXTS_PER_REQUEST (default 1); BENCH_INPUT (a file of texts, one per line;
#   default: built-in Russian ads of varied length); BENCH_DEVICE (default: the run's).
set -euo pipefail
cd "$(dirname "$0")/.."

run_dir=${1:-}
duration=${2:-15}
build=${RUBRIKA_BUILD:-build}
texts_per_request=${BENCH_TEXTS_PER_REQUEST:-1}

if [[ -z "$run_dir" ]]; then
  echo "usage: scripts/bench_serve.sh RUN_DIR [DURATION_S]" >&2
  echo "  RUN_DIR is a run folder written by 'rubrika train RECIPE' (it holds pipeline.toml)." >&2
  exit 2
fi
if [[ ! -f "$run_dir/pipeline.toml" ]]; then
  echo "bench_serve.sh: '$run_dir' is not a trained run folder (no pipeline.toml there)." >&2
  echo "  Train one first, e.g.: $build/bin/rubrika train recipes/<recipe>.toml" >&2
  exit 2
fi
for binary in rubrika rubrika_serve_load; do
  if [[ ! -x "$build/bin/$binary" ]]; then
    echo "bench_serve.sh: $build/bin/$binary is missing; build it: cmake --build $build --target $binary" >&2
    exit 2
  fi
done

load_args=(--duration "$duration" --warmup 3 --texts-per-request "$texts_per_request")
[[ -n "${BENCH_INPUT:-}" ]] && load_args+=(--input "$BENCH_INPUT")
device_args=()
[[ -n "${BENCH_DEVICE:-}" ]] && device_args+=(--device "$BENCH_DEVICE")

server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; true; }
trap cleanup EXIT

# Starts the server with extra --set arguments; sets server_pid and port.
start_server() {
  local log
  log=$(mktemp)
  "$build/bin/rubrika" serve "$run_dir" --port 0 "${device_args[@]}" "$@" >"$log" 2>&1 &
  server_pid=$!
  port=""
  for _ in $(seq 1 600); do  # up to 60 s to load and warm up
    port=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -1 | sed 's/.*://' || true)
    if [[ -n "$port" ]] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "bench_serve.sh: the server did not become ready; its output:" >&2
  cat "$log" >&2
  exit 1
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=""
}

echo "| batching | concurrency | requests/s | texts/s | p50 ms | p95 ms | p99 ms | errors |"
echo "|---|---|---|---|---|---|---|---|"
for batching in on off; do
  if [[ $batching == on ]]; then
    start_server
  else
    start_server --set serve.max_batch_size=1 --set serve.max_wait_ms=0
  fi
  for concurrency in 1 8 64; do
    line=$("$build/bin/rubrika_serve_load" --port "$port" --concurrency "$concurrency" "${load_args[@]}" || true)
    value() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
    echo "| $batching | $concurrency | $(value rps) | $(value texts_per_s) | $(value p50_ms) | $(value p95_ms) | $(value p99_ms) | $(value errors) |"
  done
  stop_server
done
echo
echo "run: $run_dir · $duration s per point · $texts_per_request text(s) per request · $(nproc) cores · $(date -u +%Y-%m-%d)"
