// checkEncryptedData: /wxa/business/checkencryptedmsg with the SHA-256 of
// the encryptedData text as WeChat issued it, through the real client against
// the mock WeChat (which records the hash of every encryptedData it issues)
// and against plain node:http servers on 127.0.0.1 for WeChat's other replies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { setup, rejectsWith, APP_ID, APP_SECRET } from './support/helpers.mjs';
import { load } from './support/src.mjs';

const { WeChatClient } = await load('client.mjs');

const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A tap whose encryptedData holds a '+' (for the transport repair). */
function tapWithPlus(mock, name) {
  for (;;) {
    const tap = mock.client.getPhoneNumber(name);
    if (tap.encryptedData.includes('+')) return tap;
  }
}

test('checkEncryptedData: true with its create_time for data the mock issued, for 3 days; then false (WeChat\'s errcode 1), and false for data never issued', async () => {
  const { mock, client, close } = await setup();
  try {
    mock.client.login('alice');
    const before = Math.floor(Date.now() / 1000);
    const tap = mock.client.getPhoneNumber('alice');
    const r = await client.checkEncryptedData(tap.encryptedData);
    assert.deepEqual(Object.keys(r).sort(), ['createTime', 'valid']);
    assert.equal(r.valid, true);
    assert.ok(r.createTime >= before && r.createTime <= before + 2, String(r.createTime));
    assert.equal(mock.counters.checkencryptedmsg, 1);

    // The mock's clock is the real one plus what the test advances it by, so
    // the steps keep a few seconds from the 3-day edge: a second ticking over
    // between the tap and a check must not decide the outcome.
    mock.advanceTime(3 * 86400 - 5);
    assert.equal((await client.checkEncryptedData(tap.encryptedData)).valid, true);
    mock.advanceTime(10);
    assert.deepEqual(await client.checkEncryptedData(tap.encryptedData), { valid: false, createTime: null });

    // Another string (a flipped character), decodable or not, was never issued.
    const other = (tap.encryptedData[0] === 'A' ? 'B' : 'A') + tap.encryptedData.slice(1);
    assert.deepEqual(await client.checkEncryptedData(other), { valid: false, createTime: null });
  } finally {
    await close();
  }
});

test("checkEncryptedData: '+' that arrived as ' ' is repaired before hashing; URL-encoded or non-base64 text is INVALID_ARGUMENT with no request", async () => {
  const { mock, client, close } = await setup();
  try {
    mock.client.login('bob');
    const tap = tapWithPlus(mock, 'bob');
    assert.equal((await client.checkEncryptedData(tap.encryptedData.split('+').join(' '))).valid, true);

    const encoded = await rejectsWith(client.checkEncryptedData(encodeURIComponent(tap.encryptedData)), 'INVALID_ARGUMENT');
    assert.match(encoded.message, /still URL-encoded/);
    const urlSafe = tap.encryptedData.replace(/\+/g, '-').replace(/\//g, '_');
    assert.match((await rejectsWith(client.checkEncryptedData(urlSafe), 'INVALID_ARGUMENT')).message, /as WeChat issued it/);
    for (const bad of ['', 42, null, undefined, 'a'.repeat(64 * 1024 + 1), 'abc\n']) await rejectsWith(client.checkEncryptedData(bad), 'INVALID_ARGUMENT');
    assert.equal(mock.counters.checkencryptedmsg, 1, 'no request for refused input');
  } finally {
    await close();
  }
});

/** A WeChat stand-in on 127.0.0.1: stable_token, and `answer(body)` for checkencryptedmsg; records the bodies. */
async function fakeWeChat(answer) {
  const bodies = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => { text += c; });
    req.on('end', () => {
      const path = new URL(req.url, 'http://127.0.0.1').pathname;
      res.writeHead(200, { 'content-type': 'application/json' });
      if (path === '/cgi-bin/stable_token') return res.end(JSON.stringify({ access_token: 'fake-token-0123456789abcdef', expires_in: 7200 }));
      bodies.push(JSON.parse(text));
      return res.end(JSON.stringify(answer(bodies[bodies.length - 1])));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: `http://127.0.0.1:${server.address().port}` });
  return { client, bodies, close: () => new Promise((r) => server.close(r)) };
}

test('checkEncryptedData: the hash is lowercase hex SHA-256 of the base64 text (its UTF-8 bytes), not of the decoded bytes; vaild false and a reply without vaild', async () => {
  let reply = { errcode: 0, errmsg: 'ok', vaild: false, create_time: 1629121902 };
  const wx = await fakeWeChat(() => reply);
  try {
    const data = 'eUxf/qk5WvGn3UmD+ArRWo1k2uHhFYH3fV7B0tOvZh4=';
    assert.deepEqual(await wx.client.checkEncryptedData(data), { valid: false, createTime: 1629121902 });
    assert.deepEqual(wx.bodies[0], { encrypted_msg_hash: sha256(data) });
    assert.notEqual(wx.bodies[0].encrypted_msg_hash, createHash('sha256').update(Buffer.from(data, 'base64')).digest('hex'));
    assert.match(wx.bodies[0].encrypted_msg_hash, /^[0-9a-f]{64}$/);

    reply = { errcode: 0, errmsg: 'ok', vaild: true, create_time: 1629121902 };
    assert.deepEqual(await wx.client.checkEncryptedData(data), { valid: true, createTime: 1629121902 });
    reply = { errcode: 0, errmsg: 'ok', vaild: true };
    assert.deepEqual(await wx.client.checkEncryptedData(data), { valid: true, createTime: null });
    reply = { errcode: 0, errmsg: 'ok', valid: true, create_time: 1629121902 };
    assert.match((await rejectsWith(wx.client.checkEncryptedData(data), 'WECHAT_UNAVAILABLE', [APP_SECRET, 'fake-token-0123456789abcdef'])).message, /without a boolean vaild/);
    reply = { errcode: 40097, errmsg: 'invalid args rid: 1a2b3c4d-1a2b3c4d-1a2b3c4d' };
    const e = await rejectsWith(wx.client.checkEncryptedData(data), 'WECHAT_API_ERROR', [APP_SECRET, 'fake-token-0123456789abcdef']);
    assert.equal(e.errcode, 40097);
    assert.equal(e.rid, '1a2b3c4d-1a2b3c4d-1a2b3c4d');
  } finally {
    await wx.close();
  }
});

test('checkEncryptedData: a token error is retried once with a fresh token (nothing single-use is spent)', async () => {
  const { mock, client, close } = await setup();
  try {
    mock.client.login('dan');
    const tap = mock.client.getPhoneNumber('dan');
    await client.getAccessToken();
    mock.invalidateAccessTokens();
    assert.equal((await client.checkEncryptedData(tap.encryptedData)).valid, true);
    assert.equal(mock.counters.checkencryptedmsg, 2);
  } finally {
    await close();
  }
});
