#!/usr/bin/env bash
# The runtime matrix (tests/runtimes/run.mjs): the built pkg/, packed and
# installed from its tarball, run through the shared checks in Node 20
# (system), 22 and 24, cloud functions on exactly the Node versions of
# WeChat Cloud Base / Tencent SCF (10.15.3, 12.16.3, 14.18.3, 16.13.2,
# 18.15.0, 20.19.0; with wx-open-data/mock and the CLI there too), Bun, Deno,
# headless Chromium, esbuild bundles (browser; Node CJS and ESM) and
# Cloudflare workerd; then the security engine's web build in Deno, Bun and
# Chromium (tests/runtimes/security.test.mjs). Assumes `make pkg` has run.
#
# The runtimes are pinned npm packages in tests/runtimes (package-lock.json);
# `npm ci` runs only when node_modules does not match the lock. Their Node
# binaries are run by path: tests/runtimes/.npmrc links no bins, so no
# `node` of theirs can shadow the system Node.
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
# The security engine (loaded only with apiSecurity) in Deno, Bun and Chromium.
node --test tests/runtimes/security.test.mjs
