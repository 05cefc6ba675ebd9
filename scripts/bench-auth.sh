#!/usr/bin/env bash
# Prints argon2id cost per hash on this machine and login / who-am-I round
# trips against the release server, on a fresh SQLite database (and on
# PostgreSQL when BENCH_POSTGRES_URL is set).
# Usage: scripts/bench-auth.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-50}"
PORT="${BENCH_PORT:-3298}"
BIN=target/server-release/server
[ -x "$BIN" ] || { echo "no server binary at $BIN (run make release)" >&2; exit 1; }
# Same profile as the server, so the argon2 figures are the server's.
cargo build -q --profile server-release -p server --example auth_bench
BENCH=target/server-release/examples/auth_bench

run() { # $1 = label, $2 = DATABASE_URL
  local dir pid
  dir=$(mktemp -d)
  (cd "$dir" && DATABASE_URL="$2" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG=warn exec "$OLDPWD/$BIN" >/dev/null 2>&1) &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/readyz"; do
    kill -0 "$pid" 2>/dev/null || { echo "server exited" >&2; exit 1; }
    sleep 0.01
  done
  echo "== $1"
  "$BENCH" "http://127.0.0.1:$PORT" "$ROUNDS"
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
