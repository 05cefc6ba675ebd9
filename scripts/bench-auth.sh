#!/usr/bin/env bash
# Prints argon2id cost per hash on this machine and login / who-am-I round
# trips against the release server, on a fresh SQLite database (and on
# PostgreSQL when BENCH_POSTGRES_URL is set).
# Usage: scripts/bench-auth.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-50}"
PORT="${BENCH_PORT:-3298}"
source scripts/bench-lib.sh
# Same profile as the server, so the argon2 figures are the server's.
cargo build -q --profile server-release -p server --example auth_bench
BENCH=target/server-release/examples/auth_bench

measure() { "$BENCH" "$1" "$ROUNDS"; }
SERVER_ENV="DEMO_DATA=false"
on_each_database
