#!/usr/bin/env bash
# Prints what card payments cost: accepting with a card hold, completing
# (capture) and Stripe webhooks, over HTTP against the release server with
# localstripe as Stripe, on a fresh SQLite database (and on PostgreSQL when
# BENCH_POSTGRES_URL is set). Run through scripts/localstripe.sh (make
# bench-payments does). Usage: scripts/bench-payments.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-30}"
PORT="${BENCH_PORT:-3299}"
: "${TEST_STRIPE_API_BASE:?run through scripts/localstripe.sh}"
source scripts/bench-lib.sh
cargo build -q --profile server-release -p server --example payments_bench
BENCH=target/server-release/examples/payments_bench

measure() { "$BENCH" "$1" "$TEST_STRIPE_API_BASE" "$ROUNDS"; }
# The tests' keys (server/tests/common/stripe.rs), which the bench signs and pays with.
SERVER_ENV="DEMO_DATA=true SIGNUPS_PER_HOUR=1000 STRIPE_SECRET_KEY=sk_test_curbside STRIPE_PUBLISHABLE_KEY=pk_test_curbside STRIPE_WEBHOOK_SECRET=whsec_test_curbside STRIPE_API_BASE=$TEST_STRIPE_API_BASE"
on_each_database
