// The one check body every runtime row of `make test-runtimes` runs (Node,
// Bun, Deno, Chromium, esbuild bundles, workerd). Plain ESM and standard JS
// only (no Buffer, no node:*), because it runs in browsers and workers too.
//
// The payloads come from the parent as JSON (fixtures.mjs seals them with
// node:crypto, the independent reference), so a runtime cannot agree with
// itself by accident. What encryptData produced is handed back in
// `artifacts` and decrypted again with node:crypto by the parent.

/** Every documented code with its official WeChat number (null where none exists). */
const WX_ERR_CODE = {
  INVALID_ARGUMENT: null, INVALID_SESSION_KEY: -41001, INVALID_IV: -41002,
  INVALID_ENCRYPTED_DATA: -41004, DECRYPT_FAILED: -41003, NOT_PHONE_DATA: null,
  APPID_MISMATCH: null, EXPIRED: null, RANDOM_UNAVAILABLE: null,
};

const b64 = (n, fill = 9) => btoa(String.fromCharCode(...new Array(n).fill(fill)));
const bytesOf = (base64) => atob(base64).length;

/** Structural equality for JSON-like values; plain objects only, key order ignored. */
function same(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (!Array.isArray(a) && Object.getPrototypeOf(a) !== Object.prototype) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
}

/** Thrown by a check that this runtime makes impossible; reported, never counted as passed. */
class Skip extends Error {}

function expect(ok, message) {
  if (!ok) throw new Error(message);
}

function expectSame(actual, expected, what) {
  expect(same(actual, expected), `${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
}

/**
 * The error rows: [name, call, code]. Together they reach every documented
 * code; RANDOM_UNAVAILABLE is reached by hiding globalThis.crypto (below).
 * `f` is the fixtures object, `a` the API under test.
 */
function errorRows(f) {
  const { sessionKey: k, encryptedData: d, iv: v } = f.phone;
  const ts = f.phone.expected.watermark.timestamp;
  return [
    ['sessionKey is a number', (a) => a.decryptPhone(123, d, v), 'INVALID_ARGUMENT'],
    ['iv is null', (a) => a.decryptData(k, d, null), 'INVALID_ARGUMENT'],
    ['options key typo appid', (a) => a.decryptPhone(k, d, v, { appid: f.appId }), 'INVALID_ARGUMENT'],
    ['options.maxAgeSeconds negative', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: -1 }), 'INVALID_ARGUMENT'],
    ['encryptData of a number', (a) => a.encryptData(k, 42), 'INVALID_ARGUMENT'],
    ['sessionKey decodes to 24 bytes', (a) => a.decryptPhone(b64(24), d, v), 'INVALID_SESSION_KEY'],
    ['sessionKey empty', (a) => a.decryptPhone('', d, v), 'INVALID_SESSION_KEY'],
    ['WXBizDataCrypt with a bad key', (a) => new a.WXBizDataCrypt(f.appId, b64(8)), 'INVALID_SESSION_KEY'],
    ['iv decodes to 15 bytes', (a) => a.decryptPhone(k, d, b64(15)), 'INVALID_IV'],
    ['iv not base64', (a) => a.decryptPhone(k, d, '%%%%'), 'INVALID_IV'],
    ['encryptedData empty', (a) => a.decryptPhone(k, '', v), 'INVALID_ENCRYPTED_DATA'],
    ['encryptedData 15 bytes', (a) => a.decryptPhone(k, b64(15), v), 'INVALID_ENCRYPTED_DATA'],
    ['encryptedData over 1 MiB', (a) => a.decryptPhone(k, 'A'.repeat(2 * 1024 * 1024), v), 'INVALID_ENCRYPTED_DATA'],
    ['stale session_key', (a) => a.decryptPhone(f.wrongKey, d, v), 'DECRYPT_FAILED'],
    ['iv of another request', (a) => a.decryptPhone(k, d, b64(16)), 'DECRYPT_FAILED'],
    ['plaintext is not JSON', (a) => a.decryptData(f.notJson.sessionKey, f.notJson.encryptedData, f.notJson.iv), 'DECRYPT_FAILED'],
    ['userInfo given to decryptPhone', (a) => a.decryptPhone(f.userInfo.sessionKey, f.userInfo.encryptedData, f.userInfo.iv), 'NOT_PHONE_DATA'],
    ['appId of another Mini Program', (a) => a.decryptPhone(k, d, v, { appId: 'wx0000000000000000' }), 'APPID_MISMATCH'],
    ['WXBizDataCrypt with another appid', (a) => new a.WXBizDataCrypt('wx0000000000000000', k).decryptData(d, v), 'APPID_MISMATCH'],
    ['appId check without watermark', (a) => a.decryptData(f.noWatermark.sessionKey, f.noWatermark.encryptedData, f.noWatermark.iv, { appId: f.appId }), 'APPID_MISMATCH'],
    ['watermark older than maxAgeSeconds', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 300, now: ts + 301 }), 'EXPIRED'],
    ['watermark over 60 s in the future', (a) => a.decryptPhone(k, d, v, { maxAgeSeconds: 300, now: ts - 61 }), 'EXPIRED'],
  ];
}

/**
 * Runs every check against `api` (the package's exports, loaded the way the
 * runtime's users load them). Never throws: returns
 * { passed, failed, details: [{check, error}], skipped: [{check, reason}], artifacts }.
 * A check is skipped only when the runtime makes it impossible (said in
 * `reason`); the driver prints every skip.
 */
export async function runChecks(api, fixtures) {
  const f = fixtures;
  let passed = 0;
  const details = [];
  const skipped = [];
  const reached = new Set();
  const artifacts = { encrypted: [] };
  const check = async (name, body) => {
    try {
      await body();
      passed++;
    } catch (e) {
      if (e instanceof Skip) skipped.push({ check: name, reason: e.message });
      else details.push({ check: name, error: String(e && e.stack ? e.stack : e) });
    }
  };
  const good = () => api.decryptPhone(f.phone.sessionKey, f.phone.encryptedData, f.phone.iv, { appId: f.appId });

  /** The call must throw a WxOpenDataError with `code`, leaking none of the inputs. */
  const throwsCode = (fn, code) => {
    let error;
    try { fn(); } catch (e) { error = e; }
    expect(error !== undefined, `no throw, expected ${code}`);
    expect(error instanceof Error, `not an Error: ${Object.prototype.toString.call(error)} ${String(error)}`);
    expect(error.name === 'WxOpenDataError', `name ${error.name}: ${error.message}`);
    expect(error.code === code, `code ${error.code}, expected ${code}: ${error.message}`);
    expect(error.wxErrCode === WX_ERR_CODE[code], `wxErrCode ${error.wxErrCode} for ${code}`);
    expect(api.isWxOpenDataError(error) === true, 'isWxOpenDataError(error) is not true');
    const shown = `${error.message}\n${String(error)}\n${error.stack}`;
    for (const secret of [f.phone.sessionKey, f.phone.encryptedData, f.phone.iv, f.wrongKey, f.phone.expected.phoneNumber]) {
      expect(!shown.includes(secret), `error text leaks ${secret.slice(0, 6)}…`);
    }
    reached.add(code);
    return error;
  };

  await check('exports exactly the documented names', () => {
    expectSame(Object.keys(api).filter((k) => k !== 'default').sort(), [...f.exportNames].sort(), 'export names');
  });

  await check('init() is idempotent and initSync() after it is a no-op', async () => {
    const first = api.init();
    expect(first && typeof first.then === 'function', 'init() does not return a promise');
    await first;
    await api.init();
    api.initSync();
    expectSame(good(), f.phone.expected, 'decryptPhone after repeated init');
  });

  await check('decryptPhone of the reference payload (appId checked)', () => {
    expectSame(good(), f.phone.expected, 'decryptPhone');
  });

  for (const [i, p] of f.payloads.entries()) {
    await check(`payload ${i} (${p.phone ? 'phone' : 'other open data'}) decrypts as node:crypto did`, () => {
      expectSame(api.decryptData(p.sessionKey, p.encryptedData, p.iv, { appId: f.appId }), p.data, 'decryptData');
      expectSame(new api.WXBizDataCrypt(f.appId, p.sessionKey).decryptData(p.encryptedData, p.iv), p.data, 'WXBizDataCrypt');
      if (p.phone) expectSame(api.decryptPhone(p.sessionKey, p.encryptedData, p.iv, { appId: f.appId }), p.phone, 'decryptPhone');
      else throwsCode(() => api.decryptPhone(p.sessionKey, p.encryptedData, p.iv), 'NOT_PHONE_DATA');
    });
  }

  const rows = errorRows(f);
  for (const [name, call, code] of rows) {
    await check(`${name} → ${code}, instance still works`, () => {
      const error = throwsCode(() => call(api), code);
      if (code === 'DECRYPT_FAILED') expect(/session_key/.test(error.message), `DECRYPT_FAILED message does not point at the session_key: ${error.message}`);
      expectSame(good(), f.phone.expected, 'decryptPhone after the error');
    });
  }

  await check('encryptData → RANDOM_UNAVAILABLE when globalThis.crypto is hidden', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    if (saved && !saved.configurable) throw new Skip('globalThis.crypto is a non-configurable property in this runtime, so it cannot be hidden');
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true, writable: true });
    try {
      throwsCode(() => api.encryptData(f.phone.sessionKey, '{}'), 'RANDOM_UNAVAILABLE');
    } finally {
      delete globalThis.crypto;
      if (saved) Object.defineProperty(globalThis, 'crypto', saved);
    }
    expect(typeof globalThis.crypto.getRandomValues === 'function', 'globalThis.crypto not restored');
  });

  await check('every documented code was reached (less any skipped above)', () => {
    const expected = Object.keys(WX_ERR_CODE).filter((c) => !skipped.some((s) => s.check.includes(c)));
    expectSame([...reached].sort(), expected.sort(), 'codes reached');
  });

  await check('verifySignature: sha1(rawData + sessionKey), any case, nothing else', () => {
    const { rawData, signature, sessionKey } = f.signature;
    expect(api.verifySignature(rawData, signature, sessionKey) === true, 'valid signature rejected');
    expect(api.verifySignature(rawData, signature.toUpperCase(), sessionKey) === true, 'upper-case signature rejected');
    expect(api.verifySignature(rawData + ' ', signature, sessionKey) === false, 'tampered rawData accepted');
    expect(api.verifySignature(rawData, signature, f.wrongKey) === false, 'signature accepted with another key');
  });

  await check('encryptData round trip with a fresh 16-byte IV (WebCrypto getRandomValues)', () => {
    const key = f.encryptKey;
    const a = api.encryptData(key, f.phone.expected);
    const b = api.encryptData(key, f.phone.expected);
    expectSame(Object.keys(a).sort(), ['encryptedData', 'iv'], 'encryptData result keys');
    expect(bytesOf(a.iv) === 16 && bytesOf(b.iv) === 16, 'IV is not 16 bytes');
    expect(a.iv !== b.iv && a.encryptedData !== b.encryptedData, 'two calls gave the same IV');
    expectSame(api.decryptPhone(key, a.encryptedData, a.iv, { appId: f.appId }), f.phone.expected, 'decrypt(encrypt(phone))');
    const text = '{"exact":"string 中 😀"}';
    const s = api.encryptData(key, text);
    expectSame(api.decryptData(key, s.encryptedData, s.iv), { exact: 'string 中 😀' }, 'decrypt(encrypt(string))');
    artifacts.encrypted.push(
      { sessionKey: key, plaintext: JSON.stringify(f.phone.expected), ...a },
      { sessionKey: key, plaintext: JSON.stringify(f.phone.expected), ...b },
      { sessionKey: key, plaintext: text, ...s },
    );
  });

  return { passed, failed: details.length, details, skipped, artifacts };
}
