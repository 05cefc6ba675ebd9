#!/usr/bin/env bash
# Prints how long the server takes from exec to its first 200 on /readyz,
# on a fresh SQLite database (and on PostgreSQL when BENCH_POSTGRES_URL is set).
# Usage: scripts/bench-cold-start.sh [server binary] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/server-release/server}"
RUNS="${2:-5}"
PORT="${BENCH_PORT:-3299}"
[ -x "$BIN" ] || { echo "no server binary at $BIN (run make release)" >&2; exit 1; }

measure() { # $1 = DATABASE_URL; prints milliseconds
  local start end pid
  start=$(date +%s%N)
  DATABASE_URL="$1" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG=warn "$BIN" >/dev/null 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/readyz"; do
    kill -0 "$pid" 2>/dev/null || { echo "server exited" >&2; exit 1; }
    sleep 0.001
  done
  end=$(date +%s%N)
  kill -TERM "$pid"; wait "$pid" || true
  echo $(( (end - start) / 1000000 ))
}

report() { # $1 = label, $2 = a function that starts one server and prints its ms
  local times=() sorted
  for _ in $(seq "$RUNS"); do times+=("$($2)"); done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
  echo "$1: cold start to 200 on /readyz, ms over $RUNS runs (fresh database each): $sorted"
}

sqlite_run() { local dir; dir=$(mktemp -d); measure "sqlite://$dir/bench.db"; rm -rf "$dir"; }
report "sqlite" sqlite_run

if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  pg_run() {
    local name="curbside_bench_$RANDOM$RANDOM"
    psql -q "$BENCH_POSTGRES_URL" -c "CREATE DATABASE $name" >/dev/null
    measure "${BENCH_POSTGRES_URL%/*}/$name"
    psql -q "$BENCH_POSTGRES_URL" -c "DROP DATABASE $name WITH (FORCE)" >/dev/null
  }
  report "postgres" pg_run
fi
