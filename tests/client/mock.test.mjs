// The mock WeChat itself, spoken to over raw HTTP (no WeChatClient): reply
// shapes, errmsg formats, code and token lifetimes, faults, the stand-ins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, createHmac } from 'node:crypto';
import { load } from './support/src.mjs';
import { APP_ID, APP_SECRET } from './support/helpers.mjs';

const { startMockWeChat } = await load('mock/index.mjs');

async function withMock(fn, options = {}) {
  const mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, ...options });
  try {
    const get = async (path, query) => (await fetch(`${mock.baseUrl}${path}?${new URLSearchParams(query)}`)).json();
    const post = async (path, query, body) => (await fetch(`${mock.baseUrl}${path}?${new URLSearchParams(query)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    const stable = (extra = {}) => post('/cgi-bin/stable_token', {}, { grant_type: 'client_credential', appid: APP_ID, secret: APP_SECRET, ...extra });
    await fn({ mock, get, post, stable });
  } finally {
    await mock.close();
  }
}

const ERRMSG = /^.+ hint: \[[\w-]+\] rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

test('listens on 127.0.0.1 on a free port; close() ends it', async () => {
  const mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET });
  assert.match(mock.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  await mock.close();
  await assert.rejects(fetch(`${mock.baseUrl}/cgi-bin/token`));
  await assert.rejects(startMockWeChat({ appId: APP_ID }), /appSecret/);
  await assert.rejects(startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, secret: 'x' }), /unknown option/);
});

test('now is milliseconds since the epoch, like Date.now: a clock in seconds is refused, naming the unit', async () => {
  await assert.rejects(startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, now: () => Math.floor(Date.now() / 1000) }),
    /^TypeError: startMockWeChat: now must be a function returning milliseconds since the epoch, like Date\.now; it returned \d+, before 1973 in milliseconds, so it looks like seconds: multiply by 1000$/);
  await assert.rejects(startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, now: 1700000000000 }), /now must be a function returning milliseconds/);
  const mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, now: () => Date.now() });
  await mock.close();
});

test('jscode2session: reply shape, single use (40163), 5-minute life (40029), wrong appid/secret/grant_type', () => withMock(async ({ mock, get }) => {
  const q = (code, extra = {}) => ({ appid: APP_ID, secret: APP_SECRET, js_code: code, grant_type: 'authorization_code', ...extra });
  const { code } = mock.client.login('a');
  const ok = await get('/sns/jscode2session', q(code));
  assert.deepEqual(Object.keys(ok).sort(), ['openid', 'session_key', 'unionid']);
  assert.equal(Buffer.from(ok.session_key, 'base64').length, 16);
  const used = await get('/sns/jscode2session', q(code));
  assert.equal(used.errcode, 40163);
  assert.match(used.errmsg, ERRMSG);
  const late = mock.client.login('a').code;
  mock.advanceTime(301);
  assert.equal((await get('/sns/jscode2session', q(late))).errcode, 40029);
  const fresh = mock.client.login('a').code;
  assert.equal((await get('/sns/jscode2session', q(fresh, { appid: 'wx1111111111111111' }))).errcode, 40013);
  assert.equal((await get('/sns/jscode2session', q(fresh, { secret: 'nope' }))).errcode, 40125);
  assert.equal((await get('/sns/jscode2session', q(fresh, { grant_type: 'x' }))).errcode, 40002);
  assert.equal(mock.counters.jscode2session, 6);
}));

test('every login rotates the session_key; encryptedData decrypts with the key held at the tap', () => withMock(async ({ mock }) => {
  mock.client.login('b');
  const k1 = mock.client.sessionKeyOf('b');
  const tap = mock.client.getPhoneNumber('b');
  mock.client.login('b');
  const k2 = mock.client.sessionKeyOf('b');
  assert.notEqual(k1, k2);
  const d = createDecipheriv('aes-128-cbc', Buffer.from(k1, 'base64'), Buffer.from(tap.iv, 'base64'));
  const data = JSON.parse(Buffer.concat([d.update(tap.encryptedData, 'base64'), d.final()]).toString('utf8'));
  assert.deepEqual(data, { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: { timestamp: data.watermark.timestamp, appid: APP_ID } });
  assert.throws(() => mock.client.getPhoneNumber('never-logged-in'), /login/);
  assert.equal(mock.client.checkSession('b'), true);
}));

test('stable_token: same token until renewed; force_refresh renews, the old one overlaps 5 minutes; 30 s apart (45011); 20 a day (45009)', () => withMock(async ({ mock, stable, post }) => {
  const a = await stable();
  assert.equal(typeof a.access_token, 'string');
  assert.equal(a.expires_in, 7200);
  assert.equal((await stable()).access_token, a.access_token);
  assert.equal((await stable({ force_refresh: false })).access_token, a.access_token);
  const b = await stable({ force_refresh: true });
  assert.notEqual(b.access_token, a.access_token);
  const call = (token) => post('/wxa/business/getuserphonenumber', { access_token: token }, { code: 'x' });
  assert.equal((await call(a.access_token)).errcode, 40029, 'old token still valid: the code is what fails');
  mock.advanceTime(301);
  assert.equal((await call(a.access_token)).errcode, 42001, 'old token gone after 5 minutes');
  assert.equal((await call(b.access_token)).errcode, 40029);
  assert.equal((await stable({ force_refresh: true })).errcode, undefined, 'more than 30 s since the last force: allowed');
  assert.equal((await stable({ force_refresh: true })).errcode, 45011, 'within 30 s');
  for (let i = 0; i < 18; i++) {
    mock.advanceTime(31);
    assert.equal((await stable({ force_refresh: true })).errcode, undefined, `force ${i + 3}`);
  }
  mock.advanceTime(31);
  const over = await stable({ force_refresh: true });
  assert.equal(over.errcode, 45009);
  assert.equal(mock.counters.stable_token_forced, 22);
  assert.equal((await stable({ appid: 'wx1111111111111111' })).errcode, 40013);
  assert.equal((await stable({ secret: 'bad' })).errcode, 40125);
  assert.equal((await stable({ grant_type: 'password' })).errcode, 40002);
}));

test('/cgi-bin/token: every fetch invalidates the previous token (40001); stable tokens are separate', () => withMock(async ({ mock, get, post, stable }) => {
  const q = { grant_type: 'client_credential', appid: APP_ID, secret: APP_SECRET };
  const t1 = (await get('/cgi-bin/token', q)).access_token;
  const s = (await stable()).access_token;
  const t2 = await get('/cgi-bin/token', q);
  assert.equal(t2.expires_in, 7200);
  const call = (token) => post('/wxa/business/getuserphonenumber', { access_token: token }, { code: 'x' });
  assert.equal((await call(t1)).errcode, 40001);
  assert.equal((await call(t2.access_token)).errcode, 40029);
  assert.equal((await call(s)).errcode, 40029);
  assert.equal((await call('short')).errcode, 40014);
  assert.equal((await get('/cgi-bin/token', { ...q, secret: 'x' })).errcode, 40125);
  assert.equal(mock.counters.token, 3);
}));

test('getuserphonenumber: WeChat\'s reply shape (countryCode a number), token checked before the code, phone code single-use, login code refused', () => withMock(async ({ mock, post, stable }) => {
  const token = (await stable()).access_token;
  mock.client.login('c');
  const { code } = mock.client.getPhoneNumber('c');
  // A bad token does not consume the code.
  assert.equal((await post('/wxa/business/getuserphonenumber', { access_token: 'x'.repeat(40) }, { code })).errcode, 40001);
  const ok = await post('/wxa/business/getuserphonenumber', { access_token: token }, { code, openid: mock.client.openidOf('c') });
  assert.equal(ok.errcode, 0);
  assert.equal(ok.errmsg, 'ok');
  assert.deepEqual(ok.phone_info, { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: 86, watermark: { timestamp: ok.phone_info.watermark.timestamp, appid: APP_ID } });
  const again = await post('/wxa/business/getuserphonenumber', { access_token: token }, { code });
  assert.equal(again.errcode, 40029);
  assert.match(again.errmsg, /^invalid code hint: \[[\w-]+\] rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
  const login = mock.client.login('c').code;
  assert.equal((await post('/wxa/business/getuserphonenumber', { access_token: token }, { code: login })).errcode, 40029);
  const res = await fetch(`${mock.baseUrl}/wxa/business/getuserphonenumber?access_token=${token}`, { method: 'POST', body: '{not json' });
  assert.equal((await res.json()).errcode, 47001);
}, {}));

test('watermarkAppid: \'\' as in WeChat\'s documented example', () => withMock(async ({ mock, post, stable }) => {
  const token = (await stable()).access_token;
  mock.client.login('d');
  const r = await post('/wxa/business/getuserphonenumber', { access_token: token }, { code: mock.client.getPhoneNumber('d').code });
  assert.equal(r.phone_info.watermark.appid, '');
}, { watermarkAppid: '' }));

test('checksession and resetusersessionkey: hmac_sha256 of the session_key string over ""; 87009 otherwise; reset rotates', () => withMock(async ({ mock, get, stable }) => {
  const token = (await stable()).access_token;
  mock.client.login('e');
  const openid = mock.client.openidOf('e');
  const key = mock.client.sessionKeyOf('e');
  const sig = (k) => createHmac('sha256', k).update('').digest('hex');
  const q = (k, extra = {}) => ({ access_token: token, openid, signature: sig(k), sig_method: 'hmac_sha256', ...extra });
  assert.deepEqual(await get('/wxa/checksession', q(key)), { errcode: 0, errmsg: 'ok' });
  assert.equal((await get('/wxa/checksession', q('wrong'))).errcode, 87009);
  assert.equal((await get('/wxa/checksession', q(key, { sig_method: 'md5' }))).errcode, 87009);
  assert.equal((await get('/wxa/checksession', q(key, { openid: 'nobody' }))).errcode, 40003);
  assert.equal((await get('/wxa/checksession', q(key, { access_token: 'y'.repeat(30) }))).errcode, 40001);
  const reset = await get('/wxa/resetusersessionkey', q(key));
  assert.equal(reset.errcode, 0);
  assert.equal(reset.openid, openid);
  assert.notEqual(reset.session_key, key);
  assert.equal((await get('/wxa/checksession', q(key))).errcode, 87009);
  assert.equal((await get('/wxa/checksession', q(reset.session_key))).errcode, 0);
}));

test('faults: latency, hang, http5xx, busy, rateLimit, nonJson, reset; by path and count', () => withMock(async ({ mock, stable }) => {
  mock.fault('busy', { path: '/cgi-bin/stable_token', times: 1 });
  const busy = await stable();
  assert.equal(busy.errcode, -1);
  assert.match(busy.errmsg, /rid: /);
  assert.equal(typeof (await stable()).access_token, 'string', 'times: 1');
  mock.fault('rateLimit', { times: 1 });
  assert.equal((await stable()).errcode, 45011);
  mock.fault('http5xx', { status: 503, times: 1 });
  assert.equal((await fetch(`${mock.baseUrl}/cgi-bin/token`)).status, 503);
  mock.fault('nonJson', { times: 1 });
  const html = await fetch(`${mock.baseUrl}/cgi-bin/token`);
  assert.equal(html.status, 200);
  const text = await html.text();
  assert.match(html.headers.get('content-type'), /text\/html/);
  assert.throws(() => JSON.parse(text), SyntaxError);
  mock.fault('reset', { times: 1 });
  await assert.rejects(fetch(`${mock.baseUrl}/cgi-bin/token`));
  mock.fault('latency', { ms: 150, times: 1 });
  const t0 = Date.now();
  await stable();
  assert.ok(Date.now() - t0 >= 100);
  mock.fault('hang', { times: 1 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  await assert.rejects(fetch(`${mock.baseUrl}/cgi-bin/token`, { signal: controller.signal }));
  assert.throws(() => mock.fault('explode'), /kind/);
  mock.fault('busy');
  mock.clearFaults();
  assert.equal(typeof (await stable()).access_token, 'string');
}));

test('invalidateAccessTokens: 40001, then stable_token issues a new token; breakStableToken: the same broken token until forced', () => withMock(async ({ mock, post, stable }) => {
  const call = (token) => post('/wxa/business/getuserphonenumber', { access_token: token }, { code: 'x' });
  const a = (await stable()).access_token;
  mock.invalidateAccessTokens();
  assert.equal((await call(a)).errcode, 40001);
  const b = (await stable()).access_token;
  assert.notEqual(a, b);
  mock.breakStableToken();
  assert.equal((await call(b)).errcode, 40001);
  assert.equal((await stable()).access_token, b, 'WeChat hands back the broken token');
  const c = (await stable({ force_refresh: true })).access_token;
  assert.notEqual(c, b);
  assert.equal((await call(c)).errcode, 40029);
}));

test('HTTP stand-ins for pages: /__client/login, /__client/getPhoneNumber, /__client/checkSession, /__platform/cloudID', () => withMock(async ({ mock }) => {
  const post = async (path, body) => {
    const r = await fetch(`${mock.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, cors: r.headers.get('access-control-allow-origin'), data: await r.json() };
  };
  const login = await post('/__client/login', { user: 'f' });
  assert.equal(login.cors, '*');
  assert.equal(login.data.errMsg, 'login:ok');
  const tap = await post('/__client/getPhoneNumber', { user: 'f' });
  assert.deepEqual(Object.keys(tap.data).sort(), ['cloudID', 'code', 'encryptedData', 'errMsg', 'iv']);
  assert.equal((await post('/__client/checkSession', { user: 'f' })).data.valid, true);
  const cloud = await post('/__platform/cloudID', { cloudID: tap.data.cloudID });
  assert.equal(cloud.data.data.phoneNumber, '13580006666');
  assert.equal((await post('/__platform/cloudID', { cloudID: 'nope' })).status, 404);
  assert.equal((await post('/__client/getPhoneNumber', { user: 'nobody' })).status, 400);
  assert.equal(mock.counters.requests, 0, 'stand-in calls are not WeChat API requests');
}));

test('issuedSecrets lists the AppSecret, tokens, session keys and codes (for leak scans)', () => withMock(async ({ mock, stable }) => {
  const token = (await stable()).access_token;
  const { code } = mock.client.login('g');
  const secrets = mock.issuedSecrets();
  for (const s of [APP_SECRET, token, code, mock.client.sessionKeyOf('g')]) assert.ok(secrets.includes(s));
}));
