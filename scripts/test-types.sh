#!/usr/bin/env bash
# The published typings, checked the way users get them: from the `npm pack`
# tarball of pkg/, installed into a scratch project.
# 1. @arethetypeswrong/cli on the tarball: every entry of the exports map
#    resolves to typings of the right module format in node10, node16 (from
#    CommonJS and from ESM) and bundler resolution.
# 2. tsc --strict on tests/types/*: consumer.ts (the Node entry as ESM, node16
#    resolution, and as a bundler project building for Node), consumer-cjs.cts
#    (require), web-consumer.ts (the web entry, bundler resolution, lib dom),
#    and client-consumer.ts (the WeChat client and wx-open-data/mock).
# 3. The declared value exports of every entry equal its run-time exports
#    (tests/types/exports-match.mjs).
# 4. No `any` in any published declaration file.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/tools/node_modules/.bin:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tarball=$(cd pkg && npm pack --pack-destination "$work" --silent 2>/dev/null | tail -n 1)

# The raw .wasm entries are not modules TypeScript resolves. The web entry is
# ES-module only by design (require() of it is the documented misuse), so
# only there is "a require resolves to ESM" expected; every other rule holds.
attw "$work/$tarball" --format ascii --exclude-entrypoints ./web ./wasm/simd.wasm ./wasm/baseline.wasm
attw "$work/$tarball" --format ascii --entrypoints ./web --ignore-rules cjs-resolves-to-esm
echo "test-types: attw: every entry's typings resolve in node10, node16 (CJS and ESM) and bundler"

app="$work/app"
mkdir -p "$app/node_modules/wx-open-data"
tar xzf "$work/$tarball" -C "$app/node_modules/wx-open-data" --strip-components=1
cp tests/types/consumer.ts tests/types/consumer-cjs.cts tests/types/web-consumer.ts tests/types/client-consumer.ts "$app/"
echo '{ "type": "module" }' > "$app/package.json"

strict=(--strict --noEmit --skipLibCheck false --target es2022)
tsc "${strict[@]}" --lib es2022 --module node16 --moduleResolution node16 "$app/consumer.ts" "$app/consumer-cjs.cts"
echo "test-types: tsc --strict, node16 resolution (import and require) ok"
tsc "${strict[@]}" --lib es2022 --module esnext --moduleResolution bundler --customConditions node "$app/consumer.ts"
echo "test-types: tsc --strict, bundler resolution for Node ok"
tsc "${strict[@]}" --lib es2022,dom --module esnext --moduleResolution bundler "$app/web-consumer.ts"
echo "test-types: tsc --strict, bundler resolution for the web entry ok"
tsc "${strict[@]}" --lib es2022,dom --module node16 --moduleResolution node16 "$app/client-consumer.ts"
echo "test-types: tsc --strict, the WeChat client and wx-open-data/mock ok"

# The value exports each entry declares are exactly the ones it has at run
# time (require, import, the web entry, mock).
node tests/types/exports-match.mjs "$app"

# Every declaration file the tarball ships.
mapfile -t declarations < <(find "$app/node_modules/wx-open-data" -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts')
if grep -nE '(:|<|\|)\s*any\b' "${declarations[@]}"; then
  echo "test-types: 'any' in the public typings" >&2
  exit 1
fi
echo "test-types: no 'any' in ${#declarations[@]} published declaration files"
