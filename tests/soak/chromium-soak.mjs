#!/usr/bin/env node
// Chromium soak: the web build of the package in headless Chromium (Debian's
// chromium, driven by playwright-core from tools/), served from a real HTTP
// server on 127.0.0.1. N mixed calls (default 100,000; CHROMIUM_SOAK_CALLS)
// run inside the page; every answer is checked there against expectations
// computed in Node with node:crypto. The page captures the instance that
// init() creates (by wrapping WebAssembly.instantiate for that one call) and
// reads memory.buffer.byteLength after warm-up and at the end: it must not
// grow. The engine imports nothing and exports no table, so linear memory is
// the only state a call can leave behind; the page reports both facts.
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
  import * as api from '/pkg/web/index.mjs';
  window.soak = async function soak(cases, calls, warmup) {
    // init() instantiates once; capture that instance to read its memory.
    const instantiate = WebAssembly.instantiate;
    let instance, module;
    WebAssembly.instantiate = async function (...args) {
      const result = await instantiate.apply(this, args);
      if (result instanceof WebAssembly.Instance) { instance = result; module = args[0]; }
      else ({ instance, module } = result);
      return result;
    };
    try { await api.init(); } finally { WebAssembly.instantiate = instantiate; }
    const memory = instance.exports.memory;
    const tables = Object.values(instance.exports).filter((v) => v instanceof WebAssembly.Table).length;
    const imports = WebAssembly.Module.imports(module).length;
    const yieldNow = () => new Promise((r) => { const ch = new MessageChannel(); ch.port1.onmessage = () => r(); ch.port2.postMessage(0); });
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const counts = {};
    let afterWarmup = null, wrong = [];
    const hostile = { get appId() { throw new Error('hostile'); } };
    const run = (c) => {
      let got, code = null;
      try {
        if (c.fn === 'WXBizDataCrypt') got = new api.WXBizDataCrypt(c.args[0], c.args[1]).decryptData(c.args[2], c.args[3]);
        else if (c.fn === 'encryptData') { const e = api.encryptData(c.args[0], c.args[1]); got = api.decryptData(c.args[0], e.encryptedData, e.iv); }
        else if (c.fn === 'hostileOptions') got = api.decryptPhone(c.args[0], c.args[1], c.args[2], hostile);
        else if (c.fn === 'appIdUndefined') got = api.decryptPhone(c.args[0], c.args[1], c.args[2], { appId: undefined });
        else if (['decryptPhone', 'decryptData', 'verifySignature', 'phoneInfoFromJson'].includes(c.fn)) got = api[c.fn](...c.args);
        else throw new Error('unknown fn ' + c.fn);
      } catch (e) { code = e.code ?? ('untyped ' + e); }
      const ok = c.code ? code === c.code : code === null && JSON.stringify(got) === c.json;
      if (!ok && wrong.length < 5) wrong.push(c.name + ': ' + (code ?? JSON.stringify(got)));
      return ok;
    };
    for (let i = 1; i <= calls; i++) {
      if (i % 1000 === 0) await yieldNow();
      const c = cases[next() % cases.length];
      run(c);
      counts[c.name] = (counts[c.name] ?? 0) + 1;
      if (i === warmup) afterWarmup = memory.buffer.byteLength;
    }
    return { counts, afterWarmup, end: memory.buffer.byteLength, tables, imports, build: api.engineBuild(), wrong, kinds: new Set(cases.map((c) => c.name)).size };
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
    { name: 'DECRYPT_FAILED not JSON', fn: 'decryptData', args: [notJson.sessionKey, notJson.encryptedData, notJson.iv], code: 'DECRYPT_FAILED' },
    { name: 'INVALID_ARGUMENT throwing getter', fn: 'hostileOptions', args: [g.sessionKey, g.encryptedData, g.iv], code: 'INVALID_ARGUMENT' },
    { name: 'INVALID_ARGUMENT appId undefined', fn: 'appIdUndefined', args: [g.sessionKey, g.encryptedData, g.iv], code: 'INVALID_ARGUMENT' },
    { name: 'phoneInfoFromJson', fn: 'phoneInfoFromJson', args: [JSON.stringify({ ...phone, countryCode: 86 }), { appId: APPID }], json: JSON.stringify(phone) },
    { name: 'phoneInfoFromJson NOT_PHONE_DATA', fn: 'phoneInfoFromJson', args: ['{"nickName":"x"}'], code: 'NOT_PHONE_DATA' },
    { name: 'APPID_MISMATCH', fn: 'decryptPhone', args: [g.sessionKey, g.encryptedData, g.iv, { appId: 'wx0000000000000000' }], code: 'APPID_MISMATCH' },
    { name: 'EXPIRED', fn: 'decryptPhone', args: [g.sessionKey, g.encryptedData, g.iv, { maxAgeSeconds: 60 }], code: 'EXPIRED' },
    { name: 'encryptData', fn: 'encryptData', args: [g.sessionKey, phone], json: JSON.stringify(phone) },
    { name: 'verifySignature', fn: 'verifySignature', args: [raw, sha1hex(raw + g.sessionKey), g.sessionKey], json: 'true' },
    { name: 'verifySignature false', fn: 'verifySignature', args: [raw + ' ', sha1hex(raw + g.sessionKey), g.sessionKey], json: 'false' },
  );
  return list;
}

/** Launches Chromium, runs the soak in the page, returns its figures. */
export async function chromiumSoak({ calls = 100_000, warmup = Math.min(20_000, Math.floor(calls / 5)) } = {}) {
  const { chromium } = require('playwright-core');
  const server = await serve();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(server.url);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
    const result = await page.evaluate(([c, n, w]) => window.soak(c, n, w), [cases(), calls, warmup]);
    return { ...result, calls, warmup, growth: result.end - result.afterWarmup, pageErrors: errors, version: browser.version() };
  } finally {
    await browser.close();
    server.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const calls = Number(process.env.CHROMIUM_SOAK_CALLS ?? 100_000);
  const t0 = Date.now();
  const r = await chromiumSoak({ calls });
  console.log(`chromium soak (${r.version}, ${r.build} build): ${calls} calls of ${r.kinds} kinds in ${((Date.now() - t0) / 1000).toFixed(1)} s; wasm memory ${r.afterWarmup} → ${r.end} bytes after warm-up (growth ${r.growth}); ${r.imports} imports, ${r.tables} tables; wrong answers: ${r.wrong.length ? r.wrong.join('; ') : 'none'}`);
  const ok = !r.wrong.length && !r.pageErrors.length && r.growth === 0 && r.imports === 0 && r.tables === 0;
  console.log(ok ? 'chromium soak: flat' : 'chromium soak: FAILED');
  process.exitCode = ok ? 0 : 1;
}
