#!/usr/bin/env bash
# www-example's tests: the mock WeChat API, the backend, the web page in
# headless Chromium, the Mini Program page (miniprogram-simulate), the cloud
# function, and `make demo` run non-interactively. Needs pkg/ (make pkg),
# Debian's chromium and tools/node_modules/playwright-core (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f ../pkg/package.json ]; then
  echo "www-example tests: ../pkg is missing; run 'make pkg' first" >&2
  exit 1
fi
# Idempotent install from the committed lock (wx-open-data is a link to ../pkg).
bash ../scripts/npm-ci.sh .
# The timeout only stops a hung test (a page that never answers); no assertion is timed.
exec node --test --test-timeout=120000 test/*.test.mjs
