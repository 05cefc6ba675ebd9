#!/usr/bin/env bash
# Lighthouse (mobile preset, its default simulated throttling) in Debian's
# headless Chromium against the release build, on a fresh SQLite database
# with the demo data: the landing page and log-in, and every page a customer
# or a mechanic spends time on, each as its own user: the customer's job
# page and the booked mechanic's (the job booked with Dan and on its way,
# the live map drawn), the request form, the notification centre, the
# account page and the mechanic's dashboard. Prints each page's median run
# and fails when a median is below the floor in docs/PERFORMANCE.md
# (LIGHTHOUSE_STRICT=1: short of the targets; scripts/lighthouse.mjs).
# Usage: scripts/lighthouse.sh  (LIGHTHOUSE_RUNS=5, LIGHTHOUSE_STRICT=1)
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS_DIR="${TOOLS_DIR:-$HOME/.cache/curbside-tools}"
LIGHTHOUSE_VERSION="12.8.2"
PORT="${LIGHTHOUSE_PORT:-3297}"
[ -x /usr/bin/chromium ] || { echo "no /usr/bin/chromium (run make test-tools)" >&2; exit 1; }

if [ "$(node -p "require('$TOOLS_DIR/node_modules/lighthouse/package.json').version" 2>/dev/null)" != "$LIGHTHOUSE_VERSION" ]; then
  echo "[tools] installing lighthouse@$LIGHTHOUSE_VERSION into $TOOLS_DIR"
  mkdir -p "$TOOLS_DIR"
  (cd "$TOOLS_DIR" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
     && npm install --no-audit --no-fund --silent "lighthouse@$LIGHTHOUSE_VERSION")
fi

# The release server on a fresh SQLite database (scripts/bench-lib.sh). No
# map tiles: this machine may have no internet, and a failed tile would count
# against best practices as a console error.
source scripts/bench-lib.sh
SERVER_ENV="LEPTOS_SITE_ROOT=$PWD/target/site DEMO_DATA=true MAP_TILE_URL=none"

json() { # $1 = a JavaScript expression over the JSON on stdin, `it`
  node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const it=JSON.parse(s);console.log($1)})"
}

measure() { # $1 = the server's base URL
  local BASE="$1" TOM DAN JOB QUOTE
  login() { curl -sf "$BASE/api/login" -d "email=$1" -d password=curbside-demo | json it.token; }
  TOM=$(login tom@demo.curbside.test)
  DAN=$(login dan@demo.curbside.test)
  JOB=$(curl -sf "$BASE/api/my_jobs" -H "Authorization: Bearer $TOM" | json 'it[0].id')
  # Booked with Dan and on its way: the customer's job page at its fullest.
  QUOTE=$(curl -sf "$BASE/api/send_quote" -H "Authorization: Bearer $DAN" -d "job_id=$JOB" \
    -d 'items[0][kind]=labour' --data-urlencode 'items[0][description]=Test and replace the battery' \
    -d 'items[0][amount]=60' -d 'items[1][kind]=parts' --data-urlencode 'items[1][description]=Battery' \
    -d 'items[1][amount]=95' -d arrival_minutes=40 -d valid_hours=24 | json it.id)
  curl -sf "$BASE/api/accept_quote" -H "Authorization: Bearer $TOM" -d "id=$QUOTE" >/dev/null
  curl -sf "$BASE/api/update_job_status" -H "Authorization: Bearer $DAN" -d "id=$JOB" -d status=en_route >/dev/null

  # Each page as `path|token`: whose session opens it.
  TOOLS_DIR="$TOOLS_DIR" node scripts/lighthouse.mjs "$BASE" \
    "/|$TOM" "/login|$TOM" "/customer/jobs/$JOB|$TOM" "/customer/request|$TOM" \
    "/notifications|$TOM" "/account|$TOM" "/mechanic/jobs/$JOB|$DAN" "/mechanic|$DAN"
}

db=$(mktemp -d)
with_server sqlite "sqlite://$db/lighthouse.db"
rm -rf "$db"
