#!/usr/bin/env bash
# Type-checks tests/types/client-consumer.ts with `tsc --strict` against the
# WeChat client's typings (pkg-template/src/client.d.ts, mock/index.d.ts),
# in a scratch package whose index.d.ts is the engine's documented types
# (PhoneInfo, Watermark, WxOpenDataError) plus the client's, the way they
# will sit together in the published index.d.ts. Asserts no `any` in them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg="$work/node_modules/wx-open-data"
mkdir -p "$pkg/mock"

# The engine's types the client's refer to, as the package documents them.
# The engine's typings are being regenerated on main; once client.d.ts is
# folded into index.d.ts, this scratch package gives way to pkg/ itself.
cat > "$pkg/engine.d.ts" <<'TS'
export interface Watermark { timestamp: number; appid: string; }
export interface PhoneInfo { phoneNumber: string; purePhoneNumber: string; countryCode: string; watermark: Watermark; }
export interface WxOpenDataError extends Error { name: 'WxOpenDataError'; code: string; wxErrCode: number | null; }
TS
printf "export * from './engine.js';\nexport * from './client.js';\n" > "$pkg/index.d.ts"
cp pkg-template/src/client.d.ts "$pkg/client.d.ts"
sed -i "s#from './index.js'#from './engine.js'#" "$pkg/client.d.ts"
cp pkg-template/src/mock/index.d.ts "$pkg/mock/index.d.ts"
cat > "$pkg/package.json" <<'JSON'
{ "name": "wx-open-data", "type": "module", "exports": { ".": { "types": "./index.d.ts" }, "./mock": { "types": "./mock/index.d.ts" } } }
JSON
cp tests/types/client-consumer.ts "$work/consumer.ts"
echo '{ "type": "module" }' > "$work/package.json"

for resolution in node16 bundler; do
  module=$([ "$resolution" = node16 ] && echo node16 || echo esnext)
  "$root/tools/node_modules/.bin/tsc" --strict --noEmit --skipLibCheck false --target es2022 --lib es2022 \
    --module "$module" --moduleResolution "$resolution" "$work/consumer.ts"
  echo "test-client-types: tsc --strict ($resolution resolution) ok"
done
if grep -nE '(:|<|\|)\s*any\b' pkg-template/src/client.d.ts pkg-template/src/mock/index.d.ts; then
  echo "test-client-types: 'any' in the client typings" >&2
  exit 1
fi
echo "test-client-types: no 'any' in the client typings"
