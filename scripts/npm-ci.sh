#!/usr/bin/env bash
# `npm ci` in each folder given, only when its node_modules was not installed
# from exactly the committed package-lock.json: a copy of the lock it was
# installed from is kept in node_modules, so a changed lock, a missing or an
# emptied node_modules all reinstall, and a warm checkout skips the network.
# Used by scripts/setup.sh, make demo, make bench and the test drivers.
set -euo pipefail
for dir in "$@"; do
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json" 2>/dev/null; then
    echo "npm-ci: installing $dir (npm ci)" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error \
      && cp package-lock.json node_modules/.installed-lock.json)
  fi
done
