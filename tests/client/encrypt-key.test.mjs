// getUserEncryptKey: /wxa/business/getuserencryptkey signed with the
// session_key, through the real client against the mock WeChat (keys per
// user, 3600 s each, the latest 3, the HMAC check) and a plain node:http
// server on 127.0.0.1 for malformed replies. encrypt_key and iv are secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { inspect } from 'node:util';
import { setup, rejectsWith, assertNoSecrets, APP_ID, APP_SECRET } from './support/helpers.mjs';
import { load } from './support/src.mjs';

const { WeChatClient } = await load('client.mjs');

test('getUserEncryptKey: the latest keys, newest first, { encryptKey, version, expireIn, iv, createTime }; a key lives 3600 s; at most 3 listed', async () => {
  // The mock's clock stands still but for advanceTime(), so the exact
  // lifetimes below cannot change when a second ticks over mid-test.
  const frozen = Date.now();
  const { mock, client, close } = await setup({ mockOptions: { now: () => frozen } });
  try {
    const s = await client.code2Session(mock.client.login('alice').code);
    const first = await client.getUserEncryptKey(s.openid, s.sessionKey);
    assert.equal(first.length, 1);
    assert.deepEqual(Object.keys(first[0]), ['encryptKey', 'version', 'expireIn', 'iv', 'createTime']);
    assert.equal(first[0].version, 1);
    assert.equal(first[0].expireIn, 3600);
    assert.equal(Buffer.from(first[0].encryptKey, 'base64').length, 16);
    assert.match(first[0].iv, /^[0-9a-f]{16}$/);
    assert.ok(Math.abs(first[0].createTime - Date.now() / 1000) < 5);
    assert.equal(mock.counters.getuserencryptkey, 1);

    mock.advanceTime(600);
    const same = await client.getUserEncryptKey(s.openid, s.sessionKey);
    assert.equal(same[0].encryptKey, first[0].encryptKey);
    assert.equal(same[0].expireIn, 3000);

    // A new key once the latest is 3600 s old: versions 2 to 5, one per hour.
    const later = [];
    for (let i = 0; i < 4; i++) {
      mock.advanceTime(3600);
      later.push(await client.getUserEncryptKey(s.openid, s.sessionKey));
    }
    const last = later[later.length - 1];
    assert.equal(last.length, 3);
    assert.deepEqual(last.map((k) => k.version), [5, 4, 3]);
    assert.deepEqual(last.map((k) => k.expireIn), [3600, 0, 0]);
  } finally {
    await close();
  }
});

test('getUserEncryptKey: signed with the current session_key; an old one is 87009 (WECHAT_API_ERROR), bad arguments INVALID_ARGUMENT; no secret in any error', async () => {
  const { mock, client, close } = await setup();
  try {
    const s = await client.code2Session(mock.client.login('bob').code);
    mock.client.login('bob'); // a new login rotates the session_key
    const e = await rejectsWith(client.getUserEncryptKey(s.openid, s.sessionKey), 'WECHAT_API_ERROR', mock.issuedSecrets());
    assert.equal(e.errcode, 87009);
    await rejectsWith(client.getUserEncryptKey(s.openid), 'INVALID_ARGUMENT');
    await rejectsWith(client.getUserEncryptKey('', s.sessionKey), 'INVALID_ARGUMENT');
    assert.equal(mock.counters.getuserencryptkey, 1);
  } finally {
    await close();
  }
});

test('getUserEncryptKey: util.inspect (console.log) shows encryptKey and iv redacted; property access and JSON.stringify give them', async () => {
  const { mock, client, close } = await setup();
  try {
    const s = await client.code2Session(mock.client.login('carol').code);
    const keys = await client.getUserEncryptKey(s.openid, s.sessionKey);
    const shown = inspect(keys, { depth: 5 });
    assert.match(shown, /encryptKey: '\[redacted\]'/);
    assert.match(shown, /version: 1/);
    assert.ok(!shown.includes(keys[0].encryptKey) && !shown.includes(keys[0].iv), shown);
    assert.deepEqual(JSON.parse(JSON.stringify(keys)), [{ ...keys[0] }]);
    assert.ok(JSON.stringify(keys).includes(keys[0].encryptKey));
  } finally {
    await close();
  }
});

test('getUserEncryptKey: a key_info_list missing or with a member of another type is WECHAT_UNAVAILABLE, quoting no key', async () => {
  const good = { encrypt_key: 'VI6BpyrK9XH4i4AIGe86tg==', version: 10, expire_in: 3597, iv: '6003f73ec441c386', create_time: 1616572301 };
  let reply;
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    res.writeHead(200, { 'content-type': 'application/json' });
    if (path === '/cgi-bin/stable_token') return res.end(JSON.stringify({ access_token: 'fake-token-0123456789abcdef', expires_in: 7200 }));
    return res.end(JSON.stringify(reply));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: `http://127.0.0.1:${server.address().port}` });
    reply = { errcode: 0, errmsg: 'ok', key_info_list: [good, { ...good, version: 9, expire_in: 0 }] };
    const keys = await client.getUserEncryptKey('openid-1', 'c2Vzc2lvbi1rZXktMTIzNA==');
    assert.deepEqual(keys.map((k) => ({ ...k })), [
      { encryptKey: good.encrypt_key, version: 10, expireIn: 3597, iv: good.iv, createTime: 1616572301 },
      { encryptKey: good.encrypt_key, version: 9, expireIn: 0, iv: good.iv, createTime: 1616572301 },
    ]);
    const secrets = [APP_SECRET, 'fake-token-0123456789abcdef', 'c2Vzc2lvbi1rZXktMTIzNA==', good.encrypt_key, good.iv];
    const bad = [
      { errcode: 0, errmsg: 'ok' },
      { errcode: 0, errmsg: 'ok', key_info_list: {} },
      { errcode: 0, errmsg: 'ok', key_info_list: [{ ...good, iv: undefined }] },
      { errcode: 0, errmsg: 'ok', key_info_list: [good, { ...good, version: '10' }] },
      { errcode: 0, errmsg: 'ok', key_info_list: [{ ...good, encrypt_key: 42 }] },
      { errcode: 0, errmsg: 'ok', key_info_list: [{ ...good, expire_in: -1 }] },
      { errcode: 0, errmsg: 'ok', key_info_list: [null] },
    ];
    for (const r of bad) {
      reply = r;
      const e = await rejectsWith(client.getUserEncryptKey('openid-1', 'c2Vzc2lvbi1rZXktMTIzNA=='), 'WECHAT_UNAVAILABLE', secrets);
      assertNoSecrets(e, secrets);
    }
  } finally {
    await new Promise((r) => server.close(r));
  }
});
