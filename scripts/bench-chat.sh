#!/usr/bin/env bash
# Load test for messaging: CONVERSATIONS conversations, each sending a
# message a second (customer and mechanic in turn) for SECONDS, against the
# release server on a fresh SQLite database (and on PostgreSQL when
# BENCH_POSTGRES_URL is set). Prints send-to-delivery latency, loss,
# duplicates and server CPU per message.
# Usage: scripts/bench-chat.sh [conversations] [seconds] [people]   (default: 1000 30 100)
set -euo pipefail
cd "$(dirname "$0")/.."
CONVERSATIONS="${1:-1000}"
SECONDS_EACH="${2:-30}"
PEOPLE="${3:-100}"
PORT="${BENCH_PORT:-3299}"
ulimit -n "$(ulimit -Hn)"
source scripts/bench-lib.sh
cargo build -q --profile server-release -p server --example chat_bench
BENCH=target/server-release/examples/chat_bench
# One bench customer talks in ten conversations at once: far past the
# per-person limit, which is switched off here.
SERVER_ENV="DEMO_DATA=true SIGNUPS_PER_HOUR=100000 MESSAGES_PER_MINUTE=0 DB_MAX_CONNECTIONS=16"
echo "#### $CONVERSATIONS conversations, a message a second each for $SECONDS_EACH s, $PEOPLE customers and $PEOPLE mechanics"
measure() { "$BENCH" "$1" "$2" "$CONVERSATIONS" "$SECONDS_EACH" "$PEOPLE"; }
on_each_database
