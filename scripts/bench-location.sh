#!/usr/bin/env bash
# Load test for live location, shaped like the product plan's comparison:
# the release server pinned to one core (taskset -c 0), the load generator
# to the other, JOBS jobs on their way, each watched by 10 streams (1 admin
# + 9 customer tabs), one mechanic per job posting a fix every PERIOD ms for
# SECONDS_EACH s. A ladder of rates on a fresh database each, until p99
# reaches 100 ms or anything is lost; on SQLite, then on PostgreSQL when
# BENCH_POSTGRES_URL is set. Each rung prints deliveries/s, p50/p99, lost,
# server CPU per delivery and per fix, memory per stream and database writes.
# Usage: scripts/bench-location.sh [jobs:period_ms ...]
#   (default: 500 jobs at 1000, 500, 333, 250, 200, 167, 125 and 100 ms:
#   5,000 to 50,000 deliveries/s)
# UPSTREAM=socket (default: each phone's fixes over one WebSocket) or
# UPSTREAM=http (one POST /api/share_location per fix, as API clients send).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${SECONDS_EACH:-30}"
PORT="${BENCH_PORT:-3298}"
export UPSTREAM="${UPSTREAM:-socket}"
ulimit -n "$(ulimit -Hn)"
source scripts/bench-lib.sh
cargo build -q --profile server-release -p server --example location_bench
BENCH=target/server-release/examples/location_bench
SERVER_ENV="DEMO_DATA=true DB_MAX_CONNECTIONS=16 SIGNUPS_PER_HOUR=100000 MAP_TILE_URL=none"
# One core each, when there are two: the figures are per core.
if [ "$(nproc)" -ge 2 ]; then SERVER_PIN="taskset -c 0"; LOAD_PIN="taskset -c 1"; else LOAD_PIN=""; fi
export SERVER_PIN
[ $# -gt 0 ] || set -- 500:1000 500:500 500:333 500:250 500:200 500:167 500:125 500:100
measure() { # $1 = base URL, $2 = DATABASE_URL; remembers whether the rung passed
  local out
  out=$($LOAD_PIN "$BENCH" "$1" "$2" "$JOBS" "$PERIOD" "$SECONDS_EACH")
  echo "$out"
  grep -q '^verdict: pass' <<<"$out" && PASSED=1 || PASSED=0
}
ladder() { # $1 = label, $2 = how to run one rung on that database
  echo "######## $1, fixes over $UPSTREAM"
  for RUN in "${RUNGS[@]}"; do
    JOBS="${RUN%%:*}"; PERIOD="${RUN##*:}"
    echo "#### $((JOBS * 10)) watchers: $JOBS jobs, a fix per job every $PERIOD ms for $SECONDS_EACH s ($((JOBS * 10 * 1000 / PERIOD)) deliveries/s asked)"
    "$2"
    [ "$PASSED" = 1 ] || { echo "#### the ladder on $1 stops here"; break; }
  done
}
RUNGS=("$@")
on_sqlite() { local dir; dir=$(mktemp -d); with_server sqlite "sqlite://$dir/bench.db"; rm -rf "$dir"; }
on_postgres() {
  local name="curbside_bench_$RANDOM$RANDOM"
  psql -q "$BENCH_POSTGRES_URL" -c "CREATE DATABASE $name" >/dev/null
  with_server postgres "${BENCH_POSTGRES_URL%/*}/$name"
  psql -q "$BENCH_POSTGRES_URL" -c "DROP DATABASE $name WITH (FORCE)" >/dev/null
}
ladder SQLite on_sqlite
[ -z "${BENCH_POSTGRES_URL:-}" ] || ladder PostgreSQL on_postgres
