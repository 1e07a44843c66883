// Hostile input through the real package, per entry point
// (require, import, the web build). Complements the bad-input table of
// api.test.mjs (no row repeats one of its rows): exotic JS values, throwing
// getters and proxies, huge strings, lone surrogates, NUL bytes, every kind of
// base64 damage, and hostile *plaintexts* (duplicate keys, deep nesting, huge
// numbers, __proto__ keys, wrongly typed fields) sealed with node:crypto.
// Every row states the exact code or the exact result; after every row the
// same instance must still decrypt a good payload.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { entries } from './support/entries.mjs';
import { APPID, seal, sha1hex } from './support/payloads.mjs';

const require = createRequire(import.meta.url);
const OfficialSample = require('./support/official-sample.cjs');

const key16 = (n) => Buffer.alloc(16, n);
const TS = 1477314187;
const WM = { timestamp: TS, appid: APPID };
const PHONE = { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: WM };
const NOW = TS + 10;
const good = seal(key16(1), key16(2), PHONE);
const k = good.sessionKey, d = good.encryptedData, v = good.iv;
const b64 = (n, fill = 9) => Buffer.alloc(n, fill).toString('base64');
const MiB = 1024 * 1024;

/** Seals a plaintext (string, Buffer or value) under a fixed key and IV. */
const sealed = (plaintext) => seal(key16(21), key16(22), plaintext);
/** Seals `text` and returns the call arguments [sessionKey, encryptedData, iv]. */
const args = (plaintext) => { const s = sealed(plaintext); return [s.sessionKey, s.encryptedData, s.iv]; };

const boom = () => { throw new Error('boom from a hostile value'); };

// A payload whose base64 forms contain '+' and '/', for the damage rows.
let plusy = good;
for (let i = 0; !(/\+/.test(plusy.encryptedData) && /\//.test(plusy.encryptedData)); i++) {
  plusy = seal(key16(30 + (i % 200)), key16(31 + (i >> 8)), PHONE);
}

// Base64 of a 160-byte ciphertext ends in "xx==": the second x carries 4 bits
// that canonical base64 requires to be zero.
function nonCanonicalTail(text) {
  const i = text.indexOf('=') - 1;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const value = alphabet.indexOf(text[i]);
  return text.slice(0, i) + alphabet[value | 1] + text.slice(i + 1);
}

// The engine accepts JSON nested up to MAX_DEPTH (src/json.rs: 64; open data
// is three levels deep) and refuses deeper text as DECRYPT_FAILED, like any
// other text JSON.parse would not be given, in bounded work per byte.
const MAX_DEPTH = 64;
const DEPTH = 100_000;
const nestedArray = (n) => '['.repeat(n) + ']'.repeat(n);
const nestedObject = (n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const deepArray = nestedArray(DEPTH);
const deepObject = nestedObject(DEPTH);

function depthOf(value, key) {
  let n = 0;
  while (value !== null && typeof value === 'object') {
    value = key === undefined ? value[0] : value[key];
    n++;
  }
  return { n, leaf: value };
}

/** Largest plaintext whose ciphertext is exactly 1 MiB (PKCS#7 adds a full block). */
const maxJson = (() => {
  const room = MiB - 16;
  const head = `{"watermark":${JSON.stringify(WM)},"pad":"`;
  return head + 'x'.repeat(room - head.length - 2) + '"}';
})();

/**
 * Rows: [name, call(api), expected]. expected is { code } (must throw that
 * WxOpenDataError), { result } (deepEqual), or { check(result) }.
 * An optional fourth element is node:test's options for the row (none is
 * marked `todo`: every row states what the package does).
 */
const rows = [
  // --- wrong JS types in argument positions api.test.mjs does not try -----------
  ['sessionKey is a BigInt', (a) => a.decryptPhone(10n ** 30n, d, v), { code: 'INVALID_ARGUMENT' }],
  ['encryptedData is a Symbol', (a) => a.decryptPhone(k, Symbol(d), v), { code: 'INVALID_ARGUMENT' }],
  ['encryptedData is a Buffer of the ciphertext', (a) => a.decryptPhone(k, Buffer.from(d, 'base64'), v), { code: 'INVALID_ARGUMENT' }],
  ['iv is a Uint8Array of the IV', (a) => a.decryptPhone(k, d, new Uint8Array(key16(2))), { code: 'INVALID_ARGUMENT' }],
  ['encryptedData is a boxed String', (a) => a.decryptPhone(k, new String(d), v), { code: 'INVALID_ARGUMENT' }],
  ['sessionKey is an object whose toString throws', (a) => a.decryptPhone({ toString: boom }, d, v), { code: 'INVALID_ARGUMENT' }],
  ['iv is an object whose valueOf and Symbol.toPrimitive throw', (a) => a.decryptPhone(k, d, { valueOf: boom, [Symbol.toPrimitive]: boom }), { code: 'INVALID_ARGUMENT' }],
  ['encryptedData is a Proxy whose every trap throws', (a) => a.decryptData(k, new Proxy({}, { get: boom, has: boom, ownKeys: boom, getPrototypeOf: boom }), v), { code: 'INVALID_ARGUMENT' }],
  ['sessionKey is a function returning the key', (a) => a.decryptPhone(() => k, d, v), { code: 'INVALID_ARGUMENT' }],
  ['options getter for maxAgeSeconds throws', (a) => a.decryptPhone(k, d, v, { appId: APPID, get maxAgeSeconds() { return boom(); } }), { code: 'INVALID_ARGUMENT' }],
  ['options Proxy: ownKeys fine, get trap throws', (a) => a.decryptPhone(k, d, v, new Proxy({ appId: APPID }, { get: boom })), { code: 'INVALID_ARGUMENT' }],
  ['options Proxy: getOwnPropertyDescriptor trap throws', (a) => a.decryptPhone(k, d, v, new Proxy({ appId: APPID }, { getOwnPropertyDescriptor: boom })), { result: PHONE }],
  ['options with a Symbol key', (a) => a.decryptPhone(k, d, v, { [Symbol('appId')]: APPID }), { code: 'INVALID_ARGUMENT' }],
  ['options is a function', (a) => a.decryptPhone(k, d, v, Object.assign(() => {}, { appId: APPID })), { code: 'INVALID_ARGUMENT' }],
  ['options is a boxed String', (a) => a.decryptPhone(k, d, v, new String(APPID)), { code: 'INVALID_ARGUMENT' }],
  ['options.appId is a boxed String', (a) => a.decryptPhone(k, d, v, { appId: new String(APPID) }), { code: 'INVALID_ARGUMENT' }],
  ['options.now is a BigInt', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 300, now: BigInt(NOW * 1000) }), { code: 'INVALID_ARGUMENT' }],
  ['options.maxAgeSeconds is Infinity', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: Infinity }), { code: 'INVALID_ARGUMENT' }],
  ['options.maxAgeSeconds is NaN', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: NaN }), { code: 'INVALID_ARGUMENT' }],
  ['options.now is 2^53 (beyond safe integers)', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 300, now: 2 ** 53 }), { code: 'INVALID_ARGUMENT' }],
  ['options with a null prototype is accepted', (a) => a.decryptPhone(k, d, v, Object.assign(Object.create(null), { appId: APPID, maxAgeSeconds: 300, now: NOW * 1000 })), { result: PHONE }],
  // Inherited keys are read (Reflect.get), only own keys are checked for typos.
  ['options inheriting appId from its prototype: the inherited appId is enforced', (a) => a.decryptPhone(k, d, v, Object.create({ appId: 'wx0000000000000000' })), { code: 'APPID_MISMATCH' }],
  ['WXBizDataCrypt appId is a Symbol', (a) => new a.WXBizDataCrypt(Symbol(APPID), k), { code: 'INVALID_ARGUMENT' }],
  ['WXBizDataCrypt.decryptData iv is a Buffer', (a) => new a.WXBizDataCrypt(APPID, k).decryptData(d, key16(2)), { code: 'INVALID_ARGUMENT' }],
  ['WXBizDataCrypt.decryptData encryptedData is a Proxy of a String', (a) => new a.WXBizDataCrypt(APPID, k).decryptData(new Proxy(new String(d), {}), v), { code: 'INVALID_ARGUMENT' }],
  ['verifySignature rawData is a BigInt', (a) => a.verifySignature(1n, sha1hex('1' + k), k), { code: 'INVALID_ARGUMENT' }],
  ['verifySignature sessionKey is an object with a throwing toString', (a) => a.verifySignature('{}', sha1hex('{}' + k), { toString: boom }), { code: 'INVALID_ARGUMENT' }],
  ['encryptData data is a Symbol', (a) => a.encryptData(k, Symbol('x')), { code: 'INVALID_ARGUMENT' }],
  ['encryptData data has a throwing toJSON', (a) => a.encryptData(k, { toJSON: boom }), { code: 'INVALID_ARGUMENT' }],
  ['encryptData data has a throwing getter', (a) => a.encryptData(k, { get phoneNumber() { return boom(); } }), { code: 'INVALID_ARGUMENT' }],
  ['encryptData data is a Proxy whose ownKeys throws', (a) => a.encryptData(k, new Proxy({}, { ownKeys: boom })), { code: 'INVALID_ARGUMENT' }],
  ['encryptData data whose toJSON returns undefined', (a) => a.encryptData(k, { toJSON: () => undefined }), { code: 'INVALID_ARGUMENT' }],
  ['encryptData data is undefined', (a) => a.encryptData(k, undefined), { code: 'INVALID_ARGUMENT' }],
  ['encryptData sessionKey is a Buffer', (a) => a.encryptData(key16(1), {}), { code: 'INVALID_ARGUMENT' }],

  // --- huge strings -----------------------------------------------------------
  // One call's arguments together may hold at most MAX_UNITS UTF-16 units
  // (src/abi.rs: the largest encryptedData plus 1 Mi units), a bound on how far
  // one call can grow the instance's memory. encryptedData is measured first
  // (its own code); beyond the bound any other argument is INVALID_ARGUMENT
  // ("the arguments are too large"), below it each gets its own code.
  ['encryptedData is 16 MiB of base64', (a) => a.decryptPhone(k, 'QUFB'.repeat(4 * MiB), v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['sessionKey is 16 MiB of base64: over the arguments bound', (a) => a.decryptPhone('QUFB'.repeat(4 * MiB), d, v), { code: 'INVALID_ARGUMENT', message: /the arguments are too large/ }],
  ['iv is 16 MiB of base64: over the arguments bound', (a) => a.decryptPhone(k, d, 'QUFB'.repeat(4 * MiB)), { code: 'INVALID_ARGUMENT', message: /the arguments are too large/ }],
  ['sessionKey is 1 MiB of base64', (a) => a.decryptPhone('QUFB'.repeat(MiB / 4), d, v), { code: 'INVALID_SESSION_KEY' }],
  ['iv is 1 MiB of base64', (a) => a.decryptPhone(k, d, 'QUFB'.repeat(MiB / 4)), { code: 'INVALID_IV' }],
  ['encryptedData is 16 MiB of non-ASCII (multi-byte UTF-8)', (a) => a.decryptPhone(k, '中'.repeat(16 * MiB / 3), v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['verifySignature over a 2 MiB rawData is exact', (a) => {
    const raw = 'x'.repeat(2 * MiB);
    return [a.verifySignature(raw, sha1hex(raw + k), k), a.verifySignature(raw + 'y', sha1hex(raw + k), k)];
  }, { result: [true, false] }],
  ['verifySignature over a 16 MiB rawData: over the arguments bound', (a) => a.verifySignature('x'.repeat(16 * MiB), '0'.repeat(40), k), { code: 'INVALID_ARGUMENT', message: /the arguments are too large/ }],
  ['encryptData of a 16 MiB string: over the arguments bound', (a) => a.encryptData(k, 'x'.repeat(16 * MiB)), { code: 'INVALID_ARGUMENT', message: /the arguments are too large/ }],
  ['ciphertext of exactly 1 MiB (the limit) decrypts', (a) => a.decryptData(...args(maxJson), { appId: APPID }).pad.length, { result: MiB - 16 - `{"watermark":${JSON.stringify(WM)},"pad":"`.length - 2 }],
  ['ciphertext of 1 MiB + 16 bytes is refused', (a) => { const [sk, , iv] = args('{}'); return a.decryptData(sk, Buffer.alloc(MiB + 16).toString('base64'), iv); }, { code: 'INVALID_ENCRYPTED_DATA' }],

  // --- lone surrogates, NUL bytes ---------------------------------------------
  ['sessionKey with a lone high surrogate appended', (a) => a.decryptPhone(k + '\uD800', d, v), { code: 'INVALID_SESSION_KEY' }],
  ['encryptedData with a lone low surrogate inside', (a) => a.decryptPhone(k, d.slice(0, 8) + '\uDC00' + d.slice(8), v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['iv with a NUL byte inside', (a) => a.decryptPhone(k, d, v.slice(0, 4) + '\0' + v.slice(4)), { code: 'INVALID_IV' }],
  ['encryptedData with a trailing NUL byte', (a) => a.decryptPhone(k, d + '\0', v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['sessionKey that is 24 NUL characters', (a) => a.decryptPhone('\0'.repeat(24), d, v), { code: 'INVALID_SESSION_KEY' }],
  ['options.appId with a NUL byte appended', (a) => a.decryptPhone(k, d, v, { appId: APPID + '\0' }), { code: 'APPID_MISMATCH' }],
  ['options.appId with a lone surrogate', (a) => a.decryptPhone(k, d, v, { appId: APPID + '\uD800' }), { code: 'APPID_MISMATCH' }],
  // Lone surrogates become U+FFFD in UTF-8 on both sides (TextEncoder, Buffer):
  // sha1 runs over the same bytes node:crypto hashes.
  ['verifySignature over rawData with a lone surrogate matches node:crypto', (a) => a.verifySignature('{"n":"\uD83D"}', sha1hex('{"n":"\uD83D"}' + k), k), { result: true }],

  // --- base64 with every kind of damage ---------------------------------------
  ['encryptedData with = in the middle', (a) => a.decryptPhone(k, d.slice(0, 20) + '=' + d.slice(21), v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['encryptedData with one = too many', (a) => a.decryptPhone(k, d + '=', v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['encryptedData with non-canonical trailing bits', (a) => a.decryptPhone(k, nonCanonicalTail(d), v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['iv with half its padding (one = of two)', (a) => a.decryptPhone(k, d, v.replace(/==$/, '=')), { code: 'INVALID_IV' }],
  ['sessionKey in full-width lookalike characters', (a) => a.decryptPhone(k.replace(/[A-Za-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)), d, v), { code: 'INVALID_SESSION_KEY' }],
  ['encryptedData percent-encoded (%2B, %2F, %3D)', (a) => a.decryptPhone(plusy.sessionKey, encodeURIComponent(plusy.encryptedData), plusy.iv), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['encryptedData with a vertical tab (not a repaired whitespace)', (a) => a.decryptPhone(k, d.slice(0, 10) + '\v' + d.slice(10), v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['encryptedData with a non-breaking space', (a) => a.decryptPhone(k, d.slice(0, 10) + '\u00a0' + d.slice(10), v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['encryptedData that is only whitespace', (a) => a.decryptPhone(k, ' \r\n\t', v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['encryptedData as a data: URL', (a) => a.decryptPhone(k, 'data:application/octet-stream;base64,' + d, v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['encryptedData wrapped in JSON quotes', (a) => a.decryptPhone(k, JSON.stringify(d), v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['encryptedData with one character dropped (length 4n+3)', (a) => a.decryptPhone(k, d.slice(0, 30) + d.slice(31), v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['encryptedData mixing URL-safe and standard alphabets decrypts', (a) => a.decryptPhone(plusy.sessionKey, plusy.encryptedData.replace('+', '-'), plusy.iv), { result: PHONE }],
  ['all three with padding stripped and form-feeds inside decrypt', (a) => a.decryptPhone(...[k, d, v].map((s) => s.replace(/=+$/, '').replace(/(.{7})/, '$1\f'))), { result: PHONE }],
  // --- valid base64 of the wrong length ---------------------------------------
  ['encryptedData of 17 bytes', (a) => a.decryptPhone(k, b64(17), v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['encryptedData of 1 byte', (a) => a.decryptPhone(k, b64(1), v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['encryptedData of 161 bytes (one byte appended)', (a) => a.decryptPhone(k, Buffer.concat([Buffer.from(d, 'base64'), Buffer.alloc(1)]).toString('base64'), v), { code: 'INVALID_ENCRYPTED_DATA' }],
  ['iv of 17 bytes', (a) => a.decryptPhone(k, d, b64(17)), { code: 'INVALID_IV' }],
  ['iv empty', (a) => a.decryptPhone(k, d, ''), { code: 'INVALID_IV' }],
  ['iv of 32 bytes (IV and key concatenated)', (a) => a.decryptPhone(k, d, Buffer.concat([key16(2), key16(1)]).toString('base64')), { code: 'INVALID_IV' }],
  ['sessionKey of 15 bytes', (a) => a.decryptPhone(b64(15), d, v), { code: 'INVALID_SESSION_KEY' }],
  ['sessionKey of 17 bytes', (a) => a.decryptPhone(b64(17), d, v), { code: 'INVALID_SESSION_KEY' }],
  ['sessionKey given as hex (32 characters = 24 bytes of base64)', (a) => a.decryptPhone(key16(1).toString('hex'), d, v), { code: 'INVALID_SESSION_KEY' }],

  // --- hostile plaintexts (sealed with node:crypto) -------------------------------
  // JSON.parse semantics: the last duplicate key wins, as in the official sample.
  ['duplicate phoneNumber keys: the last one wins (JSON.parse)', (a) => a.decryptPhone(...args(`{"phoneNumber":"10000000000","phoneNumber":"13580006666","purePhoneNumber":"13580006666","countryCode":"86","watermark":${JSON.stringify(WM)}}`)), { result: PHONE }],
  ['duplicate watermarks: the last one is checked', (a) => a.decryptPhone(...args(`{"phoneNumber":"13580006666","purePhoneNumber":"13580006666","countryCode":"86","watermark":${JSON.stringify(WM)},"watermark":{"timestamp":${TS},"appid":"wx0000000000000000"}}`), { appId: APPID }), { code: 'APPID_MISMATCH' }],
  ['duplicate keys agree with the official sample', (a) => {
    const s = sealed(`{"a":1,"a":2,"watermark":${JSON.stringify(WM)},"a":3}`);
    const ours = a.decryptData(s.sessionKey, s.encryptedData, s.iv);
    return [ours, new OfficialSample(APPID, s.sessionKey).decryptData(s.encryptedData, s.iv)];
  }, { result: [{ a: 3, watermark: WM }, { a: 3, watermark: WM }] }],
  [`${MAX_DEPTH} levels of [ (the most accepted) parse to the nested arrays`, (a) => depthOf(a.decryptData(...args(nestedArray(MAX_DEPTH)))), { result: { n: MAX_DEPTH, leaf: undefined } }],
  [`${MAX_DEPTH} levels of {"a": parse exactly`, (a) => depthOf(a.decryptData(...args(nestedObject(MAX_DEPTH))), 'a'), { result: { n: MAX_DEPTH, leaf: 1 } }],
  [`${MAX_DEPTH} levels of [ given to decryptPhone`, (a) => a.decryptPhone(...args(nestedArray(MAX_DEPTH))), { code: 'NOT_PHONE_DATA' }],
  [`${MAX_DEPTH} levels of {"a": with an appId check`, (a) => a.decryptData(...args(nestedObject(MAX_DEPTH)), { appId: APPID }), { code: 'APPID_MISMATCH' }],
  [`${MAX_DEPTH + 1} levels of [ are refused`, (a) => a.decryptData(...args(nestedArray(MAX_DEPTH + 1))), { code: 'DECRYPT_FAILED' }],
  [`${MAX_DEPTH + 1} levels of {"a": are refused`, (a) => a.decryptData(...args(nestedObject(MAX_DEPTH + 1))), { code: 'DECRYPT_FAILED' }],
  [`${DEPTH} levels of [ (balanced) are refused, no stack overflow`, (a) => a.decryptData(...args(deepArray)), { code: 'DECRYPT_FAILED' }],
  [`${DEPTH} levels of [ given to decryptPhone`, (a) => a.decryptPhone(...args(deepArray)), { code: 'DECRYPT_FAILED' }],
  [`${DEPTH} levels of [ unbalanced (never closed)`, (a) => a.decryptData(...args('['.repeat(DEPTH))), { code: 'DECRYPT_FAILED' }],
  [`${DEPTH} levels of {"a": with an appId check`, (a) => a.decryptData(...args(deepObject), { appId: APPID }), { code: 'DECRYPT_FAILED' }],
  [`${DEPTH} levels of {"a": in phoneInfoFromJson`, (a) => a.phoneInfoFromJson(deepObject), { code: 'NOT_PHONE_DATA' }],
  ['a number beyond double range becomes Infinity (JSON.parse)', (a) => a.decryptData(...args(`{"n":1e400,"m":-1e400,"watermark":${JSON.stringify(WM)}}`)), { result: { n: Infinity, m: -Infinity, watermark: WM } }],
  ['a 400-digit integer becomes the nearest double', (a) => a.decryptData(...args(`{"n":${'9'.repeat(300)}}`)).n, { result: 1e300 }],
  ['watermark timestamp 1e400 with maxAgeSeconds', (a) => a.decryptPhone(...args(`{"phoneNumber":"1","purePhoneNumber":"1","countryCode":"86","watermark":{"timestamp":1e400,"appid":"${APPID}"}}`), { maxAgeSeconds: 300, now: NOW * 1000 }), { code: 'NOT_PHONE_DATA' }],
  ['watermark timestamp 2^53 given to decryptData with maxAgeSeconds', (a) => a.decryptData(...args({ watermark: { timestamp: 2 ** 53, appid: APPID } }), { maxAgeSeconds: 1e15, now: NOW * 1000 }), { code: 'EXPIRED' }],
  ['watermark timestamp as a string', (a) => a.decryptData(...args({ watermark: { timestamp: String(TS), appid: APPID } }), { maxAgeSeconds: 300, now: NOW * 1000 }), { code: 'EXPIRED' }],
  ['watermark timestamp negative', (a) => a.decryptData(...args({ watermark: { timestamp: -1, appid: APPID } }), { maxAgeSeconds: 300, now: NOW * 1000 }), { code: 'EXPIRED' }],
  // The rules read a timestamp written as digits only (src/json.rs
  // safe_integer), as WeChat writes it; JSON.parse would make 1477314187.0
  // the same number, the age check does not take it.
  ['watermark timestamp written 1477314187.0, with maxAgeSeconds', (a) => a.decryptData(...args(`{"watermark":{"timestamp":${TS}.0,"appid":"${APPID}"}}`), { maxAgeSeconds: 300, now: NOW * 1000 }), { code: 'EXPIRED' }],
  ['watermark timestamp written 1477314187.0, without checks', (a) => a.decryptData(...args(`{"watermark":{"timestamp":${TS}.0,"appid":"${APPID}"}}`)), { result: { watermark: WM } }],
  ['watermark timestamp written 1.477314187e9 in a phone payload', (a) => a.decryptPhone(...args(`{"phoneNumber":"1","purePhoneNumber":"1","countryCode":"86","watermark":{"timestamp":1.477314187e9,"appid":"${APPID}"}}`)), { code: 'NOT_PHONE_DATA' }],
  ['__proto__ key carrying the phone fields is not read through', (a) => a.decryptPhone(...args(`{"__proto__":${JSON.stringify(PHONE)}}`)), { code: 'NOT_PHONE_DATA' }],
  ['watermark whose appid sits under __proto__', (a) => a.decryptData(...args(`{"watermark":{"timestamp":${TS},"__proto__":{"appid":"${APPID}"}}}`), { appId: APPID }), { code: 'APPID_MISMATCH' }],
  ['__proto__ in a phone payload stays an own data key', (a) => {
    const got = a.decryptPhone(...args(`{"__proto__":{"isAdmin":true},"phoneNumber":"13580006666","purePhoneNumber":"13580006666","countryCode":86,"watermark":${JSON.stringify(WM)}}`));
    return [Object.getPrototypeOf(got) === Object.prototype, got.isAdmin, {}.isAdmin, Object.getOwnPropertyDescriptor(got, '__proto__').value, got.countryCode];
  }, { result: [true, undefined, undefined, { isAdmin: true }, '86'] }],
  ['constructor.prototype keys do not pollute', (a) => {
    a.decryptData(...args('{"constructor":{"prototype":{"polluted":1}},"__proto__":{"__proto__":{"polluted":1}}}'));
    return [{}.polluted, Object.prototype.polluted, [].polluted];
  }, { result: [undefined, undefined, undefined] }],
  ['watermark is a string, with appId', (a) => a.decryptData(...args({ watermark: APPID }), { appId: APPID }), { code: 'APPID_MISMATCH' }],
  ['watermark is an array [timestamp, appid], with appId', (a) => a.decryptData(...args({ watermark: [TS, APPID] }), { appId: APPID }), { code: 'APPID_MISMATCH' }],
  ['watermark is null, with maxAgeSeconds', (a) => a.decryptData(...args({ watermark: null }), { maxAgeSeconds: 300, now: NOW * 1000 }), { code: 'EXPIRED' }],
  ['watermark appid is a number, with appId', (a) => a.decryptData(...args({ watermark: { timestamp: TS, appid: 4 } }), { appId: APPID }), { code: 'APPID_MISMATCH' }],
  ['phone payload with a string watermark and no options', (a) => a.decryptPhone(...args({ ...PHONE, watermark: 'x' })), { code: 'NOT_PHONE_DATA' }],
  ['countryCode 86 (number) with appId and maxAgeSeconds', (a) => a.decryptPhone(...args({ ...PHONE, countryCode: 86 }), { appId: APPID, maxAgeSeconds: 300, now: NOW * 1000 }), { result: PHONE }],
  ['countryCode 86.5', (a) => a.decryptPhone(...args({ ...PHONE, countryCode: 86.5 })), { code: 'NOT_PHONE_DATA' }],
  ['countryCode -86', (a) => a.decryptPhone(...args({ ...PHONE, countryCode: -86 })), { code: 'NOT_PHONE_DATA' }],
  ['countryCode null', (a) => a.decryptPhone(...args({ ...PHONE, countryCode: null })), { code: 'NOT_PHONE_DATA' }],
  ['countryCode "+86" (a string) is kept as is', (a) => a.decryptPhone(...args({ ...PHONE, countryCode: '+86' })), { result: { ...PHONE, countryCode: '+86' } }],
  ['phoneNumber is a number', (a) => a.decryptPhone(...args({ ...PHONE, phoneNumber: 13580006666 })), { code: 'NOT_PHONE_DATA' }],
  ['purePhoneNumber is an array', (a) => a.decryptPhone(...args({ ...PHONE, purePhoneNumber: ['13580006666'] })), { code: 'NOT_PHONE_DATA' }],
  ['phoneNumber missing', (a) => { const { phoneNumber, ...rest } = PHONE; return a.decryptPhone(...args(rest)); }, { code: 'NOT_PHONE_DATA' }],
  ['phone payload that is a JSON array', (a) => a.decryptPhone(...args([PHONE])), { code: 'NOT_PHONE_DATA' }],
  ['plaintext null: decryptData returns null', (a) => a.decryptData(...args('null')), { result: null }],
  ['plaintext null with appId', (a) => a.decryptData(...args('null'), { appId: APPID }), { code: 'APPID_MISMATCH' }],
  ['plaintext is a JSON string', (a) => a.decryptData(...args('"13580006666"')), { result: '13580006666' }],
  ['extra fields of every type are kept', (a) => a.decryptPhone(...args({ ...PHONE, x: { y: [null, true, 0.5, '中😀'] }, '': '' })), { result: { ...PHONE, x: { y: [null, true, 0.5, '中😀'] }, '': '' } }],
  ['plaintext with an escaped NUL in a string', (a) => a.decryptData(...args('{"n":"a\\u0000b"}')), { result: { n: 'a\0b' } }],
  ['plaintext with a raw NUL byte in a string (invalid JSON)', (a) => a.decryptData(...args('{"n":"a\0b"}')), { code: 'DECRYPT_FAILED' }],
  ['plaintext with a UTF-8 BOM', (a) => a.decryptData(...args('\uFEFF{}')), { code: 'DECRYPT_FAILED' }],
  ['plaintext with an escaped lone surrogate', (a) => a.decryptData(...args('{"n":"\\ud800"}')).n, { result: '\uD800' }],
  ['plaintext with a CESU-8 surrogate (ED A0 80)', (a) => a.decryptData(...args(Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]))), { code: 'DECRYPT_FAILED' }],
  ['plaintext with an overlong "/" (C0 AF)', (a) => a.decryptData(...args(Buffer.from([0x22, 0xc0, 0xaf, 0x22]))), { code: 'DECRYPT_FAILED' }],
  ['plaintext empty (one block of padding)', (a) => a.decryptData(...args('')), { code: 'DECRYPT_FAILED' }],
  ['plaintext of only whitespace', (a) => a.decryptData(...args(' \n\t ')), { code: 'DECRYPT_FAILED' }],

  // --- phoneInfoFromJson: the same rules on JSON that arrives unencrypted -------
  ['phoneInfoFromJson of a boxed String', (a) => a.phoneInfoFromJson(new String(JSON.stringify(PHONE))), { code: 'INVALID_ARGUMENT' }],
  ['phoneInfoFromJson of a Buffer of the JSON', (a) => a.phoneInfoFromJson(Buffer.from(JSON.stringify(PHONE))), { code: 'INVALID_ARGUMENT' }],
  ['phoneInfoFromJson of 16 MiB: over the arguments bound', (a) => a.phoneInfoFromJson(' '.repeat(16 * MiB)), { code: 'INVALID_ARGUMENT', message: /the arguments are too large/ }],
  ['phoneInfoFromJson: duplicate keys, the last one wins (JSON.parse)', (a) => a.phoneInfoFromJson(`{"phoneNumber":"10000000000","phoneNumber":"13580006666","purePhoneNumber":"13580006666","countryCode":86,"watermark":${JSON.stringify(WM)}}`), { result: PHONE }],
  ['phoneInfoFromJson: duplicate watermarks, the last one is checked', (a) => a.phoneInfoFromJson(`{"phoneNumber":"1","purePhoneNumber":"1","countryCode":"86","watermark":${JSON.stringify(WM)},"watermark":{"timestamp":${TS},"appid":"wx0000000000000000"}}`, { appId: APPID }), { code: 'APPID_MISMATCH' }],
  ['phoneInfoFromJson: phone fields under __proto__ are not read through', (a) => a.phoneInfoFromJson(`{"__proto__":${JSON.stringify(PHONE)}}`), { code: 'NOT_PHONE_DATA' }],
  ['phoneInfoFromJson: escaped key names are the names (phone\\u004eumber)', (a) => a.phoneInfoFromJson(JSON.stringify(PHONE).replace('"phoneNumber"', '"phone\\u004eumber"')), { result: PHONE }],
  ['phoneInfoFromJson with a UTF-8 BOM', (a) => a.phoneInfoFromJson('\uFEFF' + JSON.stringify(PHONE)), { code: 'NOT_PHONE_DATA' }],
  ['phoneInfoFromJson with a raw NUL in a string (invalid JSON)', (a) => a.phoneInfoFromJson(JSON.stringify(PHONE).replace('13580006666', '1358\u00000006666')), { code: 'NOT_PHONE_DATA' }],
  ['phoneInfoFromJson with trailing text after the object', (a) => a.phoneInfoFromJson(JSON.stringify(PHONE) + 'x'), { code: 'NOT_PHONE_DATA' }],
  ['phoneInfoFromJson with countryCode -86', (a) => a.phoneInfoFromJson(JSON.stringify({ ...PHONE, countryCode: -86 })), { code: 'NOT_PHONE_DATA' }],
];

/** code -> wxErrCode, from src/vocabulary.json (the single source). */
const expectedWx = Object.fromEntries(require('../../src/vocabulary.json').errors.map((row) => [row.code, row.wxErrCode]));

for (const [label, load] of entries) {
  describe(`hostile input: ${label}`, () => {
    let api;
    before(async () => { api = await load(); });

    const stillWorks = () => assert.deepEqual(
      api.decryptPhone(k, d, v, { appId: APPID, maxAgeSeconds: 300, now: NOW * 1000 }), PHONE);

    for (const [name, call, expected, options] of rows) {
      const shown = 'code' in expected ? expected.code : 'result';
      it(`${name} → ${shown}`, options ?? {}, () => {
        let result, error, threw = false;
        try { result = call(api); } catch (e) { error = e; threw = true; }
        if ('code' in expected) {
          assert.ok(threw, `expected ${expected.code}, got a result`);
          assert.ok(error instanceof Error, `threw a non-Error: ${String(error)}`);
          assert.equal(error.name, 'WxOpenDataError', `untyped ${error.name}: ${error.message}`);
          assert.ok(error instanceof api.WxOpenDataError, 'not an instance of the exported WxOpenDataError');
          assert.equal(error.code, expected.code, error.message);
          if (expected.message) assert.match(error.message, expected.message);
          assert.equal(error.wxErrCode, expectedWx[expected.code] ?? null);
          assert.equal(api.isWxOpenDataError(error), true);
        } else {
          assert.ok(!threw, `expected a result, got ${error?.name} ${error?.code}: ${error?.message}`);
          if ('result' in expected) assert.deepEqual(result, expected.result);
          else expected.check(result);
        }
        stillWorks();
      });
    }

    it('has at least 30 rows and leaves no prototype polluted', () => {
      assert.ok(rows.length >= 30, `${rows.length} rows`);
      for (const proto of [Object.prototype, Array.prototype, Function.prototype]) {
        assert.deepEqual(Object.getOwnPropertyNames(proto).filter((n) => ['polluted', 'isAdmin', 'phoneNumber', 'appid'].includes(n)), []);
      }
    });
  });
}

