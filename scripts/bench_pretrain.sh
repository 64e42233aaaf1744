#!/usr/bin/env bash
# Does [pretrain] pay? Test macro-F1 of the classifier with and without masked-language-model
# pretraining at (about) equal training time, beside the run's tf-idf baseline (issue 19).
#
#   quickstart  the quickstart recipe (from-scratch 2-layer BERT, its own 8000-token
#               vocabulary, 10000 synthetic ads); pretraining on the training split only
#   intents     tests/data/intents (700 Russian support messages, 9 intents) with the same
#               model; pretraining on the training split plus UNLABELLED messages written by
#               tests/data/intents/generate.py with other seeds (a team with many
#               unlabelled messages and few labelled ones), none equal to a labelled text
#
# Each pair gives the time of the pretrain + classifier stages (metrics.json timings_s) and
# the test macro-F1; the classifier-only run gets more epochs to spend the same time.
# Usage: scripts/bench_pretrain.sh [WORK_DIR] [UNLABELLED_TEXTS]   (default /tmp/rubrika_bench_pretrain, 20000)
# Environment: RUBRIKA_BUILD (default build/); QUICK=1 runs only the first pair of each set.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/rubrika_bench_pretrain}
unlabelled=${2:-20000}
cli=${RUBRIKA_BUILD:-build}/bin/rubrika
mkdir -p "$work"

# Unlabelled intents messages: generate.py's message() under other seeds, labels dropped.
python3 - "$work/intents_unlabelled.txt" "$unlabelled" <<'PY'
import csv, importlib.util, random, sys
spec = importlib.util.spec_from_file_location("gen", "tests/data/intents/generate.py")
gen = importlib.util.module_from_spec(spec); spec.loader.exec_module(gen)
labelled = {row["text"] for row in csv.DictReader(open("tests/data/intents/intents.csv"))}
rng, out, seen = random.Random(20261204), [], set()
labels = sorted(gen.INTENTS)
while len(out) < int(sys.argv[2]):
    text = gen.message(rng.choice(labels), rng).replace("\n", " ")
    if text not in labelled and text not in seen:
        seen.add(text); out.append(text)
    if len(seen) > 50 * int(sys.argv[2]): break
open(sys.argv[1], "w").write("\n".join(out) + "\n")
print(f"{len(out)} unlabelled intents messages", file=sys.stderr)
PY

cat > "$work/intents.toml" <<TOML
[run]
name = "intents"
output_dir = "$work/runs"
seed = 42
[data]
train = "$PWD/tests/data/intents/intents.csv"
text_fields = ["text"]
label_field = "label"
split = [0.72, 0.08, 0.20]
[normalizer]
lowercase = true
yo_to_e = true
[vocab]
size = 3000
min_frequency = 2
[encoder]
type = "bert"
max_length = 128
[encoder.init]
hidden_size = 128
num_hidden_layers = 2
num_attention_heads = 4
intermediate_size = 512
max_position_embeddings = 128
[head]
type = "linear"
features = "mean"
[train]
epochs = 10
batch_size = 32
learning_rate = 5e-4
warmup_ratio = 0.1
metric = "macro_f1"
TOML

# One run: NAME RECIPE --set ...; prints name, stage seconds, test macro-F1, baseline macro-F1.
run() {
  local name=$1 recipe=$2; shift 2
  local sets=(--set "run.name=$name" --set "run.output_dir=$work/runs")
  for s in "$@"; do sets+=(--set "$s"); done
  "$cli" train "$recipe" --stages classifier --force "${sets[@]}" > "$work/$name.log" 2>&1 ||
    { echo "$name failed: see $work/$name.log" >&2; exit 1; }
  python3 - "$work/runs/$name/metrics.json" "$name" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); t = m["timings_s"]
pre = t.get("pretrain", 0.0) if "pretrain" in m else 0.0
b = m.get("baseline", {}).get("macro_f1")
acc = m.get("pretrain", {}).get("best_validation", {}).get("accuracy")
print(f"| {sys.argv[2]} | {pre:.0f} | {t['classifier']:.0f} | {pre + t['classifier']:.0f} | "
      f"{m['classifier']['test']['macro_f1']:.4f} | {'' if b is None else f'{b:.4f}'} | "
      f"{'' if acc is None else f'{acc:.3f}'} |")
PY
}

echo "| run | pretrain s | classifier s | total s | test macro-F1 | tf-idf baseline macro-F1 | held-out MLM accuracy |"
echo "|---|---|---|---|---|---|---|"
q=recipes/quickstart.toml
qdata=(data.train=$work/ads.csv data.ood=$work/ads_ood.csv)
run q_cls3 $q "${qdata[@]}" train.epochs=3
run q_pre1_cls2 $q "${qdata[@]}" train.epochs=2 pretrain.epochs=1 pretrain.learning_rate=5e-4
if [[ -z "${QUICK:-}" ]]; then
  run q_cls6 $q "${qdata[@]}" train.epochs=6
  run q_pre3_cls3 $q "${qdata[@]}" train.epochs=3 pretrain.epochs=3 pretrain.learning_rate=5e-4
fi
i=$work/intents.toml
corpus=pretrain.corpus=$work/intents_unlabelled.txt
run i_cls10 $i train.epochs=10
run i_pre1_cls10 $i train.epochs=10 "$corpus" pretrain.epochs=1 pretrain.learning_rate=5e-4
run i_cls_equal $i train.epochs="${INTENTS_EQUAL_EPOCHS:-60}"
if [[ -z "${QUICK:-}" ]]; then
  run i_pre3_cls10 $i train.epochs=10 "$corpus" pretrain.epochs=3 pretrain.learning_rate=5e-4
  run i_cls_equal3 $i train.epochs="${INTENTS_EQUAL3_EPOCHS:-150}"
fi
