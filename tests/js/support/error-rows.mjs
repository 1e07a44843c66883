// The one table of error rows the JS suites share: [name, call(api), code],
// each a real call that must throw a WxOpenDataError with that code.
// Together the rows reach every engine code of src/vocabulary.json except
// RANDOM_UNAVAILABLE, which needs globalThis.crypto hidden (each suite has
// its own test for it); tests/js/vocabulary.test.mjs checks that coverage.
// Used by tests/js/api.test.mjs (every entry in Node) and
// tests/runtimes/checks.mjs (every runtime of the matrix; run.mjs bundles
// this file into it).
//
// Standard JS only: no Buffer, no node:*, only library APIs Node 10.15 has
// (no globalThis, Object.hasOwn, optional chaining), because checks.mjs runs
// in browsers, workers and the cloud-function Nodes.
//
// `f` is the fixed case set, sealed with node:crypto by the caller
// (fixedCases() in payloads.mjs): { appId, phone: { sessionKey,
// encryptedData, iv, expected }, wrongKey, notJson, userInfo, noWatermark }.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard padded base64 of a byte list (Node 10 has no btoa). */
export function base64(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63];
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63] : '=';
  }
  return out;
}

/** Base64 of `n` bytes of `fill`: well-formed input of a chosen length. */
export const b64 = (n, fill = 9) => base64(new Array(n).fill(fill));

/** The rows; the inputs that are not in `f` are made here, deterministically. */
export function errorRows(f) {
  const k = f.phone.sessionKey, d = f.phone.encryptedData, v = f.phone.iv;
  const ts = f.phone.expected.watermark.timestamp;
  const phoneJson = JSON.stringify(f.phone.expected);
  return [
    ['sessionKey is a number', (a) => a.decryptPhone(123, d, v), 'INVALID_ARGUMENT'],
    ['encryptedData is undefined', (a) => a.decryptPhone(k, undefined, v), 'INVALID_ARGUMENT'],
    ['iv is null', (a) => a.decryptData(k, d, null), 'INVALID_ARGUMENT'],
    ['options is a string', (a) => a.decryptPhone(k, d, v, f.appId), 'INVALID_ARGUMENT'],
    ['options is an array', (a) => a.decryptPhone(k, d, v, [f.appId]), 'INVALID_ARGUMENT'],
    // An unknown key is refused: a typo must not disable a check.
    ['options key typo appid', (a) => a.decryptPhone(k, d, v, { appid: f.appId }), 'INVALID_ARGUMENT'],
    // `{ appId: process.env.WX_APPID }` with the variable unset: the check must not be skipped silently.
    ['options { appId: undefined }', (a) => a.decryptPhone(k, d, v, { appId: undefined }), 'INVALID_ARGUMENT'],
    ['decryptData options { appId: undefined }', (a) => a.decryptData(k, d, v, { appId: undefined }), 'INVALID_ARGUMENT'],
    ['options.appId is empty', (a) => a.decryptPhone(k, d, v, { appId: '' }), 'INVALID_ARGUMENT'],
    ['options.appId is a number', (a) => a.decryptPhone(k, d, v, { appId: 1 }), 'INVALID_ARGUMENT'],
    ['options.maxAgeSeconds negative', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: -1 }), 'INVALID_ARGUMENT'],
    ['options.maxAgeSeconds fractional', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 1.5 }), 'INVALID_ARGUMENT'],
    ['options.now a string', (a) => a.decryptPhone(k, d, v, { now: '1' }), 'INVALID_ARGUMENT'],
    ['WXBizDataCrypt appId is empty', (a) => new a.WXBizDataCrypt('', k), 'INVALID_ARGUMENT'],
    ['phoneInfoFromJson of the object, not its JSON', (a) => a.phoneInfoFromJson(f.phone.expected), 'INVALID_ARGUMENT'],
    ['phoneInfoFromJson options key typo appid', (a) => a.phoneInfoFromJson(phoneJson, { appid: f.appId }), 'INVALID_ARGUMENT'],
    ['encryptData of a number', (a) => a.encryptData(k, 42), 'INVALID_ARGUMENT'],
    ['verifySignature with a number', (a) => a.verifySignature('{}', 5, k), 'INVALID_ARGUMENT'],
    ['sessionKey decodes to 24 bytes', (a) => a.decryptPhone(b64(24), d, v), 'INVALID_SESSION_KEY'],
    ['sessionKey empty', (a) => a.decryptPhone('', d, v), 'INVALID_SESSION_KEY'],
    // A session store that lost the key (a restart): "log in again", not a bug of the caller.
    ['sessionKey undefined (lost)', (a) => a.decryptPhone(undefined, d, v), 'INVALID_SESSION_KEY'],
    ['decryptData sessionKey null (lost)', (a) => a.decryptData(null, d, v), 'INVALID_SESSION_KEY'],
    ['sessionKey not base64', (a) => a.decryptPhone('not a key!', d, v), 'INVALID_SESSION_KEY'],
    ['WXBizDataCrypt with a bad key', (a) => new a.WXBizDataCrypt(f.appId, b64(8)), 'INVALID_SESSION_KEY'],
    ['encryptData with a 15-byte key', (a) => a.encryptData(b64(15), {}), 'INVALID_SESSION_KEY'],
    ['iv decodes to 15 bytes', (a) => a.decryptPhone(k, d, b64(15)), 'INVALID_IV'],
    ['iv not base64', (a) => a.decryptPhone(k, d, '%%%%'), 'INVALID_IV'],
    ['encryptedData empty', (a) => a.decryptPhone(k, '', v), 'INVALID_ENCRYPTED_DATA'],
    ['encryptedData 15 bytes', (a) => a.decryptPhone(k, b64(15), v), 'INVALID_ENCRYPTED_DATA'],
    ['encryptedData not base64', (a) => a.decryptPhone(k, d.slice(0, -4) + '!!!!', v), 'INVALID_ENCRYPTED_DATA'],
    ['encryptedData over 1 MiB', (a) => a.decryptPhone(k, 'A'.repeat(2 * 1024 * 1024), v), 'INVALID_ENCRYPTED_DATA'],
    ['stale session_key', (a) => a.decryptPhone(f.wrongKey, d, v), 'DECRYPT_FAILED'],
    ['iv of another request', (a) => a.decryptPhone(k, d, b64(16)), 'DECRYPT_FAILED'],
    ['plaintext is not JSON', (a) => a.decryptData(f.notJson.sessionKey, f.notJson.encryptedData, f.notJson.iv), 'DECRYPT_FAILED'],
    ['userInfo given to decryptPhone', (a) => a.decryptPhone(f.userInfo.sessionKey, f.userInfo.encryptedData, f.userInfo.iv), 'NOT_PHONE_DATA'],
    ['userInfo JSON given to phoneInfoFromJson', (a) => a.phoneInfoFromJson(JSON.stringify({ nickName: 'x', watermark: f.phone.expected.watermark })), 'NOT_PHONE_DATA'],
    ['appId of another Mini Program', (a) => a.decryptPhone(k, d, v, { appId: 'wx0000000000000000' }), 'APPID_MISMATCH'],
    ['WXBizDataCrypt with another appid', (a) => new a.WXBizDataCrypt('wx0000000000000000', k).decryptData(d, v), 'APPID_MISMATCH'],
    ['appId check on data without watermark', (a) => a.decryptData(f.noWatermark.sessionKey, f.noWatermark.encryptedData, f.noWatermark.iv, { appId: f.appId }), 'APPID_MISMATCH'],
    ['watermark older than maxAgeSeconds', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 300, now: (ts + 301) * 1000 }), 'EXPIRED'],
    ['watermark more than 60 s in the future', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 300, now: (ts - 61) * 1000 }), 'EXPIRED'],
    ['maxAgeSeconds on data without watermark', (a) => a.decryptData(f.noWatermark.sessionKey, f.noWatermark.encryptedData, f.noWatermark.iv, { maxAgeSeconds: 1e9 }), 'EXPIRED'],
  ];
}

/** The first row of each code: { CODE: call(api) }. */
export function onePerCode(f) {
  const out = {};
  const rows = errorRows(f);
  for (let i = 0; i < rows.length; i++) {
    if (!(rows[i][2] in out)) out[rows[i][2]] = rows[i][1];
  }
  return out;
}
