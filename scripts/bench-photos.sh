#!/usr/bin/env bash
# What photos cost the release server: a 12-megapixel, ~4 MB JPEG uploaded
# one at a time (upload + processing per photo), then AT_ONCE together
# (the server's peak memory while they are processed), on local disk, on a
# fresh SQLite database (and on PostgreSQL when BENCH_POSTGRES_URL is set).
# Usage: scripts/bench-photos.sh [at_once] [one_by_one]   (default: 10 5)
set -euo pipefail
cd "$(dirname "$0")/.."
AT_ONCE="${1:-10}"
ONE_BY_ONE="${2:-5}"
PORT="${BENCH_PORT:-3299}"
source scripts/bench-lib.sh
cargo build -q --profile server-release -p server --example photos_bench
BENCH="$(realpath -m "${CARGO_TARGET_DIR:-target}")/server-release/examples/photos_bench"
SERVER_ENV="SIGNUPS_PER_HOUR=100000"
echo "#### photos: $ONE_BY_ONE one at a time, then $AT_ONCE at once (PHOTO_PROCESSING_CONCURRENCY=${PHOTO_PROCESSING_CONCURRENCY:-2})"
[ -n "${PHOTO_PROCESSING_CONCURRENCY:-}" ] && SERVER_ENV="$SERVER_ENV PHOTO_PROCESSING_CONCURRENCY=$PHOTO_PROCESSING_CONCURRENCY"
measure() { "$BENCH" "$1" "$2" "$AT_ONCE" "$ONE_BY_ONE"; }
on_each_database
