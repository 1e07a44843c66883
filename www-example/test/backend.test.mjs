// The Express backend against the real mock: the flow, every validation
// path, the body limit, and that no secret reaches a response or a log line.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as wx from 'wx-open-data';
import { startMockWeChat } from 'wx-open-data/mock';
import { createApp } from '../server/app.mjs';
import { testStack, post, APP_ID, APP_SECRET } from './helpers.mjs';

let s;
const responses = []; // every response body the tests saw, checked for secrets at the end
const api = async (path, body, opts) => {
  const r = await post(s.backendUrl, path, body, opts);
  responses.push(r.text);
  return r;
};
const PHONE_KEYS = ['countryCode', 'phoneNumber', 'purePhoneNumber'];

test.before(async () => { s = await testStack(); });
test.after(() => s.close());

test('login: a code gives an opaque token and nothing else', async () => {
  const r = await api('/api/login', { code: await s.client('b-ann').login() });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.data).sort(), ['expiresIn', 'token']);
  assert.match(r.data.token, /^[\w-]{32}$/);
});

test('login: a reused or unknown code is LOGIN_FAILED (401); a malformed one INVALID_REQUEST', async () => {
  const code = await s.client('b-ben').login();
  assert.equal((await api('/api/login', { code })).status, 200);
  const again = await api('/api/login', { code });
  assert.deepEqual([again.status, again.data.error], [401, 'LOGIN_FAILED']);
  assert.deepEqual([(await api('/api/login', { code: 'never-issued' })).data.error], ['LOGIN_FAILED']);
  for (const body of [{}, { code: 42 }, { code: '' }, { code: 'a b' }, { code: 'x'.repeat(129) }, { code: 'ok', extra: 1 }, [], null, 'code']) {
    const r = await api('/api/login', body);
    assert.deepEqual([r.status, r.data.error], [400, 'INVALID_REQUEST'], JSON.stringify(body));
  }
  assert.ok(s.parsedLogs().some((l) => l.event === 'login.rejected' && l.errcode === 40029));
});

test('phone: login before the tap -> the phone number', async () => {
  const token = await s.loginAs('b-cat');
  const tap = await s.client('b-cat').tap();
  const r = await api('/api/phone', { token, encryptedData: tap.encryptedData, iv: tap.iv });
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.data).sort(), PHONE_KEYS);
  assert.deepEqual(r.data, s.mock.client.phoneOf('b-cat'));
});

test('phone: wx.login inside the tap callback -> DECRYPT_FAILED (422), detail only in the log', async () => {
  await s.loginAs('b-dan');
  const tap = await s.client('b-dan').tap(); // encrypted with key A
  const token = await s.loginAs('b-dan'); // the anti-pattern: key B now
  const r = await api('/api/phone', { token, encryptedData: tap.encryptedData, iv: tap.iv });
  assert.deepEqual([r.status, r.data.error], [422, 'DECRYPT_FAILED']);
  assert.deepEqual(Object.keys(r.data).sort(), ['error', 'message']);
  const line = s.parsedLogs().findLast((l) => l.event === 'phone.decrypt_failed');
  assert.equal(line.code, 'DECRYPT_FAILED');
  assert.equal(line.wxErrCode, -41003);
  if (typeof wx.diagnose === 'function') {
    assert.equal(line.diagnosis.cause, 'STALE_SESSION_KEY');
    assert.equal(line.diagnosis.matchedPreviousKey, 0);
  } else {
    assert.equal(line.diagnosis, undefined);
  }
  // Logging in again does not help this data (it was sealed with key A); a new tap does.
  const tap2 = await s.client('b-dan').tap();
  assert.equal((await api('/api/phone', { token, encryptedData: tap2.encryptedData, iv: tap2.iv })).status, 200);
});

test('phone: the iv of another tap -> DECRYPT_FAILED; the log names IV_MISMATCH when diagnose() exists', async () => {
  const token = await s.loginAs('b-iva');
  const first = await s.client('b-iva').tap();
  const second = await s.client('b-iva').tap();
  const r = await api('/api/phone', { token, encryptedData: second.encryptedData, iv: first.iv });
  assert.deepEqual([r.status, r.data.error], [422, 'DECRYPT_FAILED']);
  const line = s.parsedLogs().findLast((l) => l.event === 'phone.decrypt_failed');
  if (typeof wx.diagnose === 'function') assert.equal(line.diagnosis.cause, 'IV_MISMATCH');
});

test('phone: "+" turned into " " in transit still decrypts (the package repairs it)', async () => {
  const token = await s.loginAs('b-eve');
  let tap;
  do tap = await s.client('b-eve').tap(); while (!tap.encryptedData.includes('+'));
  const r = await api('/api/phone', { token, encryptedData: tap.encryptedData.replaceAll('+', ' '), iv: tap.iv.replaceAll('+', ' ') });
  assert.equal(r.status, 200);
  assert.equal(r.data.phoneNumber, s.mock.client.phoneOf('b-eve').phoneNumber);
});

test('phone: another Mini Program\'s data or a stale watermark -> PHONE_DATA_REJECTED', async (t) => {
  const token = await s.loginAs('b-fox');
  const key = s.mock.client.sessionKeyOf('b-fox'); // what WeChat holds: forge what it would never send
  const now = Math.floor(Date.now() / 1000);
  const other = wx.encryptData(key, { ...s.mock.client.phoneOf('b-fox'), watermark: { timestamp: now, appid: 'wxanotherapp00001' } });
  const r1 = await api('/api/phone', { token, ...other });
  assert.deepEqual([r1.status, r1.data.error], [422, 'PHONE_DATA_REJECTED']);
  t.after(() => { s.clock.offset = 0; });
  s.clock.offset = -301; // the tap happened 301 s ago
  const old = await s.client('b-fox').tap();
  s.clock.offset = 0;
  const r2 = await api('/api/phone', { token, encryptedData: old.encryptedData, iv: old.iv });
  assert.deepEqual([r2.status, r2.data.error], [422, 'PHONE_DATA_REJECTED']);
  const codes = s.parsedLogs().filter((l) => l.event === 'phone.decrypt_failed').map((l) => l.code);
  assert.ok(codes.includes('APPID_MISMATCH') && codes.includes('EXPIRED'), codes.join());
  const userInfo = wx.encryptData(key, { nickName: 'x', watermark: { timestamp: now, appid: APP_ID } });
  assert.equal((await api('/api/phone', { token, ...userInfo })).data.error, 'PHONE_DATA_REJECTED');
});

test('phone: unknown token SESSION_EXPIRED; bad fields, truncated data, bad iv INVALID_REQUEST', async () => {
  const token = await s.loginAs('b-gil');
  const tap = await s.client('b-gil').tap();
  const unknown = await api('/api/phone', { token: 'A'.repeat(32), encryptedData: tap.encryptedData, iv: tap.iv });
  assert.deepEqual([unknown.status, unknown.data.error], [401, 'SESSION_EXPIRED']);
  const bad = [
    { token, encryptedData: tap.encryptedData },
    { token, encryptedData: tap.encryptedData, iv: 7 },
    { token, encryptedData: ['x'], iv: tap.iv },
    { token, encryptedData: tap.encryptedData, iv: tap.iv, sessionKey: 'AAAAAAAAAAAAAAAAAAAAAA==' },
    { token, encryptedData: 'not base64!', iv: tap.iv },
    { token, encryptedData: tap.encryptedData.slice(0, 40), iv: tap.iv }, // truncated: package says INVALID_ENCRYPTED_DATA
    { token, encryptedData: tap.encryptedData, iv: 'AAAA' }, // package: INVALID_IV
    { token, encryptedData: 'A'.repeat(4097), iv: tap.iv },
  ];
  for (const body of bad) {
    const r = await api('/api/phone', body);
    assert.deepEqual([r.status, r.data.error], [400, 'INVALID_REQUEST'], JSON.stringify(body).slice(0, 80));
  }
  const codes = s.parsedLogs().filter((l) => l.event === 'phone.decrypt_failed').map((l) => l.code);
  assert.ok(codes.includes('INVALID_ENCRYPTED_DATA') && codes.includes('INVALID_IV'), codes.join());
});

test('body limit, bad JSON, wrong content type, unknown route: typed JSON errors', async () => {
  const big = await api('/api/phone', JSON.stringify({ token: 'x', encryptedData: 'A'.repeat(9000), iv: 'x' }), { raw: true });
  assert.deepEqual([big.status, big.data.error], [413, 'PAYLOAD_TOO_LARGE']);
  const broken = await api('/api/login', '{"code": ', { raw: true });
  assert.deepEqual([broken.status, broken.data.error], [400, 'INVALID_REQUEST']);
  const form = await api('/api/login', 'code=abc', { raw: true, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.deepEqual([form.status, form.data.error], [400, 'INVALID_REQUEST']);
  const nf = await api('/api/nope', {});
  assert.deepEqual([nf.status, nf.data.error], [404, 'NOT_FOUND']);
});

test('phone-by-code: the code flow, single use; a login code is INVALID_CODE; a revoked access_token is renewed with one stable_token fetch', async () => {
  const loginCode = await s.client('b-hal').login();
  const t1 = await s.client('b-hal').tap();
  const r = await api('/api/phone-by-code', { code: t1.code });
  assert.equal(r.status, 200);
  assert.deepEqual(r.data, s.mock.client.phoneOf('b-hal'));
  const reused = await api('/api/phone-by-code', { code: t1.code });
  assert.deepEqual([reused.status, reused.data.error], [400, 'INVALID_CODE']);
  const wrongKind = await api('/api/phone-by-code', { code: loginCode });
  assert.deepEqual([wrongKind.status, wrongKind.data.error], [400, 'INVALID_CODE']);
  // WeChat revokes the token: the 40001 costs one stable_token fetch (no
  // force_refresh: WeChat hands out a new token by itself) and the same code
  // is sent again, which is safe because WeChat checks the token first.
  const before = { ...s.mock.counters };
  s.mock.invalidateAccessTokens();
  const t2 = await s.client('b-hal').tap();
  assert.equal((await api('/api/phone-by-code', { code: t2.code })).status, 200);
  assert.equal(s.mock.counters.stable_token, before.stable_token + 1, 'one new access_token after the 40001');
  assert.equal(s.mock.counters.stable_token_forced, before.stable_token_forced, 'not forced');
  assert.equal(s.mock.counters.getuserphonenumber, before.getuserphonenumber + 2, 'the code sent twice: 40001, then the number');
  // stable_token keeps handing back the revoked token: then, and only then, one forced refresh.
  s.mock.breakStableToken();
  const t3 = await s.client('b-hal').tap();
  assert.equal((await api('/api/phone-by-code', { code: t3.code })).status, 200);
  assert.equal(s.mock.counters.stable_token_forced, before.stable_token_forced + 1, 'one forced refresh');
  assert.equal(s.mock.counters.token, 0, 'never /cgi-bin/token (each fetch there revokes the previous token)');
  for (const body of [{}, { code: 1 }, { code: 'a/b' }]) assert.equal((await api('/api/phone-by-code', body)).data.error, 'INVALID_REQUEST');
});

test('phone-by-code: a code older than 5 minutes is INVALID_CODE', async (t) => {
  t.after(() => { s.clock.offset = 0; });
  await s.client('b-ida').login();
  const tap = await s.client('b-ida').tap();
  s.clock.offset = 301;
  assert.equal((await api('/api/phone-by-code', { code: tap.code })).data.error, 'INVALID_CODE');
});

test('phone-by-code: WeChat busy, unreachable or rate-limiting: UPSTREAM_ERROR (502), RATE_LIMITED (503, retry-after); the code is not retried', async (t) => {
  t.after(() => s.mock.clearFaults());
  await s.client('b-fau').login();
  const before = s.mock.counters.getuserphonenumber;
  for (const [kind, want] of [['busy', [502, 'UPSTREAM_ERROR']], ['http5xx', [502, 'UPSTREAM_ERROR']], ['nonJson', [502, 'UPSTREAM_ERROR']], ['reset', [502, 'UPSTREAM_ERROR']], ['rateLimit', [503, 'RATE_LIMITED']]]) {
    s.mock.fault(kind, { path: '/wxa/business/getuserphonenumber', times: 1 });
    const r = await api('/api/phone-by-code', { code: (await s.client('b-fau').tap()).code });
    assert.deepEqual([r.status, r.data.error], want, kind);
    assert.deepEqual(Object.keys(r.data).sort(), ['error', 'message']);
    if (kind === 'rateLimit') assert.equal(r.headers.get('retry-after'), '60');
  }
  // After a -1, a timeout or a 5xx the code may have been used: the client sends it once only.
  assert.equal(s.mock.counters.getuserphonenumber, before + 5);
  const lines = s.parsedLogs().filter((l) => l.event === 'wechat.unavailable');
  assert.deepEqual(lines.slice(-4).map((l) => [l.level, l.route, l.code]), Array(4).fill(['error', 'phone_by_code', 'WECHAT_UNAVAILABLE']));
  const limited = s.parsedLogs().findLast((l) => l.event === 'phone_by_code.rejected');
  assert.deepEqual([limited.code, limited.errcode], ['RATE_LIMITED', 45011]);
  assert.match(limited.rid, /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
  // jscode2session down: the login is UPSTREAM_ERROR, not LOGIN_FAILED (the code was fine).
  s.mock.fault('http5xx', { path: '/sns/jscode2session', times: 1 });
  const login = await api('/api/login', { code: await s.client('b-fau').login() });
  assert.deepEqual([login.status, login.data.error], [502, 'UPSTREAM_ERROR']);
});

test('phone-by-code: an empty watermark appid (WeChat\'s own example) is accepted; another stated appid is PHONE_DATA_REJECTED', async (t) => {
  const logs = [];
  const log = (level, event, fields = {}) => logs.push({ level, event, ...fields });
  for (const [watermarkAppid, want] of [['', 200], ['wxanotherapp00001', 422]]) {
    const mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, watermarkAppid });
    t.after(() => mock.close());
    const server = createApp({ appId: APP_ID, appSecret: APP_SECRET, wxApiBase: mock.baseUrl, log }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => { server.closeAllConnections(); server.close(); });
    mock.client.login('b-wm');
    const r = await post(`http://127.0.0.1:${server.address().port}`, '/api/phone-by-code', { code: mock.client.getPhoneNumber('b-wm').code });
    assert.equal(r.status, want, watermarkAppid);
    if (want === 200) assert.deepEqual(r.data, mock.client.phoneOf('b-wm'));
    else assert.equal(r.data.error, 'PHONE_DATA_REJECTED');
  }
  assert.deepEqual(logs.map((l) => [l.event, l.code ?? null]), [['phone_by_code.ok', null], ['phone_by_code.rejected', 'APPID_MISMATCH']]);
});

test('static: the page, the demo config, and the package\'s web build with every module its entry loads', async () => {
  const page = await fetch(`${s.backendUrl}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Get phone number/);
  const cfg = await fetch(`${s.backendUrl}/demo-config.json`).then((r) => r.json());
  assert.deepEqual(cfg, { appId: APP_ID, wechatClient: s.wechatUrl });
  // The entry and everything it loads relative to itself (the .wasm builds
  // travel as modules beside it) are served, with the right content type.
  const entry = await fetch(`${s.backendUrl}/pkg/web/index.mjs`);
  assert.equal(entry.status, 200);
  const text = await entry.text();
  const relative = [...text.matchAll(/(?:import\s*\(|from\s*|new URL\()\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]);
  assert.ok(relative.length > 0, 'the entry loads its wasm builds from beside it');
  for (const path of new Set(relative)) {
    const r = await fetch(new URL(path, `${s.backendUrl}/pkg/web/index.mjs`));
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get('content-type'), path.endsWith('.wasm') ? /^application\/wasm/ : /javascript/, path);
  }
});

test('wrong AppSecret: LOGIN_FAILED; unreachable WeChat: UPSTREAM_ERROR (502); neither leaks the secret', async () => {
  const logs = [];
  const log = (level, event, fields = {}) => logs.push(JSON.stringify({ level, event, ...fields }));
  for (const [wxApiBase, secret, want] of [[s.wechatUrl, 'wrong-secret-value', [401, 'LOGIN_FAILED']], ['http://127.0.0.1:9', APP_SECRET, [502, 'UPSTREAM_ERROR']]]) {
    const app = createApp({ appId: APP_ID, appSecret: secret, wxApiBase, log });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const r = await post(`http://127.0.0.1:${server.address().port}`, '/api/login', { code: await s.client('b-jay').login() });
    server.close();
    assert.deepEqual([r.status, r.data.error], want);
    assert.ok(!r.text.includes(secret));
  }
  assert.ok(logs.some((l) => l.includes('40125')), 'the errcode is logged');
  for (const l of logs) assert.ok(!l.includes('wrong-secret-value') && !l.includes(APP_SECRET), l);
});

test('no session_key, access_token, AppSecret, code, cloudID, iv, encryptedData or phone number in any response or log line', () => {
  const secrets = [...s.mock.issuedSecrets(), APP_SECRET];
  assert.ok(secrets.length > 10, `${secrets.length}: the tests above issued keys, tokens, codes and cloudIDs`);
  for (const text of [...responses, ...s.logs]) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `leak in: ${text.slice(0, 120)}`);
  }
  for (const l of s.logs) assert.doesNotMatch(l, /1358000\d{4}/, `phone number in log: ${l}`);
  for (const l of s.logs) assert.doesNotMatch(l, /[A-Za-z0-9+/]{40,}/, `long base64 in log: ${l}`);
});

test('server/main.mjs: JSON log lines on stderr, nothing secret, clean exit on SIGTERM', async () => {
  const main = fileURLToPath(new URL('../server/main.mjs', import.meta.url));
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, WX_APPID: APP_ID, WX_SECRET: APP_SECRET, WX_API_BASE: s.wechatUrl, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  const url = await new Promise((ok, fail) => {
    child.stdout.on('data', (c) => { out += c; const m = /http:\/\/[\d.]+:\d+/.exec(out); if (m) ok(m[0]); });
    child.once('exit', (code) => fail(new Error(`exited ${code}: ${err}`)));
  });
  const r = await post(url, '/api/login', { code: await s.client('b-kim').login() });
  assert.equal(r.status, 200);
  const tap = await s.client('b-kim').tap();
  const token2 = (await post(url, '/api/login', { code: await s.client('b-kim').login() })).data.token;
  assert.equal((await post(url, '/api/phone', { token: token2, encryptedData: tap.encryptedData, iv: tap.iv })).data.error, 'DECRYPT_FAILED');
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  const lines = err.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.event), ['login.ok', 'login.ok', 'phone.decrypt_failed']);
  for (const secret of [...s.mock.issuedSecrets(), APP_SECRET, tap.encryptedData, tap.iv]) assert.ok(!err.includes(secret) && !out.includes(secret));
});
