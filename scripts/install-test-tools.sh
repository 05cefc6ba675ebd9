#!/usr/bin/env bash
# Installs what `make test` needs beyond the build tools: Chromium (Debian's)
# and the end2end suite's npm packages. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[test-tools]\033[0m %s\n' "$*"; }

if [ ! -x /usr/bin/chromium ]; then
  log "installing Chromium from Debian"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium
fi

# The suite drives Debian's Chromium; never download Playwright's browsers.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  log "installing end2end npm packages"
  (cd end2end && npm ci --no-audit --no-fund --silent)
fi

# The Stripe stand-in the payment tests run against (PyPI, into a venv).
bash scripts/localstripe.sh true
# The S3 stand-in the photo tests run against (PyPI, into a venv).
bash scripts/moto.sh true
# The Web Push service stand-in the push tests run against (npm).
bash scripts/web-push-testing.sh true
