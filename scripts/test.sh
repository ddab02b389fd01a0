#!/usr/bin/env bash
# Set up, build, and run the tests: the newcomer's and CI's one test command.
# SWINGSET_CRASH_TRIALS sets the kill -9 trials of the crash tests (default: a short CI run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j 2 "$@"
