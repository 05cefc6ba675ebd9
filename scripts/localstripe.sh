#!/usr/bin/env bash
# Runs a command with localstripe (a stateful Stripe stand-in from PyPI)
# listening on 127.0.0.1:$LOCALSTRIPE_PORT, and TEST_STRIPE_API_BASE
# pointing at it. Installs it into a venv under TOOLS_DIR when missing;
# reuses one already listening only if it is that version, started so. Usage: scripts/localstripe.sh CMD ARGS...
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${TOOLS_DIR:-$HOME/.cache/curbside-tools}"
VERSION=1.15.10
PORT="${LOCALSTRIPE_PORT:-8420}"
VENV="$TOOLS_DIR/localstripe-venv"
BASE="http://127.0.0.1:$PORT"

log() { printf '\033[1;34m[localstripe]\033[0m %s\n' "$*" >&2; }

if [ "$("$VENV/bin/pip" show localstripe 2>/dev/null | sed -n 's/^Version: //p')" != "$VERSION" ]; then
  log "installing localstripe $VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "localstripe==$VERSION"
fi

up() { curl -fsS -o /dev/null -u sk_test_probe: "$BASE/v1/customers?limit=1" 2>/dev/null; }

pid=""
# shellcheck source=scripts/standin-lib.sh
. scripts/standin-lib.sh
if up && ! standin_is_ours "$PORT" "$VENV/bin/localstripe"; then
  standin_refuse localstripe "$PORT" "$VERSION" LOCALSTRIPE_PORT
fi
if ! up; then
  # --from-scratch: it saves its store to /tmp/localstripe.pickle on every
  # write, and a copy cut short when the last one was stopped would stop
  # this one from starting.
  "$VENV/bin/localstripe" --port "$PORT" --from-scratch >"${TMPDIR:-/tmp}/localstripe-$PORT.log" 2>&1 &
  pid=$!
  trap 'kill "$pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    up && break
    kill -0 "$pid" 2>/dev/null || { log "localstripe exited:"; cat "${TMPDIR:-/tmp}/localstripe-$PORT.log" >&2; exit 1; }
    sleep 0.1
  done
  up || { log "localstripe did not answer on $BASE"; exit 1; }
  log "listening on $BASE"
fi

export TEST_STRIPE_API_BASE="$BASE"
"$@"
