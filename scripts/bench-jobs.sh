#!/usr/bin/env bash
# Prints what the job flow costs with many open jobs over Greater London: open
# jobs near a mechanic, a job's page, quoting, accepting and the lists, over
# HTTP against the release server, on a fresh SQLite database (and on
# PostgreSQL when BENCH_POSTGRES_URL is set).
# Usage: scripts/bench-jobs.sh [jobs] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${1:-10000}"
ROUNDS="${2:-30}"
PORT="${BENCH_PORT:-3298}"
source scripts/bench-lib.sh
cargo build -q --profile server-release -p server --example jobs_bench
BENCH=target/server-release/examples/jobs_bench

measure() { "$BENCH" "$1" "$2" "$JOBS" "$ROUNDS"; }
SERVER_ENV="DEMO_DATA=true"
on_each_database
