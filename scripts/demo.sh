#!/usr/bin/env bash
# Set up, build, and run the main job: a three-vat SwingSet (demo/kernel/config.json) on a fresh
# state directory, which creates a dynamic vat at run time and keeps talking to it. Every
# `swingset` command below is a separate process, so each one restarts the kernel from the SQLite
# state the previous one committed: vats, static and dynamic, come back lazily from their heap
# snapshots and transcripts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh >/dev/null
swingset=build/src/cli/swingset
state=$(mktemp -d -t swingset-demo-XXXXXX)
trap 'rm -rf "$state"' EXIT
say() { printf '\n$ %s\n' "$*"; "$@"; }
say $swingset init --state "$state" demo/kernel/config.json
say $swingset run --state "$state"
say $swingset send --state "$state" bootstrap chat '["the weather"]'
say $swingset send --state "$state" bootstrap chat '["taxes"]' || true
say $swingset send --state "$state" alice talkAbout '["SwingSet"]'
say $swingset send --state "$state" bootstrap openLedger '["carol"]'
say $swingset send --state "$state" bootstrap record '["carol", "lunch"]'
say $swingset send --state "$state" bootstrap record '["carol", "books"]'
say $swingset send --state "$state" ledger-carol record '["rent"]'
say $swingset status --state "$state"
say $swingset send --state "$state" nobody hello '[]' || true
