#!/usr/bin/env bash
# Prints what a phone downloads first, the main wasm of the release build
# (raw, and brotli at quality 11: the .br copy `cargo leptos build
# --precompress` writes), and fails when its brotli size is over the budget.
# Usage: scripts/wasm-budget.sh BUDGET_BYTES  (the Makefile's WASM_BUDGET_BROTLI)
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${1:?usage: scripts/wasm-budget.sh BUDGET_BYTES}"
shopt -s nullglob
mains=(target/site/pkg/curbside.*.wasm)
[ "${#mains[@]}" -eq 1 ] || { echo "wasm-budget: expected one main wasm under target/site/pkg, found ${#mains[@]} (make release)" >&2; exit 1; }
main="${mains[0]}"
[ -f "$main.br" ] || { echo "wasm-budget: no $main.br: build with make release (--precompress)" >&2; exit 1; }
raw=$(stat -c %s "$main")
br=$(stat -c %s "$main.br")
pieces=(target/site/pkg/split_*.wasm target/site/pkg/chunk_*.wasm)
printf 'wasm-budget: main wasm %s B raw, %s B brotli (budget %s B); %s lazily loaded pieces\n' "$raw" "$br" "$budget" "${#pieces[@]}"
if [ "$br" -gt "$budget" ]; then
  echo "wasm-budget: FAILED: the main wasm is $((br - budget)) B over its budget (docs/PERFORMANCE.md, \"What a phone downloads\")" >&2
  exit 1
fi
