// WeChatClient against the mock WeChat on 127.0.0.1: each endpoint, each
// errcode path, the PhoneInfo it returns and the options it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { load } from './support/src.mjs';
import { APP_ID, APP_SECRET, setup, rejectsWith, assertNoSecrets } from './support/helpers.mjs';

const { WeChatClient, MemoryStore, ridOf } = await load('client.mjs');
const { isWxOpenDataError } = await load('errors.mjs');

test('code2Session: openid, sessionKey and unionid; the code is single-use (40163) and lives 5 minutes (40029)', async () => {
  const { mock, client, close } = await setup();
  try {
    const { code } = mock.client.login('alice');
    const s = await client.code2Session(code);
    assert.deepEqual(Object.keys(s).sort(), ['openid', 'sessionKey', 'unionid']);
    assert.equal(s.openid, mock.client.openidOf('alice'));
    assert.equal(s.sessionKey, mock.client.sessionKeyOf('alice'));

    const used = await rejectsWith(client.code2Session(code), 'INVALID_CODE', mock.issuedSecrets());
    assert.equal(used.errcode, 40163);
    assert.match(used.rid, /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
    assert.match(used.message, /single-use/);

    const late = mock.client.login('alice').code;
    mock.advanceTime(301);
    assert.equal((await rejectsWith(client.code2Session(late), 'INVALID_CODE', mock.issuedSecrets())).errcode, 40029);

    // A phone code is not a login code.
    const phoneCode = mock.client.getPhoneNumber('alice').code;
    assert.equal((await rejectsWith(client.code2Session(phoneCode), 'INVALID_CODE', mock.issuedSecrets())).errcode, 40029);
    assert.equal(mock.counters.stable_token, 0, 'jscode2session needs no access token');
  } finally {
    await close();
  }
});

test('code2Session: every login rotates the session_key', async () => {
  const { mock, client, close } = await setup();
  try {
    const a = await client.code2Session(mock.client.login('bob').code);
    const b = await client.code2Session(mock.client.login('bob').code);
    assert.equal(a.openid, b.openid);
    assert.notEqual(a.sessionKey, b.sessionKey);
  } finally {
    await close();
  }
});

test('code2Session: 40226 (risky user), 40013 (wrong appId), 40125 (wrong AppSecret) are WECHAT_API_ERROR with their own sentence', async () => {
  const { mock, client, close } = await setup();
  try {
    mock.client.markRisky('mallory');
    const risky = await rejectsWith(client.code2Session(mock.client.login('mallory').code), 'WECHAT_API_ERROR', mock.issuedSecrets());
    assert.equal(risky.errcode, 40226);
    assert.match(risky.message, /high-risk/);

    const wrongApp = new WeChatClient({ appId: 'wx00000000000000ff', appSecret: APP_SECRET, baseUrl: mock.baseUrl });
    const e13 = await rejectsWith(wrongApp.code2Session(mock.client.login('a').code), 'WECHAT_API_ERROR', mock.issuedSecrets());
    assert.equal(e13.errcode, 40013);
    assert.match(e13.message, /appId/);

    const wrongSecret = new WeChatClient({ appId: APP_ID, appSecret: 'not-the-secret-at-all', baseUrl: mock.baseUrl });
    const e125 = await rejectsWith(wrongSecret.code2Session(mock.client.login('a').code), 'WECHAT_API_ERROR', [...mock.issuedSecrets(), 'not-the-secret-at-all']);
    assert.equal(e125.errcode, 40125);
    assert.match(e125.message, /AppSecret/);
  } finally {
    await close();
  }
});

test('getPhoneNumber: the PhoneInfo of decryptPhone, countryCode 86 (a number in the reply) as "86"', async () => {
  const { mock, client, close } = await setup();
  try {
    mock.client.login('carol');
    const tap = mock.client.getPhoneNumber('carol');
    const info = await client.getPhoneNumber(tap.code);
    assert.deepEqual(Object.keys(info), ['phoneNumber', 'purePhoneNumber', 'countryCode', 'watermark']);
    assert.deepEqual(Object.keys(info.watermark), ['timestamp', 'appid']);
    assert.equal(info.countryCode, '86');
    assert.equal(info.phoneNumber, mock.client.phoneOf('carol').phoneNumber);
    assert.equal(info.watermark.appid, APP_ID);
    assert.equal(typeof info.watermark.timestamp, 'number');

    const again = await rejectsWith(client.getPhoneNumber(tap.code), 'INVALID_CODE', mock.issuedSecrets());
    assert.equal(again.errcode, 40029);
    assert.match(again.message, /not a wx\.login code/);
    assert.equal(again.rid, ridOf('x rid: ' + again.rid));

    // The wx.login code sent by mistake.
    await rejectsWith(client.getPhoneNumber(mock.client.login('carol').code), 'INVALID_CODE', mock.issuedSecrets());
    // An expired phone code.
    const old = mock.client.getPhoneNumber('carol').code;
    mock.advanceTime(301);
    await rejectsWith(client.getPhoneNumber(old), 'INVALID_CODE', mock.issuedSecrets());
  } finally {
    await close();
  }
});

test('getPhoneNumber: openid is sent when given, and a foreign number keeps its country code apart', async () => {
  const { mock, client, close } = await setup();
  try {
    mock.client.setPhone('dave', { phoneNumber: '+1 4155550100', purePhoneNumber: '4155550100', countryCode: '1' });
    const s = await client.code2Session(mock.client.login('dave').code);
    const info = await client.getPhoneNumber(mock.client.getPhoneNumber('dave').code, { openid: s.openid });
    assert.equal(info.countryCode, '1');
    assert.equal(info.purePhoneNumber, '4155550100');
  } finally {
    await close();
  }
});

test('empty watermark appid: "not stated", accepted (WeChat\'s own example reply); a stated foreign appid is APPID_MISMATCH', async () => {
  const empty = await setup({ mockOptions: { watermarkAppid: '' } });
  try {
    empty.mock.client.login('erin');
    const info = await empty.client.getPhoneNumber(empty.mock.client.getPhoneNumber('erin').code);
    assert.equal(info.watermark.appid, '');
  } finally {
    await empty.close();
  }
  const foreign = await setup({ mockOptions: { watermarkAppid: 'wxffffffffffffffff' } });
  try {
    foreign.mock.client.login('erin');
    const e = await rejectsWith(foreign.client.getPhoneNumber(foreign.mock.client.getPhoneNumber('erin').code), 'APPID_MISMATCH', foreign.mock.issuedSecrets());
    // APPID_MISMATCH on the code route: nothing was decrypted, so the message
    // names the phone_info's watermark and options.appId, not encryption.
    assert.match(e.message, /^the phone_info's watermark names another AppID than options\.appId .*check options\.appId$/);
    assert.doesNotMatch(e.message, /encrypted/);
  } finally {
    await foreign.close();
  }
});

test('getPhoneNumber: a reply that is not phone data is NOT_PHONE_DATA, by the engine rule', async () => {
  const replies = [
    { errcode: 0, errmsg: 'ok' },
    { errcode: 0, errmsg: 'ok', phone_info: { phoneNumber: '1', purePhoneNumber: '1', countryCode: -86, watermark: { timestamp: 1, appid: '' } } },
    { errcode: 0, errmsg: 'ok', phone_info: { phoneNumber: '1', purePhoneNumber: '1', countryCode: '86' } },
    { errcode: 0, errmsg: 'ok', phone_info: [1, 2, 3] },
  ];
  for (const reply of replies) {
    const fetch = async (url) => ({
      status: 200,
      text: async () => JSON.stringify(String(url).includes('stable_token') ? { access_token: 'ACCESS_TOKEN_abcdefghijklmnop', expires_in: 7200 } : reply),
    });
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, fetch });
    await rejectsWith(client.getPhoneNumber('somecode'), 'NOT_PHONE_DATA', [APP_SECRET, 'ACCESS_TOKEN_abcdefghijklmnop', 'somecode']);
  }
});

test('checkSessionKey: true for the current key, false (87009) for a rotated one; resetSessionKey issues a new key', async () => {
  const { mock, client, close } = await setup();
  try {
    const s = await client.code2Session(mock.client.login('frank').code);
    assert.equal(await client.checkSessionKey(s.openid, s.sessionKey), true);
    const reset = await client.resetSessionKey(s.openid, s.sessionKey);
    assert.equal(reset.openid, s.openid);
    assert.notEqual(reset.sessionKey, s.sessionKey);
    assert.equal(reset.sessionKey, mock.client.sessionKeyOf('frank'));
    assert.equal(await client.checkSessionKey(s.openid, s.sessionKey), false);
    assert.equal(await client.checkSessionKey(s.openid, reset.sessionKey), true);
    const e = await rejectsWith(client.resetSessionKey(s.openid, s.sessionKey), 'WECHAT_API_ERROR', mock.issuedSecrets());
    assert.equal(e.errcode, 87009);
    const unknown = await rejectsWith(client.checkSessionKey('o-nobody-at-all', s.sessionKey), 'WECHAT_API_ERROR', mock.issuedSecrets());
    assert.equal(unknown.errcode, 40003);
    assert.equal(mock.counters.stable_token, 1, 'one token for all the signed calls');
  } finally {
    await close();
  }
});

test('checkSessionKey signs with the session_key string: the signature WeChat receives is HMAC(key string, "")', async () => {
  const seen = [];
  const fetch = async (url) => {
    seen.push(new URL(url));
    return { status: 200, text: async () => JSON.stringify(String(url).includes('stable_token') ? { access_token: 'tok_abcdefghijklmnopqrstuv', expires_in: 7200 } : { errcode: 0, errmsg: 'ok' }) };
  };
  const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, fetch });
  assert.equal(await client.checkSessionKey('openid-1', 'o0q0otL8aEzpcZL/FT9WsQ=='), true);
  const q = seen[1].searchParams;
  assert.equal(seen[1].pathname, '/wxa/checksession');
  assert.equal(q.get('sig_method'), 'hmac_sha256');
  assert.equal(q.get('openid'), 'openid-1');
  assert.equal(q.get('access_token'), 'tok_abcdefghijklmnopqrstuv');
  const { createHmac } = await import('node:crypto');
  assert.equal(q.get('signature'), createHmac('sha256', 'o0q0otL8aEzpcZL/FT9WsQ==').update('').digest('hex'));
  assert.equal(seen[0].origin, 'https://api.weixin.qq.com', 'the default baseUrl (this fetch never leaves the process)');
});

test('options: missing, wrong or unknown keys are INVALID_ARGUMENT (a typo must not change behaviour)', async () => {
  const base = { appId: APP_ID, appSecret: APP_SECRET, fetch: async () => { throw new Error('no network in this test'); } };
  const bad = [
    undefined, null, 'wx', [],
    { ...base, appId: undefined }, { ...base, appId: '' }, { ...base, appId: 'wx 123' },
    { ...base, appSecret: undefined }, { ...base, appSecret: 42 },
    { ...base, baseUrl: 'ftp://x' }, { ...base, baseUrl: 'http://x/?a=1' }, { ...base, baseUrl: 42 },
    { ...base, fetch: 'fetch' }, { ...base, store: {} }, { ...base, store: { get() {}, set() {} } },
    { ...base, timeoutMs: 0 }, { ...base, timeoutMs: 1.5 }, { ...base, timeoutMs: '1000' },
    { ...base, tokenEndpoint: 'stable' }, { ...base, now: 5 },
    { ...base, timeout: 1000 }, { ...base, appid: APP_ID }, { ...base, secret: APP_SECRET },
    // A present key must hold a value: { baseUrl: process.env.X } with X unset is a mistake, not the default.
    { ...base, baseUrl: undefined }, { ...base, store: undefined }, { ...base, timeoutMs: undefined },
  ];
  for (const options of bad) {
    assert.throws(() => new WeChatClient(options), (e) => isWxOpenDataError(e) && e.code === 'INVALID_ARGUMENT', inspect(options));
    try { new WeChatClient(options); } catch (e) { assertNoSecrets(e, [APP_SECRET]); }
  }
  const client = new WeChatClient(base);
  for (const call of [
    () => client.code2Session(), () => client.code2Session(''), () => client.code2Session('a b'), () => client.code2Session(7),
    () => client.getPhoneNumber(), () => client.getPhoneNumber('c', { openId: 'x' }), () => client.getPhoneNumber('c', null), () => client.getPhoneNumber('c', { openid: '' }),
    () => client.getAccessToken({ force: true }), () => client.getAccessToken({ forceRefresh: 'yes' }), () => client.getAccessToken({ forceRefresh: undefined }),
    () => client.getPhoneNumber('c', { openid: undefined }),
    () => client.checkSessionKey('o'), () => client.checkSessionKey('', 'k'), () => client.resetSessionKey('o', 5),
    () => WeChatClient.prototype.getAccessToken.call({}),
  ]) {
    await rejectsWith(call(), 'INVALID_ARGUMENT', [APP_SECRET]);
  }
});

test('options: an unknown key is named with the nearest known one; a required key given as undefined says it is required', () => {
  const base = { appId: APP_ID, appSecret: APP_SECRET, fetch: async () => { throw new Error('no network in this test'); } };
  const message = (options) => {
    try {
      new WeChatClient(options);
    } catch (e) {
      assert.equal(e.code, 'INVALID_ARGUMENT');
      assertNoSecrets(e, [APP_SECRET]);
      return e.message;
    }
    return assert.fail('expected INVALID_ARGUMENT');
  };
  assert.match(message({ ...base, baseURL: 'http://127.0.0.1:1' }), /^invalid argument: options has an unknown key "baseURL" \(did you mean baseUrl\?\); the known keys are appId, appSecret, baseUrl, /);
  assert.match(message({ ...base, timeout: 1000 }), /unknown key "timeout" \(did you mean timeoutMs\?\)/);
  assert.match(message({ appSecret: APP_SECRET, appid: APP_ID }), /unknown key "appid" \(did you mean appId\?\)/);
  assert.match(message({ ...base, app_secret: APP_SECRET }), /unknown key "app_secret" \(did you mean appSecret\?\)/);
  assert.match(message({ ...base, appSecert: APP_SECRET }), /unknown key "appSecert" \(did you mean appSecret\?\)/);
  assert.match(message({ ...base, appId: undefined }), /^invalid argument: options\.appId is undefined: it is required \(is process\.env\.WX_APPID, or wherever it comes from, set\?\)$/);
  assert.match(message({ ...base, appSecret: undefined }), /^invalid argument: options\.appSecret is undefined: it is required \(is process\.env\.WX_SECRET/);
  // An optional key given as undefined still says to leave it out.
  assert.match(message({ ...base, baseUrl: undefined }), /options\.baseUrl is undefined; leave the key out to skip it/);
});

test('options.now and MemoryStore\'s now are clocks in milliseconds since the epoch; a clock in seconds is INVALID_ARGUMENT naming the unit', () => {
  const base = { appId: APP_ID, appSecret: APP_SECRET, fetch: async () => { throw new Error('no network in this test'); } };
  const seconds = () => Math.floor(Date.now() / 1000);
  const unit = /now\(\) must be milliseconds since the epoch, like Date\.now\(\); \d+ is before 1973 in milliseconds, so it looks like seconds: multiply by 1000$/;
  assert.throws(() => new WeChatClient({ ...base, now: seconds }), (e) => e.code === 'INVALID_ARGUMENT' && /^invalid argument: options\.now\(\)/.test(e.message) && unit.test(e.message));
  assert.throws(() => new MemoryStore({ now: seconds }), (e) => e.code === 'INVALID_ARGUMENT' && /MemoryStore options\.now\(\)/.test(e.message) && unit.test(e.message));
  assert.throws(() => new WeChatClient({ ...base, now: 5 }), (e) => e.code === 'INVALID_ARGUMENT' && /options\.now must be a function returning milliseconds since the epoch, like Date\.now\(\)$/.test(e.message));
  assert.throws(() => new WeChatClient({ ...base, now: () => { throw new Error('clock broke'); } }), (e) => e.code === 'INVALID_ARGUMENT' && /options\.now threw when called/.test(e.message));
  assert.throws(() => new MemoryStore({ now: () => 'soon' }), (e) => e.code === 'INVALID_ARGUMENT');
  // Milliseconds, fractional ones too (performance.timeOrigin + performance.now()).
  assert.equal(new WeChatClient({ ...base, now: () => Date.now() + 0.5 }).appId, APP_ID);
  new MemoryStore({ now: Date.now });
});

test('no global fetch (Node < 18): the message says to inject one', () => {
  const saved = globalThis.fetch;
  try {
    globalThis.fetch = undefined;
    assert.throws(() => new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET }), (e) => e.code === 'INVALID_ARGUMENT' && /node-fetch/.test(e.message));
  } finally {
    globalThis.fetch = saved;
  }
});

test('util.inspect and JSON.stringify of a client (and its default store) show no AppSecret and no token', async () => {
  const { mock, client, close } = await setup();
  try {
    const token = await client.getAccessToken();
    for (const text of [inspect(client, { showHidden: true, depth: 10 }), JSON.stringify(client), inspect(new MemoryStore(), { showHidden: true })]) {
      assert.ok(!text.includes(APP_SECRET) && !text.includes(token), text);
    }
    assert.equal(client.appId, APP_ID);
  } finally {
    await close();
  }
});

test('ridOf: WeChat\'s errmsg formats', () => {
  assert.equal(ridOf('invalid code hint: [qKhDWV0sf-0s77ta] rid: 62fa5928-4e8b95ea-7539a513'), '62fa5928-4e8b95ea-7539a513');
  assert.equal(ridOf('invalid code, rid: 62fa5928-4e8b95ea-7539a513'), '62fa5928-4e8b95ea-7539a513');
  assert.equal(ridOf('ok'), null);
  assert.equal(ridOf(undefined), null);
});
