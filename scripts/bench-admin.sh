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
source scripts/bench-lib.sh
cargo build -q --profile server-release -p server --example admin_bench
BENCH=target/server-release/examples/admin_bench

measure() { "$BENCH" "$1" "$2" "$USERS" "$ROUNDS"; }
SERVER_ENV="DEMO_DATA=true"
on_each_database
