#!/usr/bin/env bash
# The test command: set-up, configure, build, run every test. Exit status is the result.
# Usage: scripts/test.sh [ctest args...]   e.g. scripts/test.sh -L unit
# Environment: RUBRIKA_PRESET (default dev; CI uses ci), RUBRIKA_JOBS (default: cores).
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${RUBRIKA_PRESET:-dev}
jobs=${RUBRIKA_JOBS:-$(nproc)}

scripts/setup.sh
start=$(date +%s)
cmake --preset "$preset"
cmake --build --preset "$preset" -j "$jobs"
echo "test.sh: build took $(( $(date +%s) - start )) s"
# Both the dev and ci presets build into build/.
ctest --test-dir build --output-on-failure -j "$jobs" "$@"
