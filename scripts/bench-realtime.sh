#!/usr/bin/env bash
# Load test for the real-time stream: SUBSCRIBERS SSE connections over JOBS
# jobs, quote revisions published through the API at RATE per second for
# SECONDS, against the release server on a fresh SQLite database (and on
# PostgreSQL when BENCH_POSTGRES_URL is set). Prints delivery latency, loss,
# duplicates, server CPU per delivery and memory per connection.
# Usage: scripts/bench-realtime.sh [subscribers ...]   (default: 1000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-100}"
RATE="${RATE:-50}"
SECONDS_EACH="${SECONDS_EACH:-20}"
PORT="${BENCH_PORT:-3299}"
# Each stream is a socket on both ends: raise the limit to the hard maximum.
ulimit -n "$(ulimit -Hn)"
source scripts/bench-lib.sh
cargo build -q --profile server-release -p server --example realtime_bench
BENCH=target/server-release/examples/realtime_bench
SERVER_ENV="DEMO_DATA=true DB_MAX_CONNECTIONS=16"
[ $# -gt 0 ] || set -- 1000 10000
for SUBSCRIBERS in "$@"; do
  echo "#### $SUBSCRIBERS subscribers, $JOBS jobs, $RATE events/s for $SECONDS_EACH s (fd limit $(ulimit -n))"
  measure() { "$BENCH" "$1" "$2" "$SUBSCRIBERS" "$JOBS" "$RATE" "$SECONDS_EACH"; }
  on_each_database
done
