#!/usr/bin/env bash
# Runs a command with web-push-testing (a Web Push service stand-in from
# npm: it hands out subscriptions, checks VAPID, decrypts what it is sent
# and answers 410 for expired ones) listening on localhost:$WEB_PUSH_PORT,
# and TEST_PUSH_SERVICE pointing at it. Installs it under TOOLS_DIR when
# missing; reuses one already listening only if it is that version, started so.
# Usage: scripts/web-push-testing.sh CMD ARGS...
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${TOOLS_DIR:-$HOME/.cache/curbside-tools}"
VERSION=1.2.2
PORT="${WEB_PUSH_PORT:-8090}"
DIR="$TOOLS_DIR/web-push-testing-$VERSION"
BASE="http://localhost:$PORT"

log() { printf '\033[1;34m[web-push-testing]\033[0m %s\n' "$*" >&2; }

if [ ! -f "$DIR/node_modules/web-push-testing/src/bin/server.js" ]; then
  log "installing web-push-testing $VERSION into $DIR"
  mkdir -p "$DIR"
  npm install --prefix "$DIR" --no-audit --no-fund --silent "web-push-testing@$VERSION"
fi

up() { curl -fsS -o /dev/null -X POST "$BASE/status" 2>/dev/null; }

pid=""
# shellcheck source=scripts/standin-lib.sh
. scripts/standin-lib.sh
if up && ! standin_is_ours "$PORT" "$DIR/node_modules/web-push-testing/src/bin/server.js"; then
  standin_refuse web-push-testing "$PORT" "$VERSION" WEB_PUSH_PORT
fi
if ! up; then
  # The server itself, in the foreground of its own process: the package's
  # `start` command detaches it and keeps a pid file we would have to clean.
  node "$DIR/node_modules/web-push-testing/src/bin/server.js" "$PORT" >"${TMPDIR:-/tmp}/web-push-testing-$PORT.log" 2>&1 &
  pid=$!
  trap 'kill "$pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    up && break
    kill -0 "$pid" 2>/dev/null || { log "web-push-testing exited:"; cat "${TMPDIR:-/tmp}/web-push-testing-$PORT.log" >&2; exit 1; }
    sleep 0.1
  done
  up || { log "web-push-testing did not answer on $BASE"; exit 1; }
  log "listening on $BASE"
fi

export TEST_PUSH_SERVICE="$BASE"
"$@"
