#!/usr/bin/env bash
# Prints what a test run did not run, loudly, from the logs of `cargo test`
# (the Makefile's unit and integration steps tee them): every ignored test
# counted by its reason (no PostgreSQL, a stand-in not running). Prints
# "all checks passed" only when everything ran.
# Usage: scripts/test-summary.sh WHAT LOG...
set -euo pipefail
what="$1"
shift
ignored="$(cat "$@" 2>/dev/null | sed -n 's/^test .* \.\.\. ignored\(, \(.*\)\)\{0,1\}$/\2/p' | sed 's/^$/(no reason given)/' | sort | uniq -c | sort -rn)"
if [ -z "$ignored" ]; then
  echo "$what: all checks passed"
  exit 0
fi
total="$(printf '%s\n' "$ignored" | awk '{n += $1} END {print n}')"
printf '\n\033[1;33m%s\033[0m\n' "!!! $what: what ran passed, but $total tests did NOT run:" >&2
printf '%s\n' "$ignored" | sed 's/^/    /' >&2
printf '\033[1;33m%s\033[0m\n\n' "!!! Set TEST_POSTGRES_URL (and run the integration tests through the stand-in scripts, as \`make integration\` does) to run them." >&2
# CI runs everything; a test it did not run fails it.
case "$(printf '%s' "${CI:-}" | tr '[:upper:]' '[:lower:]')" in
  true | 1 | yes) exit 1 ;;
esac
