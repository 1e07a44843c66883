#!/usr/bin/env bash
# The runtime matrix (issue 4): the built pkg/, packed and installed from its
# tarball, run through the shared checks in Node 16 (expected failure), 18,
# 20, 22, 24, Bun, Deno, headless Chromium, esbuild bundles (browser, Node)
# and Cloudflare workerd. Assumes `make pkg` has run.
#
# The runtimes are pinned npm packages in tests/runtimes (package-lock.json);
# `npm ci` runs only when node_modules does not match the lock. Never put
# tests/runtimes/node_modules/.bin on PATH: its `node` is Node 16.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

bash scripts/npm-ci.sh tests/runtimes

# playwright-core (drives Chromium) comes from the dev tools that
# scripts/setup.sh installs; Chromium itself is Debian's.
if [ ! -f tools/node_modules/playwright-core/package.json ] || ! command -v chromium >/dev/null; then
  echo "test-runtimes: playwright-core (tools/node_modules) or chromium is missing: run \`make setup\` first" >&2
  exit 1
fi

node tests/runtimes/run.mjs
