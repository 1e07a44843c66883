#!/usr/bin/env bash
# Packs pkg/ with `npm pack`, checks the tarball holds only what a user needs,
# installs it into a fresh temporary project and uses it from CommonJS and ESM
# there, then runs the whole JS suite against the installed copy.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tarball=$(cd pkg && npm pack --pack-destination "$work" --silent 2>/dev/null | tail -n 1)
echo "test-pack: packed $tarball ($(du -k "$work/$tarball" | cut -f1) KiB)"

# Exactly the files the exports map needs, nothing else (no Rust, no tests).
expected=$(node -e "
  const fs = require('fs');
  const m = require('./pkg/package.json');
  // A directory entry (the wasm-bindgen snippets) stands for the files under it.
  const expand = (f) => f.endsWith('/')
    ? fs.readdirSync('pkg/' + f, { recursive: true }).filter((x) => fs.statSync('pkg/' + f + x).isFile()).map((x) => f + x)
    : [f];
  console.log(['package.json', 'README.md', 'LICENSE', ...m.files].flatMap(expand).map(f => 'package/' + f).sort().join('\n'));")
actual=$(tar tzf "$work/$tarball" | sort)
if [ "$expected" != "$actual" ]; then
  echo "test-pack: tarball contents differ from package.json files:" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi
echo "test-pack: tarball holds exactly $(echo "$actual" | wc -l) files"

mkdir "$work/app"
cd "$work/app"
echo '{ "name": "app", "private": true }' > package.json
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" >/dev/null

cat > smoke.cjs <<'JS'
const assert = require('node:assert/strict');
const { decryptPhone, encryptData } = require('wx-open-data');
const key = Buffer.alloc(16, 7).toString('base64');
const phone = { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: { timestamp: 1, appid: 'wx1' } };
const { encryptedData, iv } = encryptData(key, phone);
assert.deepEqual(decryptPhone(key, encryptedData, iv, { appId: 'wx1' }), phone);
console.log('test-pack: require() from the installed tarball ok');
JS
cat > smoke.mjs <<'JS'
import assert from 'node:assert/strict';
import { decryptPhone, encryptData, init } from 'wx-open-data';
await init();
const key = Buffer.alloc(16, 9).toString('base64');
const { encryptedData, iv } = encryptData(key, { phoneNumber: '1', purePhoneNumber: '1', countryCode: 1, watermark: { timestamp: 2, appid: 'wx2' } });
assert.equal(decryptPhone(key, encryptedData, iv, { appId: 'wx2' }).countryCode, '1');
assert.throws(() => decryptPhone(key, encryptedData, iv, { appId: 'wx3' }), { name: 'WxOpenDataError', code: 'APPID_MISMATCH' });
console.log('test-pack: import from the installed tarball ok');
JS
node smoke.cjs
node smoke.mjs

cd "$root"
WX_PKG_DIR="$work/app/node_modules/wx-open-data" node --test tests/js/
