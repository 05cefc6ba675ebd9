#!/usr/bin/env bash
# Runs a command with moto (an S3 stand-in from PyPI) listening on
# 127.0.0.1:$MOTO_PORT, and TEST_S3_ENDPOINT pointing at it. Installs it
# into a venv under TOOLS_DIR when missing; reuses one already listening only
# if it is that version, started so.
# Usage: scripts/moto.sh CMD ARGS...
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=moto
# shellcheck source=scripts/standin-lib.sh
. scripts/standin-lib.sh

VERSION=5.2.5
PORT="${MOTO_PORT:-5055}"
VENV="$TOOLS_DIR/moto-venv"
BASE="http://127.0.0.1:$PORT"

standin_pip moto "$VERSION" "moto[server]==$VERSION" "$VENV"
up() { curl -fsS -o /dev/null "$BASE/moto-api/" 2>/dev/null; }
standin_up "$VERSION" "$PORT" MOTO_PORT "$VENV/bin/moto_server" 150 \
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT"

export TEST_S3_ENDPOINT="$BASE"
"$@"
