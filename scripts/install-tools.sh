#!/usr/bin/env bash
# Installs the build tools `make run` needs, only when missing. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${TOOLS_DIR:-$HOME/.cache/curbside-tools}"
CARGO_LEPTOS_VERSION="0.3.0"
BINARYEN_VERSION="132"
LEAFLET_VERSION="1.9.4"

log() { printf '\033[1;34m[tools]\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The two cargo tools build side by side, without the fat link-time
# optimisation and single codegen unit of cargo-leptos's release profile,
# which cost a fresh 2-core machine most of its first `make run`: the same
# tools, their code optimised as before, linked without the whole-program
# pass. Each is skipped when the version wanted is installed.
FAST_INSTALL=(env CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16)
pids=()
if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (once; a few minutes)"
  "${FAST_INSTALL[@]}" cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked &
  pids+=($!)
fi

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
if [ -f Cargo.lock ]; then
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
  if [ -n "$want" ]; then
    have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
    if [ "$have" != "$want" ]; then
      log "installing wasm-bindgen-cli $want (matches Cargo.lock)"
      # Not --locked: its lock file pins a webpki-roots the registry no longer has.
      "${FAST_INSTALL[@]}" cargo install wasm-bindgen-cli --version "=$want" &
      pids+=($!)
    fi
  fi
fi
for pid in "${pids[@]}"; do wait "$pid"; done

# Debian's binaryen (v108) emits wasm that never hydrates; use npm's.
if [ ! -x "$TOOLS_DIR/node_modules/.bin/wasm-opt" ]; then
  log "installing binaryen@$BINARYEN_VERSION (wasm-opt) into $TOOLS_DIR"
  mkdir -p "$TOOLS_DIR"
  (cd "$TOOLS_DIR" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
     && npm install --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION")
fi

# Leaflet for the maps, from its npm package into public/ (served by this
# site, no CDN; cargo-leptos copies public/ into the site).
VENDOR=public/vendor/leaflet
if [ "$(cat "$VENDOR/VERSION" 2>/dev/null)" != "$LEAFLET_VERSION" ]; then
  pkg="$TOOLS_DIR/node_modules/leaflet"
  if [ "$(node -p "require('$pkg/package.json').version" 2>/dev/null)" != "$LEAFLET_VERSION" ]; then
    log "installing leaflet@$LEAFLET_VERSION into $TOOLS_DIR"
    mkdir -p "$TOOLS_DIR"
    (cd "$TOOLS_DIR" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
       && npm install --no-audit --no-fund --silent "leaflet@$LEAFLET_VERSION")
  fi
  rm -rf "$VENDOR" && mkdir -p "$VENDOR"
  cp "$pkg/dist/leaflet.js" "$pkg/dist/leaflet.css" "$pkg/LICENSE" "$VENDOR/"
  cp -r "$pkg/dist/images" "$VENDOR/"
  echo "$LEAFLET_VERSION" > "$VENDOR/VERSION"
  log "vendored leaflet $LEAFLET_VERSION into $VENDOR"
fi
