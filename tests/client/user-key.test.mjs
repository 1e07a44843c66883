// decryptWithUserKey (the built package's Node entry) against what a Mini
// Program sends: the user's latest key from the mock's
// getLatestUserKey (wx.getUserCryptoManager()), the data encrypted as
// docs/client.md's Mini Program half does it (AES-128-CBC, PKCS#7, the key
// base64-decoded, the iv's 16 characters as its bytes, base64 out), here
// with node:crypto as the independent implementation; the server side takes
// the key of the version sent from getUserEncryptKey through the real
// client and the mock's /wxa/business/getuserencryptkey.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { setup, rejectsWith, assertNoSecrets } from './support/helpers.mjs';
import { pkg, pkgUrl } from './support/src.mjs';

const { decryptWithUserKey } = pkg;

/** What the Mini Program sends: AES-128-CBC of JSON.stringify(data), PKCS#7, base64. */
function miniProgramEncrypt({ encryptKey, iv }, data) {
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(encryptKey, 'base64'), Buffer.from(iv, 'ascii'));
  return Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]).toString('base64');
}

/** The error `fn` throws (fails if it returns). */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return assert.fail('expected a throw');
}

const ORDER = { orderId: 'A-1001', amountFen: 1999, note: '少冰，谢谢', items: [{ sku: 'tea', n: 2 }] };

test('decryptWithUserKey: what the Mini Program encrypts with getLatestUserKey opens with the key of that version from getUserEncryptKey', async () => {
  const { mock, client, close } = await setup();
  try {
    const session = await client.code2Session(mock.client.login('alice').code);
    const latest = mock.client.getLatestUserKey('alice'); // on the phone
    const body = { version: latest.version, encryptedData: miniProgramEncrypt(latest, ORDER) };

    const keys = await client.getUserEncryptKey(session.openid, session.sessionKey);
    const key = keys.find((k) => k.version === body.version);
    assert.ok(key, 'the version the Mini Program used is listed');
    assert.equal(key.encryptKey, latest.encryptKey);
    assert.equal(key.iv, latest.iv);
    assert.equal(latest.expireTime, key.createTime + 3600, 'getLatestUserKey expireTime: unix seconds');
    assert.deepEqual(decryptWithUserKey(key, body.encryptedData), ORDER);
    // getLatestUserKey's own result works as the key too, and any JSON value is returned as encrypted.
    assert.deepEqual(decryptWithUserKey(latest, miniProgramEncrypt(latest, [1, 'two', null])), [1, 'two', null]);
    assert.equal(decryptWithUserKey(latest, miniProgramEncrypt(latest, 'text')), 'text');
  } finally {
    await close();
  }
});

test('decryptWithUserKey: after a rotation the older version still opens with its own key; the wrong key is DECRYPT_FAILED naming no secret', async () => {
  const { mock, client, close } = await setup();
  try {
    const session = await client.code2Session(mock.client.login('bob').code);
    const old = mock.client.getLatestUserKey('bob');
    const sent = miniProgramEncrypt(old, ORDER);
    mock.advanceTime(3600);
    const fresh = mock.client.getLatestUserKey('bob');
    assert.equal(fresh.version, old.version + 1);

    const keys = await client.getUserEncryptKey(session.openid, session.sessionKey);
    assert.deepEqual(keys.map((k) => k.version), [fresh.version, old.version]);
    assert.deepEqual(decryptWithUserKey(keys.find((k) => k.version === old.version), sent), ORDER);

    const error = thrown(() => decryptWithUserKey(keys[0], sent));
    assert.equal(error.code, 'DECRYPT_FAILED');
    assert.ok(error instanceof pkg.WxOpenDataError);
    assert.match(error.message, /the key whose version the Mini Program sent/);
    assertNoSecrets(error, [...mock.issuedSecrets(), sent, JSON.stringify(ORDER), '少冰，谢谢']);
    // A plaintext that is not JSON is refused the same way (the engine tells no padding or parse error apart).
    const cipher = createCipheriv('aes-128-cbc', Buffer.from(fresh.encryptKey, 'base64'), Buffer.from(fresh.iv, 'ascii'));
    const notJson = Buffer.concat([cipher.update('not json at all', 'utf8'), cipher.final()]).toString('base64');
    assert.equal(thrown(() => decryptWithUserKey(fresh, notJson)).code, 'DECRYPT_FAILED');
    // Another mode over whole blocks (ECB, CTR) is refused the same way.
    const plain = Buffer.from(JSON.stringify({ padded: 'to 32 bytes...' }).padEnd(32, ' '));
    for (const [mode, iv] of [['aes-128-ecb', null], ['aes-128-ctr', Buffer.from(fresh.iv, 'ascii')]]) {
      const other = createCipheriv(mode, Buffer.from(fresh.encryptKey, 'base64'), iv);
      const sealed = Buffer.concat([other.update(plain), other.final()]).toString('base64');
      assert.equal(thrown(() => decryptWithUserKey(fresh, sealed)).code, 'DECRYPT_FAILED', mode);
    }
  } finally {
    await close();
  }
});

test("decryptWithUserKey: WeChat's documented key shape (encrypt_key VI6BpyrK9XH4i4AIGe86tg==, iv 6003f73ec441c386): the iv is its 16 characters' bytes", () => {
  const key = { encryptKey: 'VI6BpyrK9XH4i4AIGe86tg==', iv: '6003f73ec441c386', version: 10 };
  assert.deepEqual(decryptWithUserKey(key, miniProgramEncrypt(key, ORDER)), ORDER);
  // The same data read with the iv's hex decoding (8 bytes, zero-padded to a block) does not open.
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(key.encryptKey, 'base64'), Buffer.concat([Buffer.from(key.iv, 'hex'), Buffer.alloc(8)]));
  const hexIv = Buffer.concat([cipher.update(JSON.stringify(ORDER), 'utf8'), cipher.final()]).toString('base64');
  assert.equal(thrown(() => decryptWithUserKey(key, hexIv)).code, 'DECRYPT_FAILED');
});

test('decryptWithUserKey: the web entry has it too (after init())', async () => {
  const web = await import(pkgUrl('web/index.mjs'));
  await web.init();
  const key = { encryptKey: randomBytes(16).toString('base64'), iv: 'f00dfeedcafe1234' };
  assert.deepEqual(web.decryptWithUserKey(key, miniProgramEncrypt(key, ORDER)), ORDER);
  assert.equal(thrown(() => web.decryptWithUserKey({ ...key, iv: 'short' }, 'AAAA')).code, 'INVALID_ARGUMENT');
});

test('decryptWithUserKey: a key or ciphertext of the wrong shape is INVALID_ARGUMENT saying which, never quoting it', async () => {
  const key = { encryptKey: randomBytes(16).toString('base64'), iv: 'a1b2c3d4e5f60718', version: 1 };
  const data = miniProgramEncrypt(key, ORDER);
  const secrets = [key.encryptKey, key.iv, data, JSON.stringify(ORDER)];
  const rows = [
    [null, data, /keyInfo must be one of the keys getUserEncryptKey returns/],
    [[key], data, /keyInfo must be one of the keys/],
    ['VI6BpyrK9XH4i4AIGe86tg==', data, /keyInfo must be one of the keys/],
    [{ iv: key.iv }, data, /keyInfo\.encryptKey must be getUserEncryptKey's encryptKey: base64 of 16 bytes/],
    [{ ...key, encryptKey: randomBytes(32).toString('base64') }, data, /keyInfo\.encryptKey must be/],
    [{ ...key, encryptKey: key.encryptKey.slice(0, 22) }, data, /keyInfo\.encryptKey must be/],
    [{ ...key, iv: undefined }, data, /keyInfo\.iv must be the 16-character iv/],
    [{ ...key, iv: randomBytes(16).toString('hex') }, data, /keyInfo\.iv must be the 16-character iv/],
    [{ ...key, iv: 'a1b2c3d4e5f6071' }, data, /keyInfo\.iv must be/],
    [{ ...key, iv: 'a1b2c3d4e5f6071\u00e9' }, data, /keyInfo\.iv must be/],
    [{ get encryptKey() { throw new Error(key.encryptKey); }, iv: key.iv }, data, /keyInfo could not be read/],
    [key, undefined, /encryptedData must be a string/],
    [key, 42, /encryptedData must be a string/],
    [key, '', /encryptedData is empty/],
    [key, data.replace(/[+/]/g, '-').replace(/=+$/, '') + '!', /encryptedData is not standard base64 with padding$/],
    [key, `${data.slice(0, 8)} ${data.slice(9)}`, /is not standard base64 with padding \('\+' became a space in transit/],
    [key, data.slice(0, -4) + (data.endsWith('==') ? 'AAA=' : 'AA=='), /decodes to \d+ bytes, not a multiple of 16/],
    [key, 'A'.repeat(4 * Math.ceil(1048576 / 3) + 4), /larger than decryption accepts/],
  ];
  for (const [keyInfo, encryptedData, message] of rows) {
    const error = await rejectsWith(Promise.resolve().then(() => decryptWithUserKey(keyInfo, encryptedData)), 'INVALID_ARGUMENT', secrets);
    assert.match(error.message, message);
    assertNoSecrets(error, secrets);
  }
});
