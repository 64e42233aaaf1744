#!/usr/bin/env bash
# Data-parallel scaling on this machine: the quickstart's classifier stage (one epoch) trained
# by 1 process × all cores and by N processes (`--nproc-per-node N`, cores shared out),
# alternating, REPEATS times each. Prints examples/s of each run (metrics.json steps × global
# batch / train_seconds) and the mean all-reduce time per step from train_log.jsonl.
#
# Usage: scripts/bench_distributed.sh [N] [REPEATS] [BATCH_PER_WORKER]   (defaults 2 3 16)
# Environment: RUBRIKA_BUILD (default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-2}
repeats=${2:-3}
batch=${3:-16}
build=${RUBRIKA_BUILD:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
global=$((workers * batch))

train() {  # train NAME BATCH [launcher options...]
  local name=$1 b=$2
  shift 2
  "$build/bin/rubrika" train recipes/quickstart.toml --set run.output_dir="$out" \
    --set run.name="$name" --set train.epochs=1 --set train.batch_size="$b" \
    --stages classifier "$@" >/dev/null 2>"$out/$name.err"
  python3 - "$out/$name" "$global" <<'PY'
import json, sys
run, batch = sys.argv[1], int(sys.argv[2])
c = json.load(open(run + "/metrics.json"))["classifier"]
reduce = [json.loads(l).get("allreduce_ms_per_step") for l in open(run + "/train_log.jsonl")]
reduce = [r for r in reduce if r is not None]
line = f"{c['steps'] * batch / c['train_seconds']:.1f} ex/s, test accuracy {c['test']['accuracy']:.4f}"
if reduce:
    line += f", all-reduce {sum(reduce) / len(reduce):.2f} ms/step"
print(line)
PY
}

# The data stage (synthetic ads, vocabulary) once, outside the timings.
"$build/bin/rubrika" train recipes/quickstart.toml --set run.output_dir="$out" \
  --set run.name=prepare --stages vocab >/dev/null 2>&1
for i in $(seq 1 "$repeats"); do
  echo "run $i  1 process  x $(nproc) threads, batch $global: $(train "one_$i" "$global")"
  echo "run $i  $workers processes x $(( $(nproc) / workers )) thread(s), batch $workers x $batch: $(train "many_$i" "$batch" --nproc-per-node "$workers")"
done
echo "quickstart classifier, 1 epoch · $(nproc) cores · $(lscpu | sed -n 's/^Model name: *//p') · $(date -u +%Y-%m-%d)"
