#!/usr/bin/env bash
# Supply-chain checks that work offline, for `make test`:
# cargo-deny's licenses, bans and sources checks over Cargo.lock, configured
# in deny.toml. Installs cargo-deny if missing (pinned, --locked; ~2 min).
#
# Not here: `cargo deny check advisories` / `cargo audit` (the RustSec
# database is a GitHub repository, unreachable from these machines) and
# `npm audit` (the registry here answers its endpoint with HTTP 405); see
# scripts/audit.sh and docs/dependencies.md for those.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

CARGO_DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -q " $CARGO_DENY_VERSION"; then
  echo "deps-check: installing cargo-deny $CARGO_DENY_VERSION (~2 min)"
  cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked
fi

# --offline reads the crate graph from Cargo.lock and the local registry
# cache, and needs every crate of the lock for every target there. Builds
# fetch only what their own targets use (wasm-bindgen-test's tokio and
# minicov, windows-sys, ... never), so fetch them all first: a no-op on a warm
# machine. `make test-fresh-deps` runs this script with an empty CARGO_HOME,
# so a step that relies on a warm cache fails here before it lands.
cargo fetch --locked --quiet
cargo deny --offline --color never check licenses bans sources
