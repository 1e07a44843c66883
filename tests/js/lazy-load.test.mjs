// What the Node entry loads, observed in fresh processes (require.cache and
// the files read through fs), not inferred from outputs: a decrypt-only user
// loads node/index.cjs and the raw SIMD .wasm and nothing else of the
// package; the WeChat server client (node/client.cjs) loads on the first use
// of any of its exports, shares the entry's WxOpenDataError class and phone
// rule, and keeps its synchronous constructor and `instanceof`.
// (pkg-template/src/node-client.mjs, node-diagnose.mjs, node.mjs compile().)
// The mock ships once too: its ESM file re-exports the CommonJS one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { app, pkgDir } from './support/entries.mjs';
import { APPID, PHONE, seal } from './support/payloads.mjs';

const CASE = seal(Buffer.alloc(16, 7), Buffer.alloc(16, 9), PHONE);

// Runs in the temporary app (node_modules/wx-open-data is the package under
// test); `body` sees `api`, `loaded()` (the package's files in
// require.cache, relative to it), `read()` (the package's files read through
// fs since the last call) and `out` (printed as JSON).
const PRELUDE = `
const fs = require('fs');
const path = require('path');
const PKG = ${JSON.stringify(pkgDir)};
const CASE = ${JSON.stringify(CASE)};
const APPID = ${JSON.stringify(APPID)};
const inPkg = (p) => p.startsWith(PKG + path.sep);
let reads = [];
const readFileSync = fs.readFileSync;
fs.readFileSync = function (file) {
  if (typeof file === 'string' && inPkg(file)) reads.push(path.relative(PKG, file).split(path.sep).join('/'));
  return readFileSync.apply(this, arguments);
};
const loaded = () => Object.keys(require.cache).filter(inPkg).map((p) => path.relative(PKG, p).split(path.sep).join('/')).sort();
const read = () => { const r = reads; reads = []; return r; };
const out = {};
`;

function inFreshProcess(name, body, esm = false) {
  const file = join(app().dir, `${name}.${esm ? 'mjs' : 'cjs'}`);
  const prelude = esm ? `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${PRELUDE}` : PRELUDE;
  writeFileSync(file, `${prelude}\n${esm ? '' : '(async () => {\n'}${body}\nprocess.stdout.write(JSON.stringify(out));\n${esm ? '' : '})().catch((e) => { console.error(e); process.exit(1); });\n'}`);
  const r = spawnSync(process.execPath, [file], { cwd: app().dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('require + decryptPhone loads node/index.cjs and the raw simd.wasm, no client code', () => {
  const out = inFreshProcess('decrypt-only', `
    const api = require('wx-open-data');
    out.afterRequire = loaded();
    out.phone = api.decryptPhone(CASE.sessionKey, CASE.encryptedData, CASE.iv, { appId: APPID });
    out.afterDecrypt = loaded();
    out.read = read();
  `);
  assert.deepEqual(out.phone, PHONE);
  assert.deepEqual(out.afterRequire, ['node/index.cjs']);
  assert.deepEqual(out.afterDecrypt, ['node/index.cjs']);
  // The installed package reads the raw build: no base64 module to decode.
  assert.deepEqual(out.read.filter((f) => !f.endsWith('.cjs')), ['wasm/simd.wasm']);
});

test('encryptData reads the baseline build on its first call, diagnose() loads node/diagnose.cjs on its first call', () => {
  const out = inFreshProcess('cold-tools', `
    const api = require('wx-open-data');
    api.decryptPhone(CASE.sessionKey, CASE.encryptedData, CASE.iv);
    read();
    const sealed = api.encryptData(CASE.sessionKey, { a: 1 });
    out.roundTrip = api.decryptData(CASE.sessionKey, sealed.encryptedData, sealed.iv);
    out.afterEncrypt = { loaded: loaded(), read: read() };
    out.diagnosis = api.diagnose(CASE.sessionKey, CASE.encryptedData, CASE.iv, { appId: 'wx0000000000000000' }).cause;
    out.afterDiagnose = { loaded: loaded(), read: read() };
    try {
      api.diagnose(CASE.sessionKey, 1, CASE.iv);
    } catch (e) {
      out.diagnoseError = [e.code, e instanceof api.WxOpenDataError];
    }
  `);
  assert.deepEqual(out.roundTrip, { a: 1 });
  assert.deepEqual(out.afterEncrypt, { loaded: ['node/index.cjs'], read: ['wasm/baseline.wasm'] });
  assert.equal(out.diagnosis, 'APPID_MISMATCH');
  assert.deepEqual(out.afterDiagnose.loaded, ['node/diagnose.cjs', 'node/index.cjs']);
  assert.deepEqual(out.afterDiagnose.read.filter((f) => !f.endsWith('.cjs')), []);
  assert.deepEqual(out.diagnoseError, ['INVALID_ARGUMENT', true]);
});

test('import + decryptPhone loads no client code either', () => {
  const out = inFreshProcess('decrypt-only-esm', `
    const api = await import('wx-open-data');
    out.phone = api.decryptPhone(CASE.sessionKey, CASE.encryptedData, CASE.iv, { appId: APPID });
    out.loaded = loaded();
  `, true);
  assert.deepEqual(out.phone, PHONE);
  assert.deepEqual(out.loaded, ['node/index.cjs']);
});

test('new WeChatClient loads the client chunk, validates synchronously, and its errors are the entry\'s class', () => {
  const out = inFreshProcess('client', `
    const api = require('wx-open-data');
    try {
      new api.WeChatClient({ appId: 'nope' });
      out.threw = false;
    } catch (e) {
      out.threw = { code: e.code, sameClass: e instanceof api.WxOpenDataError, branded: api.isWxOpenDataError(e) };
    }
    out.loaded = loaded();
    const options = { appId: 'wx1234567890abcdef', appSecret: 'a'.repeat(32) };
    const client = new api.WeChatClient(options);
    out.instance = client instanceof api.WeChatClient && typeof client.getPhoneNumber === 'function';
    class Mine extends api.WeChatClient { mine() { return 1; } }
    const mine = new Mine(options);
    out.subclass = mine instanceof Mine && mine instanceof api.WeChatClient && mine.mine() === 1 && typeof mine.getPhoneNumber === 'function';
  `);
  assert.deepEqual(out.threw, { code: 'INVALID_ARGUMENT', sameClass: true, branded: true });
  assert.deepEqual(out.loaded, ['node/client.cjs', 'node/index.cjs']);
  assert.equal(out.instance, true);
  assert.equal(out.subclass, true);
});

// Each export in its own fresh process: its first call is what loads the chunk.
const HELPERS = {
  MemoryStore: ['(() => { const s = new api.MemoryStore(); return s instanceof api.MemoryStore && typeof s.get === "function"; })()', true],
  createRedisStore: ['typeof api.createRedisStore({ sendCommand: async () => null }).get === "function"', true],
  // The chunk reads phone data with the rule the entry installed (rules.mjs):
  // this works before anything else has loaded the engine.
  fromCloudPhoneNumber: [`api.fromCloudPhoneNumber({ errCode: 0, errMsg: 'openapi.phonenumber.getPhoneNumber:ok', phoneInfo: ${JSON.stringify(PHONE)} }, { appId: APPID })`, PHONE],
  fromCloudOpenData: ['(() => { try { api.fromCloudOpenData(null); } catch (e) { return [e.code, e instanceof api.WxOpenDataError]; } })()', ['INVALID_ARGUMENT', true]],
  ridOf: ["api.ridOf('invalid code rid: 62fa5928-4e8b95ea')", '62fa5928-4e8b95ea'],
};

for (const [name, [call, expected]] of Object.entries(HELPERS)) {
  test(`${name} loads the client chunk on first use`, () => {
    const out = inFreshProcess(`helper-${name}`, `
      const api = require('wx-open-data');
      out.before = loaded();
      out.result = ${call};
      out.after = loaded();
    `);
    assert.deepEqual(out.result, expected);
    assert.deepEqual(out.before, ['node/index.cjs']);
    assert.deepEqual(out.after, ['node/client.cjs', 'node/index.cjs']);
  });
}

test('WeChatClient.prototype has every method before the chunk loads: a stub set then reaches instances; the list is the real class\'s', () => {
  const out = inFreshProcess('stub-before-load', `
    const { WeChatClient } = require('wx-open-data');
    out.before = loaded();
    out.methods = Object.getOwnPropertyNames(WeChatClient.prototype).filter((n) => n !== 'constructor').sort();
    WeChatClient.prototype.getPhoneNumber = async (code) => 'stubbed ' + code;
    const client = new WeChatClient({ appId: APPID, appSecret: 'secret-of-the-test', fetch: async () => { throw new Error('no network here'); } });
    out.stubbed = await client.getPhoneNumber('abc');
    out.appId = client.appId;
    const real = Object.getPrototypeOf(WeChatClient.prototype);
    out.real = Object.getOwnPropertyNames(real).filter((n) => n !== 'constructor').sort();
    out.after = loaded();
  `);
  assert.deepEqual(out.before, ['node/index.cjs']);
  assert.equal(out.stubbed, 'stubbed abc');
  assert.equal(out.appId, APPID);
  assert.deepEqual(out.methods, out.real, 'the shell forwards exactly the real class\'s members');
  assert.ok(out.after.includes('node/client.cjs'));
});

test('import of wx-open-data/mock is the module require() loads (its code ships once)', () => {
  const out = inFreshProcess('mock-esm', `
    const esm = await import('wx-open-data/mock');
    out.same = esm.startMockWeChat === require('wx-open-data/mock').startMockWeChat;
    out.loaded = loaded();
  `, true);
  assert.equal(out.same, true);
  assert.deepEqual(out.loaded, ['mock/index.cjs']);
});

test('decryptPhone and a WeChatClient without apiSecurity never load the security engine, which reads wasm/security.wasm on its first use', () => {
  const out = inFreshProcess('no-security', `
    const api = require('wx-open-data');
    api.decryptPhone(CASE.sessionKey, CASE.encryptedData, CASE.iv, { appId: APPID });
    const client = new api.WeChatClient({ appId: APPID, appSecret: 'a'.repeat(32), fetch: async () => { throw new Error('no network here'); } });
    out.failed = await client.getPhoneNumber('a-code').then(() => false, (e) => e.code);
    out.loaded = loaded();
    out.read = read();
    // The control: the engine's own chunk, on first use, reads the raw build.
    const errors = { WxOpenDataError: api.WxOpenDataError, invalidArgument: (w) => new api.WxOpenDataError('INVALID_ARGUMENT', w) };
    const engine = await require(path.join(PKG, 'node', 'security.cjs'))({ errors }).loadSecurityEngine();
    out.sm3 = Buffer.from(engine.sm3(Buffer.from('abc'))).toString('hex').slice(0, 8);
    out.readByEngine = read();
  `);
  assert.equal(typeof out.failed, 'string');
  assert.ok(!out.loaded.includes('node/security.cjs'), out.loaded.join());
  assert.ok(!out.read.includes('wasm/security.wasm'), out.read.join());
  assert.equal(out.sm3, '66c7f0f4');
  assert.deepEqual(out.readByEngine.filter((f) => !f.endsWith('.cjs')), ['wasm/security.wasm']);
});

test('the web entry reaches the embedded security .wasm only through a dynamic import()', () => {
  const web = readFileSync(join(pkgDir, 'web', 'index.mjs'), 'utf8');
  const chunk = readFileSync(join(pkgDir, 'web', 'wasm-security.mjs'), 'utf8');
  const wasm = readFileSync(join(pkgDir, 'wasm', 'security.wasm'));
  assert.equal(chunk, `export default '${wasm.toString('base64')}';\n`);
  assert.ok(!web.includes(wasm.toString('base64').slice(0, 64)), 'not embedded in the entry');
  const mentions = web.match(/wasm-security\.mjs/g) || [];
  const dynamic = web.match(/import\(\s*["']\.\/wasm-security\.mjs["']\s*\)/g) || [];
  assert.equal(mentions.length, dynamic.length, 'every mention is a dynamic import()');
  assert.doesNotMatch(web, /^import[^(]*wasm-security/m);
});
