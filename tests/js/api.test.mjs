// The package's public API, run once per entry point (require, import, the web
// build) against the real wasm: one body, parameterised by entry (STYLE.md 7).
// Results are compared with node:crypto and with WeChat's official sample.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createDecipheriv } from 'node:crypto';
import { entries, API_NAMES } from './support/entries.mjs';
import { APPID, prng, seal, sha1hex, randomPayload } from './support/payloads.mjs';

const require = createRequire(import.meta.url);
const OfficialSample = require('./support/official-sample.cjs');

const key16 = (n) => Buffer.alloc(16, n);
const PHONE = {
  phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86',
  watermark: { timestamp: 1477314187, appid: APPID },
};
const NOW = { now: 1477314187 + 10 };
const good = seal(key16(1), key16(2), PHONE);

for (const [label, load] of entries) {
  describe(label, () => {
    let api;
    before(async () => { api = await load(); });

    /** The call must throw our error with this code; returns the error. */
    function throwsCode(fn, code, secrets = []) {
      let error;
      try { fn(); } catch (e) { error = e; }
      assert.ok(error instanceof Error, `expected a throw with ${code}`);
      assert.equal(error.name, 'WxOpenDataError');
      assert.equal(error.code, code, error.message);
      assert.equal(api.isWxOpenDataError(error), true);
      const expectedWx = { INVALID_SESSION_KEY: -41001, INVALID_IV: -41002, DECRYPT_FAILED: -41003, INVALID_ENCRYPTED_DATA: -41004 }[code] ?? null;
      assert.equal(error.wxErrCode, expectedWx);
      const shown = [error.message, String(error), error.stack, JSON.stringify(error)].join('\n');
      for (const secret of secrets) {
        if (typeof secret === 'string' && secret.length >= 4) assert.ok(!shown.includes(secret), `error text leaks ${secret.slice(0, 8)}…`);
      }
      return error;
    }

    /** After any error, the same instance must still decrypt. */
    function stillWorks() {
      assert.deepEqual(api.decryptPhone(good.sessionKey, good.encryptedData, good.iv, { appId: APPID, ...NOW }), PHONE);
    }

    it('exports the same names as every other entry, and init is idempotent', async () => {
      assert.deepEqual(Object.keys(api).filter((k) => k !== 'default').sort(), API_NAMES);
      await api.init();
      await api.init();
      api.initSync();
      stillWorks();
    });

    it('decrypts 1000 random payloads exactly as node:crypto and the official sample do', () => {
      const r = prng(20261125);
      let phones = 0;
      for (let i = 0; i < 1000; i++) {
        const { data, phone } = randomPayload(r, i);
        const sealed = seal(r.bytes(16), r.bytes(16), data);
        const expected = JSON.parse(JSON.stringify(data));
        const sample = new OfficialSample(APPID, sealed.sessionKey).decryptData(sealed.encryptedData, sealed.iv);
        assert.deepEqual(sample, expected, `sample disagrees with JSON at ${i}`);
        const got = api.decryptData(sealed.sessionKey, sealed.encryptedData, sealed.iv, { appId: APPID });
        assert.deepEqual(got, expected, `decryptData differs at payload ${i}`);
        assert.deepEqual(new api.WXBizDataCrypt(APPID, sealed.sessionKey).decryptData(sealed.encryptedData, sealed.iv), sample);
        if (phone) {
          phones++;
          assert.deepEqual(api.decryptPhone(sealed.sessionKey, sealed.encryptedData, sealed.iv, { appId: APPID }), phone, `decryptPhone differs at ${i}`);
        } else {
          throwsCode(() => api.decryptPhone(sealed.sessionKey, sealed.encryptedData, sealed.iv), 'NOT_PHONE_DATA');
        }
      }
      assert.equal(phones, 250);
    });

    it('returns plain objects: __proto__ keys stay data, nothing is polluted', () => {
      const json = `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"watermark":{"timestamp":1,"appid":"${APPID}"}}`;
      const s = seal(key16(3), key16(4), json);
      const got = api.decryptData(s.sessionKey, s.encryptedData, s.iv, { appId: APPID });
      assert.equal(Object.getPrototypeOf(got), Object.prototype);
      assert.ok(Object.hasOwn(got, '__proto__'));
      assert.deepEqual(Object.getOwnPropertyDescriptor(got, '__proto__').value, { polluted: true });
      assert.equal({}.polluted, undefined);
      assert.equal(Object.prototype.polluted, undefined);
    });

    it('decryptPhone normalises a numeric countryCode and keeps extra fields', () => {
      const s = seal(key16(5), key16(6), { ...PHONE, countryCode: 86, extra: [1, { a: '中' }] });
      assert.deepEqual(api.decryptPhone(s.sessionKey, s.encryptedData, s.iv), { ...PHONE, countryCode: '86', extra: [1, { a: '中' }] });
    });

    it('accepts the unambiguous base64 repairs: + as space, URL-safe, no padding, line breaks', () => {
      const r = prng(7);
      let s;
      do { s = seal(r.bytes(16), r.bytes(16), PHONE); } while (!/[+/]/.test(s.encryptedData + s.sessionKey + s.iv) || !/[+]/.test(s.encryptedData));
      const variants = {
        'plus became space (form/URL transport)': (b) => b.replaceAll('+', ' '),
        'URL-safe alphabet': (b) => b.replaceAll('+', '-').replaceAll('/', '_'),
        'padding stripped': (b) => b.replace(/=+$/, ''),
        'MIME line breaks': (b) => b.replace(/(.{20})/g, '$1\r\n'),
      };
      for (const [name, fix] of Object.entries(variants)) {
        assert.deepEqual(api.decryptPhone(fix(s.sessionKey), fix(s.encryptedData), fix(s.iv)), PHONE, name);
      }
      throwsCode(() => api.decryptPhone(s.sessionKey, s.encryptedData.replace(/.$/, '*'), s.iv), 'INVALID_ENCRYPTED_DATA');
    });

    describe('every bad input gets its typed error and the instance keeps working', () => {
      const k = good.sessionKey, d = good.encryptedData, v = good.iv;
      const b64 = (n) => Buffer.alloc(n, 9).toString('base64');
      const wrongKey = seal(key16(8), key16(2), PHONE);
      const throwingProxy = new Proxy({}, { ownKeys() { throw new Error('boom'); } });
      const throwingGetter = { get appId() { throw new Error('boom'); } };
      const notJson = seal(key16(1), key16(2), 'hello, not json');
      const notUtf8 = seal(key16(1), key16(2), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
      const userInfo = seal(key16(1), key16(2), { nickName: 'x', watermark: PHONE.watermark });
      const noWatermark = seal(key16(1), key16(2), { phoneNumber: '1' });
      const rows = [
        // [name, call, code]
        ['sessionKey is a number', (a) => a.decryptPhone(123, d, v), 'INVALID_ARGUMENT'],
        ['sessionKey is a Buffer', (a) => a.decryptPhone(Buffer.from(k, 'base64'), d, v), 'INVALID_ARGUMENT'],
        ['sessionKey is a String object', (a) => a.decryptPhone(new String(k), d, v), 'INVALID_ARGUMENT'],
        ['sessionKey is a Symbol', (a) => a.decryptPhone(Symbol('k'), d, v), 'INVALID_ARGUMENT'],
        ['encryptedData is undefined', (a) => a.decryptPhone(k, undefined, v), 'INVALID_ARGUMENT'],
        ['iv is null', (a) => a.decryptData(k, d, null), 'INVALID_ARGUMENT'],
        ['options is a string', (a) => a.decryptPhone(k, d, v, APPID), 'INVALID_ARGUMENT'],
        ['options is an array', (a) => a.decryptPhone(k, d, v, [APPID]), 'INVALID_ARGUMENT'],
        ['options key typo appid', (a) => a.decryptPhone(k, d, v, { appid: 'wx-other' }), 'INVALID_ARGUMENT'],
        ['options.appId is a number', (a) => a.decryptPhone(k, d, v, { appId: 1 }), 'INVALID_ARGUMENT'],
        ['options.maxAgeSeconds negative', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: -1 }), 'INVALID_ARGUMENT'],
        ['options.maxAgeSeconds fractional', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 1.5 }), 'INVALID_ARGUMENT'],
        ['options.now a string', (a) => a.decryptPhone(k, d, v, { now: '1' }), 'INVALID_ARGUMENT'],
        ['options getter throws', (a) => a.decryptPhone(k, d, v, throwingGetter), 'INVALID_ARGUMENT'],
        ['options proxy throws', (a) => a.decryptPhone(k, d, v, throwingProxy), 'INVALID_ARGUMENT'],
        ['sessionKey decodes to 24 bytes (AES-192)', (a) => a.decryptPhone(b64(24), d, v), 'INVALID_SESSION_KEY'],
        ['sessionKey decodes to 32 bytes (AES-256)', (a) => a.decryptPhone(b64(32), d, v), 'INVALID_SESSION_KEY'],
        ['sessionKey empty', (a) => a.decryptPhone('', d, v), 'INVALID_SESSION_KEY'],
        ['sessionKey not base64', (a) => a.decryptPhone('not a key!', d, v), 'INVALID_SESSION_KEY'],
        ['iv decodes to 15 bytes', (a) => a.decryptPhone(k, d, b64(15)), 'INVALID_IV'],
        ['iv not base64', (a) => a.decryptPhone(k, d, '%%%%'), 'INVALID_IV'],
        ['encryptedData empty', (a) => a.decryptPhone(k, '', v), 'INVALID_ENCRYPTED_DATA'],
        ['encryptedData 15 bytes', (a) => a.decryptPhone(k, b64(15), v), 'INVALID_ENCRYPTED_DATA'],
        ['encryptedData not base64', (a) => a.decryptPhone(k, d.slice(0, -4) + '!!!!', v), 'INVALID_ENCRYPTED_DATA'],
        ['encryptedData over 1 MiB', (a) => a.decryptPhone(k, 'A'.repeat(2 * 1024 * 1024), v), 'INVALID_ENCRYPTED_DATA'],
        ['wrong session key (stale)', (a) => a.decryptPhone(wrongKey.sessionKey, d, v), 'DECRYPT_FAILED'],
        ['iv of another request', (a) => a.decryptPhone(k, d, b64(16)), 'DECRYPT_FAILED'],
        ['last block cut off', (a) => a.decryptPhone(k, Buffer.from(d, 'base64').subarray(0, -16).toString('base64'), v), 'DECRYPT_FAILED'],
        ['plaintext is not JSON', (a) => a.decryptData(notJson.sessionKey, notJson.encryptedData, notJson.iv), 'DECRYPT_FAILED'],
        ['plaintext is not UTF-8', (a) => a.decryptData(notUtf8.sessionKey, notUtf8.encryptedData, notUtf8.iv), 'DECRYPT_FAILED'],
        ['userInfo given to decryptPhone', (a) => a.decryptPhone(userInfo.sessionKey, userInfo.encryptedData, userInfo.iv), 'NOT_PHONE_DATA'],
        ['appId of another Mini Program', (a) => a.decryptPhone(k, d, v, { appId: 'wx0000000000000000' }), 'APPID_MISMATCH'],
        ['appId check on data without watermark', (a) => a.decryptData(noWatermark.sessionKey, noWatermark.encryptedData, noWatermark.iv, { appId: APPID }), 'APPID_MISMATCH'],
        ['WXBizDataCrypt with another appid', (a) => new a.WXBizDataCrypt('wx0000000000000000', k).decryptData(d, v), 'APPID_MISMATCH'],
        ['WXBizDataCrypt with a bad key', (a) => new a.WXBizDataCrypt(APPID, b64(8)), 'INVALID_SESSION_KEY'],
        ['watermark older than maxAgeSeconds', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 300, now: 1477314187 + 301 }), 'EXPIRED'],
        ['watermark more than 60 s in the future', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 300, now: 1477314187 - 61 }), 'EXPIRED'],
        ['maxAgeSeconds on data without watermark', (a) => a.decryptData(noWatermark.sessionKey, noWatermark.encryptedData, noWatermark.iv, { maxAgeSeconds: 1e9 }), 'EXPIRED'],
        ['encryptData of a cyclic object', (a) => { const o = {}; o.o = o; a.encryptData(k, o); }, 'INVALID_ARGUMENT'],
        ['encryptData of a BigInt field', (a) => a.encryptData(k, { n: 1n }), 'INVALID_ARGUMENT'],
        ['encryptData of a number', (a) => a.encryptData(k, 42), 'INVALID_ARGUMENT'],
        ['encryptData with a 15-byte key', (a) => a.encryptData(b64(15), {}), 'INVALID_SESSION_KEY'],
        ['verifySignature with a number', (a) => a.verifySignature('{}', 5, k), 'INVALID_ARGUMENT'],
      ];
      for (const [name, call, code] of rows) {
        it(`${name} → ${code}`, () => {
          throwsCode(() => call(api), code, [k, d, v, wrongKey.sessionKey, '13580006666', 'hello, not json']);
          stillWorks();
        });
      }
      it('covers every documented code except RANDOM_UNAVAILABLE', () => {
        const codes = new Set(rows.map((row) => row[2]));
        assert.equal(codes.size, 8);
      });
    });

    it('gives one message for bad padding, bad UTF-8 and bad JSON (no padding oracle)', () => {
      const k = key16(1);
      const cases = [
        seal(k, key16(2), 'not json'),
        seal(k, key16(2), Buffer.from([0xc3, 0x28])),
        { ...good, encryptedData: Buffer.from(good.encryptedData, 'base64').subarray(0, 16).toString('base64') },
      ];
      const messages = new Set(cases.map((c) => throwsCode(() => api.decryptData(c.sessionKey, c.encryptedData, c.iv), 'DECRYPT_FAILED').message));
      assert.equal(messages.size, 1);
      assert.match([...messages][0], /session_key/);
    });

    it('applies maxAgeSeconds with inclusive bounds and 60 s of future skew', () => {
      const ts = PHONE.watermark.timestamp;
      const call = (now) => api.decryptPhone(good.sessionKey, good.encryptedData, good.iv, { maxAgeSeconds: 300, now });
      assert.deepEqual(call(ts + 300), PHONE);
      assert.deepEqual(call(ts - 60), PHONE);
      throwsCode(() => call(ts + 301), 'EXPIRED');
      throwsCode(() => call(ts - 61), 'EXPIRED');
      assert.deepEqual(api.decryptPhone(good.sessionKey, good.encryptedData, good.iv, { appId: undefined }), PHONE);
    });

    it('verifySignature matches sha1(rawData + sessionKey), any hex case, nothing else', () => {
      const raw = JSON.stringify({ nickName: '微信用户😀', gender: 0 });
      const sig = sha1hex(raw + good.sessionKey);
      assert.equal(api.verifySignature(raw, sig, good.sessionKey), true);
      assert.equal(api.verifySignature(raw, sig.toUpperCase(), good.sessionKey), true);
      assert.equal(api.verifySignature(raw + ' ', sig, good.sessionKey), false);
      assert.equal(api.verifySignature(raw, sig.slice(0, -1), good.sessionKey), false);
      assert.equal(api.verifySignature(raw, sig, seal(key16(9), key16(9), '').sessionKey), false);
      assert.equal(api.verifySignature(raw, '', good.sessionKey), false);
    });

    it('encryptData round-trips through node:crypto with a fresh IV each call', () => {
      const keyBytes = key16(11);
      const sessionKey = keyBytes.toString('base64');
      const a = api.encryptData(sessionKey, PHONE);
      const b = api.encryptData(sessionKey, PHONE);
      assert.deepEqual(Object.keys(a).sort(), ['encryptedData', 'iv']);
      assert.notEqual(a.iv, b.iv);
      assert.notEqual(a.encryptedData, b.encryptedData);
      assert.equal(Buffer.from(a.iv, 'base64').length, 16);
      const decipher = createDecipheriv('aes-128-cbc', keyBytes, Buffer.from(a.iv, 'base64'));
      const text = Buffer.concat([decipher.update(Buffer.from(a.encryptedData, 'base64')), decipher.final()]).toString();
      assert.equal(text, JSON.stringify(PHONE));
      assert.deepEqual(api.decryptPhone(sessionKey, b.encryptedData, b.iv, { appId: APPID }), PHONE);
      const str = api.encryptData(sessionKey, '{"exact":"string 中"}');
      assert.deepEqual(api.decryptData(sessionKey, str.encryptedData, str.iv), { exact: 'string 中' });
      assert.deepEqual(new OfficialSample(APPID, sessionKey).decryptData(b.encryptedData, b.iv), PHONE);
    });
  });
}
