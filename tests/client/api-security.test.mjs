// WeChat's API security mode (服务端 API 签名加密): WeChat's worked example as
// fixed vectors (tests/vectors/api-security.json) through both runtime
// paths (node:crypto and WebCrypto), the real client against the mock
// WeChat speaking the mode (round trips, every refusal of a reply, the plain
// errcodes of the security layer, token renewal), and the keys: checked at
// construction, never spent a code on when bad, never in an error surface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { createDecipheriv, createPrivateKey, createPublicKey, constants, generateKeyPairSync, verify as nodeVerify, X509Certificate } from 'node:crypto';
import { load } from './support/src.mjs';
import { APP_ID, APP_SECRET, rejectsWith, assertNoSecrets, apiSecuritySecrets } from './support/helpers.mjs';

const { WeChatClient } = await load('client.mjs');
const { startMockWeChat } = await load('mock/index.mjs');
const { runtimePrimitives, createApiSecurity, fromBase64, toBase64, utf8 } = await load('api-security.mjs');

// WeChat's worked example from the vectors shared with the security .wasm's
// tests: doc (keys, certificate, the two envelopes) and doc.example (every
// other value the guide prints).
const DOC = JSON.parse(readFileSync(new URL('../vectors/api-security.json', import.meta.url), 'utf8')).doc;
const SENT = JSON.parse(DOC.requestBody);
const V = {
  ...DOC.example,
  privateKey: DOC.privateKey,
  publicKey: DOC.publicKey,
  platformCertificate: DOC.platform.certificate,
  request: { ...DOC.example.request, data: SENT.data, authtag: SENT.authtag },
  response: { ...DOC.example.response, body: DOC.responseBody },
};
assert.equal(SENT.iv, V.request.iv);
const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
const b64 = (s) => Uint8Array.from(Buffer.from(s, 'base64'));
const der = (key, type) => Uint8Array.from(key.export({ type, format: 'der' }));
const PATHS = {
  phone: '/wxa/business/getuserphonenumber',
  check: '/wxa/business/checkencryptedmsg',
  keys: '/wxa/business/getuserencryptkey',
};

const PRIMITIVES = [['node:crypto', runtimePrimitives()], ['WebCrypto', runtimePrimitives({ webCrypto: true })]];

test('runtimePrimitives: node:crypto on Node, WebCrypto when asked', () => {
  assert.equal(PRIMITIVES[0][1].source, 'node:crypto');
  assert.equal(PRIMITIVES[1][1].source, 'WebCrypto');
});

for (const [name, prim] of PRIMITIVES) {
  test(`${name}: the guide's request encrypts to its exact ciphertext and tag (AES-256-GCM, AAD urlpath|appid|timestamp|symmetricSn)`, async () => {
    const r = V.request;
    const aad = utf8(`${V.urlpath}|${V.appId}|${r.timestamp}|${V.symmetricSn}`);
    const out = await prim.aesGcmSeal(b64(V.symmetricKey), b64(r.iv), aad, utf8(r.plaintext));
    assert.equal(toBase64(out.data), r.data);
    assert.equal(toBase64(out.authtag), r.authtag);
    const back = await prim.aesGcmOpen(b64(V.symmetricKey), b64(r.iv), aad, out.data, out.authtag);
    assert.equal(Buffer.from(back).toString('utf8'), r.plaintext);
    // Another AAD (the key's Sn changed) does not open it.
    const wrong = utf8(`${V.urlpath}|${V.appId}|${r.timestamp}|${V.privateKeySn}`);
    assert.equal(await prim.aesGcmOpen(b64(V.symmetricKey), b64(r.iv), wrong, out.data, out.authtag), null);
  });

  test(`${name}: the guide's request signature verifies (RSASSA-PSS SHA-256, salt 32) over urlpath\\nappid\\ntimestamp\\nbody, and ours verifies with node:crypto`, async () => {
    const r = V.request;
    const body = JSON.stringify({ iv: r.iv, data: r.data, authtag: r.authtag });
    const message = utf8(`${V.urlpath}\n${V.appId}\n${r.timestamp}\n${body}`);
    const pub = await prim.verifyingKey(der(createPublicKey(V.publicKey), 'spki'));
    assert.equal(await prim.pssVerify(pub, message, b64(r.signature)), true);
    // With the key's Sn in the signed text (WxJava 4.8.0's 40234), it does not.
    const withSn = utf8(`${V.urlpath}\n${V.appId}\n${r.timestamp}\n${V.privateKeySn}\n${body}`);
    assert.equal(await prim.pssVerify(pub, withSn, b64(r.signature)), false);
    const ours = await prim.pssSign(await prim.signingKey(der(createPrivateKey(V.privateKey), 'pkcs8')), message);
    assert.equal(nodeVerify('sha256', message, { key: V.publicKey, ...PSS }, ours), true);
    assert.equal(await prim.pssVerify(pub, message, ours), true);
  });

  test(`${name}: the guide's reply verifies with the platform certificate and decrypts to its exact bytes`, async () => {
    const r = V.response;
    const cert = new X509Certificate(V.platformCertificate);
    const pub = await prim.verifyingKey(der(cert.publicKey, 'spki'));
    assert.equal(await prim.pssVerify(pub, utf8(`${V.urlpath}\n${V.appId}\n${r.timestamp}\n${r.body}`), b64(r.signature)), true);
    const env = JSON.parse(r.body);
    const plain = await prim.aesGcmOpen(b64(V.symmetricKey), b64(env.iv), utf8(`${V.urlpath}|${V.appId}|${r.timestamp}|${V.symmetricSn}`), b64(env.data), b64(env.authtag));
    assert.equal(Buffer.from(plain).toString('utf8'), r.plaintext);
  });
}

/** The mode with the guide's keys, its clock at `nowS`, for `path` of the guide's urlpath. */
function guideMode(nowS, extra = {}) {
  return createApiSecurity({
    symmetricKey: V.symmetricKey,
    symmetricSn: V.symmetricSn,
    privateKey: V.privateKey,
    privateKeySn: V.privateKeySn,
    platformCertificate: V.platformCertificate,
    platformCertificateSn: V.platformCertificateSn,
    ...extra,
  }, V.appId, () => nowS * 1000);
}
const GUIDE_PATH = new URL(V.urlpath).pathname;
const guideHeaders = (over = {}) => {
  const h = { 'wechatmp-appid': V.appId, 'wechatmp-timestamp': String(V.response.timestamp), 'wechatmp-serial': V.response.serial, 'wechatmp-signature': V.response.signature, ...over };
  return (name) => (h[name] === undefined ? null : h[name]);
};

test("open(): the guide's reply, as the client reads it, gives its API fields (without _n, _appid, _timestamp)", async () => {
  const reply = await guideMode(V.response.timestamp).open(GUIDE_PATH, V.response.body, guideHeaders());
  const expected = JSON.parse(V.response.plaintext);
  delete expected._n;
  delete expected._appid;
  delete expected._timestamp;
  assert.deepEqual(reply, expected);
  assert.equal(reply.unoin_id, 2258658297);
});

test("open(): the guide's reply refused when a byte, a header or the clock is off", async () => {
  const mode = guideMode(V.response.timestamp);
  const refused = async (text, header, pattern, m = mode) => {
    const e = await rejectsWith(m.open(GUIDE_PATH, text, header), 'UNVERIFIED_REPLY', [V.symmetricKey, V.privateKey]);
    assert.match(e.message, pattern);
  };
  await refused(V.response.body.replace('"iv":"r', '"iv":"s'), guideHeaders(), /signature does not verify/);
  await refused(V.response.body, guideHeaders({ 'wechatmp-timestamp': String(V.response.timestamp + 1) }), /signature does not verify/);
  await refused(V.response.body, guideHeaders({ 'wechatmp-serial': '0'.repeat(32) }), /signed under platform certificate 0{32}, not apiSecurity\.platformCertificateSn/);
  await refused(V.response.body, guideHeaders({ 'wechatmp-serial': 'x\nforged log line' }), /platform certificate not a serial number/);
  await refused(V.response.body, guideHeaders({ 'wechatmp-appid': 'wx0000000000000000' }), /Wechatmp-Appid is not options\.appId/);
  await refused(V.response.body, guideHeaders({ 'wechatmp-timestamp': null }), /Wechatmp-TimeStamp is missing/);
  await refused(V.response.body, guideHeaders({ 'wechatmp-signature': 'not base64!' }), /signature header is missing or not base64/);
  await refused(V.response.body, guideHeaders({ 'wechatmp-signature': null }), /signature header is missing or not base64/);
  await refused(V.response.body, guideHeaders(), /301 s old \(more than 300\)/, guideMode(V.response.timestamp + 301));
  await refused(V.response.body, guideHeaders(), /301 s in the future/, guideMode(V.response.timestamp - 301));
  // 300 s either way is still accepted.
  await guideMode(V.response.timestamp + 300).open(GUIDE_PATH, V.response.body, guideHeaders());
  await guideMode(V.response.timestamp - 300).open(GUIDE_PATH, V.response.body, guideHeaders());
  // Another symmetricSn: the AAD differs, so it does not decrypt.
  await refused(V.response.body, guideHeaders(), /does not decrypt with apiSecurity\.symmetricKey/, guideMode(V.response.timestamp, { symmetricSn: V.privateKeySn }));
  // During a rotation: the -Deprecated pair is used when its serial is ours.
  const rotating = guideHeaders({ 'wechatmp-serial': 'ab'.repeat(16), 'wechatmp-signature': 'AAAA', 'wechatmp-serial-deprecated': V.response.serial, 'wechatmp-signature-deprecated': V.response.signature });
  assert.equal((await mode.open(GUIDE_PATH, V.response.body, rotating)).risk_rank, 0);
});

/** A mock speaking the mode and a client with its keys; `calls` records each request the client sent. */
async function secureSetup({ algorithm, clientOptions = {}, mockOptions = {} } = {}) {
  const mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, apiSecurity: algorithm ? { algorithm } : true, ...mockOptions });
  const calls = [];
  const fetchSpy = (url, init) => {
    calls.push({ url, init });
    return fetch(url, init);
  };
  const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, fetch: fetchSpy, apiSecurity: mock.apiSecurity, ...clientOptions });
  return { mock, client, calls, close: () => mock.close() };
}

const keySecrets = apiSecuritySecrets;

test('a request in the mode: POST, only access_token in the URL, {iv,data,authtag}, the three headers, a signature over the four lines, the plaintext with _n, _appid, _timestamp and the fields', async () => {
  const { mock, client, calls, close } = await secureSetup();
  try {
    mock.client.login('alice');
    const tap = mock.client.getPhoneNumber('alice');
    const before = Math.floor(Date.now() / 1000);
    await client.getPhoneNumber(tap.code, { openid: mock.client.openidOf('alice') });
    const req = calls.find((c) => c.url.includes(PATHS.phone));
    const url = new URL(req.url);
    assert.deepEqual([...url.searchParams.keys()], ['access_token']);
    assert.equal(req.init.method, 'POST');
    const h = req.init.headers;
    assert.equal(h['Wechatmp-Appid'], APP_ID);
    const ts = Number(h['Wechatmp-TimeStamp']);
    assert.ok(Math.abs(ts - before) <= 2);
    assert.deepEqual(Object.keys(JSON.parse(req.init.body)), ['iv', 'data', 'authtag']);
    const o = mock.apiSecurity;
    const pub = createPublicKey(createPrivateKey(o.privateKey));
    assert.ok(nodeVerify('sha256', Buffer.from(`https://api.weixin.qq.com${PATHS.phone}\n${APP_ID}\n${ts}\n${req.init.body}`), { key: pub, ...PSS }, Buffer.from(h['Wechatmp-Signature'], 'base64')));
    const env = JSON.parse(req.init.body);
    assert.equal(Buffer.from(env.iv, 'base64').length, 12);
    const d = createDecipheriv('aes-256-gcm', Buffer.from(o.symmetricKey, 'base64'), Buffer.from(env.iv, 'base64'));
    d.setAAD(Buffer.from(`https://api.weixin.qq.com${PATHS.phone}|${APP_ID}|${ts}|${o.symmetricSn}`));
    d.setAuthTag(Buffer.from(env.authtag, 'base64'));
    const plain = JSON.parse(Buffer.concat([d.update(Buffer.from(env.data, 'base64')), d.final()]).toString('utf8'));
    assert.deepEqual(Object.keys(plain), ['_n', '_appid', '_timestamp', 'code', 'openid']);
    assert.match(plain._n, /^[A-Za-z0-9+/]{22}$/);
    assert.equal(plain._appid, APP_ID);
    assert.equal(plain._timestamp, ts);
    assert.equal(plain.code, tap.code);
  } finally {
    await close();
  }
});

for (const algorithm of ['RSA', 'SM']) {
  test(`${algorithm}: getPhoneNumber, checkEncryptedData and getUserEncryptKey round trip through the mock in the mode`, async () => {
    const { mock, client, calls, close } = await secureSetup({ algorithm });
    try {
      await client.ready();
      mock.client.login('alice');
      const issued = Math.floor(Date.now() / 1000);
      const tap = mock.client.getPhoneNumber('alice');
      const phone = await client.getPhoneNumber(tap.code);
      assert.equal(phone.phoneNumber, mock.client.phoneOf('alice').phoneNumber);
      const check = await client.checkEncryptedData(tap.encryptedData);
      assert.equal(check.valid, true);
      assert.ok(check.createTime >= issued && check.createTime <= issued + 2, String(check.createTime));
      const other = mock.client.getPhoneNumber('alice').encryptedData.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
      assert.deepEqual(await client.checkEncryptedData(other), { valid: false, createTime: null });
      const s = await client.code2Session(mock.client.login('alice').code);
      const keys = await client.getUserEncryptKey(s.openid, s.sessionKey);
      assert.equal(keys.length, 1);
      assert.equal(keys[0].version, 1);
      // getuserencryptkey, a GET in plain mode, went as a POST with its parameters in the plaintext.
      const req = calls.find((c) => c.url.includes(PATHS.keys));
      assert.equal(req.init.method, 'POST');
      assert.deepEqual([...new URL(req.url).searchParams.keys()], ['access_token']);
      assert.equal(mock.counters.getuserphonenumber, 1);
      assert.equal(mock.counters.checkencryptedmsg, 2);
      assert.equal(mock.counters.getuserencryptkey, 1);
      assert.equal(await client.checkSessionKey(s.openid, s.sessionKey), true);
      // Calls outside the mode stay plain: code2Session, the token, checkSessionKey.
      assert.ok(calls.some((c) => c.url.includes('/wxa/checksession') && c.init.method === 'GET'));
      for (const c of calls.filter((x) => !Object.values(PATHS).some((p) => x.url.includes(p)))) assert.equal(c.init.headers && c.init.headers['Wechatmp-Signature'], undefined);
      // A stale session_key is WeChat's 87009, decrypted and mapped as before.
      mock.client.login('alice');
      const e = await rejectsWith(client.getUserEncryptKey(s.openid, s.sessionKey), 'WECHAT_API_ERROR', [...mock.issuedSecrets(), ...keySecrets(mock.apiSecurity)]);
      assert.equal(e.errcode, 87009);
    } finally {
      await close();
    }
  });
}

const REFUSALS = {
  tamperReply: /signature does not verify with apiSecurity\.platformCertificate/,
  tamperSignature: /signature does not verify with apiSecurity\.platformCertificate/,
  unknownCertificate: /it is signed under platform certificate [0-9a-f]{32}, not apiSecurity\.platformCertificateSn [0-9a-f]{32}: download the current platform certificate/,
  staleTimestamp: /Wechatmp-TimeStamp is 301 s old \(more than 300\)/,
  futureTimestamp: /Wechatmp-TimeStamp is 301 s in the future/,
  wrongAppid: /decrypted _appid is not options\.appId/,
  timestampMismatch: /decrypted _timestamp is not its Wechatmp-TimeStamp/,
  plainSuccess: /plain JSON without Wechatmp-Signature and not an error/,
  badEnvelope: /not the \{"iv","data","authtag"\} envelope/,
  plaintextNotJson: /decrypts to something other than a JSON object/,
};

test('every refusal: a reply that fails a check is UNVERIFIED_REPLY naming the check, never data; no key in any surface', async () => {
  const { mock, client, close } = await secureSetup();
  try {
    mock.client.login('bob');
    const tap = mock.client.getPhoneNumber('bob');
    const secrets = [...mock.issuedSecrets(), ...keySecrets(mock.apiSecurity)];
    const seen = new Set();
    for (const [kind, pattern] of Object.entries(REFUSALS)) {
      mock.fault(kind, { path: PATHS.check, times: 1 });
      const e = await rejectsWith(client.checkEncryptedData(tap.encryptedData), 'UNVERIFIED_REPLY', secrets);
      assert.match(e.message, pattern, kind);
      assert.match(e.message, /^WeChat's reply failed a check of API security .*: \/wxa\/business\/checkencryptedmsg: /, kind);
      assert.equal(e.errcode, null);
      seen.add(e.message.replace(/[0-9a-f]{32}/g, ''));
    }
    // One sentence per check (the two signature failures share theirs).
    assert.equal(seen.size, Object.keys(REFUSALS).length - 1);
    // The mode still works after them.
    assert.equal((await client.checkEncryptedData(tap.encryptedData)).valid, true);
    // A refused phone reply: the code was spent at WeChat, and the error says it is UNVERIFIED_REPLY, not a number.
    mock.fault('tamperReply', { path: PATHS.phone, times: 1 });
    await rejectsWith(client.getPhoneNumber(tap.code), 'UNVERIFIED_REPLY', secrets);
  } finally {
    await close();
  }
});

test('certificate rotation: -Deprecated verifies a client holding the old certificate, Wechatmp-Serial one holding the new; neither is refused', async () => {
  const { mock, client, close } = await secureSetup();
  try {
    mock.client.login('carol');
    const tap = mock.client.getPhoneNumber('carol');
    const old = mock.apiSecurity;
    const fresh = mock.rotatePlatformCertificate();
    assert.notEqual(fresh.platformCertificateSn, old.platformCertificateSn);
    assert.equal(mock.apiSecurity.platformCertificateSn, fresh.platformCertificateSn);
    assert.equal((await client.checkEncryptedData(tap.encryptedData)).valid, true);
    const renewed = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, apiSecurity: mock.apiSecurity });
    assert.equal((await renewed.checkEncryptedData(tap.encryptedData)).valid, true);
    // A second rotation: the first certificate is in neither header.
    mock.rotatePlatformCertificate();
    const e = await rejectsWith(client.checkEncryptedData(tap.encryptedData), 'UNVERIFIED_REPLY');
    assert.match(e.message, new RegExp(`not apiSecurity\\.platformCertificateSn ${old.platformCertificateSn}`));
    assert.match(e.message, /\(and [0-9a-f]{32}, deprecated\)/);
    assert.equal((await renewed.checkEncryptedData(tap.encryptedData)).valid, true);
  } finally {
    await close();
  }
});

const SECURITY_ERRCODES = {
  40230: /a relay \(baseUrl\) or an injected fetch dropped the Wechatmp-\* request headers/,
  40231: /dropped the Wechatmp-\* request headers/,
  40232: /dropped the Wechatmp-\* request headers/,
  40233: /dropped the Wechatmp-\* request headers/,
  40234: /apiSecurity\.privateKey is the application private key whose public key \(number apiSecurity\.privateKeySn\) is registered.*apiSecurity\.algorithm matches the one chosen there/,
  40235: /apiSecurity\.symmetricKey and symmetricSn against the symmetric key and its number.*AES256_GCM/,
  40236: /options\.appId is not a valid AppID/,
  40237: /options\.appId is not the access token's Mini Program/,
  40238: /no symmetric key is configured/,
  40239: /no application public key is configured/,
  40240: /check this server's clock/,
};

test('plain 40230-40240 to a request sent in the mode: WECHAT_API_ERROR saying what to check (key numbers, algorithm, clock), not "turn it off"', async () => {
  const { mock, client, close } = await secureSetup();
  try {
    mock.client.login('dan');
    const tap = mock.client.getPhoneNumber('dan');
    for (const [errcode, pattern] of Object.entries(SECURITY_ERRCODES)) {
      mock.fault('errcode', { path: PATHS.check, errcode: Number(errcode), errmsg: 'api security error', times: 1 });
      const e = await rejectsWith(client.checkEncryptedData(tap.encryptedData), 'WECHAT_API_ERROR', [...mock.issuedSecrets(), ...keySecrets(mock.apiSecurity)]);
      assert.equal(e.errcode, Number(errcode));
      assert.match(e.message, pattern, errcode);
      assert.match(e.message, /^API security \(/, errcode);
      assert.doesNotMatch(e.message, /turn it off/, errcode);
      assert.match(e.rid, /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
    }
  } finally {
    await close();
  }
});

test("the mock's own checks answer WeChat's plain errcodes: a plain client 40233, a wrong private key 40234, a wrong symmetric key 40235, a clock 10 minutes off 40240", async () => {
  const { mock, close } = await secureSetup();
  try {
    mock.client.login('erin');
    const tap = mock.client.getPhoneNumber('erin');
    const o = mock.apiSecurity;
    const other = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, apiSecurity: true });
    const o2 = other.apiSecurity;
    await other.close();
    const make = (apiSecurity, extra = {}) => new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, ...(apiSecurity ? { apiSecurity } : {}), ...extra });
    const code = async (c) => (await rejectsWith(c.checkEncryptedData(tap.encryptedData), 'WECHAT_API_ERROR')).errcode;
    assert.equal(await code(make(null)), 40233);
    assert.equal(await code(make({ ...o, privateKey: o2.privateKey })), 40234);
    assert.equal(await code(make({ ...o, symmetricKey: o2.symmetricKey })), 40235);
    assert.equal(await code(make({ ...o, symmetricSn: o2.symmetricSn })), 40235);
    assert.equal(await code(make(o, { now: () => Date.now() - 600 * 1000 })), 40240);
    // The signed urlpath is apiSecurity.origin's (default https://api.weixin.qq.com), never baseUrl's:
    // signed for another origin, WeChat (the mock) cannot verify it.
    assert.equal(await code(make({ ...o, origin: 'https://relay.example.com' })), 40234);
  } finally {
    await close();
  }
});

test('token errors still renew the token in the mode: an encrypted 40001 and a plain one', async () => {
  const { mock, client, close } = await secureSetup();
  try {
    mock.client.login('fay');
    const tap = mock.client.getPhoneNumber('fay');
    assert.equal((await client.checkEncryptedData(tap.encryptedData)).valid, true);
    mock.invalidateAccessTokens(); // the mock answers 40001 inside an encrypted, signed reply
    assert.equal((await client.checkEncryptedData(tap.encryptedData)).valid, true);
    mock.fault('errcode', { path: PATHS.check, errcode: 40001, errmsg: 'invalid credential', times: 1 }); // a plain one
    assert.equal((await client.checkEncryptedData(tap.encryptedData)).valid, true);
    // One fetch; a renewal after the encrypted 40001 (the revoked token is
    // replaced); after the plain one WeChat hands back the same token, so a
    // forced refresh follows.
    assert.equal(mock.counters.stable_token, 4);
    assert.equal(mock.counters.stable_token_forced, 1);
  } finally {
    await close();
  }
});

test('options.apiSecurity checked at construction: INVALID_ARGUMENT naming the key and the problem, quoting no key', async () => {
  const mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, apiSecurity: true });
  try {
    const o = mock.apiSecurity;
    const secrets = keySecrets(o);
    const make = (apiSecurity) => () => new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, apiSecurity });
    const cases = [
      [{ ...o, symmetricKey: Buffer.alloc(16, 7).toString('base64') }, /symmetricKey must be base64 of 32 bytes for AES256_GCM \(algorithm 'RSA'\); it is not \(a key of the other algorithm's size: is algorithm 'SM' chosen/],
      [{ ...o, symmetricKey: `${o.symmetricKey}%` }, /symmetricKey must be the base64 symmetric key from API安全 \(it is not base64\)/],
      [{ ...o, symmetricKey: o.symmetricKey, algorithm: 'SM' }, /symmetricKey must be base64 of 16 bytes for SM4_GCM/],
      [{ ...o, symmetricSn: 'fa05fe1e' }, /symmetricSn must be the key's number from API安全: 32 hex digits/],
      [{ ...o, privateKeySn: `${o.privateKeySn}0` }, /privateKeySn must be the key's number/],
      [{ ...o, platformCertificateSn: undefined }, /platformCertificateSn is undefined: it is required/],
      [{ ...o, algorithm: 'AES' }, /algorithm must be 'RSA' .* or 'SM'/],
      [{ ...o, origin: 'http://api.weixin.qq.com' }, /origin must be an https:\/\/ origin/],
      [{ ...o, privateKey: createPublicKey(createPrivateKey(o.privateKey)).export({ type: 'spki', format: 'pem' }) }, /privateKey must be the application private key .*; it holds a PEM "PUBLIC KEY"/],
      [{ ...o, privateKey: o.platformCertificate }, /privateKey must be the application private key .*; it holds a PEM "CERTIFICATE"/],
      [{ ...o, platformCertificate: o.privateKey }, /platformCertificate must be the platform certificate .*; it holds a PEM "RSA PRIVATE KEY"/],
      [{ ...o, platformCertificate: 'not a pem' }, /platformCertificate must be the platform certificate .*; it holds no PEM block/],
      [{ ...o, symmetricKeys: o.symmetricKey }, /options\.apiSecurity has an unknown key "symmetricKeys" \(did you mean symmetricKey\?\)/],
      ['on', /options\.apiSecurity must be an object/],
    ];
    for (const [apiSecurity, pattern] of cases) {
      let caught;
      try {
        make(apiSecurity)();
      } catch (e) {
        caught = e;
      }
      assert.ok(caught, String(pattern));
      assert.equal(caught.code, 'INVALID_ARGUMENT');
      assert.match(caught.message, pattern);
      assertNoSecrets(caught, secrets);
    }
  } finally {
    await mock.close();
  }
});

test('bad keys found by the parse (after construction): ready() and every call reject with INVALID_ARGUMENT before any request, so no code is spent', async () => {
  const mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, apiSecurity: true });
  try {
    const o = mock.apiSecurity;
    const lines = o.privateKey.split('\n');
    const garbled = [lines[0], 'A'.repeat(64), lines[lines.length - 2], ''].join('\n');
    const secrets = [...keySecrets(o), ...mock.issuedSecrets()];
    const bad = [
      [{ ...o, privateKey: garbled }, /apiSecurity\.privateKey/],
      [{ ...o, privateKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) }, /apiSecurity\.privateKey.*2048/],
      // The mock's certificate has expired by this client's clock (two years on).
      [o, /platformCertificate expired on \d{4}-/, () => Date.now() + 2 * 365 * 86400 * 1000],
    ];
    mock.client.login('gus');
    const tap = mock.client.getPhoneNumber('gus');
    for (const [apiSecurity, pattern, now] of bad) {
      const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, apiSecurity, ...(now ? { now } : {}) });
      const before = mock.counters.requests;
      const e = await rejectsWith(client.ready(), 'INVALID_ARGUMENT', secrets);
      assert.match(e.message, pattern);
      await rejectsWith(client.getPhoneNumber(tap.code), 'INVALID_ARGUMENT', secrets);
      await rejectsWith(client.checkEncryptedData(tap.encryptedData), 'INVALID_ARGUMENT', secrets);
      assert.equal(mock.counters.requests, before, 'nothing reached WeChat, not even a token fetch');
    }
    // The code is still good for a client whose keys are right.
    let later = 0;
    const good = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, apiSecurity: o, now: () => Date.now() + later });
    assert.equal((await good.getPhoneNumber(tap.code)).phoneNumber, mock.client.phoneOf('gus').phoneNumber);
    // The certificate's expiry is checked at every call, not only at load.
    later = 2 * 365 * 86400 * 1000;
    const before = mock.counters.requests;
    const e = await rejectsWith(good.checkEncryptedData(tap.encryptedData), 'INVALID_ARGUMENT', secrets);
    assert.match(e.message, /platformCertificate expired on/);
    assert.equal(mock.counters.requests, before);
  } finally {
    await mock.close();
  }
});

test('the keys are in no util.inspect or JSON.stringify of the client, and PKCS#8 works as well as PKCS#1', async () => {
  const { mock, client, close } = await secureSetup();
  try {
    const o = mock.apiSecurity;
    await client.ready();
    const shown = `${inspect(client, { depth: 10, showHidden: true })}\n${JSON.stringify(client)}`;
    for (const s of keySecrets(o)) assert.ok(!shown.includes(s));
    // Without apiSecurity, ready() resolves at once.
    assert.equal(await new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl }).ready(), undefined);
    const pkcs8 = createPrivateKey(o.privateKey).export({ type: 'pkcs8', format: 'pem' });
    const c8 = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, apiSecurity: { ...o, privateKey: pkcs8 } });
    mock.client.login('hal');
    assert.equal((await c8.checkEncryptedData(mock.client.getPhoneNumber('hal').encryptedData)).valid, true);
  } finally {
    await close();
  }
});

test('strict base64 helpers: canonical standard base64 with padding only', () => {
  assert.deepEqual([...fromBase64('AQID')], [1, 2, 3]);
  assert.deepEqual([...fromBase64('AQI=')], [1, 2]);
  assert.equal(fromBase64('AQJ='), null); // unused bits set
  assert.equal(fromBase64('AQI'), null);
  assert.equal(fromBase64('AQ-_'), null);
  assert.equal(toBase64(Uint8Array.from([255, 254])), '//4=');
});
