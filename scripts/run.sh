#!/usr/bin/env bash
# The main job: set up, build, train RECIPE (only the stages whose inputs changed), then
# serve the trained pipeline over HTTP.
# Usage: scripts/run.sh [RECIPE] [--port N] [--host H]     (default recipes/quickstart.toml)
set -euo pipefail
cd "$(dirname "$0")/.."

recipe=${1:-recipes/quickstart.toml}
shift || true
port=8080
host=127.0.0.1
while (( $# )); do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --host) host=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

scripts/setup.sh
# The dev preset shares its build folder with scripts/test.sh; only the CLI and plugins
# are built here.
cmake --preset dev >/dev/null
cmake --build --preset dev --target runtime -j "$(nproc)"
rubrika=build/bin/rubrika

"$rubrika" recipe check "$recipe"
# Stages whose outputs exist and whose inputs are unchanged are skipped, so a second run
# goes straight to serving; --resume continues an interrupted training.
"$rubrika" train "$recipe" --resume

echo
echo "serving $recipe on http://$host:$port  (Ctrl-C stops)"
echo "try:  curl -s http://$host:$port/v1/classify -H 'Content-Type: application/json' \\"
echo "        -d '{\"texts\": [\"Продаю iPhone 13, 128 ГБ, отличное состояние\"]}'"
exec "$rubrika" serve "$recipe" --host "$host" --port "$port"
