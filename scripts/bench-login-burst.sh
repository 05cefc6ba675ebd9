#!/usr/bin/env bash
# Bursts of concurrent logins against the release server: its resident
# memory after each burst and 15 s later, and login p50/p99 per burst, on a
# fresh SQLite database (and on PostgreSQL when BENCH_POSTGRES_URL is set).
# Usage: scripts/bench-login-burst.sh [logins per burst] [bursts]
set -euo pipefail
cd "$(dirname "$0")/.."
LOGINS="${1:-100}"
BURSTS="${2:-3}"
PORT="${BENCH_PORT:-3297}"
source scripts/bench-lib.sh
cargo build -q --profile server-release -p server --example login_burst
BENCH=target/server-release/examples/login_burst

measure() { "$BENCH" "$1" "$SERVER_PID" "$LOGINS" "$BURSTS"; }
# Each login comes from an address of its own (X-Forwarded-For), as a crowd
# of phones would; the sign-ups before the bursts need room too.
SERVER_ENV="DEMO_DATA=false TRUST_FORWARDED_FOR=true SIGNUPS_PER_HOUR=100000"
on_each_database
