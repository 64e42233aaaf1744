#!/usr/bin/env bash
# Checks that every tracked C++ file is formatted as .clang-format says (Google base, 100
# columns). Exit 1 lists the files that differ; fix them with:
#   git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check_format: clang-format missing (scripts/setup.sh installs it)" >&2; exit 1; }
bad=()
while IFS= read -r file; do
  [[ -f "$file" ]] || continue  # deleted in the working tree, not yet committed
  clang-format --dry-run -Werror "$file" >/dev/null 2>&1 || bad+=("$file")
done < <(git ls-files '*.cpp' '*.hpp')
if (( ${#bad[@]} )); then
  echo "check_format: ${#bad[@]} file(s) not formatted per .clang-format:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check_format: all files formatted"
