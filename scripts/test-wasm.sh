#!/usr/bin/env bash
# Runs the wasm-bindgen tests (the ABI's tests in src/abi_tests.rs, the core
# table of tests/core.rs, the vpaes tests of tests/vpaes_wasm.rs) three ways:
#   - Node, no SIMD128, with the `tools` exports: the MVP baseline's code
#     paths (the `aes` crate's fixslice, encryptData, diagnose);
#   - Node and headless Chromium with SIMD128: the request path as most
#     engines load it, decrypting with src/vpaes.rs (VPAES_EXPECT_SIMD128
#     makes tests/vpaes_wasm.rs fail if SIMD128 was not on).
# Fails if any run executed no test: `wasm-pack test --headless --chrome`
# exits 0 and runs nothing unless WASM_BINDGEN_USE_BROWSER=1 is set.
set -euo pipefail
cd "$(dirname "$0")/.."

count_passed() { # $1 = log file; totals "N passed" of the wasm runs
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

TESTS=(--lib --test core --test vpaes_wasm)
CARGO_TARGET_DIR=target/wasm-test \
  run "node, MVP code paths, tools" wasm-pack test --node -- --features tools "${TESTS[@]}"
export RUSTFLAGS='-C target-feature=+simd128' VPAES_EXPECT_SIMD128=1 CARGO_TARGET_DIR=target/wasm-test-simd
run "node, SIMD128" wasm-pack test --node -- "${TESTS[@]}"
WASM_BINDGEN_USE_BROWSER=1 run "chromium, SIMD128" \
  wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" -- "${TESTS[@]}"
