// diagnose() through every entry point of the real package. Each case is a
// real encryption with node:crypto (support/payloads.mjs seal()), damaged the
// way transport or calling code damages it; the expected cause comes from
// the damage, never from hand-written garbage. Every result is also checked
// for secrets: its text repeats no 8-character piece of the key, the iv, the
// ciphertext or any plaintext value. The finding is Rust's (src/diagnose.rs
// through src/abi_diagnose.rs); the sentence is rendered in JS from
// src/vocabulary.json, so some rows pin whole sentences that
// tests/diagnose.rs pins for Diagnosis::message too. Last, the wasm memory
// is scanned after each kind of diagnosis: nothing secret stays.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { loadWithInstance } from '../soak/wasm-instance.mjs';
import { entries } from './support/entries.mjs';
import { APPID, prng, seal, sha1hex, randomPayload } from './support/payloads.mjs';

// The require entry with its instance's memory: must be this process's first load.
const { memory } = await loadWithInstance();
const vocabulary = createRequire(import.meta.url)('../../src/vocabulary.json');

const OTHER_APPID = 'wx2222222222222222';
const TS = 1_700_000_000;
const NOW = TS + 20;
const key16 = (n) => Buffer.alloc(16, n);
const phone = (appid = APPID, timestamp = TS) => ({
  phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: { timestamp, appid },
});
const userInfo = {
  openId: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE', nickName: 'Band', gender: 1, city: 'Guangzhou',
  avatarUrl: 'http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0',
  watermark: { timestamp: TS, appid: APPID },
};
const weRun = { stepInfoList: [{ timestamp: 1445866601, step: 100 }, { timestamp: 1445876777, step: 120 }], watermark: { timestamp: TS, appid: APPID } };

/** A sealed payload whose encryptedData contains a '+' (tries ivs until one does). */
function sealWithPlus(keyBytes, data) {
  for (let n = 0; n < 256; n++) {
    const sealed = seal(keyBytes, Buffer.alloc(16, n), data);
    if (sealed.encryptedData.includes('+')) return sealed;
  }
  throw new Error('no iv gave a +');
}

/** Phone data under a key and an iv that both contain '+', sent with spaces for them. */
function plusInKeyAndIv() {
  let n = 0;
  const next = () => { for (;;) { const b = Buffer.alloc(16, n++); if (b.toString('base64').includes('+')) return b; } };
  const sealed = seal(next(), next(), phone());
  return [sealed.sessionKey.replaceAll('+', ' '), sealed.encryptedData, sealed.iv.replaceAll('+', ' ')];
}

/** The ciphertext with its last `n` bytes removed, re-encoded. */
const dropBytes = (b64, n) => { const buf = Buffer.from(b64, 'base64'); return buf.subarray(0, buf.length - n).toString('base64'); };

/** Strings and numbers inside a JSON value. */
function values(v, out = []) {
  if (typeof v === 'string' || typeof v === 'number') out.push(String(v));
  else if (v && typeof v === 'object') for (const x of Object.values(v)) values(x, out);
  return out;
}

/** Fails if `text` contains any 8-character piece of a secret (appids are public by design). */
function assertNoSecrets(text, secrets, label) {
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret === APPID || secret === OTHER_APPID) continue;
    for (let i = 0; i + 8 <= secret.length; i++) {
      const piece = secret.slice(i, i + 8);
      assert.ok(!text.includes(piece), `${label}: output repeats ${JSON.stringify(piece)} of an input`);
    }
  }
}

/** The table: [name, build() → {args, options, plaintext}, expected]. */
function cases() {
  const k1 = key16(1), k2 = key16(2), k3 = key16(3);
  const good = seal(k1, key16(11), phone());
  const otherRequest = seal(k1, key16(12), phone(APPID, TS + 3));
  const plus = sealWithPlus(k1, phone());
  const raw = JSON.stringify({ nickName: 'Band', gender: 1 });
  const checks = { appId: APPID, maxAgeSeconds: 300, now: NOW * 1000 };
  const b64 = (k) => k.toString('base64');
  const row = (name, [sessionKey, encryptedData, iv], options, plaintext, expected, decryptCode) =>
    ({ name, args: [sessionKey, encryptedData, iv], options, plaintext, expected, decryptCode });
  return [
    row('untouched', [good.sessionKey, good.encryptedData, good.iv], checks, phone(),
      { cause: 'OK', kind: 'phone', matchedPreviousKey: null }, null),
    row("'+' became ' '", [plus.sessionKey, plus.encryptedData.replaceAll('+', ' '), plus.iv], checks, phone(),
      { cause: 'PLUS_BECAME_SPACE', kind: 'phone', matchedPreviousKey: null, mentions: ['encryptedData', 'encodeURIComponent'] }, null),
    row('truncated mid-block', [good.sessionKey, good.encryptedData.slice(0, 60), good.iv], checks, phone(),
      { cause: 'TRUNCATED', kind: null, matchedPreviousKey: null, mentions: ['45 bytes'] }, 'INVALID_ENCRYPTED_DATA'),
    row('truncated mid-group', [good.sessionKey, good.encryptedData.slice(0, 65), good.iv], checks, phone(),
      { cause: 'TRUNCATED', kind: null, matchedPreviousKey: null, mentions: ['truncated'] }, 'INVALID_ENCRYPTED_DATA'),
    row('truncated at a block boundary', [good.sessionKey, dropBytes(good.encryptedData, 32), good.iv], checks, phone(),
      { cause: 'TRUNCATED', kind: null, matchedPreviousKey: null, mentions: ['end is missing'] }, 'DECRYPT_FAILED'),
    row('iv of another request', [good.sessionKey, good.encryptedData, otherRequest.iv], checks, phone(),
      { cause: 'IV_MISMATCH', kind: null, matchedPreviousKey: null, mentions: ['iv belongs to another request'] }, 'DECRYPT_FAILED'),
    row('key and iv swapped', [good.iv, good.encryptedData, good.sessionKey], checks, phone(),
      { cause: 'KEY_IV_SWAPPED', kind: 'phone', matchedPreviousKey: null, mentions: ['swapped'] }, 'DECRYPT_FAILED'),
    row('rotated key, the old one among previousSessionKeys', [b64(k2), good.encryptedData, good.iv],
      { ...checks, previousSessionKeys: [b64(k3), b64(k1)], rawData: raw, signature: sha1hex(raw + b64(k1)) }, phone(),
      { cause: 'STALE_SESSION_KEY', kind: 'phone', matchedPreviousKey: 1, mentions: ['previousSessionKeys[1]', 'signature fails'] }, 'DECRYPT_FAILED'),
    row('rotated key, nothing else known', [b64(k2), good.encryptedData, good.iv], checks, phone(),
      { cause: 'STALE_SESSION_KEY', kind: null, matchedPreviousKey: null, mentions: ['stale', 'wx.login'] }, 'DECRYPT_FAILED'),
    row('userInfo', Object.values(seal(k1, key16(13), userInfo)), checks, userInfo,
      { cause: 'NOT_PHONE_DATA', kind: 'userInfo', matchedPreviousKey: null, mentions: ['userInfo'] }, 'NOT_PHONE_DATA'),
    row('weRunData', Object.values(seal(k1, key16(14), weRun)), checks, weRun,
      { cause: 'NOT_PHONE_DATA', kind: 'weRunData', matchedPreviousKey: null }, 'NOT_PHONE_DATA'),
    row('text that is not JSON', Object.values(seal(k1, key16(17), 'phone 13580006666 as plain text')), checks, ['phone 13580006666 as plain text'],
      { cause: 'NOT_PHONE_DATA', kind: 'other', matchedPreviousKey: null, mentions: ['not JSON'] }, 'DECRYPT_FAILED'),
    row('another Mini Program', Object.values(seal(k1, key16(15), phone(OTHER_APPID))), checks, phone(OTHER_APPID),
      { cause: 'APPID_MISMATCH', kind: 'phone', matchedPreviousKey: null, mentions: [OTHER_APPID] }, 'APPID_MISMATCH'),
    row('watermark two hours old', Object.values(seal(k1, key16(16), phone(APPID, NOW - 7200))), checks, phone(APPID, NOW - 7200),
      { cause: 'EXPIRED', kind: 'phone', matchedPreviousKey: null, mentions: ['7200 seconds old'] }, 'EXPIRED'),
    row('15-byte session key', [Buffer.alloc(15, 1).toString('base64'), good.encryptedData, good.iv], checks, phone(),
      { cause: 'INVALID_INPUT', kind: null, matchedPreviousKey: null, mentions: ['sessionKey', '15 bytes'] }, 'INVALID_SESSION_KEY'),
    row('iv is not base64', [good.sessionKey, good.encryptedData, 'not*base64'], checks, phone(),
      { cause: 'INVALID_INPUT', kind: null, matchedPreviousKey: null, mentions: ['iv'] }, 'INVALID_IV'),
    row('rotated key, old keys do not match, signature of this key', [b64(k2), good.encryptedData, good.iv],
      { ...checks, previousSessionKeys: [b64(k3), b64(k3)], rawData: raw, signature: sha1hex(raw + b64(k2)) }, phone(),
      { cause: 'STALE_SESSION_KEY', kind: null, matchedPreviousKey: null, mentions: ['none of the 2 previous', 'signature verifies with this session_key', 'another user or session'] }, 'DECRYPT_FAILED'),
    row('a previous key that is not base64 of 16 bytes', [b64(k2), good.encryptedData, good.iv],
      { ...checks, previousSessionKeys: [b64(k1), 'short'] }, phone(),
      { cause: 'INVALID_INPUT', kind: null, matchedPreviousKey: null, mentions: ['previousSessionKeys[1] is not base64 of 16 bytes'] }, 'DECRYPT_FAILED'),
    row('signature without rawData', [good.sessionKey, good.encryptedData, good.iv], { ...checks, signature: sha1hex(raw) }, phone(),
      { cause: 'INVALID_INPUT', kind: null, matchedPreviousKey: null, mentions: ['rawData and signature only mean something together'] }, null),
    row('share info', Object.values(seal(k1, key16(18), { openGId: 'tG1234', watermark: { timestamp: TS, appid: APPID } })), checks, { openGId: 'tG1234' },
      { cause: 'NOT_PHONE_DATA', kind: 'other', matchedPreviousKey: null, mentions: ['it is other open data, not getPhoneNumber data'] }, 'NOT_PHONE_DATA'),
    row('no watermark, appId asked for', Object.values(seal(k1, key16(19), { nickName: 'Band' })), checks, { nickName: 'Band' },
      { cause: 'APPID_MISMATCH', kind: 'userInfo', matchedPreviousKey: null, mentions: [`It decrypts to userInfo data, but it carries no watermark, so its appid cannot be checked against ${APPID}`] }, 'NOT_PHONE_DATA'),
    row('no watermark, age asked for', Object.values(seal(k1, key16(20), { nickName: 'Band' })), { maxAgeSeconds: 300, now: NOW * 1000 }, { nickName: 'Band' },
      { cause: 'EXPIRED', kind: 'userInfo', matchedPreviousKey: null, mentions: ['no watermark timestamp'] }, 'NOT_PHONE_DATA'),
    // Ages and limits past 2^32: both header words of each number count.
    row('watermark 2^40 s in the future', Object.values(seal(k1, key16(21), phone(APPID, 2 ** 40 + NOW))), checks, phone(APPID, 2 ** 40 + NOW),
      { cause: 'EXPIRED', kind: 'phone', matchedPreviousKey: null, mentions: [`lies ${2 ** 40} seconds in the future (more than the 60 s allowed`] }, 'EXPIRED'),
    row('watermark 2^41 s old, limit 2^40', Object.values(seal(k1, key16(22), phone(APPID, 0))), { maxAgeSeconds: 2 ** 40, now: 2 ** 41 * 1000 }, phone(APPID, 0),
      { cause: 'EXPIRED', kind: 'phone', matchedPreviousKey: null, mentions: [`is ${2 ** 41} seconds old, more than maxAgeSeconds (${2 ** 40})`] }, 'EXPIRED'),
    row("'+' became ' ' in sessionKey and iv", plusInKeyAndIv(), {}, phone(),
      { cause: 'PLUS_BECAME_SPACE', kind: 'phone', matchedPreviousKey: null, mentions: ["in transit in sessionKey and iv (sent in a URL"] }, null),
  ];
}

for (const [label, load] of entries) {
  describe(`diagnose: ${label}`, () => {
    let api;
    before(async () => { api = await load(); });

    for (const c of cases()) {
      it(`${c.name} → ${c.expected.cause}`, () => {
        const got = api.diagnose(...c.args, c.options);
        assert.deepEqual(Object.keys(got).sort(), ['cause', 'kind', 'matchedPreviousKey', 'message']);
        const { mentions = [], ...expected } = c.expected;
        assert.deepEqual({ cause: got.cause, kind: got.kind, matchedPreviousKey: got.matchedPreviousKey }, expected, got.message);
        assert.equal(typeof got.message, 'string');
        assert.match(got.message, /^[^\n]+\.$/, 'one sentence');
        for (const m of mentions) assert.ok(got.message.includes(m), `message lacks ${m}: ${got.message}`);
        const secrets = [...c.args, ...(c.options.previousSessionKeys ?? []), c.options.rawData, c.options.signature, ...values(c.plaintext)];
        assertNoSecrets(JSON.stringify(got), secrets, c.name);

        // The request path is untouched: decryptPhone still gives its one code.
        const { previousSessionKeys, rawData, signature, ...decryptOptions } = c.options;
        if (c.decryptCode === null) {
          assert.equal(api.decryptPhone(...c.args, decryptOptions).phoneNumber, '13580006666');
        } else {
          assert.throws(() => api.decryptPhone(...c.args, decryptOptions), { name: 'WxOpenDataError', code: c.decryptCode });
        }
      });
    }

    it('renders the whole sentences tests/diagnose.rs pins for Diagnosis::message', () => {
      const k1 = key16(1), k2 = key16(2), k3 = key16(3);
      const good = seal(k1, key16(11), phone());
      const raw = JSON.stringify({ nickName: 'Band', gender: 1 });
      const advice = '; call wx.login before the tap (on page load), use wx.checkSession in the callback, and keep only the newest session_key per user.';
      const rows = [
        [[good.sessionKey, good.encryptedData, good.iv, { appId: APPID, maxAgeSeconds: 300, now: NOW * 1000 }],
          'It decrypts to phone data and passes every check that was asked for: nothing to fix.'],
        [[good.sessionKey, good.encryptedData, 'not*base64', { now: NOW * 1000 }],
          'iv must be the base64 iv WeChat returned with encryptedData, 16 bytes (24 characters) (it is not base64).'],
        [[good.sessionKey, 'A'.repeat(1_600_000), good.iv, { now: NOW * 1000 }],
          'encryptedData is larger than 1048576 bytes; WeChat open data is a few KB.'],
        [[k2.toString('base64'), good.encryptedData, good.iv, { previousSessionKeys: [k3.toString('base64'), good.sessionKey], rawData: raw, signature: sha1hex(raw + good.sessionKey), now: NOW * 1000 }],
          `It was encrypted with previousSessionKeys[1], not with this session_key, so the key your server used is stale (wx.login ran again between the tap and the decryption); the rawData signature fails with this session_key too and verifies with previousSessionKeys[1]${advice}`],
        [[k2.toString('base64'), good.encryptedData, good.iv, { previousSessionKeys: [k3.toString('base64'), k3.toString('base64'), k3.toString('base64')], now: NOW * 1000 }],
          `Every block decrypts to garbage, so this session_key is not the one that encrypted the data: it is most likely stale (wx.login ran again between the tap and the decryption), and none of the 3 previous session keys decrypts it either${advice}`],
        [[...Object.values(seal(k1, key16(14), weRun)), { now: NOW * 1000 }],
          'It decrypts, but it is weRunData, not getPhoneNumber data: use decryptData for it, and pass decryptPhone only what the getPhoneNumber button returned.'],
        [[...Object.values(seal(k1, key16(13), { ...userInfo, watermark: { timestamp: TS, appid: OTHER_APPID } })), { appId: APPID, now: NOW * 1000 }],
          `It decrypts to userInfo data, but its watermark appid is ${OTHER_APPID}, not ${APPID}: the data was encrypted for another Mini Program; decrypt it with the session_key and appId of the Mini Program the user actually opened.`],
      ];
      for (const [args, sentence] of rows) assert.equal(api.diagnose(...args).message, sentence);
    });

    it('a forged watermark appid cannot break the log line: control characters become U+FFFD, the length is bounded', () => {
      const forged = `wx\n${'x'.repeat(200)}`;
      const got = api.diagnose(...Object.values(seal(key16(1), key16(2), phone(forged))), { appId: APPID, now: NOW * 1000 });
      assert.equal(got.cause, 'APPID_MISMATCH');
      assert.ok(!got.message.includes('\n'), got.message);
      assert.ok(got.message.includes('wx\ufffdxxx'), got.message);
      assert.ok(got.message.includes(`x\u2026, not ${APPID}`), got.message);
      assert.ok(got.message.length < 300, got.message);
    });

    it('every placeholder in the vocabulary is one the renderer fills', () => {
      const known = ['kind', 'error', 'names', 'appid', 'expected', 'index', 'tried', 'bytes', 'seconds', 'skew', 'age', 'maxAge'];
      for (const row of vocabulary.causes) {
        for (const text of Object.values(row.messages)) {
          for (const [, name] of text.matchAll(/\{(\w+)\}/g)) assert.ok(known.includes(name), `${row.code}: {${name}}`);
        }
      }
    });

    it('agrees with the damage on 200 random payloads (node:crypto, seeded)', () => {
      const r = prng(6_2026);
      for (let i = 0; i < 200; i++) {
        const { data, phone: isPhone } = randomPayload(r, i);
        const [k, k2, iv, iv2] = [r.bytes(16), r.bytes(16), r.bytes(16), r.bytes(16)];
        const sealed = seal(k, iv, data);
        const other = seal(k, iv2, data);
        const now = data.watermark.timestamp;
        const kind = isPhone ? 'phone' : ['phone', 'userInfo', 'weRunData', 'other'][i % 4];
        const as = (args, options = {}) => api.diagnose(...args, { now: now * 1000, ...options });
        const secrets = [sealed.sessionKey, sealed.encryptedData, sealed.iv, k2.toString('base64'), ...values(data)];

        let got = as([sealed.sessionKey, sealed.encryptedData, sealed.iv]);
        assert.deepEqual([got.cause, got.kind], [isPhone ? 'OK' : 'NOT_PHONE_DATA', kind], `${i}: ${got.message}`);
        got = as([k2.toString('base64'), sealed.encryptedData, sealed.iv], { previousSessionKeys: [sealed.sessionKey] });
        assert.deepEqual([got.cause, got.matchedPreviousKey, got.kind], ['STALE_SESSION_KEY', 0, kind], `${i}: ${got.message}`);
        assertNoSecrets(got.message, secrets, `random ${i} stale`);
        got = as([sealed.iv, sealed.encryptedData, sealed.sessionKey]);
        assert.equal(got.cause, 'KEY_IV_SWAPPED', `${i}: ${got.message}`);
        got = as([sealed.sessionKey, sealed.encryptedData, other.iv]);
        assert.equal(got.cause, 'IV_MISMATCH', `${i}: ${got.message}`);
        assertNoSecrets(got.message, secrets, `random ${i} iv`);
      }
    });

    it('rejects wrong types and unknown option keys with INVALID_ARGUMENT', () => {
      const { sessionKey, encryptedData, iv } = seal(key16(1), key16(2), phone());
      const bad = [
        [123, encryptedData, iv, undefined],
        [sessionKey, null, iv, undefined],
        [sessionKey, encryptedData, iv, { appid: APPID }],
        [sessionKey, encryptedData, iv, { previousSessionKeys: sessionKey }],
        [sessionKey, encryptedData, iv, { previousSessionKeys: [sessionKey, 42] }],
        [sessionKey, encryptedData, iv, { previousSessionKeys: Array(65).fill(sessionKey) }],
        [sessionKey, encryptedData, iv, { rawData: {} }],
        [sessionKey, encryptedData, iv, { maxAgeSeconds: '300' }],
        [sessionKey, encryptedData, iv, { now: -1 }],
        [sessionKey, encryptedData, iv, 'options'],
      ];
      for (const args of bad) {
        assert.throws(() => api.diagnose(...args), (e) => {
          assert.equal(e.name, 'WxOpenDataError');
          assert.equal(e.code, 'INVALID_ARGUMENT', e.message);
          assertNoSecrets(e.message, [sessionKey, encryptedData, iv], 'argument error');
          return true;
        });
      }
      // A throwing previousSessionKeys proxy is an error, not a trap, and the instance lives on.
      const hostile = new Proxy([], { get() { throw new Error('boom'); } });
      assert.throws(() => api.diagnose(sessionKey, encryptedData, iv, { previousSessionKeys: hostile }), { code: 'INVALID_ARGUMENT' });
      assert.equal(api.diagnose(sessionKey, encryptedData, iv, { now: TS * 1000 }).cause, 'OK');
      // rawData without signature is a finding about the input, not a type error.
      assert.equal(api.diagnose(sessionKey, encryptedData, iv, { rawData: '{}', now: TS * 1000 }).cause, 'INVALID_INPUT');
    });
  });
}

describe('diagnose leaves nothing secret in wasm memory', () => {
  let api;
  before(async () => { api = await entries[0][1](); });
  const memoryHas = (bytes) => Buffer.from(memory.buffer).indexOf(bytes) !== -1;

  /** Fresh keys and a phone plaintext with a unique marker, damaged by `damage`. */
  function scenario(damage) {
    const [k1, k2, k3, iv1, iv2] = [randomBytes(16), randomBytes(16), randomBytes(16), randomBytes(16), randomBytes(16)];
    const marker = 'M' + randomBytes(12).toString('hex').toUpperCase();
    const phoneNumber = '1' + String(3e9 + Math.floor(Math.random() * 6e9)).padStart(10, '0');
    const plain = { phoneNumber, purePhoneNumber: phoneNumber, countryCode: '86', marker, watermark: { timestamp: TS, appid: OTHER_APPID } };
    const sealed = seal(k1, iv1, plain);
    const b64 = (b) => b.toString('base64');
    const { args, options } = damage({ sealed, k1, k2, k3, iv1, iv2, b64, plain });
    const bytes = [k1, k2, k3, iv1, iv2];
    const needles = [...bytes, ...bytes.map((b) => Buffer.from(b64(b))), Buffer.from(marker), Buffer.from(phoneNumber), Buffer.from(sealed.encryptedData)];
    for (const key of [k1, k2, k3]) for (let i = 0; i + 6 <= 16; i++) needles.push(key.subarray(i, i + 6));
    return { args, options, needles };
  }

  const raw = (marker) => `{"m":"${marker}","nickName":"微信用户"}`;
  const SCENARIOS = [
    ['STALE_SESSION_KEY, matched among previous keys, rawData signed with it', ({ sealed, k2, k3, b64 }) => ({
      args: [b64(k2), sealed.encryptedData, sealed.iv],
      options: { previousSessionKeys: [b64(k3), sealed.sessionKey], rawData: raw('R' + b64(k3)), signature: sha1hex(raw('R' + b64(k3)) + sealed.sessionKey), now: NOW * 1000 },
    })],
    ['STALE_SESSION_KEY, nothing matches', ({ sealed, k2, k3, b64 }) => ({ args: [b64(k2), sealed.encryptedData, sealed.iv], options: { previousSessionKeys: [b64(k3)], now: NOW * 1000 } })],
    ['KEY_IV_SWAPPED', ({ sealed }) => ({ args: [sealed.iv, sealed.encryptedData, sealed.sessionKey], options: { now: NOW * 1000 } })],
    ['IV_MISMATCH', ({ sealed, iv2, b64 }) => ({ args: [sealed.sessionKey, sealed.encryptedData, b64(iv2)], options: { now: NOW * 1000 } })],
    ['TRUNCATED at a block boundary', ({ sealed }) => ({ args: [sealed.sessionKey, dropBytes(sealed.encryptedData, 32), sealed.iv], options: { now: NOW * 1000 } })],
    ['APPID_MISMATCH', ({ sealed }) => ({ args: [sealed.sessionKey, sealed.encryptedData, sealed.iv], options: { appId: APPID, now: NOW * 1000 } })],
    ['EXPIRED', ({ sealed }) => ({ args: [sealed.sessionKey, sealed.encryptedData, sealed.iv], options: { maxAgeSeconds: 1, now: NOW * 1000 } })],
  ];
  for (const [name, damage] of SCENARIOS) {
    it(name, () => {
      const s = scenario(damage);
      const got = api.diagnose(...s.args, s.options);
      assert.equal(got.cause, name.split(',')[0].split(' ')[0], got.message);
      for (const needle of s.needles) assert.equal(memoryHas(needle), false, `${name}: ${needle.toString('hex')} left in memory`);
    });
  }
});
