// HMAC-SHA256 as /wxa/checksession and /wxa/resetusersessionkey need it: the
// session_key string's UTF-8 bytes as the key. Every path (node:crypto, which
// Node uses; WebCrypto, which other runtimes use; the pure-JS fallback of an
// ESM bundle on Node 10-18) against RFC 4231 and WeChat's example.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createHash, randomBytes } from 'node:crypto';
import { load } from './support/src.mjs';

const { hmacSha256Hex, hmacSha256, sha256, toHex, utf8Bytes, hashPath } = await load('hmac.mjs');
const PATHS = ['node:crypto', 'WebCrypto', 'js'];

test('Node hashes with node:crypto; each path can be forced', () => {
  assert.equal(hashPath(), 'node:crypto');
  for (const path of PATHS) assert.equal(hashPath({ path }), path);
});

const hex = (s) => Uint8Array.from(Buffer.from(s, 'hex'));

// RFC 4231 section 4 (test case 5 is truncated output, so it is left out).
const RFC4231 = [
  ['0b'.repeat(20), Buffer.from('Hi There').toString('hex'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
  [Buffer.from('Jefe').toString('hex'), Buffer.from('what do ya want for nothing?').toString('hex'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
  ['aa'.repeat(20), 'dd'.repeat(50), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
  ['0102030405060708090a0b0c0d0e0f10111213141516171819', 'cd'.repeat(50), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'],
  ['aa'.repeat(131), Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First').toString('hex'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
  ['aa'.repeat(131), Buffer.from('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.').toString('hex'), '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2'],
];

test('RFC 4231 vectors: the pure-JS HMAC-SHA256', () => {
  for (const [key, data, mac] of RFC4231) assert.equal(toHex(hmacSha256(hex(key), hex(data))), mac);
});

test("WeChat's worked example: key o0q0otL8aEzpcZL/FT9WsQ== (the string, not its bytes), message {\"foo\":\"bar\"}", async () => {
  const expected = '654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b';
  assert.equal(await hmacSha256Hex('o0q0otL8aEzpcZL/FT9WsQ==', '{"foo":"bar"}'), expected);
  for (const path of PATHS) assert.equal(await hmacSha256Hex('o0q0otL8aEzpcZL/FT9WsQ==', '{"foo":"bar"}', { path }), expected, path);
});

test('every path agrees with node:crypto (empty message, as checksession signs)', async () => {
  for (let i = 0; i < 50; i++) {
    const key = randomBytes(16).toString('base64');
    const message = i % 2 ? '' : randomBytes(i * 7).toString('latin1') + '中文🙂';
    const want = createHmac('sha256', Buffer.from(key, 'utf8')).update(Buffer.from(message, 'utf8')).digest('hex');
    assert.equal(await hmacSha256Hex(key, message), want);
    for (const path of PATHS) assert.equal(await hmacSha256Hex(key, message, { path }), want, path);
  }
});

test('SHA-256 across block boundaries (55, 56, 63, 64, 65 bytes ...)', () => {
  for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000]) {
    const data = randomBytes(n);
    assert.equal(toHex(sha256(Uint8Array.from(data))), createHash('sha256').update(data).digest('hex'), `length ${n}`);
  }
});

test('utf8Bytes matches TextEncoder, lone surrogates included', () => {
  for (const s of ['', 'abc', 'é', '中文', '🙂', '\ud800', 'a\udc00b', '\ud83d\ude42\ud83d']) {
    assert.deepEqual(Array.from(utf8Bytes(s)), Array.from(new TextEncoder().encode(s)), JSON.stringify(s));
  }
});

test('sha256Hex (checkEncryptedData\'s hash): FIPS 180-4 vectors and node:crypto, through every path', async () => {
  const { sha256Hex } = await load('hmac.mjs');
  const fips = [
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ];
  for (const [text, want] of fips) {
    assert.equal(await sha256Hex(text), want);
    for (const path of PATHS) assert.equal(await sha256Hex(text, { path }), want, path);
  }
  for (let i = 0; i < 30; i++) {
    const text = randomBytes(i * 11).toString('base64') + (i % 3 ? '' : '中文🙂');
    const want = createHash('sha256').update(text, 'utf8').digest('hex');
    assert.equal(await sha256Hex(text), want);
    for (const path of PATHS) assert.equal(await sha256Hex(text, { path }), want, path);
  }
});
