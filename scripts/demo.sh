#!/usr/bin/env bash
# Set up, build, and run the main job: for now the foundation demo (one vat in a real xsnap
# worker: deliveries, a heap snapshot, a restart from it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/src/cli/swingset-worker-demo build/demo/vat-greeter.bundle.json
