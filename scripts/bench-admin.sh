#!/usr/bin/env bash
# Prints what the admin console's user and audit lists cost with many users, over
# HTTP against the release server, on a fresh SQLite database (and on
# PostgreSQL when BENCH_POSTGRES_URL is set).
# Usage: scripts/bench-admin.sh [users] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
USERS="${1:-20000}"
ROUNDS="${2:-30}"
PORT="${BENCH_PORT:-3297}"
BIN=target/server-release/server
[ -x "$BIN" ] || { echo "no server binary at $BIN (run make release)" >&2; exit 1; }
cargo build -q --profile server-release -p server --example admin_bench
BENCH=target/server-release/examples/admin_bench

run() { # $1 = label, $2 = DATABASE_URL
  local dir pid
  dir=$(mktemp -d)
  (cd "$dir" && DATABASE_URL="$2" DEMO_DATA=true LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG=warn exec "$OLDPWD/$BIN" >/dev/null 2>&1) &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/readyz"; do
    kill -0 "$pid" 2>/dev/null || { echo "server exited" >&2; exit 1; }
    sleep 0.01
  done
  echo "== $1"
  "$BENCH" "http://127.0.0.1:$PORT" "$2" "$USERS" "$ROUNDS"
  kill -TERM "$pid"; wait "$pid" || true
  rm -rf "$dir"
}

dir=$(mktemp -d)
run sqlite "sqlite://$dir/bench.db"
rm -rf "$dir"
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  name="curbside_bench_$RANDOM$RANDOM"
  psql -q "$BENCH_POSTGRES_URL" -c "CREATE DATABASE $name" >/dev/null
  run postgres "${BENCH_POSTGRES_URL%/*}/$name"
  psql -q "$BENCH_POSTGRES_URL" -c "DROP DATABASE $name WITH (FORCE)" >/dev/null
fi
