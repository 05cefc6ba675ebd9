#!/usr/bin/env bash
# Lighthouse (mobile preset, its default simulated throttling) in Debian's
# headless Chromium against the release build, on a fresh SQLite database
# with the demo data: the landing page, log-in and a customer's job page.
# Prints each page's median and best runs and fails below the floor in
# docs/PERFORMANCE.md (LIGHTHOUSE_STRICT=1: below the targets).
# Usage: scripts/lighthouse.sh  (LIGHTHOUSE_RUNS=5)
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

measure() { # $1 = the server's base URL
  local BASE="$1" TOKEN JOB
  TOKEN=$(curl -sf "$BASE/api/login" -d email=tom@demo.curbside.test -d password=curbside-demo \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))')
  JOB=$(curl -sf "$BASE/api/my_jobs" -H "Authorization: Bearer $TOKEN" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].id))')

  TOOLS_DIR="$TOOLS_DIR" node scripts/lighthouse.mjs "$BASE" "$TOKEN" / /login "/customer/jobs/$JOB"
}

db=$(mktemp -d)
with_server sqlite "sqlite://$db/lighthouse.db"
rm -rf "$db"
