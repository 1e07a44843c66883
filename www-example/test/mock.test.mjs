// The package's mock of WeChat (wx-open-data/mock), over HTTP: what the
// backend, the pages and the other tests here rely on it to do. The package's
// own tests (tests/client/mock.test.mjs) cover the rest of it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { decryptPhone } from 'wx-open-data';
import { startMockWeChat } from 'wx-open-data/mock';
import { post } from './helpers.mjs';

const APPID = 'wxmock0000000001';
const SECRET = 'sekrit';
let mock, url;
const clock = { offset: 0 };
test.before(async () => {
  mock = await startMockWeChat({ appId: APPID, appSecret: SECRET, now: () => Date.now() + clock.offset * 1000 });
  url = mock.baseUrl;
});
test.after(() => mock.close());

const login = async (user) => (await post(url, '/__client/login', { user })).data.code;
const session = (code, { appid = APPID, secret = SECRET, grant = 'authorization_code' } = {}) =>
  fetch(`${url}/sns/jscode2session?appid=${appid}&secret=${secret}&js_code=${encodeURIComponent(code)}&grant_type=${grant}`).then((r) => r.json());

test('jscode2session: a fresh code gives openid, session_key, unionid; the same code again is 40163, an unknown one 40029', async () => {
  const code = await login('m-alice');
  const s = await session(code);
  assert.deepEqual(Object.keys(s).sort(), ['openid', 'session_key', 'unionid']);
  assert.equal(Buffer.from(s.session_key, 'base64').length, 16);
  assert.equal(s.session_key, mock.client.sessionKeyOf('m-alice'));
  // WeChat's errcode for a used login code (the backend maps 40163 and 40029 alike: LOGIN_FAILED).
  const again = await session(code);
  assert.equal(again.errcode, 40163);
  assert.match(again.errmsg, /^code been used/);
  const unknown = await session('never-issued');
  assert.equal(unknown.errcode, 40029);
  assert.match(unknown.errmsg, /^invalid code hint: \[[\w-]+\] rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
});

test('each wx.login rotates the user\'s session_key; openid stays; other users are untouched', async () => {
  const bob1 = await session(await login('m-bob'));
  const carol = await session(await login('m-carol'));
  const bob2 = await session(await login('m-bob'));
  assert.notEqual(bob1.session_key, bob2.session_key);
  assert.equal(bob1.openid, bob2.openid);
  assert.notEqual(bob1.openid, carol.openid);
  assert.equal(mock.client.sessionKeyOf('m-carol'), carol.session_key);
});

test('wrong secret is 40125, wrong appid 40013, wrong grant_type 40002; none consumes the code', async () => {
  const code = await login('m-dave');
  assert.equal((await session(code, { secret: 'nope' })).errcode, 40125);
  assert.equal((await session(code, { appid: 'wxother' })).errcode, 40013);
  assert.equal((await session(code, { grant: 'client_credential' })).errcode, 40002);
  assert.ok((await session(code)).session_key);
});

test('a login code older than 5 minutes is 40029', async (t) => {
  t.after(() => { clock.offset = 0; });
  const code = await login('m-erin');
  clock.offset = 301;
  assert.equal((await session(code)).errcode, 40029);
});

test('getPhoneNumber encrypts with the CURRENT session_key: decrypts with it, fails with the previous one', async () => {
  const old = await session(await login('m-fay'));
  const tapWithOld = (await post(url, '/__client/getPhoneNumber', { user: 'm-fay' })).data;
  const current = await session(await login('m-fay'));
  const tapWithNew = (await post(url, '/__client/getPhoneNumber', { user: 'm-fay' })).data;
  const opts = { appId: APPID, maxAgeSeconds: 300 };
  assert.equal(decryptPhone(old.session_key, tapWithOld.encryptedData, tapWithOld.iv, opts).phoneNumber, mock.client.phoneOf('m-fay').phoneNumber);
  assert.equal(decryptPhone(current.session_key, tapWithNew.encryptedData, tapWithNew.iv, opts).watermark.appid, APPID);
  assert.throws(() => decryptPhone(current.session_key, tapWithOld.encryptedData, tapWithOld.iv, opts), { code: 'DECRYPT_FAILED' });
  assert.equal(typeof tapWithNew.cloudID, 'string');
  assert.equal(typeof tapWithNew.code, 'string');
});

test('getPhoneNumber before any wx.login is refused', async () => {
  const r = await post(url, '/__client/getPhoneNumber', { user: 'm-nobody' });
  assert.equal(r.status, 400);
  assert.match(r.data.errMsg, /^fail .*before login/);
});

test('cloudID resolves to the same data the platform would put in event.phone', async () => {
  await login('m-gus');
  const tap = (await post(url, '/__client/getPhoneNumber', { user: 'm-gus' })).data;
  const r = await post(url, '/__platform/cloudID', { cloudID: tap.cloudID });
  assert.equal(r.data.cloudID, tap.cloudID);
  assert.equal(r.data.data.phoneNumber, mock.client.phoneOf('m-gus').phoneNumber);
  assert.equal(r.data.data.watermark.appid, APPID);
  assert.equal((await post(url, '/__platform/cloudID', { cloudID: 'unknown' })).status, 404);
});

async function accessToken() {
  return (await fetch(`${url}/cgi-bin/token?grant_type=client_credential&appid=${APPID}&secret=${SECRET}`).then((r) => r.json())).access_token;
}
const byCode = (token, code) => post(url, `/wxa/business/getuserphonenumber?access_token=${token}`, { code });

test('cgi-bin/token: access_token + expires_in; wrong secret 40125', async () => {
  const r = await fetch(`${url}/cgi-bin/token?grant_type=client_credential&appid=${APPID}&secret=${SECRET}`).then((x) => x.json());
  assert.equal(typeof r.access_token, 'string');
  assert.equal(r.expires_in, 7200);
  const bad = await fetch(`${url}/cgi-bin/token?grant_type=client_credential&appid=${APPID}&secret=x`).then((x) => x.json());
  assert.equal(bad.errcode, 40125);
});

const stableToken = (force = false) => post(url, '/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APPID, secret: SECRET, force_refresh: force }).then((r) => r.data);

test('stable_token: every caller gets the same token until it is invalidated; counters.stable_token counts the fetches', async () => {
  const before = mock.counters.stable_token;
  const a = await stableToken();
  const b = await stableToken();
  assert.equal(typeof a.access_token, 'string');
  assert.equal(a.access_token, b.access_token);
  assert.ok(a.expires_in > 0 && a.expires_in <= 7200);
  assert.equal(mock.counters.stable_token, before + 2);
  await login('m-sta');
  const tap = (await post(url, '/__client/getPhoneNumber', { user: 'm-sta' })).data;
  mock.invalidateAccessTokens();
  assert.equal((await byCode(a.access_token, tap.code)).data.errcode, 40001);
  const c = await stableToken();
  assert.notEqual(c.access_token, a.access_token, 'a new token after invalidateAccessTokens()');
  assert.equal((await byCode(c.access_token, tap.code)).data.errcode, 0, 'the 40001 left the code unused');
  assert.equal((await post(url, '/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APPID, secret: 'x' })).data.errcode, 40125);
});

test('getuserphonenumber: phone_info once per code; reused, login code, unknown: 40029; unknown token 40001, malformed 40014', async () => {
  const loginCode = await login('m-hal');
  const tap = (await post(url, '/__client/getPhoneNumber', { user: 'm-hal' })).data;
  const token = await accessToken();
  const ok = await byCode(token, tap.code);
  assert.equal(ok.data.errcode, 0);
  assert.deepEqual(Object.keys(ok.data.phone_info).sort(), ['countryCode', 'phoneNumber', 'purePhoneNumber', 'watermark']);
  assert.equal(ok.data.phone_info.purePhoneNumber, mock.client.phoneOf('m-hal').purePhoneNumber);
  assert.equal(ok.data.phone_info.watermark.appid, APPID);
  assert.equal((await byCode(token, tap.code)).data.errcode, 40029);
  assert.equal((await byCode(token, loginCode)).data.errcode, 40029);
  assert.equal((await byCode(token, 'nope')).data.errcode, 40029);
  const tap2 = (await post(url, '/__client/getPhoneNumber', { user: 'm-hal' })).data;
  assert.equal((await byCode('A'.repeat(40), tap2.code)).data.errcode, 40001);
  assert.equal((await byCode('not-a-token', tap2.code)).data.errcode, 40014);
  assert.equal((await byCode(token, tap2.code)).data.errcode, 0, 'a token error must not consume the code');
});

test('getuserphonenumber: a phone code older than 5 minutes is 40029', async (t) => {
  t.after(() => { clock.offset = 0; });
  await login('m-ivy');
  const tap = (await post(url, '/__client/getPhoneNumber', { user: 'm-ivy' })).data;
  const token = await accessToken();
  clock.offset = 301;
  assert.equal((await byCode(token, tap.code)).data.errcode, 40029);
});

test('client routes answer CORS preflight (the web page is another origin); unknown routes 404', async () => {
  const pre = await fetch(`${url}/__client/login`, { method: 'OPTIONS' });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
  assert.equal((await fetch(`${url}/nope`)).status, 404);
  assert.equal((await post(url, '/__client/login', '{bad json', { raw: true })).status, 400);
  // A user name outside [\w.-]{1,64} is no user: refused, no code.
  const odd = await post(url, '/__client/login', { user: '../../etc' });
  assert.equal(odd.status, 404);
  assert.equal(odd.data.code, undefined);
});
