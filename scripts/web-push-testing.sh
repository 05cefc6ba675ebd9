#!/usr/bin/env bash
# Runs a command with web-push-testing (a Web Push service stand-in from
# npm: it hands out subscriptions, checks VAPID, decrypts what it is sent
# and answers 410 for expired ones) listening on localhost:$WEB_PUSH_PORT,
# and TEST_PUSH_SERVICE pointing at it. Installs it under TOOLS_DIR when
# missing; reuses one already listening only if it is that version, started so.
# Usage: scripts/web-push-testing.sh CMD ARGS...
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=web-push-testing
# shellcheck source=scripts/standin-lib.sh
. scripts/standin-lib.sh

VERSION=1.2.2
PORT="${WEB_PUSH_PORT:-8090}"
DIR="$TOOLS_DIR/web-push-testing-$VERSION"
SERVER="$DIR/node_modules/web-push-testing/src/bin/server.js"
BASE="http://localhost:$PORT"

if [ ! -f "$SERVER" ]; then
  log "installing web-push-testing $VERSION into $DIR"
  mkdir -p "$DIR"
  npm install --prefix "$DIR" --no-audit --no-fund --silent "web-push-testing@$VERSION"
fi
up() { curl -fsS -o /dev/null -X POST "$BASE/status" 2>/dev/null; }
# The server itself, in the foreground of its own process: the package's
# `start` command detaches it and keeps a pid file we would have to clean.
standin_up "$VERSION" "$PORT" WEB_PUSH_PORT "$SERVER" 100 node "$SERVER" "$PORT"

export TEST_PUSH_SERVICE="$BASE"
"$@"
