#!/usr/bin/env bash
# Runs a command with localstripe (a stateful Stripe stand-in from PyPI)
# listening on 127.0.0.1:$LOCALSTRIPE_PORT, and TEST_STRIPE_API_BASE
# pointing at it. Installs it into a venv under TOOLS_DIR when missing;
# reuses one already listening only if it is that version, started so.
# Usage: scripts/localstripe.sh CMD ARGS...
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=localstripe
# shellcheck source=scripts/standin-lib.sh
. scripts/standin-lib.sh

VERSION=1.15.10
PORT="${LOCALSTRIPE_PORT:-8420}"
VENV="$TOOLS_DIR/localstripe-venv"
BASE="http://127.0.0.1:$PORT"

standin_pip localstripe "$VERSION" "localstripe==$VERSION" "$VENV"
up() { curl -fsS -o /dev/null -u sk_test_probe: "$BASE/v1/customers?limit=1" 2>/dev/null; }
# --from-scratch: it saves its store to /tmp/localstripe.pickle on every
# write, and a copy cut short when the last one was stopped would stop
# this one from starting.
standin_up "$VERSION" "$PORT" LOCALSTRIPE_PORT "$VENV/bin/localstripe" 100 \
  "$VENV/bin/localstripe" --port "$PORT" --from-scratch

export TEST_STRIPE_API_BASE="$BASE"
"$@"
