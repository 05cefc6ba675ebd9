# Shared by the bench scripts: start the release server on a fresh database,
# run a measurement against it, stop it; on SQLite, then on PostgreSQL when
# BENCH_POSTGRES_URL is set. Source it, define `measure BASE_URL DATABASE_URL`,
# then call `on_each_database`. SERVER_ENV adds settings (e.g. DEMO_DATA=true);
# SERVER_PIN runs the server under a command (e.g. `taskset -c 0`).

# The binary follows CARGO_TARGET_DIR (cargo-leptos writes the site under
# ./target whatever it says).
BIN="$(realpath -m "${CARGO_TARGET_DIR:-target}")/server-release/server"
[ -x "$BIN" ] || { echo "no server binary at $BIN (run make release)" >&2; exit 1; }

with_server() { # $1 = label, $2 = DATABASE_URL
  local dir pid
  dir=$(mktemp -d)
  # shellcheck disable=SC2086 # SERVER_ENV is a list of NAME=value words
  (cd "$dir" && exec env DATABASE_URL="$2" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG=warn ${SERVER_ENV:-} ${SERVER_PIN:-} "$BIN" >/dev/null 2>&1) &
  pid=$!
  # A measurement that fails must not leave the server holding the port.
  trap "kill -TERM $pid 2>/dev/null || true" EXIT
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/readyz"; do
    kill -0 "$pid" 2>/dev/null || { echo "server exited" >&2; exit 1; }
    sleep 0.01
  done
  echo "== $1"
  SERVER_PID=$pid measure "http://127.0.0.1:$PORT" "$2"
  kill -TERM "$pid"; wait "$pid" || true
  rm -rf "$dir"
}

on_each_database() {
  local dir name
  dir=$(mktemp -d)
  with_server sqlite "sqlite://$dir/bench.db"
  rm -rf "$dir"
  if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
    name="curbside_bench_$RANDOM$RANDOM"
    psql -q "$BENCH_POSTGRES_URL" -c "CREATE DATABASE $name" >/dev/null
    with_server postgres "${BENCH_POSTGRES_URL%/*}/$name"
    psql -q "$BENCH_POSTGRES_URL" -c "DROP DATABASE $name WITH (FORCE)" >/dev/null
  fi
}
