# Shared by the stand-in scripts (localstripe.sh, moto.sh, web-push-testing.sh).
# Each sets NAME and defines `up` (whether its stand-in answers), then calls
# standin_pip (for a PyPI stand-in) and standin_up.

TOOLS_DIR="${TOOLS_DIR:-$HOME/.cache/curbside-tools}"

log() { printf '\033[1;34m[%s]\033[0m %s\n' "$NAME" "$*" >&2; }

# standin_is_ours PORT NEEDLE: whether the process listening on 127.0.0.1:PORT
# is the stand-in this script would start, told by NEEDLE in its command line
# (the path of the pinned version's install). Another program or another
# version on the port must not answer the tests in its place.
standin_is_ours() {
  local port="$1" needle="$2" pid
  pid="$(ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2)"
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle"
}

# standin_refuse NAME PORT VERSION PORT_SETTING: stops the run, saying why.
standin_refuse() {
  printf '\033[1;31m[%s]\033[0m something already listens on port %s, and it is not %s %s as this script starts it. Stop it, or choose another port with %s=...\n' \
    "$1" "$2" "$1" "$3" "$4" >&2
  exit 1
}

# standin_pip PACKAGE VERSION SPEC VENV: installs SPEC into the venv VENV
# unless PACKAGE is already there at VERSION.
standin_pip() {
  local package="$1" version="$2" spec="$3" venv="$4"
  if [ "$("$venv/bin/pip" show "$package" 2>/dev/null | sed -n 's/^Version: //p')" != "$version" ]; then
    log "installing $package $version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$spec"
  fi
}

# standin_up VERSION PORT PORT_SETTING NEEDLE TRIES CMD ARGS...: reuses the
# stand-in already answering on PORT when it is ours (see standin_is_ours),
# otherwise starts CMD in the background (stopped when the script exits)
# and waits up to TRIES tenths of a second for `up`.
standin_up() {
  local version="$1" port="$2" setting="$3" needle="$4" tries="$5"
  shift 5
  local logfile="${TMPDIR:-/tmp}/$NAME-$port.log"
  if up && ! standin_is_ours "$port" "$needle"; then
    standin_refuse "$NAME" "$port" "$version" "$setting"
  fi
  up && return 0
  "$@" >"$logfile" 2>&1 &
  STANDIN_PID=$!
  trap 'kill "$STANDIN_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 1 "$tries"); do
    up && break
    kill -0 "$STANDIN_PID" 2>/dev/null || { log "$NAME exited:"; cat "$logfile" >&2; exit 1; }
    sleep 0.1
  done
  up || { log "$NAME did not answer on port $port"; exit 1; }
  log "listening on port $port"
}
