#!/usr/bin/env node
// Chromium soak (issue 7, item 5): the web build of the package in headless
// Chromium (Debian's chromium, driven by playwright-core from tools/), served
// from a real HTTP server on 127.0.0.1. N mixed calls (default 100,000;
// CHROMIUM_SOAK_CALLS) run inside the page; every answer is checked there
// against expectations computed in Node with node:crypto. The page reads the
// instance's linear memory size from the exports the glue's init returns
// (memory.buffer.byteLength) after warm-up and at the end; it must not grow.
//
//   node tests/soak/chromium-soak.mjs
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APPID, prng, seal, sha1hex, randomPayload } from '../js/support/payloads.mjs';
import { pkgDir } from '../js/support/entries.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(repo, 'tools', 'package.json'));

const TYPES = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

const PAGE = `<!doctype html><meta charset="utf-8"><title>wx-open-data soak</title>
<script type="module">
  import initGlue from '/pkg/web/wx_open_data.js';
  import * as api from '/pkg/web/index.mjs';
  window.soak = async function soak(cases, calls, warmup, skipThrowing) {
    await api.init();
    const wasm = await initGlue(); // already instantiated: returns the same exports
    const memory = wasm.memory;
    const list = cases.filter((c) => !(skipThrowing && c.throwingJs));
    const yieldNow = () => new Promise((r) => { const ch = new MessageChannel(); ch.port1.onmessage = () => r(); ch.port2.postMessage(0); });
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const counts = {};
    let afterWarmup = null, tableAfterWarmup = null, wrong = [];
    const table = Object.values(wasm).find((v) => v instanceof WebAssembly.Table && v.length > 0);
    const run = (c) => {
      let got, code = null;
      try {
        if (c.fn === 'WXBizDataCrypt') { const x = new api.WXBizDataCrypt(c.args[0], c.args[1]); got = x.decryptData(c.args[2], c.args[3]); x.free(); }
        else if (c.fn === 'encryptData') { const e = api.encryptData(c.args[0], c.args[1]); got = api.decryptData(c.args[0], e.encryptedData, e.iv); }
        else if (c.fn === 'decryptPhone' || c.fn === 'decryptData' || c.fn === 'verifySignature') got = api[c.fn](...c.args);
        else throw new Error('unknown fn ' + c.fn);
      } catch (e) { code = e.code ?? ('untyped ' + e); }
      const ok = c.code ? code === c.code : code === null && JSON.stringify(got) === c.json;
      if (!ok && wrong.length < 5) wrong.push(c.name + ': ' + (code ?? JSON.stringify(got)));
      return ok;
    };
    for (let i = 1; i <= calls; i++) {
      if (i % 1000 === 0) await yieldNow();
      const c = list[next() % list.length];
      run(c);
      counts[c.name] = (counts[c.name] ?? 0) + 1;
      if (i === warmup) { afterWarmup = memory.buffer.byteLength; tableAfterWarmup = table?.length; }
    }
    return { counts, afterWarmup, end: memory.buffer.byteLength, tableAfterWarmup, tableEnd: table?.length, wrong, kinds: new Set(list.map((c) => c.name)).size };
  };
  window.ready = true;
</script>`;

/** Serves the page and pkg/ on 127.0.0.1; resolves to { url, close }. */
export function serve() {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(PAGE); return; }
    if (path.startsWith('/pkg/')) {
      const file = normalize(join(pkgDir, path.slice(5)));
      if (file.startsWith(pkgDir) && existsSync(file)) {
        res.writeHead(200, { 'content-type': TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' });
        res.end(readFileSync(file));
        return;
      }
    }
    res.writeHead(404); res.end();
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() })));
}

/** The mixed cases, with expectations from node:crypto. */
export function cases() {
  const r = prng(0xc4a0);
  const list = [];
  for (let i = 0; i < 16; i++) {
    const { data, phone } = randomPayload(r, i);
    const s = seal(r.bytes(16), r.bytes(16), data);
    const json = JSON.stringify(JSON.parse(JSON.stringify(data)));
    list.push({ name: 'decryptData', fn: 'decryptData', args: [s.sessionKey, s.encryptedData, s.iv, { appId: APPID }], json });
    list.push({ name: 'WXBizDataCrypt', fn: 'WXBizDataCrypt', args: [APPID, s.sessionKey, s.encryptedData, s.iv], json });
    if (phone) list.push({ name: 'decryptPhone', fn: 'decryptPhone', args: [s.sessionKey, s.encryptedData, s.iv, { appId: APPID }], json: JSON.stringify(phone) });
    else list.push({ name: 'NOT_PHONE_DATA', fn: 'decryptPhone', args: [s.sessionKey, s.encryptedData, s.iv], code: 'NOT_PHONE_DATA' });
  }
  const phone = { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: { timestamp: 1477314187, appid: APPID } };
  const g = seal(Buffer.alloc(16, 1), Buffer.alloc(16, 2), phone);
  const b64 = (n) => Buffer.alloc(n, 7).toString('base64');
  const notJson = seal(Buffer.alloc(16, 1), Buffer.alloc(16, 2), 'not json at all');
  const raw = '{"nickName":"微信用户","gender":0}';
  list.push(
    { name: 'INVALID_ARGUMENT', fn: 'decryptPhone', args: [1, g.encryptedData, g.iv], code: 'INVALID_ARGUMENT' },
    { name: 'INVALID_SESSION_KEY', fn: 'decryptPhone', args: [b64(15), g.encryptedData, g.iv], code: 'INVALID_SESSION_KEY' },
    { name: 'INVALID_IV', fn: 'decryptPhone', args: [g.sessionKey, g.encryptedData, b64(8)], code: 'INVALID_IV' },
    { name: 'INVALID_ENCRYPTED_DATA', fn: 'decryptPhone', args: [g.sessionKey, b64(17), g.iv], code: 'INVALID_ENCRYPTED_DATA' },
    { name: 'DECRYPT_FAILED stale key', fn: 'decryptPhone', args: [seal(Buffer.alloc(16, 3), Buffer.alloc(16, 2), phone).sessionKey, g.encryptedData, g.iv], code: 'DECRYPT_FAILED' },
    { name: 'DECRYPT_FAILED not JSON', fn: 'decryptData', args: [notJson.sessionKey, notJson.encryptedData, notJson.iv], code: 'DECRYPT_FAILED', throwingJs: true },
    { name: 'APPID_MISMATCH', fn: 'decryptPhone', args: [g.sessionKey, g.encryptedData, g.iv, { appId: 'wx0000000000000000' }], code: 'APPID_MISMATCH' },
    { name: 'EXPIRED', fn: 'decryptPhone', args: [g.sessionKey, g.encryptedData, g.iv, { maxAgeSeconds: 60 }], code: 'EXPIRED' },
    { name: 'encryptData', fn: 'encryptData', args: [g.sessionKey, phone], json: JSON.stringify(phone) },
    { name: 'verifySignature', fn: 'verifySignature', args: [raw, sha1hex(raw + g.sessionKey), g.sessionKey], json: 'true' },
    { name: 'verifySignature false', fn: 'verifySignature', args: [raw + ' ', sha1hex(raw + g.sessionKey), g.sessionKey], json: 'false' },
  );
  return list;
}

/** Launches Chromium, runs the soak in the page, returns its figures. */
export async function chromiumSoak({ calls = 100_000, warmup = Math.min(20_000, Math.floor(calls / 5)), skipThrowing = false } = {}) {
  const { chromium } = require('playwright-core');
  const server = await serve();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(server.url);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
    const result = await page.evaluate(([c, n, w, s]) => window.soak(c, n, w, s), [cases(), calls, warmup, skipThrowing]);
    return { ...result, calls, warmup, growth: result.end - result.afterWarmup, pageErrors: errors, version: browser.version() };
  } finally {
    await browser.close();
    server.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const calls = Number(process.env.CHROMIUM_SOAK_CALLS ?? 100_000);
  let ok = true;
  for (const skipThrowing of [true, false]) {
    const t0 = Date.now();
    const r = await chromiumSoak({ calls, skipThrowing });
    const label = skipThrowing ? 'without the JSON.parse-failure case' : 'all kinds';
    console.log(`chromium soak (${r.version}), ${label}: ${calls} calls of ${r.kinds} kinds in ${((Date.now() - t0) / 1000).toFixed(1)} s; wasm memory ${r.afterWarmup} → ${r.end} bytes after warm-up (growth ${r.growth}); externref table ${r.tableAfterWarmup} → ${r.tableEnd} slots; wrong answers: ${r.wrong.length ? r.wrong.join('; ') : 'none'}`);
    if (r.wrong.length || r.pageErrors.length || (skipThrowing && r.growth !== 0)) ok = false;
  }
  console.log(ok ? 'chromium soak: flat (paths without a JS exception inside wasm)' : 'chromium soak: FAILED');
  process.exitCode = ok ? 0 : 1;
}
