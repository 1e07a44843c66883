#!/usr/bin/env bash
# npm audit for every npm dependency tree in the repository.
#
# The published package itself has no dependencies (checked below); what we
# audit are the development trees, each from its committed package-lock.json
# (--package-lock-only: nothing is installed, node_modules need not exist).
#
# Exit codes: 0 no known vulnerability; 1 vulnerabilities reported; 3 the
# audit service could not be asked (no network, or a registry mirror without
# the advisory endpoint): this is a failure, never a silent pass. On 3 the
# dependency inventory is still printed, for review by hand.
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
unavailable=0

# 1. The package: no runtime dependencies at all.
if [ -f pkg/package.json ]; then
  deps=$(node -e 'const p=require("./pkg/package.json");const d={...p.dependencies,...p.peerDependencies,...p.optionalDependencies,...p.bundleDependencies};console.log(Object.keys(d).join(" "))')
  if [ -n "$deps" ]; then
    echo "audit: pkg/package.json has runtime dependencies: $deps (expected none)"; status=1
  else
    echo "audit: pkg/ (the published package): no dependencies"
  fi
else
  echo "audit: pkg/ not built; checking pkg-template/package.json"
  node -e 'const p=require("./pkg-template/package.json");process.exit(p.dependencies&&Object.keys(p.dependencies).length?1:0)' \
    || { echo "audit: pkg-template/package.json has dependencies (expected none)"; status=1; }
fi

# 2. Every committed lockfile.
for lock in $(git ls-files '*package-lock.json' | grep -v node_modules); do
  dir=$(dirname "$lock")
  echo "== npm audit: $dir"
  out=$(cd "$dir" && npm audit --package-lock-only --audit-level=low 2>&1); rc=$?
  echo "$out" | sed 's/^/   /'
  if echo "$out" | grep -qiE 'audit endpoint returned an error|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|network|40[0-9] .*advisories'; then
    unavailable=1
    echo "   inventory ($dir, from its lockfile):"
    node -e '
      const l = require(process.argv[1]);
      for (const [p, v] of Object.entries(l.packages ?? {})) if (p && !v.link && v.version) console.log("     " + p.replace(/^.*node_modules\//, "") + "@" + v.version + (v.dev ? " (dev)" : ""));
    ' "$PWD/$lock"
  elif [ $rc -ne 0 ]; then
    status=1
  fi
done

if [ $unavailable -ne 0 ]; then
  echo "audit: FAILED: the npm audit service could not be reached from here (see above); the inventory above is the list to review by hand" >&2
  exit 3
fi
[ $status -eq 0 ] && echo "audit: no known vulnerabilities" || echo "audit: vulnerabilities reported (see above)" >&2
exit $status
