#!/usr/bin/env bash
# Packs pkg/ with `npm pack`, checks the tarball holds exactly the files
# pkg/package.json lists (and that every path the exports map, main, types
# and bin name is among them), installs it into a fresh temporary project and
# uses it from CommonJS, ESM and the web entry there, then runs the whole JS
# suite against the installed copy.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tarball=$(cd pkg && npm pack --pack-destination "$work" --silent 2>/dev/null | tail -n 1)
echo "test-pack: packed $tarball ($(du -k "$work/$tarball" | cut -f1) KiB)"

# Exactly the files package.json lists, nothing else (no Rust, no tests, no
# pkg-template/src), and every file the manifest points at is one of them.
node -e "
  const m = require('./pkg/package.json');
  const targets = [];
  const walk = (v) => { if (typeof v === 'string') targets.push(v); else if (v && typeof v === 'object') Object.values(v).forEach(walk); };
  walk(m.exports); walk(m.bin); targets.push(m.main, m.types);
  const files = new Set(['package.json', ...m.files].map((f) => './' + f.replace(/^\.\//, '')));
  const missing = [...new Set(targets.map((t) => './' + t.replace(/^\.\//, '')))].filter((t) => !files.has(t));
  if (missing.length) { console.error('test-pack: package.json points at files it does not list: ' + missing.join(', ')); process.exit(1); }"
expected=$(node -e "
  const m = require('./pkg/package.json');
  console.log(['package.json', 'README.md', 'LICENSE', ...m.files].map(f => 'package/' + f).sort().join('\n'));")
actual=$(tar tzf "$work/$tarball" | sort)
if [ "$expected" != "$actual" ]; then
  echo "test-pack: tarball contents differ from package.json files:" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi
echo "test-pack: tarball holds exactly $(echo "$actual" | wc -l) files"

# Every relative link of every Markdown file in the tarball resolves to a file
# in the tarball: the README and the docs are read inside node_modules too.
mkdir "$work/unpacked"
tar xzf "$work/$tarball" -C "$work/unpacked"
node -e "
  const fs = require('fs'), path = require('path');
  const top = process.argv[1];
  const broken = [];
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).forEach((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    if (!p.endsWith('.md')) return;
    for (const m of fs.readFileSync(p, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split('#')[0];
      if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      if (!fs.existsSync(path.resolve(path.dirname(p), target))) broken.push(path.relative(top, p) + ' -> ' + m[1]);
    }
  });
  walk(top);
  if (broken.length) { console.error('test-pack: links that do not resolve inside the package:\n  ' + broken.join('\n  ')); process.exit(1); }
  console.log('test-pack: every relative link of the shipped Markdown resolves');
" "$work/unpacked/package"

mkdir "$work/app"
cd "$work/app"
echo '{ "name": "app", "private": true }' > package.json
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" >/dev/null

cat > smoke.cjs <<'JS'
const assert = require('node:assert/strict');
const wx = require('wx-open-data');
const key = Buffer.alloc(16, 7).toString('base64');
const phone = { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: { timestamp: 1, appid: 'wx1' } };
const { encryptedData, iv } = wx.encryptData(key, phone);
assert.deepEqual(wx.decryptPhone(key, encryptedData, iv, { appId: 'wx1' }), phone);
assert.deepEqual(new wx.WXBizDataCrypt('wx1', key).decryptData(encryptedData, iv), phone);
assert.deepEqual(wx.phoneInfoFromJson(JSON.stringify({ ...phone, countryCode: 86 })), phone);
assert.throws(() => wx.decryptPhone(key, encryptedData, iv, { appId: undefined }), (e) => e instanceof wx.WxOpenDataError && e.code === 'INVALID_ARGUMENT');
assert.ok(['simd', 'baseline'].includes(wx.engineBuild()));
assert.equal(typeof require('wx-open-data/mock').startMockWeChat, 'function');
console.log(`test-pack: require() from the installed tarball ok (${wx.engineBuild()} build)`);
JS
cat > smoke.mjs <<'JS'
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { decryptPhone, encryptData, init, WxOpenDataError } from 'wx-open-data';
import * as web from 'wx-open-data/web';
import { startMockWeChat } from 'wx-open-data/mock';
const require = createRequire(import.meta.url);
await init();
const key = Buffer.alloc(16, 9).toString('base64');
const { encryptedData, iv } = encryptData(key, { phoneNumber: '1', purePhoneNumber: '1', countryCode: 1, watermark: { timestamp: 2, appid: 'wx2' } });
assert.equal(decryptPhone(key, encryptedData, iv, { appId: 'wx2' }).countryCode, '1');
assert.throws(() => decryptPhone(key, encryptedData, iv, { appId: 'wx3' }), { name: 'WxOpenDataError', code: 'APPID_MISMATCH' });
// import and require share one module, hence one class.
assert.equal(WxOpenDataError, require('wx-open-data').WxOpenDataError);
// The web entry, from the bytes the exports map publishes.
web.initSync(readFileSync(require.resolve('wx-open-data/wasm/simd.wasm')));
assert.equal(web.decryptPhone(key, encryptedData, iv).phoneNumber, '1');
assert.equal(web.engineBuild(), 'custom');
assert.equal(typeof startMockWeChat, 'function');
console.log('test-pack: import, wx-open-data/web and wx-open-data/mock from the installed tarball ok');
JS
node smoke.cjs
node smoke.mjs

cd "$root"
WX_PKG_DIR="$work/app/node_modules/wx-open-data" node --test tests/js/
