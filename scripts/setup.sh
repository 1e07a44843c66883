#!/usr/bin/env bash
# Installs every tool the build and the tests need, skipping what is already
# there, so `make demo` / `make test` work on a brand-new machine and stay fast
# on a warm one. Versions are pinned where a mismatch is known to break
# things: the wasm-bindgen CLI must equal the `wasm-bindgen = "=…"` pin, and
# wasm-opt must be npm binaryen's (Debian's older binaryen corrupts
# wasm-bindgen output).
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130   # must equal the `wasm-bindgen = "=…"` pin in Cargo.toml
WASM_PACK_VERSION=0.15.1
# `setup.sh build`: only what building the package needs (make pkg, make
# demo, make check): no Chromium, no wasm-pack. `setup.sh` (all): the tests' too.
mode=${1:-all}
want_browser=${WX_SETUP_BROWSER:-1}
[ "$mode" = build ] && want_browser=0

log() { printf '[setup] %s\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for c in rustfmt clippy; do
  rustup component list --installed | grep -q "^$c" || rustup component add "$c"
done

# Chromium + chromedriver for the headless wasm-bindgen tests and page tests.
# Started in the background: apt and cargo install do not compete for much.
apt_pid=""
if [ "$want_browser" = 1 ] && { ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; }; then
  log "installing chromium + chromium-driver (apt)"
  ( export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null ) &
  apt_pid=$!
fi

if [ "$mode" != build ] && ! wasm-pack --version 2>/dev/null | grep -q " $WASM_PACK_VERSION"; then
  log "installing wasm-pack $WASM_PACK_VERSION (~1.5 min)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
fi
# No --locked: a locked dependency of this release is not served by the registry.
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (~2 min)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# JS tools (wasm-opt from npm binaryen, typescript, ...), pinned by tools/package-lock.json.
bash scripts/npm-ci.sh tools

if [ -n "$apt_pid" ]; then wait "$apt_pid"; fi
log "tools ready"
