#!/usr/bin/env bash
# Type-checks tests/types/consumer.ts against pkg/ with `tsc --strict`, as a
# Node ESM project (node16 resolution: the exports map's types condition) and
# as a bundler project. Also asserts the public typings contain no `any`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/node_modules"
ln -s "$root/pkg" "$work/node_modules/wx-open-data"
cp tests/types/consumer.ts "$work/consumer.ts"
echo '{ "type": "module" }' > "$work/package.json"

for resolution in node16 bundler; do
  module=$([ "$resolution" = node16 ] && echo node16 || echo esnext)
  tsc --strict --noEmit --skipLibCheck false --target es2022 --lib es2022 \
    --module "$module" --moduleResolution "$resolution" "$work/consumer.ts"
  echo "test-types: tsc --strict ($resolution resolution) ok"
done

# The public surface: index.d.ts and the typings it re-exports.
if grep -nE '(:|<|\|)\s*any\b' pkg/index.d.ts pkg/node/wx_open_data.d.ts; then
  echo "test-types: 'any' in the public typings" >&2
  exit 1
fi
echo "test-types: no 'any' in the public typings"
