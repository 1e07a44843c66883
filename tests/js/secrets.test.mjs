// Secrets.
// 1. Error text: for every error path (every engine code of
//    src/vocabulary.json), nothing a caller can print (message, String(err),
//    stack, JSON.stringify, every own property, util.inspect) contains any 6-character piece of the key, iv, ciphertext
//    or plaintext (as given, base64), nor the base64 or hex of any 4-byte
//    window of their bytes. Per entry (require, web build).
// 2. Zeroization: after calls (success and failure), the whole wasm linear
//    memory is scanned for the raw key, its base64, the AES-128 round keys
//    (standard FIPS-197 expansion), the iv, a unique plaintext marker, the
//    ciphertext base64. The JS surface writes every argument into one scratch
//    buffer (pkg-template/src/engine.mjs); the engine wipes it on failure and
//    on wx_wipe, which JS calls once it has read a result.
// 3. Key residue by difference: the same call sequence in fresh processes with
//    two different keys (ABAB, see keyResidue) must leave identical memory
//    (the ciphertexts differ too, so this also shows they are wiped): this finds key-dependent
//    bytes in any representation (e.g. the bitsliced round keys of the
//    constant-time AES), which a search for known patterns cannot.
// No residue is expected: public inputs (encryptedData, rawData) are wiped too.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { randomBytes, createCipheriv, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadWithInstance } from '../soak/wasm-instance.mjs';
import { entries } from './support/entries.mjs';
import { APPID, seal } from './support/payloads.mjs';
import { HEADER } from '../../pkg-template/src/abi-constants.mjs';

const vocabulary = JSON.parse(readFileSync(new URL('../../src/vocabulary.json', import.meta.url), 'utf8'));
const ENGINE_CODES = vocabulary.errors.filter((row) => row.source === 'engine').map((row) => row.code);

// The package through require, with its instance's memory (must be the first
// load of the package in this process).
const { api: required, instance, memory } = await loadWithInstance();

const TS = 1477314187;
const NOW = TS + 10;

/** A fresh secret set: key, iv, a phone plaintext with a unique marker, its ciphertext. */
function secrets({ data } = {}) {
  const key = randomBytes(16), iv = randomBytes(16);
  const marker = 'M' + randomBytes(16).toString('hex').toUpperCase().slice(0, 31); // 32 chars
  const phone = '1' + String(3e9 + Math.floor(Math.random() * 6e9)).padStart(10, '0');
  const wmAppid = 'wx' + randomBytes(8).toString('hex');
  const plain = data ?? { phoneNumber: phone, purePhoneNumber: phone, countryCode: '86', marker, watermark: { timestamp: TS, appid: wmAppid } };
  const text = JSON.stringify(plain);
  const c = createCipheriv('aes-128-cbc', key, iv);
  const ct = Buffer.concat([c.update(text), c.final()]);
  return {
    key, iv, ct, text, marker, phone, wmAppid,
    sessionKey: key.toString('base64'), ivB64: iv.toString('base64'), ctB64: ct.toString('base64'),
  };
}

/** Every string that must not appear in error output for this secret set. */
function needles(s, extra = []) {
  const out = new Set();
  const pieces = (str) => { for (let i = 0; i + 6 <= str.length; i++) out.add(str.slice(i, i + 6)); };
  // The plaintext's schema (key names like "countryCode", JSON punctuation)
  // may legitimately appear in messages or in JSON.stringify(err); only
  // windows holding part of a value (a digit) count.
  const plainPieces = (str) => { for (let i = 0; i + 6 <= str.length; i++) { const p = str.slice(i, i + 6); if (/[0-9]/.test(p)) out.add(p); } };
  for (const str of [s.sessionKey, s.ivB64, s.ctB64, ...extra]) pieces(str);
  plainPieces(s.text);
  for (const bytes of [s.key, s.iv, s.ct, Buffer.from(s.text)]) {
    for (let i = 0; i + 4 <= bytes.length; i++) {
      const w = bytes.subarray(i, i + 4);
      out.add(w.toString('base64').slice(0, 5)); // the 5 characters 4 bytes fully determine
      out.add(w.toString('hex'));
    }
  }
  return [...out];
}

/** Everything a caller could print or log about an error. */
function surfaces(err) {
  const own = Object.getOwnPropertyNames(err).map((k) => `${k}=${String(err[k])}`);
  return [err.message, String(err), err.stack, JSON.stringify(err), ...own, inspect(err, { showHidden: true, depth: 5 })].join('\n');
}

/** Error paths: [name, code, call(api, s)] producing each documented code from secret-bearing input. */
const ERROR_PATHS = [
  ['sessionKey of 15 bytes', 'INVALID_SESSION_KEY', (a, s) => a.decryptPhone(s.key.subarray(0, 15).toString('base64'), s.ctB64, s.ivB64)],
  ['sessionKey with a bad character', 'INVALID_SESSION_KEY', (a, s) => a.decryptData(s.sessionKey.slice(0, 10) + '*' + s.sessionKey.slice(11), s.ctB64, s.ivB64)],
  ['WXBizDataCrypt with a key of 17 bytes', 'INVALID_SESSION_KEY', (a, s) => new a.WXBizDataCrypt(APPID, Buffer.concat([s.key, s.iv.subarray(0, 1)]).toString('base64'))],
  ['encryptData with a 24-byte key', 'INVALID_SESSION_KEY', (a, s) => a.encryptData(Buffer.concat([s.key, s.iv.subarray(0, 8)]).toString('base64'), s.text)],
  ['iv of 15 bytes', 'INVALID_IV', (a, s) => a.decryptPhone(s.sessionKey, s.ctB64, s.iv.subarray(0, 15).toString('base64'))],
  ['iv with a bad character', 'INVALID_IV', (a, s) => a.decryptPhone(s.sessionKey, s.ctB64, s.ivB64.slice(0, 5) + '!' + s.ivB64.slice(6))],
  ['ciphertext cut to 17 bytes', 'INVALID_ENCRYPTED_DATA', (a, s) => a.decryptPhone(s.sessionKey, s.ct.subarray(0, 17).toString('base64'), s.ivB64)],
  ['ciphertext with a bad character', 'INVALID_ENCRYPTED_DATA', (a, s) => a.decryptData(s.sessionKey, s.ctB64.slice(0, 40) + '#' + s.ctB64.slice(41), s.ivB64)],
  ['wrong key (stale session_key)', 'DECRYPT_FAILED', (a, s) => a.decryptPhone(randomBytes(16).toString('base64'), s.ctB64, s.ivB64)],
  ['wrong iv', 'DECRYPT_FAILED', (a, s) => a.decryptData(s.sessionKey, s.ctB64, randomBytes(16).toString('base64'))],
  ['valid padding, plaintext not JSON', 'DECRYPT_FAILED', (a, s) => { const t = seal(s.key, s.iv, s.text.slice(1)); return a.decryptData(t.sessionKey, t.encryptedData, t.iv); }],
  ['WXBizDataCrypt with the wrong key', 'DECRYPT_FAILED', (a, s) => new a.WXBizDataCrypt(APPID, randomBytes(16).toString('base64')).decryptData(s.ctB64, s.ivB64)],
  ['decryptPhone of non-phone data', 'NOT_PHONE_DATA', (a, s) => { const t = seal(s.key, s.iv, { nickName: s.marker, phone: s.phone, watermark: { timestamp: TS, appid: s.wmAppid } }); return a.decryptPhone(t.sessionKey, t.encryptedData, t.iv); }],
  ['appId of another Mini Program', 'APPID_MISMATCH', (a, s) => a.decryptPhone(s.sessionKey, s.ctB64, s.ivB64, { appId: APPID })],
  ['WXBizDataCrypt appid mismatch', 'APPID_MISMATCH', (a, s) => new a.WXBizDataCrypt(APPID, s.sessionKey).decryptData(s.ctB64, s.ivB64)],
  ['watermark too old', 'EXPIRED', (a, s) => a.decryptPhone(s.sessionKey, s.ctB64, s.ivB64, { maxAgeSeconds: 5, now: NOW * 1000 })],
  ['options with an unknown key holding the key', 'INVALID_ARGUMENT', (a, s) => a.decryptPhone(s.sessionKey, s.ctB64, s.ivB64, { sessionKey: s.sessionKey })],
  ['options.appId holding the iv as a number array', 'INVALID_ARGUMENT', (a, s) => a.decryptPhone(s.sessionKey, s.ctB64, s.ivB64, { appId: [...s.iv] })],
  ['encryptData of a cyclic object holding the plaintext', 'INVALID_ARGUMENT', (a, s) => { const o = JSON.parse(s.text); o.self = o; return a.encryptData(s.sessionKey, o); }],
  ['verifySignature with a Buffer key', 'INVALID_ARGUMENT', (a, s) => a.verifySignature(s.text, 'x', s.key)],
  ['options.appId undefined next to the key', 'INVALID_ARGUMENT', (a, s) => a.decryptPhone(s.sessionKey, s.ctB64, s.ivB64, { appId: undefined })],
  ['phoneInfoFromJson of the plaintext as an object', 'INVALID_ARGUMENT', (a, s) => a.phoneInfoFromJson(JSON.parse(s.text))],
  ['phoneInfoFromJson of the plaintext, cut short', 'NOT_PHONE_DATA', (a, s) => a.phoneInfoFromJson(s.text.slice(0, -1))],
  ['phoneInfoFromJson of the plaintext, another appid', 'APPID_MISMATCH', (a, s) => a.phoneInfoFromJson(s.text, { appId: APPID })],
  ['phoneInfoFromJson of the plaintext, too old', 'EXPIRED', (a, s) => a.phoneInfoFromJson(s.text, { maxAgeSeconds: 5, now: NOW * 1000 })],
  // Node entries fall back to node:crypto (Node < 19 has no global WebCrypto),
  // so only the web entry can raise it.
  ['encryptData without globalThis.crypto', 'RANDOM_UNAVAILABLE', (a, s) => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    delete globalThis.crypto;
    try { return a.encryptData(s.sessionKey, s.text); } finally { Object.defineProperty(globalThis, 'crypto', saved); }
  }, { webOnly: true }],
];

for (const [label, load] of [entries[0], entries[2]]) {
  describe(`error output holds no secret: ${label}`, () => {
    let api;
    before(async () => { api = await load(); });
    const web = label.includes('web');
    for (const [name, code, call, { webOnly = false } = {}] of ERROR_PATHS) {
      it(`${code}: ${name}`, { skip: webOnly && !web && 'the Node entries use node:crypto when globalThis.crypto is missing' }, () => {
        const s = secrets();
        let err;
        try { call(api, s); } catch (e) { err = e; }
        assert.ok(err, 'no error thrown');
        assert.equal(err.code, code, err.message);
        const text = surfaces(err);
        const found = needles(s).filter((n) => text.includes(n));
        assert.deepEqual(found, [], `error output contains pieces of a secret: ${found.slice(0, 5).join(', ')}`);
      });
    }
    it('covers every engine code of src/vocabulary.json', () => {
      assert.deepEqual([...new Set(ERROR_PATHS.map((p) => p[1]))].sort(), ENGINE_CODES.slice().sort());
    });
  });
}

// --- 2. Zeroization: scans of the linear memory ----------------------------------

/** AES-128 key expansion (FIPS-197 5.2): the 11 round keys, 16 bytes each. */
function roundKeys(key) {
  const sbox = new Uint8Array(256);
  // S-box from the multiplicative inverse in GF(2^8) and the affine map.
  let p = 1, q = 1;
  do {
    p = p ^ ((p << 1) & 0xff) ^ (p & 0x80 ? 0x1b : 0);
    q ^= q << 1; q ^= q << 2; q ^= q << 4; q &= 0xff; if (q & 0x80) q ^= 0x09;
    const x = q ^ ((q << 1) | (q >> 7)) ^ ((q << 2) | (q >> 6)) ^ ((q << 3) | (q >> 5)) ^ ((q << 4) | (q >> 4));
    sbox[p] = (x ^ 0x63) & 0xff;
  } while (p !== 1);
  sbox[0] = 0x63;
  const w = Buffer.alloc(176);
  key.copy(w);
  let rcon = 1;
  for (let i = 16; i < 176; i += 4) {
    const t = [w[i - 4], w[i - 3], w[i - 2], w[i - 1]];
    if (i % 16 === 0) {
      t.push(t.shift());
      for (let j = 0; j < 4; j++) t[j] = sbox[t[j]];
      t[0] ^= rcon;
      rcon = (rcon << 1) ^ (rcon & 0x80 ? 0x11b : 0);
    }
    for (let j = 0; j < 4; j++) w[i + j] = w[i - 16 + j] ^ t[j];
  }
  return Array.from({ length: 11 }, (_, r) => w.subarray(r * 16, r * 16 + 16));
}

const memoryHas = (bytes) => Buffer.from(memory.buffer).indexOf(bytes) !== -1;

/** Whether diagnose() runs on the byte engine yet (until then it throws before touching memory). */
const diagnoseReady = (() => {
  try {
    required.diagnose('AAAAAAAAAAAAAAAAAAAAAA==', 'AAAAAAAAAAAAAAAAAAAAAA==', 'AAAAAAAAAAAAAAAAAAAAAA==');
    return true;
  } catch (e) {
    return !/being ported/.test(e.message);
  }
})();

// Scenarios: a call sequence on fresh secrets, then what must be gone.
// [name, run(api, s), options?]; `s.keep` holds what a scenario keeps alive
// during the scan (a WXBizDataCrypt instance).
const SCENARIOS = [
  ['decryptPhone, success', (a, s) => a.decryptPhone(s.sessionKey, s.ctB64, s.ivB64, { maxAgeSeconds: 300, now: NOW * 1000 })],
  ['decryptData, success', (a, s) => a.decryptData(s.sessionKey, s.ctB64, s.ivB64)],
  ['decryptData, success, with appId and maxAgeSeconds', (a, s) => a.decryptData(s.sessionKey, s.ctB64, s.ivB64, { appId: s.wmAppid, maxAgeSeconds: 300, now: NOW * 1000 })],
  ['decryptPhone, NOT_PHONE_DATA (plaintext decrypted, then refused)', (a, s) => { const t = seal(s.key, s.iv, { nickName: s.marker, phone: s.phone }); s.ctB64 = t.encryptedData; try { a.decryptPhone(s.sessionKey, t.encryptedData, t.iv); } catch {} }],
  ['decryptData, EXPIRED', (a, s) => { try { a.decryptData(s.sessionKey, s.ctB64, s.ivB64, { maxAgeSeconds: 5, now: NOW * 1000 }); } catch {} }],
  ['phoneInfoFromJson, success', (a, s) => a.phoneInfoFromJson(s.text, { appId: s.wmAppid, maxAgeSeconds: 300, now: NOW * 1000 })],
  ['phoneInfoFromJson, APPID_MISMATCH', (a, s) => { try { a.phoneInfoFromJson(s.text, { appId: APPID }); } catch {} }],
  ['decryptPhone, DECRYPT_FAILED (valid padding, bad JSON)', (a, s) => { const t = seal(s.key, s.iv, s.text.slice(1)); s.ctB64 = t.encryptedData; try { a.decryptPhone(s.sessionKey, t.encryptedData, t.iv); } catch {} }],
  ['decryptPhone, APPID_MISMATCH', (a, s) => { try { a.decryptPhone(s.sessionKey, s.ctB64, s.ivB64, { appId: APPID }); } catch {} }],
  ['decryptData, INVALID_IV (key decoded first)', (a, s) => { try { a.decryptData(s.sessionKey, s.ctB64, s.ivB64.slice(4)); } catch {} }],
  ['encryptData of the plaintext', (a, s) => { const e = a.encryptData(s.sessionKey, s.text); s.ivB64 = e.iv; s.iv = Buffer.from(e.iv, 'base64'); s.ctB64 = e.encryptedData; }],
  ['verifySignature of a short rawData', (a, s) => a.verifySignature(`{"m":"${s.marker}"}`, '0'.repeat(40), s.sessionKey)],
  ['verifySignature of the right signature', (a, s) => a.verifySignature(`{"m":"${s.marker}"}`, createHash('sha1').update(`{"m":"${s.marker}"}${s.sessionKey}`).digest('hex'), s.sessionKey)],
  // rawData is userInfo: personal data, often non-ASCII (up to 3 UTF-8 bytes
  // per UTF-16 unit in the scratch): the wipe must cover the encoded length,
  // not the string's.
  ['verifySignature of a rawData with a Chinese nickname after the marker', (a, s) => a.verifySignature(`{"m":"${s.marker}","p":"${s.phone}","nickName":"微信用户😀"}`, '0'.repeat(40), s.sessionKey)],
  ['encryptData of a string with a Chinese nickname after the marker', (a, s) => { const e = a.encryptData(s.sessionKey, `{"m":"${s.marker}","p":"${s.phone}","nickName":"微信用户"}`); s.ivB64 = e.iv; s.iv = Buffer.from(e.iv, 'base64'); s.ctB64 = e.encryptedData; }],
  ['encryptData, INVALID_SESSION_KEY (plaintext already written)', (a, s) => { try { a.encryptData(s.sessionKey.slice(0, 20), s.text); } catch {} }],
  ['diagnose with a non-ASCII rawData and a previous key', (a, s) => a.diagnose(s.sessionKey, s.ctB64, s.ivB64, { rawData: `{"m":"${s.marker}","p":"${s.phone}","nickName":"微信用户"}`, signature: '0'.repeat(40), previousSessionKeys: [s.sessionKey] }), { skip: !diagnoseReady && 'diagnose() is not on the byte engine yet' }],
  // 0.2's WXBizDataCrypt holds its key as a JS string: nothing of a live
  // instance stays in wasm memory (0.1 kept it there until free()).
  ['WXBizDataCrypt, live, after 1000 decryptData calls', (a, s) => { s.keep = new a.WXBizDataCrypt(s.wmAppid, s.sessionKey); for (let i = 0; i < 1000; i++) s.keep.decryptData(s.ctB64, s.ivB64); }],
  ['WXBizDataCrypt constructed only (the key checked)', (a, s) => { s.keep = new a.WXBizDataCrypt(s.wmAppid, s.sessionKey); }],
  ['a larger call grows the scratch buffer after a secret call', (a, s) => {
    a.decryptData(s.sessionKey, s.ctB64, s.ivB64);
    // The scratch moves when it grows (wx_reserve wipes the old one first).
    a.verifySignature('x'.repeat(1 << 20), '0'.repeat(40), 'AAAAAAAAAAAAAAAAAAAAAA==');
  }],
];

describe('zeroization: nothing secret left in wasm linear memory after a call', () => {
  const api = entries[0];
  let a;
  before(async () => { a = await api[1](); });
  for (const [name, run, options] of SCENARIOS) {
    describe(name, options ?? {}, () => {
      const s = secrets();
      before(() => { run(a, s); });
      const keyWindows = () => Array.from({ length: 11 }, (_, i) => s.key.subarray(i, i + 6));
      const checks = [
        ['key (raw bytes)', () => s.key],
        ['6-byte window of the raw key', () => keyWindows()],
        ['key (base64)', () => Buffer.from(s.sessionKey)],
        ['iv (raw bytes)', () => s.iv],
        ['iv (base64)', () => Buffer.from(s.ivB64)],
        ['plaintext marker', () => Buffer.from(s.marker)],
        ['plaintext phone number', () => Buffer.from(s.phone)],
        ...roundKeys(s.key).slice(1).map((rk, i) => [`AES round key ${i + 1} (FIPS-197 layout)`, () => rk]),
      ];
      // encryptData's iv and ciphertext are its output (public): not checked.
      const output = name.startsWith('encryptData');
      for (const [what, bytes] of checks.filter(([w]) => !(output && w.startsWith('iv')))) {
        it(`no ${what}`, () => {
          const wanted = bytes();
          for (const b of Array.isArray(wanted) ? wanted : [wanted]) assert.equal(memoryHas(b), false, b.toString('hex'));
        });
      }
      if (!output) {
        // Public, but wiped like everything else a caller passes.
        it('no ciphertext (base64)', () => {
          assert.equal(memoryHas(Buffer.from(s.ctB64)), false);
        });
      }
    });
  }
  it('the scan can fail: a call left unwiped shows its key, found by the same scan, until wx_wipe', () => {
    // The engine's own ABI, driven as engine.mjs drives it but without the
    // wx_wipe that follows a successful call: the key text and its decoding
    // stay in the scratch buffer, and the scan finds both.
    const s = secrets();
    const wasm = instance.exports;
    const text = Buffer.from(s.sessionKey);
    assert.equal(wasm.wx_reserve(text.length, 0), 0);
    new Uint8Array(memory.buffer).set(text, wasm.wx_scratch() + HEADER);
    assert.equal(wasm.wx_check_key(text.length), 0);
    assert.equal(memoryHas(text), true, 'key text not found');
    assert.equal(memoryHas(s.key), true, 'decoded key not found');
    wasm.wx_wipe();
    assert.equal(memoryHas(text), false);
    assert.equal(memoryHas(s.key), false);
    // The package still works after the raw calls.
    assert.equal(typeof a.decryptData(s.sessionKey, s.ctB64, s.ivB64), 'object');
  });
});

// --- 3. Key residue by difference -------------------------------------------------

const dumper = fileURLToPath(new URL('../security/memory-dump.mjs', import.meta.url));
const PHONE = { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: { timestamp: TS, appid: APPID } };

/**
 * Runs `scenario` in four fresh processes with keys A, B, A, B (same iv and
 * plaintext; the ciphertexts differ). A byte is key-dependent if A==A',
 * B==B' and A!=B there (run-to-run noise such as the clock cannot produce
 * that). The ciphertext depends on the key too and is wiped like the rest,
 * so no byte is excused. Returns the key-dependent ranges.
 */
export function keyResidue(scenario, dir) {
  const iv = Buffer.alloc(16, 0x33);
  const keys = [Buffer.from('11111111111111111212121212121212', 'hex'), Buffer.from('00112233445566778899aabbccddeeff', 'hex')];
  const sealed = keys.map((k) => seal(k, iv, PHONE));
  const dumps = [0, 1, 0, 1].map((w, i) => {
    const out = join(dir, `${scenario}-${i}.bin`);
    execFileSync(process.execPath, [dumper, scenario, sealed[w].sessionKey, sealed[w].encryptedData, sealed[w].iv, out]);
    return readFileSync(out);
  });
  const [A, B, A2, B2] = dumps;
  const len = Math.min(A.length, B.length);
  const ranges = [];
  for (let i = 0; i < len; i++) {
    if (A[i] === A2[i] && B[i] === B2[i] && A[i] !== B[i]) {
      const last = ranges.at(-1);
      if (last && i - last.end < 8) last.end = i + 1; else ranges.push({ start: i, end: i + 1 });
    }
  }
  const noise = A.length === A2.length ? A.reduce((n, x, i) => n + (x !== A2[i]), 0) : -1;
  return { ranges, bytes: ranges.reduce((n, r) => n + r.end - r.start, 0), noise, memory: len };
}

describe('key residue by difference (fresh processes, keys A B A B)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wx-residue-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // Each export runs its work below its own frame and wipes that stack
  // region on return (src/abi.rs `scrubbed`); before that, the fixsliced AES
  // key schedule (352 bytes), D(C_last), stack copies of the raw key and the
  // SHA-1 buffer holding the sessionKey text were all found here.
  for (const scenario of ['decryptPhone', 'decryptData', 'decryptPhone, wrong appid', 'WXBizDataCrypt', 'verifySignature', 'encryptData, bad key']) {
    it(`${scenario}: no key-dependent byte left`, () => {
      const r = keyResidue(scenario, dir);
      assert.equal(r.noise, 0, 'runs with the same key differ: the method needs deterministic runs');
      assert.deepEqual(r.ranges.map((x) => `${x.start}+${x.end - x.start}`), []);
    });
  }
  it('the method is sound: runs with the same key leave identical memory', () => {
    const r = keyResidue('decryptPhone', dir);
    assert.equal(r.noise, 0);
    assert.ok(r.memory > 1 << 20);
  });
});
