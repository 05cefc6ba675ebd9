# Shared by the stand-in scripts (localstripe.sh, moto.sh, web-push-testing.sh).

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
