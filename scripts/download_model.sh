#!/usr/bin/env bash
# Fetches a Hugging Face model folder for the `bert` encoder (needs internet).
#
#   scripts/download_model.sh NAME DIR
#   scripts/download_model.sh cointegrated/rubert-tiny2 models/rubert-tiny2
#   scripts/download_model.sh DeepPavlov/rubert-base-cased models/rubert-base-cased
#
# Uses huggingface-cli when installed (pip install huggingface_hub), else git + git-lfs.
# Only the files rubrika reads are fetched: config.json, vocab.txt, tokenizer_config.json,
# special_tokens_map.json and the weights (model.safetensors, or pytorch_model.bin when the
# repository has no safetensors file). Set HF_TOKEN for gated or private models.
set -euo pipefail

usage() {
  echo "usage: $0 NAME DIR   (e.g. $0 cointegrated/rubert-tiny2 models/rubert-tiny2)" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
name=$1
dir=$2
[[ $name == */* ]] || { echo "error: NAME must be owner/model as on huggingface.co, got '$name'" >&2; exit 2; }
if [[ -e $dir && -n $(ls -A "$dir" 2>/dev/null) ]]; then
  echo "error: $dir exists and is not empty; choose another DIR or remove it" >&2
  exit 1
fi

files=(config.json vocab.txt tokenizer_config.json special_tokens_map.json)

check_folder() {
  for f in config.json vocab.txt; do
    [[ -s $dir/$f ]] || { echo "error: $name has no $f; is it a BERT model?" >&2; exit 1; }
  done
  if [[ ! -s $dir/model.safetensors && ! -s $dir/pytorch_model.bin ]]; then
    echo "error: $name has neither model.safetensors nor pytorch_model.bin" >&2
    exit 1
  fi
  if head -c 200 "$dir"/model.safetensors "$dir"/pytorch_model.bin 2>/dev/null | grep -q "git-lfs.github.com"; then
    echo "error: weights in $dir are git-lfs pointers, not data; run 'git lfs install' and retry" >&2
    exit 1
  fi
  echo "downloaded $name into $dir; use it with: model = \"$dir\" in [encoder]"
}

if command -v huggingface-cli >/dev/null 2>&1; then
  mkdir -p "$dir"
  for f in "${files[@]}"; do  # one at a time: a repository may lack an optional file
    huggingface-cli download "$name" "$f" --local-dir "$dir" >/dev/null ||
      echo "note: $name has no $f" >&2
  done
  huggingface-cli download "$name" model.safetensors --local-dir "$dir" ||
    huggingface-cli download "$name" pytorch_model.bin --local-dir "$dir"
  rm -rf "$dir/.cache" "$dir/.huggingface"
  check_folder
elif command -v git >/dev/null 2>&1 && git lfs version >/dev/null 2>&1; then
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/rubrika_download.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  url="https://huggingface.co/$name"
  [[ -n ${HF_TOKEN:-} ]] && url="https://user:${HF_TOKEN}@huggingface.co/$name"
  GIT_LFS_SKIP_SMUDGE=1 git clone --depth 1 "$url" "$tmp/repo"
  if [[ -e $tmp/repo/model.safetensors ]]; then weights=model.safetensors; else weights=pytorch_model.bin; fi
  git -C "$tmp/repo" lfs pull --include "$weights"
  mkdir -p "$dir"
  for f in "${files[@]}" "$weights"; do
    [[ -e $tmp/repo/$f ]] && cp "$tmp/repo/$f" "$dir/"
  done
  check_folder
else
  cat >&2 <<MSG
error: neither huggingface-cli nor git with git-lfs is installed.
Install one of them:
  pip install -U huggingface_hub          # gives huggingface-cli
  sudo apt-get install git git-lfs && git lfs install
or download config.json, vocab.txt, tokenizer_config.json, special_tokens_map.json and
model.safetensors (or pytorch_model.bin) from https://huggingface.co/$name into $dir by hand.
MSG
  exit 1
fi
