#!/usr/bin/env bash
# Runs the wasm-bindgen tests in Node and in headless Chromium and fails if
# either run executed no test: `wasm-pack test --headless --chrome` exits 0
# and runs nothing unless WASM_BINDGEN_USE_BROWSER=1 is set.
set -euo pipefail
cd "$(dirname "$0")/.."

count_passed() { # $1 = log file; totals "N passed" of the wasm runs (the native doc-test line has "measured" and is not counted)
  grep -E 'test result: ok\. [0-9]+ passed; [0-9]+ failed; [0-9]+ ignored; [0-9]+ filtered out' "$1" | awk '{ s += $4 } END { print s + 0 }'
}

run() { # $1 = label, rest = command
  local label=$1; shift
  local log; log=$(mktemp)
  if ! "$@" 2>&1 | tee "$log"; then echo "test-wasm: $label run failed" >&2; exit 1; fi
  if grep -Eq 'test result: FAILED|[1-9][0-9]* failed' "$log"; then echo "test-wasm: $label had failures" >&2; exit 1; fi
  local n; n=$(count_passed "$log")
  if [ "$n" -eq 0 ]; then echo "test-wasm: $label ran zero tests" >&2; exit 1; fi
  echo "test-wasm: $label: $n passed"
}

run node wasm-pack test --node
WASM_BINDGEN_USE_BROWSER=1 run chromium \
  wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" -- --lib --test core
