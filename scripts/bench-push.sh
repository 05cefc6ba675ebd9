#!/usr/bin/env bash
# Trigger-to-push latency of the release server: a mechanic's message until
# web-push-testing (the push service stand-in) holds the decrypted push, one
# at a time, then a burst; on SQLite (and PostgreSQL when BENCH_POSTGRES_URL
# is set). Usage: scripts/bench-push.sh [one_by_one] [burst] [devices]   (default: 50 200 1)
set -euo pipefail
cd "$(dirname "$0")/.."
ONE_BY_ONE="${1:-50}"
BURST="${2:-200}"
DEVICES="${3:-1}"
PORT="${BENCH_PORT:-3299}"
source scripts/bench-lib.sh
cargo build -q --profile server-release -p server --example push_bench
BENCH="$(realpath -m "${CARGO_TARGET_DIR:-target}")/server-release/examples/push_bench"
SERVER_ENV="DEMO_DATA=true PUSH_ALLOW_LOOPBACK_HTTP=true MESSAGES_PER_MINUTE=0 SIGNUPS_PER_HOUR=100000"
echo "#### push: $ONE_BY_ONE messages one at a time, then $BURST at once, to $DEVICES device(s)"
measure() { "$BENCH" "$1" "$2" "$TEST_PUSH_SERVICE" "$ONE_BY_ONE" "$BURST" "$DEVICES"; }
on_each_database
