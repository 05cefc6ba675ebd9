#!/usr/bin/env bash
# Load test for live location: JOBS jobs on their way, each watched by 10
# streams (1 admin + 9 customer tabs), Dan posting a fix for every job every
# PERIOD ms through POST /api/share_location for SECONDS_EACH s, against the
# release server on a fresh SQLite database (and on PostgreSQL when
# BENCH_POSTGRES_URL is set). Prints delivery latency, loss, duplicates,
# server CPU per delivery, memory per stream and database writes per second.
# Usage: scripts/bench-location.sh [jobs:period_ms ...]
#   (default: 1000:1000, then 500 jobs at 500, 200, 100 and 50 ms)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${SECONDS_EACH:-20}"
PORT="${BENCH_PORT:-3298}"
ulimit -n "$(ulimit -Hn)"
source scripts/bench-lib.sh
cargo build -q --profile server-release -p server --example location_bench
BENCH=target/server-release/examples/location_bench
SERVER_ENV="DEMO_DATA=true DB_MAX_CONNECTIONS=16 SIGNUPS_PER_HOUR=100000 MAP_TILE_URL=none"
[ $# -gt 0 ] || set -- 1000:1000 500:500 500:200 500:100 500:50
for RUN in "$@"; do
  JOBS="${RUN%%:*}"; PERIOD="${RUN##*:}"
  echo "#### $((JOBS * 10)) watchers: $JOBS jobs, a fix per job every $PERIOD ms for $SECONDS_EACH s (fd limit $(ulimit -n))"
  measure() { "$BENCH" "$1" "$2" "$JOBS" "$PERIOD" "$SECONDS_EACH"; }
  on_each_database
done
