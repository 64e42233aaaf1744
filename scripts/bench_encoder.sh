#!/usr/bin/env bash
# Encoder and training-step speed on the issue's reference shapes, repeated because a
# shared 2-vCPU machine varies by ±20% from one run to the next: prints a Markdown table
# with the median and the best of REPEATS runs of each point (for docs/benchmarks.md).
#
# Usage: scripts/bench_encoder.sh [REPEATS] [--no-train]     (default 3)
# Where the time goes: rubrika bench encoder --shape tiny --batch 32 --seq 64 --profile
# Environment: RUBRIKA_BUILD (default build/) holds bin/rubrika.
set -euo pipefail
cd "$(dirname "$0")/.."

repeats=${1:-3}
train=1
[[ "${2:-}" == "--no-train" || "${1:-}" == "--no-train" ]] && train=0
[[ "$repeats" =~ ^[0-9]+$ ]] || repeats=3
rubrika=${RUBRIKA_BUILD:-build}/bin/rubrika
if [[ ! -x "$rubrika" ]]; then
  echo "bench_encoder.sh: $rubrika is missing; build it: cmake --build build --target rubrika" >&2
  exit 2
fi

# Median and best of the numbers on stdin.
stats() { sort -g | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2;
                                         printf "%.2f | %.2f", m, v[NR]}'; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) vCPU; $("$rubrika" doctor 2>/dev/null |
  sed -n 's/^BLAS *//p' | head -1); $("$rubrika" doctor 2>/dev/null | sed -n 's/^fp32 GEMM *//p' | cut -d' ' -f1-2)"
echo "settings: $repeats runs per point; encoder: 1 warm-up + 5 timed batches of random ids, InferenceMode"
echo
echo "| shape | batch × seq | dtype | seq/s median | seq/s best | GFLOP/s median |"
echo "|---|---|---|---|---|---|"
for dtype in fp32 bf16; do
  for point in "tiny 32 64" "tiny 32 128" "base 32 128" "base 32 64"; do
    read -r shape batch seq <<<"$point"
    rates=() flops=()
    for ((i = 0; i < repeats; ++i)); do
      line=$("$rubrika" bench encoder --shape "$shape" --batch "$batch" --seq "$seq" --dtype "$dtype" \
               --iterations 5 2>/dev/null | grep '^result')
      rates+=("$(awk '{print $2}' <<<"$line")")
      flops+=("$(sed -n 's/.* tokens\/s, \([0-9.]*\) GFLOP\/s.*/\1/p' <<<"$line")")
    done
    rate=$(printf '%s\n' "${rates[@]}" | stats)
    gflops=$(printf '%s\n' "${flops[@]}" | stats | cut -d' ' -f1)
    echo "| $shape | $batch × $seq | $dtype | ${rate} | $gflops |"
  done
done

(( train )) || exit 0
echo
echo "| shape | training step (batch 16 × 128, AdamW, fp32) | examples/s median | examples/s best | peak RSS |"
echo "|---|---|---|---|---|"
for shape in tiny base; do
  rates=() rss=""
  for ((i = 0; i < repeats; ++i)); do
    line=$("$rubrika" bench train --shape "$shape" --batch 16 --seq 128 2>/dev/null | grep '^result')
    rates+=("$(awk '{print $2}' <<<"$line")")
    rss=$(sed -n 's/.*peak RSS \([0-9.]* GB\).*/\1/p' <<<"$line")
  done
  echo "| $shape | 1 warm-up + 4 timed steps | $(printf '%s\n' "${rates[@]}" | stats) | $rss |"
done
