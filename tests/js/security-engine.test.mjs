// The security engine (pkg-template/src/security-engine.mjs) through the
// real package: pkg/node/security.cjs and pkg/wasm/security.wasm, with the
// vectors the Rust tests read (tests/vectors/api-security.json: WeChat's
// worked example, openssl's conversions and SM2 signatures, GB/T and RFC 8998
// examples). node:crypto is the independent party for RSA and AES-256-GCM:
// the PKCS#8 and SPKI bytes the engine returns must work there, the doc's
// reply must verify and decrypt with them. Then hostile input: every refusal
// of the module with its words, messages scanned for the input, and
// thousands of mutated keys, certificates and envelopes through one instance
// that must keep answering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { pkgDir } from './support/entries.mjs';

const require = createRequire(import.meta.url);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const V = JSON.parse(readFileSync(join(repo, 'tests', 'vectors', 'api-security.json'), 'utf8'));
const api = require(join(pkgDir, 'node', 'index.cjs'));
// node/security.cjs is a function of the errors module its importer shares
// with it (pkg-template/src/node-security-engine.mjs); the entry's class.
const errors = {
  WxOpenDataError: api.WxOpenDataError,
  invalidArgument: (what) => new api.WxOpenDataError('INVALID_ARGUMENT', `invalid argument: ${what}`),
};
const engine = await require(join(pkgDir, 'node', 'security.cjs'))({ errors }).loadSecurityEngine();

const hex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const b64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const utf8 = (s) => new Uint8Array(Buffer.from(s, 'utf8'));
const toHex = (u8) => Buffer.from(u8).toString('hex');
const DOC_URL = 'https://api.weixin.qq.com/wxa/getuserriskrank';
const DOC_APPID = 'wxba6223c06417af7b';
const CERT_ID = utf8('1234567812345678');

/** The engine still answers after whatever came before. */
function stillWorks() {
  assert.equal(toHex(engine.sm3(utf8('abc'))), V.sm3[0].digest);
  assert.equal(engine.parsePrivateKey(V.doc.privateKey, 'k').bits, 2048);
}

/** Every 12-character run of the input's base64 body, its hex and its lengths are absent from the message. */
function assertNoInput(message, input) {
  const body = String(input).split(/\r?\n/).filter((l) => !l.includes('-----')).join('').replace(/[^A-Za-z0-9+/=]/g, '');
  for (let i = 0; i + 12 <= body.length; i += 3) assert.ok(!message.includes(body.slice(i, i + 12)), `message carries input: ${message}`);
  const der = Buffer.from(body, 'base64').toString('hex');
  for (let i = 0; i + 16 <= der.length; i += 8) assert.ok(!message.includes(der.slice(i, i + 16)), `message carries input: ${message}`);
  // No number but the fixed ones of the refusals (2048 bits, 8191 bytes, ...): no lengths of the input.
  for (const n of message.match(/\d+/g) || []) assert.ok(['2048', '256', '1', '2', '4', '8', '16', '12', '64', '509', '8191', '1024', '1970', '9999', '1234567812345678'].includes(n) || what(message).includes(n), `a number in: ${message}`);
}

/** The argument name at the start of an INVALID_ARGUMENT message. */
function what(message) {
  return (/^invalid argument: (\S+)/.exec(message) || ['', ''])[1];
}

test('the doc\'s PKCS#1 key comes out as openssl\'s PKCS#8, which node:crypto signs with', () => {
  const key = engine.parsePrivateKey(V.doc.privateKey, 'apiSecurity.privateKey');
  assert.deepEqual({ algorithm: key.algorithm, bits: key.bits }, { algorithm: 'RSA', bits: 2048 });
  assert.equal(Buffer.from(key.pkcs8).toString('base64'), V.doc.pkcs8Der);
  const privateKey = crypto.createPrivateKey({ key: Buffer.from(key.pkcs8), format: 'der', type: 'pkcs8' });
  const text = Buffer.from('signed text');
  const sig = crypto.sign('sha256', text, { key: privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  assert.ok(crypto.verify('sha256', text, { key: V.doc.publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig));
});

test('the platform certificate gives openssl\'s SPKI and dates; the doc\'s reply verifies and decrypts with them', () => {
  const cert = engine.parseCertificate(V.doc.platform.certificate, 'apiSecurity.platformCertificate');
  assert.equal(cert.algorithm, 'RSA');
  assert.equal(Buffer.from(cert.spki).toString('base64'), V.doc.platform.spkiDer);
  assert.deepEqual([cert.notBefore, cert.notAfter], [V.doc.platform.notBefore, V.doc.platform.notAfter]);
  const publicKey = crypto.createPublicKey({ key: Buffer.from(cert.spki), format: 'der', type: 'spki' });
  const signature = 'Ht0VfQkkEweJ4hU266C14Aj64H9AXfkwNi5zxUZETCvR2svU1ZYdosDhFX/voLj1TyszqKsVxAlENGt7PPZZ8RQX7jnA4SKhiPUhW4LTbyTenisHJ+ohSfDjYnXavjQsBHspFS+BlPHuSSJ2xyQzw1+HuC6nid09ZL4FnGSYo4OI5MJrSb9xLzIVZMIDuUQchGKi/KaB1KzxECLEZcfjqbAgmxC7qOmuBLyO1WkHYDM95NJrHJWba5xv4wrwPru9yYTJSNRnlM+zrW5w9pOubC4Jtj3szTAEuOz9AcqUmgaAvMLNAIa8hfODLRe3n/cu4SgYlN/ZkNRU4QXVNbPGMg==';
  const signed = `${DOC_URL}\n${DOC_APPID}\n1635927956\n${V.doc.responseBody}`;
  assert.ok(crypto.verify('sha256', Buffer.from(signed), { key: publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_AUTO }, Buffer.from(signature, 'base64')));
  const env = engine.openEnvelope(utf8(V.doc.responseBody));
  const decipher = crypto.createDecipheriv('aes-256-gcm', Buffer.from('otUpngOjU+nVQaWJIC3D/yMLV17RKaP6t4Ot9tbnzLY=', 'base64'), Buffer.from(env.iv));
  decipher.setAAD(Buffer.from(`${DOC_URL}|${DOC_APPID}|1635927956|fa05fe1e5bcc79b81ad5ad4b58acf787`));
  decipher.setAuthTag(Buffer.from(env.authtag));
  const plain = Buffer.concat([decipher.update(Buffer.from(env.data)), decipher.final()]).toString();
  assert.equal(plain, '{"_n":"ShYZpqdVgY+yQVAxNSWhYg","_appid":"wxba6223c06417af7b","_timestamp":1635927956,"errcode":0,"errmsg":"getuserriskrank succ","risk_rank":0,"unoin_id":2258658297}');
});

test('SM2 keys (PKCS#8, SEC1 "EC PRIVATE KEY" and OpenSSL 3\'s "SM2 PRIVATE KEY") come out as openssl\'s PKCS#8', () => {
  for (const field of ['pkcs8Pem', 'sec1Pem', 'sec1OpensslPem']) {
    const key = engine.parsePrivateKey(V.sm2[field], 'apiSecurity.privateKey');
    assert.deepEqual([key.algorithm, key.bits, Buffer.from(key.pkcs8).toString('base64')], ['SM2', 256, V.sm2.pkcs8Der], field);
  }
  const cert = engine.parseCertificate(V.sm2.self.certificate, 'c');
  assert.deepEqual([cert.algorithm, Buffer.from(cert.spki).toString('base64'), cert.notBefore, cert.notAfter], ['SM2', V.sm2.self.spkiDer, V.sm2.self.notBefore, V.sm2.self.notAfter]);
});

test('every refusal of parsePrivateKey and parseCertificate, in words naming the argument, without the input', () => {
  const words = {
    NotPem: /is not a PEM (private key|certificate)/,
    MultipleKeys: /more than one private key/,
    Encrypted: /encrypted private key/,
    PublicKeyGiven: /is a public key, where the (private key|certificate) belongs/,
    CertificateGiven: /is a certificate, where the private key belongs/,
    PrivateKeyGiven: /is a private key, where the certificate belongs/,
    RsaTooShort: /RSA key shorter than 2048 bits/,
    UnsupportedCurve: /curve other than SM2/,
    UnsupportedKeyType: /type other than RSA or SM2/,
    Malformed: /base64 or DER does not parse/,
    MultipleCertificates: /more than one certificate/,
  };
  for (const [kind, parse, what] of [['privateKey', engine.parsePrivateKey, 'apiSecurity.privateKey'], ['certificate', engine.parseCertificate, 'apiSecurity.platformCertificate']]) {
    for (const row of V.refusals[kind]) {
      let error;
      try {
        parse(row.pem, what);
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof api.WxOpenDataError, `${kind}: ${row.name} throws`);
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.ok(error.message.startsWith(`invalid argument: ${what} `), error.message);
      assert.match(error.message, words[row.refusal], `${kind}: ${row.name}`);
      assertNoInput(error.message, row.pem);
    }
  }
  assert.throws(() => engine.parsePrivateKey(Buffer.from(V.doc.privateKey), 'x'), /x must be a PEM string/);
  assert.throws(() => engine.parseCertificate(undefined, 'y'), /y must be a PEM string/);
  stillWorks();
});

test('SM3 (GB/T 32905), SM4-GCM (RFC 8998) and its tag check', () => {
  for (const row of V.sm3) assert.equal(toHex(engine.sm3(hex(row.messageHex))), row.digest);
  const g = V.sm4Gcm[0];
  const sealed = engine.sm4GcmSeal(hex(g.key), hex(g.iv), hex(g.aad), hex(g.plaintext));
  assert.equal(toHex(sealed), g.ciphertext + g.tag);
  assert.equal(toHex(engine.sm4GcmOpen(hex(g.key), hex(g.iv), hex(g.aad), sealed)), g.plaintext);
  const bad = sealed.slice();
  bad[bad.length - 1] ^= 1;
  assert.equal(engine.sm4GcmOpen(hex(g.key), hex(g.iv), hex(g.aad), bad), null);
  assert.equal(engine.sm4GcmOpen(hex(g.key), hex(g.iv), utf8('other aad'), sealed), null);
  assert.throws(() => engine.sm4GcmSeal(new Uint8Array(32), new Uint8Array(12), new Uint8Array(0), new Uint8Array(1)), { code: 'INVALID_ARGUMENT', message: /sm4GcmSeal: the key must be 16 bytes/ });
  assert.throws(() => engine.sm4GcmOpen(new Uint8Array(16), new Uint8Array(16), new Uint8Array(0), new Uint8Array(16)), /the iv must be 12 bytes/);
  assert.throws(() => engine.sm4GcmSeal('key', new Uint8Array(12), new Uint8Array(0), new Uint8Array(1)), /sm4GcmSeal: key must be a Uint8Array/);
});

test('SM2withSM3: published and openssl signatures verify (DER and raw r||s); ours are DER and verify', () => {
  const rc = V.rustcrypto;
  // The RustCrypto vector's key as SPKI: the SM2 SPKI prefix (id-ecPublicKey, sm2p256v1) + the point.
  const spki = new Uint8Array([...b64(V.sm2.spkiDer).slice(0, 26), ...hex(rc.publicKeySec1)]);
  assert.equal(engine.sm2Verify(spki, utf8(rc.id), utf8(rc.message), hex(rc.signatureRaw)), true);
  assert.equal(engine.sm2Verify(spki, CERT_ID, utf8(rc.message), hex(rc.signatureRaw)), false);
  const sm2Spki = b64(V.sm2.spkiDer);
  for (const s of V.sm2.signatures) {
    assert.equal(engine.sm2Verify(sm2Spki, utf8(s.id), utf8(s.message), b64(s.signatureDer)), true, s.id);
    assert.equal(engine.sm2Verify(sm2Spki, utf8(s.id), utf8(s.message + ' '), b64(s.signatureDer)), false);
  }
  const pkcs8 = b64(V.sm2.pkcs8Der);
  const id = utf8('97845f6ed842ea860df6fdf65941ff56');
  const sig = engine.sm2Sign(pkcs8, id, utf8('hello'));
  assert.equal(sig[0], 0x30, 'DER SEQUENCE');
  assert.equal(engine.sm2Verify(sm2Spki, id, utf8('hello'), sig), true);
  assert.notDeepEqual(engine.sm2Sign(pkcs8, id, utf8('hello')), sig, 'fresh randomness per signature');
  assert.throws(() => engine.sm2Sign(engine.parsePrivateKey(V.doc.privateKey, 'k').pkcs8, id, utf8('m')), /not an SM2 private key/);
  assert.throws(() => engine.sm2Verify(b64(V.doc.platform.spkiDer), id, utf8('m'), sig), /not an SM2 public key/);
});

test('openEnvelope: the doc\'s bodies, and null for anything that is not exactly an envelope', () => {
  const req = engine.openEnvelope(utf8(V.doc.requestBody));
  assert.equal(Buffer.from(req.iv).toString('base64'), 'fmW/zNxXlytUZBgj');
  assert.equal(Buffer.from(req.authtag).toString('base64'), '5qeM/2vZv+6KtScN94IpMg==');
  assert.equal(req.data.length, 188);
  const ok = JSON.parse(V.doc.responseBody);
  for (const body of [
    '{}', '[]', 'null', '', JSON.stringify({ ...ok, x: '1' }), JSON.stringify({ iv: ok.iv, data: ok.data }),
    V.doc.responseBody.replace('{', '{"iv":"AAAAAAAAAAAAAAAA",'), V.doc.responseBody + ' {}',
    JSON.stringify({ ...ok, iv: 'AAAAAAAAAAAAAAA=' }), JSON.stringify({ ...ok, authtag: ok.authtag.replace('==', '') }),
    JSON.stringify({ ...ok, data: ok.data.replace(/\+/g, '-') }), JSON.stringify({ ...ok, data: 1 }),
    JSON.stringify({ ...ok, data: 'A'.repeat(70000) }),
  ]) {
    assert.equal(engine.openEnvelope(utf8(body)), null, body.slice(0, 60));
  }
  assert.throws(() => engine.openEnvelope(V.doc.responseBody), /openEnvelope: body must be a Uint8Array/);
  stillWorks();
});

test('the mock\'s helpers: SM2 key pairs, and self-signed RSA and SM2 certificates node:crypto reads', () => {
  const now = Date.UTC(2026, 0, 1);
  const pair = engine.sm2GenerateKeyPair();
  assert.equal(engine.parsePrivateKey(`-----BEGIN PRIVATE KEY-----\n${Buffer.from(pair.pkcs8).toString('base64')}\n-----END PRIVATE KEY-----\n`, 'k').algorithm, 'SM2');
  assert.notDeepEqual(engine.sm2GenerateKeyPair().pkcs8, pair.pkcs8);
  const sm2Pem = engine.selfSignedCertificate({ algorithm: 'SM2', spki: pair.spki, notBefore: now, notAfter: now + 864e5, sign: (tbs) => engine.sm2Sign(pair.pkcs8, CERT_ID, tbs) });
  const sm2Cert = engine.parseCertificate(sm2Pem, 'c');
  assert.deepEqual([sm2Cert.algorithm, toHex(sm2Cert.spki), sm2Cert.notBefore, sm2Cert.notAfter], ['SM2', toHex(pair.spki), now, now + 864e5]);
  const x509 = new crypto.X509Certificate(sm2Pem);
  assert.equal(x509.subject, 'O=wx-open-data\nCN=wx-open-data mock WeChat platform');

  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const rsaPem = engine.selfSignedCertificate({ algorithm: 'RSA', spki, notBefore: now, notAfter: Date.UTC(2060, 0, 1), sign: (tbs) => crypto.sign('sha256', tbs, privateKey) });
  const rsa = new crypto.X509Certificate(rsaPem);
  assert.equal(rsa.verify(publicKey), true, 'sha256WithRSAEncryption over the TBS');
  assert.equal(rsa.validTo, 'Jan  1 00:00:00 2060 GMT');
  assert.deepEqual(engine.parseCertificate(rsaPem, 'c').spki, spki);
  for (const [o, words] of [
    [null, /needs \{ algorithm, spki, notBefore, notAfter, sign \}/],
    [{ algorithm: 'EC', spki, notBefore: now, notAfter: now, sign: () => new Uint8Array(1) }, /algorithm must be 'RSA' or 'SM2'/],
    [{ algorithm: 'SM2', spki, notBefore: now, notAfter: now, sign: () => new Uint8Array(1) }, /not a readable key of the algorithm named/],
    [{ algorithm: 'RSA', spki, notBefore: now + 1000, notAfter: now, sign: () => new Uint8Array(1) }, /notBefore first/],
    [{ algorithm: 'RSA', spki, notBefore: NaN, notAfter: now, sign: () => new Uint8Array(1) }, /notBefore first/],
    [{ algorithm: 'RSA', spki, notBefore: now, notAfter: now, sign: () => 'sig' }, /sign must return a Uint8Array/],
    [{ algorithm: 'RSA', spki, notBefore: now, notAfter: now, sign: () => new Uint8Array(0) }, /signature is empty/],
    [{ algorithm: 'RSA', spki, notBefore: now, notAfter: now }, /sign must be a function/],
  ]) {
    assert.throws(() => engine.selfSignedCertificate(o), { code: 'INVALID_ARGUMENT', message: words });
  }
  stillWorks();
});

test('loadSecurityEngine returns one promise; the entry\'s error class', async () => {
  const chunk = require(join(pkgDir, 'node', 'security.cjs'))({ errors });
  assert.equal(chunk.loadSecurityEngine(), chunk.loadSecurityEngine());
  const e = await chunk.loadSecurityEngine();
  assert.throws(() => e.parsePrivateKey('', 'w'), (err) => err instanceof api.WxOpenDataError && api.isWxOpenDataError(err));
});

// sm-crypto (npm, JuneAndGreen): an SM2/SM4 implementation independent of
// the RustCrypto crates, installed with tests/client's devDependencies
// (scripts/npm-ci.sh tests/client).
const sm = createRequire(join(repo, 'tests', 'client', 'package.json'))('sm-crypto');

/** A seeded xorshift32, so a failure reproduces. */
function prng(seed) {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return n === undefined ? x : x % n;
  };
}
const randomBytesOf = (rand, n) => Uint8Array.from({ length: n }, () => rand(256));

/** GCM (NIST SP 800-38D) over sm-crypto's SM4 block function: the test's own, independent SM4-GCM. */
function referenceSm4Gcm(key, iv, aad, plaintext) {
  const block = (b) => Uint8Array.from(sm.sm4.encrypt(Array.from(b), toHex(key), { padding: 'none', output: 'array' }));
  const big = (b) => BigInt(`0x${toHex(b) || '0'}`);
  const R = 0xe1n << 120n;
  const mul = (x, y) => {
    let z = 0n;
    let v = y;
    for (let i = 127; i >= 0; i--) {
      if ((x >> BigInt(i)) & 1n) z ^= v;
      v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
    }
    return z;
  };
  const h = big(block(new Uint8Array(16)));
  const ghash = (data) => {
    let y = 0n;
    for (let i = 0; i < data.length; i += 16) {
      const chunk = new Uint8Array(16);
      chunk.set(data.subarray(i, i + 16));
      y = mul(y ^ big(chunk), h);
    }
    return y;
  };
  const counter = (n) => {
    const c = new Uint8Array(16);
    c.set(iv);
    new DataView(c.buffer).setUint32(12, n);
    return c;
  };
  const ct = new Uint8Array(plaintext.length);
  for (let i = 0; i < plaintext.length; i += 16) {
    const ks = block(counter(2 + i / 16));
    for (let j = i; j < Math.min(i + 16, plaintext.length); j++) ct[j] = plaintext[j] ^ ks[j - i];
  }
  const pad = (b) => { const out = new Uint8Array(Math.ceil(b.length / 16) * 16); out.set(b); return out; };
  const lengths = new Uint8Array(16);
  new DataView(lengths.buffer).setBigUint64(0, BigInt(aad.length * 8));
  new DataView(lengths.buffer).setBigUint64(8, BigInt(plaintext.length * 8));
  const s = ghash(new Uint8Array([...pad(aad), ...pad(ct), ...lengths]));
  const tag = Buffer.from((s ^ big(block(counter(1)))).toString(16).padStart(32, '0'), 'hex');
  return new Uint8Array([...ct, ...tag]);
}

test('SM4-GCM agrees with GCM built on sm-crypto\'s SM4, both ways, for 64 random cases', () => {
  const g = V.sm4Gcm[0];
  assert.equal(toHex(referenceSm4Gcm(hex(g.key), hex(g.iv), hex(g.aad), hex(g.plaintext))), g.ciphertext + g.tag, 'the reference itself meets RFC 8998');
  const rand = prng(8998);
  for (let i = 0; i < 64; i++) {
    const [key, iv, aad, pt] = [randomBytesOf(rand, 16), randomBytesOf(rand, 12), randomBytesOf(rand, rand(40)), randomBytesOf(rand, rand(100))];
    const expected = referenceSm4Gcm(key, iv, aad, pt);
    assert.equal(toHex(engine.sm4GcmSeal(key, iv, aad, pt)), toHex(expected), `case ${i}`);
    assert.equal(toHex(engine.sm4GcmOpen(key, iv, aad, expected)), toHex(pt));
  }
});

/** The SM2 private scalar (hex) of an SM2 PKCS#8, and the public point (hex) of an SPKI. */
const scalarOf = (pkcs8) => { const d = Buffer.from(pkcs8); const at = d.indexOf(Buffer.from([0x02, 0x01, 0x01, 0x04, 0x20])); return d.subarray(at + 5, at + 37).toString('hex'); };
const pointOf = (spki) => Buffer.from(spki).subarray(-65).toString('hex');

test('SM2withSM3 agrees with sm-crypto both ways, with WeChat-style IDs (DER and raw r||s)', () => {
  const rand = prng(32918);
  for (let i = 0; i < 8; i++) {
    const pair = i === 0 ? { pkcs8: b64(V.sm2.pkcs8Der), spki: b64(V.sm2.spkiDer) } : engine.sm2GenerateKeyPair();
    const [d, q] = [scalarOf(pair.pkcs8), pointOf(pair.spki)];
    const id = i % 2 ? '1234567812345678' : toHex(randomBytesOf(rand, 16));
    const msg = `https://api.weixin.qq.com/wxa/business/getuserphonenumber\nwx0123456789abcdef\n${1700000000 + i}\n{"iv":"${i}"}`;
    const ours = engine.sm2Sign(pair.pkcs8, utf8(id), utf8(msg));
    assert.equal(sm.sm2.doVerifySignature(msg, toHex(ours), q, { der: true, hash: true, userId: id }), true, `sm-crypto verifies ours (${i})`);
    assert.equal(sm.sm2.doVerifySignature(msg, toHex(ours), q, { der: true, hash: true, userId: 'another id' }), false);
    const theirsDer = sm.sm2.doSignature(msg, d, { der: true, hash: true, publicKey: q, userId: id });
    const theirsRaw = sm.sm2.doSignature(msg, d, { hash: true, publicKey: q, userId: id });
    assert.equal(engine.sm2Verify(pair.spki, utf8(id), utf8(msg), hex(theirsDer)), true, 'DER');
    assert.equal(engine.sm2Verify(pair.spki, utf8(id), utf8(msg), hex(theirsRaw.padStart(128, '0'))), true, 'raw r || s');
    assert.equal(engine.sm2Verify(pair.spki, utf8(`${id}x`), utf8(msg), hex(theirsDer)), false);
  }
});

test('1,000 mutated PEM keys, certificates and DER blobs, and 1,000 mutated envelopes: a result or INVALID_ARGUMENT, never the input, and the instance keeps working', () => {
  const rand = prng(7468);
  const seeds = [
    ['privateKey', V.doc.privateKey], ['privateKey', V.sm2.pkcs8Pem], ['privateKey', V.sm2.sec1Pem],
    ['certificate', V.doc.platform.certificate], ['certificate', V.sm2.self.certificate],
  ];
  const label = (pem) => /-----BEGIN ([^-]+)-----/.exec(pem)[1];
  const derOf = (pem) => Buffer.from(pem.split('\n').filter((l) => l && !l.startsWith('-----')).join(''), 'base64');
  const wrap = (name, der) => `-----BEGIN ${name}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${name}-----\n`;
  const mutations = [
    (pem) => pem.slice(0, rand(pem.length)),
    (pem) => { const i = 40 + rand(pem.length - 80); return pem.slice(0, i) + String.fromCharCode(33 + rand(90)) + pem.slice(i + 1); },
    (pem) => { const der = derOf(pem); der[rand(der.length)] ^= 1 << rand(8); return wrap(label(pem), der); },
    (pem) => { const der = derOf(pem); return wrap(label(pem), der.subarray(0, rand(der.length))); },
    (pem) => { const der = derOf(pem); const i = rand(der.length); return wrap(label(pem), Buffer.concat([der.subarray(0, i), Buffer.from(randomBytesOf(rand, 1 + rand(8))), der.subarray(i)])); },
    (pem) => { const der = derOf(pem); der[rand(Math.min(der.length, 12))] = rand(256); return wrap(label(pem), der); },
    (pem) => wrap(label(pem), Buffer.from(randomBytesOf(rand, rand(400)))),
    (pem) => Buffer.from(randomBytesOf(rand, rand(300))).toString('latin1'),
  ];
  let accepted = 0;
  for (let i = 0; i < 1000; i++) {
    const [kind, seed] = seeds[rand(seeds.length)];
    const input = mutations[rand(mutations.length)](seed);
    try {
      const out = kind === 'privateKey' ? engine.parsePrivateKey(input, 'apiSecurity.privateKey') : engine.parseCertificate(input, 'apiSecurity.platformCertificate');
      assert.ok(['RSA', 'SM2'].includes(out.algorithm));
      accepted++;
    } catch (e) {
      assert.ok(e instanceof api.WxOpenDataError && e.code === 'INVALID_ARGUMENT', `mutation ${i}: ${e && e.stack}`);
      assertNoInput(e.message, input);
    }
    // Mutated DER where the SM functions take keys and signatures.
    const der = Buffer.from(derOf(seeds[1 + rand(4)][1] || V.sm2.pkcs8Pem));
    der[rand(der.length)] ^= 0xff;
    for (const call of [
      () => engine.sm2Sign(new Uint8Array(der), utf8('id'), utf8('m')),
      () => engine.sm2Verify(new Uint8Array(der), utf8('id'), utf8('m'), randomBytesOf(rand, 64 + rand(10))),
    ]) {
      try {
        call();
      } catch (e) {
        assert.ok(e instanceof api.WxOpenDataError && e.code === 'INVALID_ARGUMENT', e && e.stack);
      }
    }
  }
  assert.ok(accepted < 1000, 'mutations were refused');
  const body = utf8(V.doc.responseBody);
  for (let i = 0; i < 1000; i++) {
    const m = Buffer.from(body.subarray(0, rand(3) ? body.length : rand(body.length)));
    for (let k = rand(4); k > 0; k--) m[rand(m.length)] = rand(256);
    const out = engine.openEnvelope(new Uint8Array(m));
    assert.ok(out === null || (out.iv.length === 12 && out.authtag.length === 16));
  }
  stillWorks();
});

test('Node 10.15.3 loads node/security.cjs and its MVP .wasm: parsePrivateKey, sm4GcmSeal, SM2, a refusal', () => {
  const node10 = join(repo, 'tests', 'client', 'node_modules', 'node10', 'bin', 'node');
  const script = `
    const api = require(${JSON.stringify(join(pkgDir, 'node', 'index.cjs'))});
    const errors = { WxOpenDataError: api.WxOpenDataError, invalidArgument: (w) => new api.WxOpenDataError('INVALID_ARGUMENT', 'invalid argument: ' + w) };
    const V = ${JSON.stringify({ key: V.doc.privateKey, sm2: V.sm2.sec1Pem, spki: V.sm2.spkiDer, gcm: V.sm4Gcm[0] })};
    const hex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
    require(${JSON.stringify(join(pkgDir, 'node', 'security.cjs'))})({ errors }).loadSecurityEngine().then((e) => {
      const key = e.parsePrivateKey(V.key, 'apiSecurity.privateKey');
      const sealed = Buffer.from(e.sm4GcmSeal(hex(V.gcm.key), hex(V.gcm.iv), hex(V.gcm.aad), hex(V.gcm.plaintext))).toString('hex');
      const sm2 = e.parsePrivateKey(V.sm2, 'k');
      const id = Buffer.from('97845f6ed842ea860df6fdf65941ff56');
      const sig = e.sm2Sign(sm2.pkcs8, id, Buffer.from('m'));
      let refusal;
      try { e.parsePrivateKey('nope', 'apiSecurity.privateKey'); } catch (err) { refusal = [err.code, err instanceof api.WxOpenDataError]; }
      process.stdout.write(JSON.stringify({ node: process.version, key: [key.algorithm, key.bits, key.pkcs8.length], sealed,
        verified: e.sm2Verify(new Uint8Array(Buffer.from(V.spki, 'base64')), id, Buffer.from('m'), sig), refusal }));
    }).catch((err) => { console.error(err); process.exit(1); });
  `;
  const r = spawnSync(node10, ['-e', script], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.node, 'v10.15.3');
  assert.deepEqual(out.key, ['RSA', 2048, Buffer.from(V.doc.pkcs8Der, 'base64').length]);
  assert.equal(out.sealed, V.sm4Gcm[0].ciphertext + V.sm4Gcm[0].tag);
  assert.equal(out.verified, true);
  assert.deepEqual(out.refusal, ['INVALID_ARGUMENT', true]);
});

test('the web build of the module: the .wasm from web/wasm-security.mjs by import(), randomness from crypto.getRandomValues, a failed load retried', async () => {
  // The web entry inlines security-engine.mjs where the client imports it;
  // here esbuild bundles it the same way (platform neutral, the base64
  // chunk external) beside a copy of the package's web/wasm-security.mjs.
  const { build } = createRequire(join(repo, 'tools', 'package.json'))('esbuild');
  const { mkdtempSync, copyFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { pathToFileURL } = await import('node:url');
  const dir = mkdtempSync(join(tmpdir(), 'security-web-'));
  try {
    await build({
      entryPoints: [join(repo, 'pkg-template', 'src', 'security-engine.mjs')],
      outfile: join(dir, 'engine.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      external: ['./wasm-security.mjs'],
      logLevel: 'error',
    });
    const module = await import(pathToFileURL(join(dir, 'engine.mjs')));
    // Without its chunk the load fails; the next call loads again.
    await assert.rejects(module.loadSecurityEngine());
    copyFileSync(join(pkgDir, 'web', 'wasm-security.mjs'), join(dir, 'wasm-security.mjs'));
    const web = await module.loadSecurityEngine();
    assert.equal(module.loadSecurityEngine(), module.loadSecurityEngine(), 'then one promise');
    assert.equal(toHex(web.sm3(utf8('abc'))), V.sm3[0].digest);
    assert.equal(Buffer.from(web.parsePrivateKey(V.doc.privateKey, 'k').pkcs8).toString('base64'), V.doc.pkcs8Der);
    const sig = web.sm2Sign(b64(V.sm2.pkcs8Der), CERT_ID, utf8('m'));
    assert.equal(engine.sm2Verify(b64(V.sm2.spkiDer), CERT_ID, utf8('m'), sig), true);
    assert.throws(() => web.parseCertificate(V.doc.privateKey, 'cert'), (e) => e.code === 'INVALID_ARGUMENT' && /cert is a private key/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bundled (esbuild, as a user bundles a Node app), node/security.cjs embeds the base64 chunk instead of reading wasm/security.wasm', async () => {
  const { build } = createRequire(join(repo, 'tools', 'package.json'))('esbuild');
  const { mkdtempSync, writeFileSync: write, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'security-bundle-'));
  try {
    write(join(dir, 'app.cjs'), `
      const api = require(${JSON.stringify(join(pkgDir, 'node', 'index.cjs'))});
      const errors = { WxOpenDataError: api.WxOpenDataError, invalidArgument: (w) => new api.WxOpenDataError('INVALID_ARGUMENT', w) };
      const fs = require('fs');
      const reads = [];
      const read = fs.readFileSync;
      fs.readFileSync = function (file) { reads.push(String(file)); return read.apply(this, arguments); };
      require(${JSON.stringify(join(pkgDir, 'node', 'security.cjs'))})({ errors }).loadSecurityEngine().then((e) => {
        process.stdout.write(JSON.stringify({ sm3: Buffer.from(e.sm3(Buffer.from('abc'))).toString('hex'), reads }));
      });
    `);
    await build({ entryPoints: [join(dir, 'app.cjs')], outfile: join(dir, 'out', 'bundle.cjs'), bundle: true, platform: 'node', format: 'cjs', logLevel: 'error' });
    const r = spawnSync(process.execPath, [join(dir, 'out', 'bundle.cjs')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.sm3, V.sm3[0].digest);
    assert.deepEqual(out.reads.filter((f) => f.endsWith('security.wasm')), [`${join(dir, 'out')}/../wasm/security.wasm`], 'tried the file beside the bundle, then embedded');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the raw exports answer a status for any numbers, and the instance keeps working', async () => {
  // Calls the .wasm's own exports (security/src/abi.rs) with lengths that
  // do not fit the input buffer, huge reservations and unknown algorithms.
  const { instance } = await WebAssembly.instantiate(readFileSync(join(pkgDir, 'wasm', 'security.wasm')), {});
  const x = instance.exports;
  assert.deepEqual(Object.keys(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(join(pkgDir, 'wasm', 'security.wasm'))))), [], 'no imports');
  assert.equal(x.sx_input(0xffffffff), 0, 'over the limit: no buffer');
  assert.notEqual(x.sx_input(10), 0);
  const BAD_LENGTHS = 2;
  for (const [name, args] of [
    ['sx_parse_private_key', [11]], ['sx_parse_certificate', [0xffffffff]], ['sx_open_envelope', [1 << 30]],
    ['sx_sm4_gcm_seal', [5, 5, 5, 5]], ['sx_sm4_gcm_open', [0xffffffff, 0xffffffff, 1, 1]], ['sx_sm2_sign', [10, 1, 0, 0]],
    ['sx_sm2_verify', [4, 4, 4, 0xfffffff0]], ['sx_sm3', [11]], ['sx_sm2_generate_key_pair', [0x80000000]],
    ['sx_tbs_certificate', [1, 8, 8, 0, 0]], ['sx_certificate', [2, 0xffffffff, 2]],
  ]) {
    assert.equal(x[name](...args), BAD_LENGTHS, name);
  }
  assert.notEqual(x.sx_input(10), 0);
  assert.equal(x.sx_tbs_certificate(9, 4, 6, 0, 0), 48, 'an unknown algorithm is a refusal');
  new Uint8Array(x.memory.buffer).set([97, 98, 99], x.sx_input(3));
  assert.equal(x.sx_sm3(3), 0);
  const out = new Uint8Array(x.memory.buffer, x.sx_output_ptr(), x.sx_output_len());
  assert.equal(toHex(out), V.sm3[0].digest);
  x.sx_wipe();
  assert.equal(x.sx_output_len(), 0);
  // Through the module: an input over the limit is INVALID_ARGUMENT.
  assert.throws(() => engine.sm3(new Uint8Array((16 << 20) + 1)), { code: 'INVALID_ARGUMENT', message: /sm3: the input is too large/ });
  stillWorks();
});

test('the shipped security .wasm names no directory of the machine that built it (crate paths remapped, scripts/build-wasm.sh)', () => {
  const text = readFileSync(join(pkgDir, 'wasm', 'security.wasm')).toString('latin1');
  for (const dir of ['/.cargo/', '/registry/src/', repo, '/root/', '/home/']) {
    assert.equal(text.includes(dir), false, `security.wasm holds ${dir}`);
  }
});

test("the security .wasm is within the sizes the CHANGELOG gives it (raw and gzipped)", async () => {
  const { gzipSync } = await import('node:zlib');
  const changelog = readFileSync(join(pkgDir, 'CHANGELOG.md'), 'utf8').replace(/\s+/g, ' ');
  const claim = /The security `\.wasm` .*? At most (\d+) KB, under (\d+) KB gzipped\./.exec(changelog);
  assert.ok(claim, 'CHANGELOG.md states the security .wasm sizes');
  const wasm = readFileSync(join(pkgDir, 'wasm', 'security.wasm'));
  assert.ok(wasm.length <= Number(claim[1]) * 1000, `${wasm.length} B raw`);
  assert.ok(gzipSync(wasm, { level: 9 }).length < Number(claim[2]) * 1000, 'gzipped');
});
