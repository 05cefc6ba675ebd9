#!/usr/bin/env bash
# Runs a command with moto (an S3 stand-in from PyPI) listening on
# 127.0.0.1:$MOTO_PORT, and TEST_S3_ENDPOINT pointing at it. Installs it
# into a venv under TOOLS_DIR when missing; reuses one already listening only
# if it is that version, started so.
# Usage: scripts/moto.sh CMD ARGS...
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${TOOLS_DIR:-$HOME/.cache/curbside-tools}"
VERSION=5.2.5
PORT="${MOTO_PORT:-5055}"
VENV="$TOOLS_DIR/moto-venv"
BASE="http://127.0.0.1:$PORT"

log() { printf '\033[1;34m[moto]\033[0m %s\n' "$*" >&2; }

if [ "$("$VENV/bin/pip" show moto 2>/dev/null | sed -n 's/^Version: //p')" != "$VERSION" ]; then
  log "installing moto $VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$VERSION"
fi

up() { curl -fsS -o /dev/null "$BASE/moto-api/" 2>/dev/null; }

pid=""
# shellcheck source=scripts/standin-lib.sh
. scripts/standin-lib.sh
if up && ! standin_is_ours "$PORT" "$VENV/bin/moto_server"; then
  standin_refuse moto "$PORT" "$VERSION" MOTO_PORT
fi
if ! up; then
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"${TMPDIR:-/tmp}/moto-$PORT.log" 2>&1 &
  pid=$!
  trap 'kill "$pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 150); do
    up && break
    kill -0 "$pid" 2>/dev/null || { log "moto exited:"; cat "${TMPDIR:-/tmp}/moto-$PORT.log" >&2; exit 1; }
    sleep 0.1
  done
  up || { log "moto did not answer on $BASE"; exit 1; }
  log "listening on $BASE"
fi

export TEST_S3_ENDPOINT="$BASE"
"$@"
