// The package's public API, run once per entry point (require, import, the web
// build) against the real wasm: one body, parameterised by entry, so that no
// entry can drift from the others. Results are compared with node:crypto and
// with WeChat's official sample. After the per-entry suites: what spans
// entries (one WxOpenDataError class for require and import, the build
// choice without SIMD128, the web entry before init()).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createDecipheriv } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { entries, API_NAMES, app } from './support/entries.mjs';
import { APPID, PHONE, prng, seal, sha1hex, randomPayload, fixedCases } from './support/payloads.mjs';
import { errorRows, onePerCode, b64 } from './support/error-rows.mjs';

const require = createRequire(import.meta.url);
const OfficialSample = require('./support/official-sample.cjs');
const vocabulary = require('../../src/vocabulary.json');

const key16 = (n) => Buffer.alloc(16, n);
const NOW = { now: (1477314187 + 10) * 1000 };
const fixed = fixedCases();
const good = fixed.phone;
/** code -> wxErrCode, from src/vocabulary.json (the single source). */
const WX_ERR_CODES = Object.fromEntries(vocabulary.errors.map((row) => [row.code, row.wxErrCode]));
const ENGINE_CODES = vocabulary.errors.filter((row) => row.source === 'engine').map((row) => row.code);

/**
 * `error` is this entry's WxOpenDataError with `code`: an instance of the
 * exported class (not merely named like it), `name` from the prototype, and
 * code, wxErrCode, errcode and rid as own enumerable data properties (so
 * JSON.stringify and framework error filters see them). Engine and argument
 * errors carry no WeChat errcode or rid.
 */
function assertOurError(api, error, code) {
  assert.ok(error instanceof api.WxOpenDataError, `not a WxOpenDataError: ${error?.name} ${error?.message}`);
  assert.equal(Object.getPrototypeOf(error), api.WxOpenDataError.prototype);
  assert.equal(error.name, 'WxOpenDataError');
  assert.equal(Object.hasOwn(error, 'name'), false);
  assert.equal(error.code, code, error.message);
  assert.equal(api.isWxOpenDataError(error), true);
  assert.equal(error.wxErrCode, WX_ERR_CODES[code] ?? null);
  assert.deepEqual(Object.keys(error), ['code', 'wxErrCode', 'errcode', 'rid']);
  assert.deepEqual(JSON.parse(JSON.stringify(error)), { code, wxErrCode: WX_ERR_CODES[code] ?? null, errcode: null, rid: null });
  assert.equal(String(error), `WxOpenDataError: ${error.message}`);
}

/** One call per code that every entry can raise (RANDOM_UNAVAILABLE: see below): the shared rows' first of each. */
const ONE_PER_CODE = onePerCode(fixed);
const caught = (fn) => { try { fn(); } catch (e) { return e; } return assert.fail('expected a throw'); };

/** A module of one SIMD128 instruction: WebAssembly.validate accepts it where the SIMD build loads. */
const SIMD_ONLY = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00, 0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array(16).fill(0), 0x0b,
]);

// WeChat's phonenumber.getPhoneNumber response (the code route): phone_info
// comes as JSON from WeChat's server, not encrypted, with countryCode a number.
const CODE_ROUTE_RESPONSE = `{
    "errcode":0,
    "errmsg":"ok",
    "phone_info": {
        "phoneNumber":"13580006666",
        "purePhoneNumber": "13580006666",
        "countryCode": 86,
        "watermark": {
            "timestamp": 1637744274,
            "appid": "${APPID}"
        }
    }
}`;

for (const [label, load] of entries) {
  describe(label, () => {
    let api;
    before(async () => { api = await load(); });

    /** The call must throw our error with this code; returns the error. */
    function throwsCode(fn, code, secrets = []) {
      let error;
      try { fn(); } catch (e) { error = e; }
      assert.ok(error instanceof Error, `expected a throw with ${code}`);
      assertOurError(api, error, code);
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
      assert.equal(typeof api.WxOpenDataError, 'function');
      assert.equal(api.WxOpenDataError.prototype instanceof Error, true);
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
      const throwingProxy = new Proxy({}, { ownKeys() { throw new Error('boom'); } });
      const throwingGetter = { get appId() { throw new Error('boom'); } };
      const notUtf8 = seal(key16(1), key16(2), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
      // [name, call, code]: the shared rows (support/error-rows.mjs, also run
      // in every runtime by tests/runtimes/checks.mjs), then the ones only
      // Node can express (Buffer, Symbol, BigInt, proxies, getters).
      const rows = [
        ...errorRows(fixed),
        ['sessionKey is a Buffer', (a) => a.decryptPhone(Buffer.from(k, 'base64'), d, v), 'INVALID_ARGUMENT'],
        ['sessionKey is a String object', (a) => a.decryptPhone(new String(k), d, v), 'INVALID_ARGUMENT'],
        ['sessionKey is a Symbol', (a) => a.decryptPhone(Symbol('k'), d, v), 'INVALID_ARGUMENT'],
        // A present key must carry a valid value (the shared rows start with
        // `{ appId: undefined }`, an unset environment variable).
        ['decryptData options.appId is empty', (a) => a.decryptData(k, d, v, { appId: '' }), 'INVALID_ARGUMENT'],
        ['options.appId is null', (a) => a.decryptPhone(k, d, v, { appId: null }), 'INVALID_ARGUMENT'],
        ['options.appId is true', (a) => a.decryptPhone(k, d, v, { appId: true }), 'INVALID_ARGUMENT'],
        ['options.appId is an array of the appid', (a) => a.decryptPhone(k, d, v, { appId: [APPID] }), 'INVALID_ARGUMENT'],
        ['options.maxAgeSeconds is undefined', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: undefined }), 'INVALID_ARGUMENT'],
        ['options.maxAgeSeconds is null', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: null }), 'INVALID_ARGUMENT'],
        ['options.maxAgeSeconds is the string "300"', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: '300' }), 'INVALID_ARGUMENT'],
        ['options.now is undefined', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 300, now: undefined }), 'INVALID_ARGUMENT'],
        ['options.now is negative', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 300, now: -1 }), 'INVALID_ARGUMENT'],
        ['options.now is a Date', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 300, now: new Date() }), 'INVALID_ARGUMENT'],
        ['WXBizDataCrypt appId is undefined', (a) => new a.WXBizDataCrypt(undefined, k), 'INVALID_ARGUMENT'],
        ['WXBizDataCrypt sessionKey is missing', (a) => new a.WXBizDataCrypt(APPID), 'INVALID_SESSION_KEY'],
        ['phoneInfoFromJson options.appId is undefined', (a) => a.phoneInfoFromJson(JSON.stringify(PHONE), { appId: undefined }), 'INVALID_ARGUMENT'],
        ['options getter throws', (a) => a.decryptPhone(k, d, v, throwingGetter), 'INVALID_ARGUMENT'],
        ['options proxy throws', (a) => a.decryptPhone(k, d, v, throwingProxy), 'INVALID_ARGUMENT'],
        ['sessionKey decodes to 32 bytes (AES-256)', (a) => a.decryptPhone(b64(32), d, v), 'INVALID_SESSION_KEY'],
        ['last block cut off', (a) => a.decryptPhone(k, Buffer.from(d, 'base64').subarray(0, -16).toString('base64'), v), 'DECRYPT_FAILED'],
        ['plaintext is not UTF-8', (a) => a.decryptData(notUtf8.sessionKey, notUtf8.encryptedData, notUtf8.iv), 'DECRYPT_FAILED'],
        ['encryptData of a cyclic object', (a) => { const o = {}; o.o = o; a.encryptData(k, o); }, 'INVALID_ARGUMENT'],
        ['encryptData of a BigInt field', (a) => a.encryptData(k, { n: 1n }), 'INVALID_ARGUMENT'],
      ];
      for (const [name, call, code] of rows) {
        it(`${name} → ${code}`, () => {
          throwsCode(() => call(api), code, [k, d, v, fixed.wrongKey, '13580006666', 'hello, not json']);
          stillWorks();
        });
      }
      // RANDOM_UNAVAILABLE has its own test below (it needs globalThis.crypto removed).
      it('covers every engine code of src/vocabulary.json except RANDOM_UNAVAILABLE', () => {
        const codes = new Set(rows.map((row) => row[2]));
        assert.deepEqual([...codes].sort(), ENGINE_CODES.filter((c) => c !== 'RANDOM_UNAVAILABLE').sort());
      });
    });

    it('names the option whose value is missing or wrong', () => {
      const message = (options) => throwsCode(() => api.decryptPhone(good.sessionKey, good.encryptedData, good.iv, options), 'INVALID_ARGUMENT').message;
      assert.match(message({ appId: undefined }), /options\.appId is undefined/);
      assert.match(message({ maxAgeSeconds: undefined }), /options\.maxAgeSeconds is undefined/);
      assert.match(message({ appId: '' }), /options\.appId must be a non-empty string/);
      assert.match(message({ maxAgeSeconds: 1.5 }), /options\.maxAgeSeconds must be a non-negative integer/);
      assert.match(message({ appid: APPID }), /has an unknown key "appid" \(did you mean appId\?\); the known keys are appId, maxAgeSeconds, now$/);
      // No options, null and {} mean no checks.
      for (const none of [undefined, null, {}]) {
        assert.deepEqual(api.decryptPhone(good.sessionKey, good.encryptedData, good.iv, none), PHONE);
      }
    });

    it('an unknown option key is named (as JSON, at most 40 characters) with the nearest known key', () => {
      const message = (options, fn = api.decryptPhone) => throwsCode(() => fn(good.sessionKey, good.encryptedData, good.iv, options), 'INVALID_ARGUMENT').message;
      assert.match(message({ max_age_seconds: 300 }), /unknown key "max_age_seconds" \(did you mean maxAgeSeconds\?\)/);
      assert.match(message({ maxAge: 300 }), /unknown key "maxAge" \(did you mean maxAgeSeconds\?\)/);
      assert.match(message({ nwo: 1 }), /unknown key "nwo" \(did you mean now\?\)/);
      assert.match(message({ previous_session_keys: [] }, api.diagnose), /unknown key "previous_session_keys" \(did you mean previousSessionKeys\?\)/);
      assert.match(message({ appID: APPID }, api.decryptData), /unknown key "appID" \(did you mean appId\?\)/);
      // Nothing near: no suggestion. A long key is cut; control characters stay escaped.
      assert.match(message({ colour: 1 }), /unknown key "colour"; the known keys/);
      const long = message({ ['k'.repeat(100)]: 1 });
      assert.ok(long.includes(`"${'k'.repeat(40)}…"`) && !long.includes('k'.repeat(41)), long);
      assert.match(message({ 'a\nb': 1 }), /unknown key "a\\nb"/);
      assert.match(message({ [Symbol('appId')]: 1 }), /^invalid argument: options has a symbol key \(option keys are strings\); the known keys/);
    });

    it('now is milliseconds since the epoch, like Date.now(); a value in seconds is INVALID_ARGUMENT naming the unit', () => {
      const ts = PHONE.watermark.timestamp;
      const decrypt = (now) => api.decryptPhone(good.sessionKey, good.encryptedData, good.iv, { maxAgeSeconds: 300, now });
      // Milliseconds: the second is what counts, so 999 ms past the limit still passes.
      assert.deepEqual(decrypt((ts + 300) * 1000 + 999), PHONE);
      throwsCode(() => decrypt((ts + 301) * 1000), 'EXPIRED');
      // A fresh watermark against the real clock, as a server passes it.
      const fresh = seal(key16(7), key16(8), { ...PHONE, watermark: { ...PHONE.watermark, timestamp: Math.floor(Date.now() / 1000) } });
      assert.equal(api.decryptPhone(fresh.sessionKey, fresh.encryptedData, fresh.iv, { maxAgeSeconds: 300, now: Date.now() }).phoneNumber, PHONE.phoneNumber);
      assert.equal(api.diagnose(fresh.sessionKey, fresh.encryptedData, fresh.iv, { maxAgeSeconds: 300, now: Date.now() }).cause, 'OK');
      // Seconds by mistake: never a silent EXPIRED or OK.
      for (const call of [
        () => decrypt(ts + 10),
        () => api.decryptData(good.sessionKey, good.encryptedData, good.iv, { now: Math.floor(Date.now() / 1000) }),
        () => api.phoneInfoFromJson(JSON.stringify(PHONE), { maxAgeSeconds: 300, now: ts }),
        () => api.diagnose(good.sessionKey, good.encryptedData, good.iv, { maxAgeSeconds: 300, now: ts }),
      ]) {
        const error = throwsCode(call, 'INVALID_ARGUMENT');
        assert.match(error.message, /options\.now must be milliseconds since the epoch, like Date\.now\(\); \d+ is before 1973 in milliseconds, so it looks like seconds: multiply by 1000$/);
      }
      assert.match(throwsCode(() => decrypt(-1), 'INVALID_ARGUMENT').message, /options\.now must be milliseconds since the epoch/);
    });

    it('encryptedData that is still URL-encoded (%2B, %2F, %3D) is named as such, in decryption and diagnose', () => {
      const encoded = encodeURIComponent(good.encryptedData);
      assert.notEqual(encoded, good.encryptedData, 'the fixture holds a + / or =');
      for (const fn of [api.decryptPhone, api.decryptData]) {
        const error = throwsCode(() => fn(good.sessionKey, encoded, good.iv), 'INVALID_ENCRYPTED_DATA', [good.sessionKey, good.encryptedData]);
        assert.equal(error.message, 'encryptedData is still URL-encoded (it contains %2B, %2F or %3D): decode it once with decodeURIComponent before passing it');
      }
      // Lower-case hex too; other damage keeps its own message.
      assert.match(throwsCode(() => api.decryptPhone(good.sessionKey, encoded.replace(/%2B|%2F|%3D/g, (m) => m.toLowerCase()), good.iv), 'INVALID_ENCRYPTED_DATA').message, /still URL-encoded/);
      assert.match(throwsCode(() => api.decryptPhone(good.sessionKey, good.encryptedData.replace(/[+/=]/, '%2b'), good.iv), 'INVALID_ENCRYPTED_DATA').message, /still URL-encoded/);
      assert.match(throwsCode(() => api.decryptPhone(good.sessionKey, `${good.encryptedData}*`, good.iv), 'INVALID_ENCRYPTED_DATA').message, /is not base64/);
      let found = api.diagnose(good.sessionKey, encoded, good.iv, NOW);
      assert.equal(found.cause, 'URL_ENCODED');
      assert.equal(found.message, "encryptedData: still URL-encoded (%2B, %2F or %3D where '+', '/' or '=' belongs), encoded once more than decoded; decode it once with decodeURIComponent before passing it.");
      found = api.diagnose(encodeURIComponent(good.sessionKey), encoded, encodeURIComponent(good.iv), NOW);
      assert.equal(found.cause, 'URL_ENCODED');
      assert.match(found.message, /^sessionKey and encryptedData and iv: still URL-encoded/);
      stillWorks();
    });

    it('engine errors carry the detail of their status word (lengths, never values)', () => {
      const b64 = (n) => Buffer.alloc(n, 9).toString('base64');
      const message = (fn, code) => throwsCode(fn, code).message;
      assert.match(message(() => api.decryptPhone(b64(24), good.encryptedData, good.iv), 'INVALID_SESSION_KEY'), /\(it decodes to 24 bytes\)$/);
      assert.match(message(() => new api.WXBizDataCrypt(APPID, b64(8)), 'INVALID_SESSION_KEY'), /\(it decodes to 8 bytes\)$/);
      assert.match(message(() => api.encryptData(b64(17), {}), 'INVALID_SESSION_KEY'), /\(it decodes to 17 bytes\)$/);
      assert.match(message(() => api.decryptPhone('*', good.encryptedData, good.iv), 'INVALID_SESSION_KEY'), /\(it is not base64\)$/);
      assert.match(message(() => api.decryptPhone(good.sessionKey, good.encryptedData, b64(15)), 'INVALID_IV'), /\(it decodes to 15 bytes\)$/);
      assert.match(message(() => api.decryptPhone(good.sessionKey, b64(17), good.iv), 'INVALID_ENCRYPTED_DATA'), /decodes to 17 bytes, not a multiple of 16/);
      assert.match(message(() => api.decryptPhone(good.sessionKey, '', good.iv), 'INVALID_ENCRYPTED_DATA'), /^encryptedData is empty$/);
      stillWorks();
    });

    it('a missing session_key is INVALID_SESSION_KEY saying to log in again, and diagnose() names it without throwing', () => {
      for (const lost of [undefined, null, '']) {
        assert.match(throwsCode(() => api.decryptPhone(lost, good.encryptedData, good.iv), 'INVALID_SESSION_KEY').message, /\(it is missing: .*log in again/);
        assert.match(throwsCode(() => api.decryptData(lost, good.encryptedData, good.iv), 'INVALID_SESSION_KEY').message, /it is missing/);
        const found = api.diagnose(lost, good.encryptedData, good.iv);
        assert.equal(found.cause, 'INVALID_INPUT');
        assert.match(found.message, /it is missing: .*log in again.*\.$/);
      }
      // A value of the wrong type is still a bug of the caller.
      throwsCode(() => api.decryptPhone(42, good.encryptedData, good.iv), 'INVALID_ARGUMENT');
      throwsCode(() => api.diagnose(42, good.encryptedData, good.iv), 'INVALID_ARGUMENT');
      stillWorks();
    });

    it('raises every code as an instance of its own exported WxOpenDataError class', () => {
      for (const [code, call] of Object.entries(ONE_PER_CODE)) {
        const error = throwsCode(() => call(api), code);
        assert.ok(error instanceof api.WxOpenDataError, code);
        stillWorks();
      }
      // Thrown or not, the class is usable for checks in caller code.
      const made = new api.WxOpenDataError('EXPIRED');
      assertOurError(api, made, 'EXPIRED');
      assert.throws(() => new api.WxOpenDataError('ILLEGAL_BUFFER'), TypeError);
    });

    it('isWxOpenDataError: only Errors with our name and one of our codes', () => {
      const impostor = Object.assign(new Error('x'), { name: 'WxOpenDataError', code: 'DECRYPT_FAILED' });
      // Another copy of the package in the same program throws such errors.
      assert.equal(api.isWxOpenDataError(impostor), true);
      assert.equal(api.isWxOpenDataError(Object.assign(new Error('x'), { name: 'WxOpenDataError', code: 'NOPE' })), false);
      assert.equal(api.isWxOpenDataError({ name: 'WxOpenDataError', code: 'DECRYPT_FAILED', message: '' }), false);
      assert.equal(api.isWxOpenDataError(new Error('Illegal Buffer')), false);
      const hostile = new Proxy(new Error('x'), { get() { throw new Error('boom'); } });
      assert.equal(api.isWxOpenDataError(hostile), false);
      for (const value of [undefined, null, 'DECRYPT_FAILED', 41003]) assert.equal(api.isWxOpenDataError(value), false);
    });

    it('phoneInfoFromJson reads the code route\'s phone_info by the same rules (countryCode 86 becomes "86")', () => {
      const response = JSON.parse(CODE_ROUTE_RESPONSE);
      const json = JSON.stringify(response.phone_info);
      const expected = { ...response.phone_info, countryCode: '86' };
      const now = { appId: APPID, maxAgeSeconds: 300, now: (1637744274 + 5) * 1000 };
      assert.deepEqual(api.phoneInfoFromJson(json, now), expected);
      assert.deepEqual(api.phoneInfoFromJson(json), expected);
      // The phone_info text exactly as WeChat's server sends it (whitespace and all).
      const start = CODE_ROUTE_RESPONSE.indexOf('{', CODE_ROUTE_RESPONSE.indexOf('"phone_info"'));
      const end = CODE_ROUTE_RESPONSE.lastIndexOf('}', CODE_ROUTE_RESPONSE.length - 2) + 1;
      assert.deepEqual(api.phoneInfoFromJson(CODE_ROUTE_RESPONSE.slice(start, end), now), expected);
      // Same result as decryptPhone of the same JSON sealed the old way.
      const sealed = seal(key16(12), key16(13), json);
      assert.deepEqual(api.decryptPhone(sealed.sessionKey, sealed.encryptedData, sealed.iv, now), expected);
      // The rules: shape, appid, age; never a SyntaxError.
      throwsCode(() => api.phoneInfoFromJson(CODE_ROUTE_RESPONSE), 'NOT_PHONE_DATA');
      throwsCode(() => api.phoneInfoFromJson(json, { ...now, appId: 'wx0000000000000000' }), 'APPID_MISMATCH');
      throwsCode(() => api.phoneInfoFromJson(json, { ...now, now: (1637744274 + 301) * 1000 }), 'EXPIRED');
      throwsCode(() => api.phoneInfoFromJson(json.slice(0, -1)), 'NOT_PHONE_DATA');
      throwsCode(() => api.phoneInfoFromJson(''), 'NOT_PHONE_DATA');
      throwsCode(() => api.phoneInfoFromJson(JSON.stringify({ ...response.phone_info, countryCode: 86.5 })), 'NOT_PHONE_DATA');
      assert.deepEqual(api.phoneInfoFromJson(JSON.stringify(PHONE), { appId: APPID, ...NOW }), PHONE);
      stillWorks();
    });

    it('WXBizDataCrypt is a plain class: no free(), no key on show, works after many calls', () => {
      const crypt = new api.WXBizDataCrypt(APPID, good.sessionKey);
      assert.equal('free' in crypt, false);
      assert.equal(typeof api.WXBizDataCrypt.prototype.free, 'undefined');
      assert.deepEqual(Object.keys(crypt), ['appId']);
      assert.equal(JSON.stringify(crypt).includes(good.sessionKey), false);
      // The appid check cannot be switched off afterwards (ESM is strict: assignment throws).
      assert.throws(() => { crypt.appId = 'wx0000000000000000'; }, TypeError);
      for (let i = 0; i < 20_000; i++) {
        const r = crypt.decryptData(good.encryptedData, good.iv);
        if (i % 5000 === 0) assert.deepEqual(r, PHONE);
      }
      for (let i = 0; i < 5_000; i++) new api.WXBizDataCrypt(APPID, good.sessionKey);
      assert.deepEqual(crypt.decryptData(good.encryptedData, good.iv), PHONE);
      assert.deepEqual(new api.WXBizDataCrypt(APPID, good.sessionKey).decryptData(good.encryptedData, good.iv), PHONE);
    });

    it('engineBuild() names the build in use', () => {
      const build = api.engineBuild();
      if (label.includes('init(bytes)')) assert.equal(build, 'custom');
      else assert.equal(build, WebAssembly.validate(SIMD_ONLY) ? 'simd' : 'baseline');
      assert.equal(api.engineBuild(), build);
    });

    it('encryptData: RANDOM_UNAVAILABLE without a CSPRNG on the web entry; Node falls back to node:crypto', () => {
      const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
      delete globalThis.crypto;
      try {
        if (label.includes('web')) {
          throwsCode(() => api.encryptData(good.sessionKey, PHONE), 'RANDOM_UNAVAILABLE');
        } else {
          // Node < 19 has no global WebCrypto: node:crypto's randomFillSync.
          const sealed = api.encryptData(good.sessionKey, PHONE);
          assert.deepEqual(api.decryptPhone(good.sessionKey, sealed.encryptedData, sealed.iv), PHONE);
        }
      } finally {
        Object.defineProperty(globalThis, 'crypto', saved);
      }
      stillWorks();
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
      const call = (seconds) => api.decryptPhone(good.sessionKey, good.encryptedData, good.iv, { maxAgeSeconds: 300, now: seconds * 1000 });
      assert.deepEqual(call(ts + 300), PHONE);
      assert.deepEqual(call(ts - 60), PHONE);
      throwsCode(() => call(ts + 301), 'EXPIRED');
      throwsCode(() => call(ts - 61), 'EXPIRED');
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

describe('across entries', () => {
  it('require and import share one WxOpenDataError class, for every code', async () => {
    const required = await entries[0][1]();
    const imported = await entries[1][1]();
    assert.equal(imported.WxOpenDataError, required.WxOpenDataError);
    assert.equal(imported.isWxOpenDataError, required.isWxOpenDataError);
    for (const [code, call] of Object.entries(ONE_PER_CODE)) {
      const fromRequire = caught(() => call(required));
      const fromImport = caught(() => call(imported));
      for (const error of [fromRequire, fromImport]) {
        assert.equal(error.code, code);
        assert.ok(error instanceof required.WxOpenDataError, `${code}: not an instance of require's class`);
        assert.ok(error instanceof imported.WxOpenDataError, `${code}: not an instance of import's class`);
      }
    }
    // RANDOM_UNAVAILABLE cannot happen on Node (node:crypto is the fallback): the constructor.
    assert.ok(new required.WxOpenDataError('RANDOM_UNAVAILABLE') instanceof imported.WxOpenDataError);
  });

  it('the web entry has its own class; isWxOpenDataError recognises either', async () => {
    const node = await entries[0][1]();
    const web = await entries[2][1]();
    const fromWeb = caught(() => ONE_PER_CODE.DECRYPT_FAILED(web));
    const fromNode = caught(() => ONE_PER_CODE.DECRYPT_FAILED(node));
    assert.equal(fromWeb instanceof web.WxOpenDataError, true);
    assert.equal(fromWeb instanceof node.WxOpenDataError, false);
    assert.equal(node.isWxOpenDataError(fromWeb), true);
    assert.equal(web.isWxOpenDataError(fromNode), true);
    assert.equal(fromWeb.message, fromNode.message);
  });

  /** Runs `body` (an ES module's text) in a fresh Node process inside the test app; returns its stdout. */
  function fresh(body, { noSimd = false } = {}) {
    const file = join(app().dir, `fresh-${process.hrtime.bigint()}.mjs`);
    // An engine without SIMD128, as on Node < 16.4: the entry's SIMD probe
    // (WebAssembly.validate) fails; the builds load with new WebAssembly.Module.
    const prelude = noSimd
      ? 'WebAssembly.validate = () => false;\n'
      : '';
    const code = prelude + body;
    return execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: app().dir, encoding: 'utf8' }).trim();
  }

  it('without SIMD128 the Node entry loads the baseline build, and it decrypts the same', () => {
    const out = fresh(`
      import { createRequire } from 'node:module';
      const require = createRequire(${JSON.stringify(pathToFileURL(join(app().dir, 'index.cjs')).href)});
      const api = require('wx-open-data');
      const esm = await import('wx-open-data');
      const r = api.decryptPhone(${JSON.stringify(good.sessionKey)}, ${JSON.stringify(good.encryptedData)}, ${JSON.stringify(good.iv)}, { appId: ${JSON.stringify(APPID)} });
      let code;
      try { esm.decryptPhone('AAAA', 'AAAA', 'AAAA'); } catch (e) { code = e.code + ':' + (e instanceof api.WxOpenDataError); }
      console.log(JSON.stringify([api.engineBuild(), esm.engineBuild(), r, code]));
    `, { noSimd: true });
    assert.deepEqual(JSON.parse(out), ['baseline', 'baseline', PHONE, 'INVALID_SESSION_KEY:true']);
  });

  it('the web entry refuses every call before init(), then init() picks the embedded SIMD build', () => {
    const out = fresh(`
      const api = await import('wx-open-data/web');
      const before = [];
      for (const call of [() => api.engineBuild(), () => api.decryptPhone('a', 'b', 'c'), () => new api.WXBizDataCrypt('wx1', 'a'), () => api.phoneInfoFromJson('{}')]) {
        try { call(); before.push('no throw'); } catch (e) { before.push(e.code + ':' + /init\(\)/.test(e.message)); }
      }
      await api.init();
      await api.init();
      const r = api.decryptPhone(${JSON.stringify(good.sessionKey)}, ${JSON.stringify(good.encryptedData)}, ${JSON.stringify(good.iv)});
      console.log(JSON.stringify([before, api.engineBuild(), r]));
    `);
    const [before, build, phone] = JSON.parse(out);
    assert.deepEqual(before, Array(4).fill('INVALID_ARGUMENT:true'));
    assert.equal(build, WebAssembly.validate(SIMD_ONLY) ? 'simd' : 'baseline');
    assert.deepEqual(phone, PHONE);
  });
});
