// The one check body every runtime row of `make test-runtimes` runs (Node
// 10.15 to 24, Bun, Deno, Chromium, esbuild bundles, workerd, cloud
// functions). Standard JS only (no Buffer, no node:*), because it runs in
// browsers and workers too; and only library APIs that Node 10.15 has (no
// globalThis, btoa, Object.hasOwn, Array.prototype.flat), because the
// cloud-function rows run it there, bundled by esbuild to CommonJS with
// target node10 (which lowers syntax, not APIs). run.mjs builds that bundle.
//
// The payloads come from the parent as JSON (fixtures.mjs seals them with
// node:crypto, the independent reference), so a runtime cannot agree with
// itself by accident; so do the engine codes with their wxErrCode
// (src/vocabulary.json, the single source). The error rows are the JS
// suite's (tests/js/support/error-rows.mjs), which run.mjs bundles in. What
// encryptData produced is handed back in `artifacts` and decrypted again
// with node:crypto by the parent, and engineBuild() in `build`, which the
// parent compares with the build the row expects.

import { errorRows } from '../js/support/error-rows.mjs';

/** The global object; Node 10 has no `globalThis`. */
const GLOBAL = typeof globalThis !== 'undefined' ? globalThis : typeof self !== 'undefined' ? self : global;

/** Decoded length of padded base64, or -1 if it is not padded base64. */
function bytesOf(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return -1;
  return (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
}

const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

/** Structural equality for JSON-like values; plain objects only, key order ignored. */
function same(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (!Array.isArray(a) && Object.getPrototypeOf(a) !== Object.prototype) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => hasOwn(b, k) && same(a[k], b[k]));
}

/** Thrown by a check that this runtime or entry makes impossible; reported, never counted as passed. */
class Skip extends Error {}

function expect(ok, message) {
  if (!ok) throw new Error(message);
}

function expectSame(actual, expected, what) {
  expect(same(actual, expected), `${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
}

/**
 * Runs every check against `api` (the package's exports, loaded the way the
 * runtime's users load them). `context.entry` says which entry that is:
 * 'node' (node/index.cjs or .mjs: ready at once; randomness from
 * globalThis.crypto, else node:crypto) or 'web' (web/index.mjs: unusable
 * until init(), unless `context.initialized` says the harness already ran
 * initSync; randomness from globalThis.crypto only).
 * `context.globalCryptoFixed`, where set, says why this runtime's
 * globalThis.crypto cannot be hidden from its node:crypto.
 * `context.wechat`, where set, is a mock WeChat ({ baseUrl, appId,
 * appSecret, code, phoneNumber, countersUrl }) with one fresh phone code:
 * the entry's WeChatClient.getPhoneNumber must give that number, before any
 * init() (it loads the engine itself); with `wechat.refused` (workerd
 * without initSync, which cannot compile wasm) it must first reject with
 * INVALID_ARGUMENT naming initSync and the raw build while the mock counts
 * no request (countersUrl), then, after the harness's `context.initSync`,
 * give the number for the same code. The driver checks the mock's counters
 * after the row too. With `wechat.secure` ({ baseUrl, apiSecurity, code,
 * encryptedData, phoneNumber }: a mock speaking WeChat's API security mode),
 * a client with apiSecurity gets the number and checks encryptedData
 * (sealed and verified with this runtime's crypto), then refuses the
 * tampered reply the driver set up (UNVERIFIED_REPLY).
 *
 * Never throws: returns { passed, failed, details: [{check, error}],
 * skipped: [{check, reason}], build, artifacts }.
 * A check is skipped only when the runtime or entry makes it impossible
 * (said in `reason`); the driver prints every skip.
 */
export async function runChecks(api, fixtures, context) {
  const f = fixtures;
  const entry = context && context.entry;
  let passed = 0;
  const details = [];
  const skipped = [];
  const reached = {};
  const artifacts = { encrypted: [] };
  let build = null;
  /** Every engine code of src/vocabulary.json with its official WeChat number (null where none exists). */
  const WX_ERR_CODE = {};
  for (let i = 0; i < f.engineErrors.length; i++) WX_ERR_CODE[f.engineErrors[i].code] = f.engineErrors[i].wxErrCode;
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
    expect(error instanceof api.WxOpenDataError, `not an instance of the entry's WxOpenDataError: ${error.name}: ${error.message}`);
    expect(error.name === 'WxOpenDataError', `name ${error.name}: ${error.message}`);
    expect(error.code === code, `code ${error.code}, expected ${code}: ${error.message}`);
    expect(error.wxErrCode === WX_ERR_CODE[code], `wxErrCode ${error.wxErrCode} for ${code}`);
    expect(api.isWxOpenDataError(error) === true, 'isWxOpenDataError(error) is not true');
    const shown = `${error.message}\n${String(error)}\n${error.stack}\n${JSON.stringify(error)}`;
    for (const secret of [f.phone.sessionKey, f.phone.encryptedData, f.phone.iv, f.wrongKey, f.phone.expected.phoneNumber]) {
      expect(!shown.includes(secret), `error text leaks ${secret.slice(0, 6)}…`);
    }
    reached[code] = true;
    return error;
  };

  await check('exports exactly the documented names', () => {
    expectSame(Object.keys(api).filter((k) => k !== 'default').sort(), f.exportNames.slice().sort(), 'export names');
  });

  await check('WxOpenDataError is the class of the errors, and an Error', () => {
    expect(typeof api.WxOpenDataError === 'function', 'WxOpenDataError is not a class');
    expect(api.WxOpenDataError.prototype instanceof Error, 'WxOpenDataError does not extend Error');
    expect(api.isWxOpenDataError(new Error('x')) === false, 'isWxOpenDataError accepts a plain Error');
  });

  if (entry === 'node') {
    await check('usable before init() (the Node entry loads on first use)', () => {
      expectSame(good(), f.phone.expected, 'decryptPhone before init');
    });
  } else if (!(context && context.initialized)) {
    await check('before init(): INVALID_ARGUMENT naming init (the web entry)', () => {
      const error = throwsCode(() => good(), 'INVALID_ARGUMENT');
      expect(/init\(\)/.test(error.message), `the message does not say to call init(): ${error.message}`);
    });
  }

  const wechat = context && context.wechat;
  if (wechat) {
    const client = new api.WeChatClient({ appId: wechat.appId, appSecret: wechat.appSecret, baseUrl: wechat.baseUrl });
    let when = entry === 'web' && !context.initialized ? ' before init() (it loads the engine itself)' : '';
    if (wechat.refused) {
      await check('WeChatClient.getPhoneNumber without initSync: INVALID_ARGUMENT naming initSync and the .wasm to import, and no request', async () => {
        const requests = async () => (await (await fetch(wechat.countersUrl)).json()).requests;
        const before = await requests();
        let error;
        try { await client.getPhoneNumber(wechat.code); } catch (e) { error = e; }
        expect(error instanceof api.WxOpenDataError && error.code === 'INVALID_ARGUMENT', `not INVALID_ARGUMENT: ${error && error.message}`);
        expect(/initSync\(/.test(error.message) && error.message.indexOf("'wx-open-data/wasm/simd.wasm'") >= 0, `the message does not name initSync and the .wasm: ${error.message}`);
        const shown = `${error.message}\n${error.stack}\n${JSON.stringify(error)}`;
        expect(shown.indexOf(wechat.appSecret) < 0 && shown.indexOf(wechat.code) < 0, 'the error shows the AppSecret or the code');
        const after = await requests();
        expect(after === before, `the mock WeChat saw ${after - before} requests (no token fetch, no getuserphonenumber allowed)`);
      });
      context.initSync();
      when = ' after initSync, with the same code (unspent)';
    }
    await check(`WeChatClient.getPhoneNumber against the mock WeChat${when}`, async () => {
      const phone = await client.getPhoneNumber(wechat.code);
      expect(phone.phoneNumber === wechat.phoneNumber && typeof phone.countryCode === 'string', `getPhoneNumber gave ${JSON.stringify(phone)}`);
    });
    if (wechat.secure) {
      const s = wechat.secure;
      await check('API security: getPhoneNumber and checkEncryptedData sealed and verified with this runtime\'s crypto; a tampered reply is UNVERIFIED_REPLY', async () => {
        const secured = new api.WeChatClient({ appId: wechat.appId, appSecret: wechat.appSecret, baseUrl: s.baseUrl, apiSecurity: s.apiSecurity });
        await secured.ready();
        const phone = await secured.getPhoneNumber(s.code);
        expect(phone.phoneNumber === s.phoneNumber, `getPhoneNumber in the mode gave ${JSON.stringify(phone)}`);
        let refused;
        try { await secured.checkEncryptedData(s.encryptedData); } catch (e) { refused = e; }
        expect(refused instanceof api.WxOpenDataError && refused.code === 'UNVERIFIED_REPLY', `a tampered reply: ${refused ? refused.code : 'accepted'}`);
        const checked = await secured.checkEncryptedData(s.encryptedData);
        expect(checked.valid === true, `checkEncryptedData in the mode gave ${JSON.stringify(checked)}`);
      });
    }
  }

  await check('init() is idempotent and initSync() after it is a no-op', async () => {
    const first = api.init();
    expect(first && typeof first.then === 'function', 'init() does not return a promise');
    await first;
    await api.init();
    api.initSync();
    expectSame(good(), f.phone.expected, 'decryptPhone after repeated init');
  });

  await check("engineBuild() names the build in use: 'simd', 'baseline' or 'custom'", () => {
    build = api.engineBuild();
    expect(['simd', 'baseline', 'custom'].indexOf(build) >= 0, `engineBuild() is ${JSON.stringify(build)}`);
    expect(api.engineBuild() === build, 'engineBuild() changed between calls');
  });

  await check('decryptPhone of the reference payload (appId checked)', () => {
    expectSame(good(), f.phone.expected, 'decryptPhone');
  });

  await check('phoneInfoFromJson of the decrypted JSON (appId and age checked)', () => {
    const ts = f.phone.expected.watermark.timestamp;
    const json = JSON.stringify(f.phone.expected);
    expectSame(api.phoneInfoFromJson(json, { appId: f.appId, maxAgeSeconds: 300, now: (ts + 1) * 1000 }), f.phone.expected, 'phoneInfoFromJson');
  });

  for (const [i, p] of f.payloads.entries()) {
    await check(`payload ${i} (${p.phone ? 'phone' : 'other open data'}) decrypts as node:crypto did`, () => {
      expectSame(api.decryptData(p.sessionKey, p.encryptedData, p.iv, { appId: f.appId }), p.data, 'decryptData');
      expectSame(new api.WXBizDataCrypt(f.appId, p.sessionKey).decryptData(p.encryptedData, p.iv), p.data, 'WXBizDataCrypt');
      if (p.phone) expectSame(api.decryptPhone(p.sessionKey, p.encryptedData, p.iv, { appId: f.appId }), p.phone, 'decryptPhone');
      else throwsCode(() => api.decryptPhone(p.sessionKey, p.encryptedData, p.iv), 'NOT_PHONE_DATA');
    });
  }

  for (const [name, call, code] of errorRows(f)) {
    await check(`${name} → ${code}, instance still works`, () => {
      const error = throwsCode(() => call(api), code);
      if (code === 'DECRYPT_FAILED') expect(/session_key/.test(error.message), `DECRYPT_FAILED message does not point at the session_key: ${error.message}`);
      expectSame(good(), f.phone.expected, 'decryptPhone after the error');
    });
  }

  // The random source: the web entry has only globalThis.crypto, so hiding
  // it must give RANDOM_UNAVAILABLE; the Node entry falls back to
  // node:crypto's randomFillSync (Node 10 to 18 have no global crypto), so
  // there hiding it must change nothing.
  const withoutGlobalCrypto = (body) => {
    const saved = Object.getOwnPropertyDescriptor(GLOBAL, 'crypto');
    if (saved && !saved.configurable) throw new Skip('globalThis.crypto is a non-configurable property in this runtime, so it cannot be hidden');
    Object.defineProperty(GLOBAL, 'crypto', { value: undefined, configurable: true, writable: true });
    try {
      return body();
    } finally {
      delete GLOBAL.crypto;
      if (saved) Object.defineProperty(GLOBAL, 'crypto', saved);
      expect(!saved || typeof GLOBAL.crypto.getRandomValues === 'function', 'globalThis.crypto not restored');
    }
  };
  if (entry === 'node') {
    await check('encryptData without globalThis.crypto uses node:crypto (as on Node 10 to 18)', () => {
      if (context.globalCryptoFixed) throw new Skip(context.globalCryptoFixed);
      const sealed = withoutGlobalCrypto(() => api.encryptData(f.encryptKey, '{"fallback":true}'));
      expect(bytesOf(sealed.iv) === 16, `IV ${sealed.iv} is not 16 bytes`);
      expectSame(api.decryptData(f.encryptKey, sealed.encryptedData, sealed.iv), { fallback: true }, 'decrypt(encrypt) with node:crypto randomness');
      artifacts.encrypted.push({ sessionKey: f.encryptKey, plaintext: '{"fallback":true}', encryptedData: sealed.encryptedData, iv: sealed.iv });
    });
    await check('encryptData → RANDOM_UNAVAILABLE', () => {
      throw new Skip("the Node entry falls back to node:crypto's randomFillSync, which every Node has, so RANDOM_UNAVAILABLE cannot arise there");
    });
  } else {
    await check('encryptData → RANDOM_UNAVAILABLE when globalThis.crypto is hidden', () => {
      withoutGlobalCrypto(() => throwsCode(() => api.encryptData(f.phone.sessionKey, '{}'), 'RANDOM_UNAVAILABLE'));
      expectSame(good(), f.phone.expected, 'decryptPhone after the error');
    });
  }

  await check('every documented code was reached (less any skipped above)', () => {
    const expected = Object.keys(WX_ERR_CODE).filter((c) => !skipped.some((s) => s.check.indexOf(c) >= 0));
    expectSame(Object.keys(reached).sort(), expected.sort(), 'codes reached');
  });

  await check('verifySignature: sha1(rawData + sessionKey), any case, nothing else', () => {
    const { rawData, signature, sessionKey } = f.signature;
    expect(api.verifySignature(rawData, signature, sessionKey) === true, 'valid signature rejected');
    expect(api.verifySignature(rawData, signature.toUpperCase(), sessionKey) === true, 'upper-case signature rejected');
    expect(api.verifySignature(rawData + ' ', signature, sessionKey) === false, 'tampered rawData accepted');
    expect(api.verifySignature(rawData, signature, f.wrongKey) === false, 'signature accepted with another key');
  });

  await check('encryptData round trip with a fresh 16-byte IV', () => {
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
      { sessionKey: key, plaintext: JSON.stringify(f.phone.expected), encryptedData: a.encryptedData, iv: a.iv },
      { sessionKey: key, plaintext: JSON.stringify(f.phone.expected), encryptedData: b.encryptedData, iv: b.iv },
      { sessionKey: key, plaintext: text, encryptedData: s.encryptedData, iv: s.iv },
    );
  });

  // diagnose(): three causes it must name, each without repeating a secret.
  const ts = f.phone.expected.watermark.timestamp;
  const diagnoseRows = [
    ['untouched payload', [f.phone.sessionKey, f.phone.encryptedData, f.phone.iv], { appId: f.appId, maxAgeSeconds: 300, now: (ts + 20) * 1000 },
      { cause: 'OK', kind: 'phone', matchedPreviousKey: null }],
    ['rotated session_key, the old one among previousSessionKeys', [f.wrongKey, f.phone.encryptedData, f.phone.iv], { previousSessionKeys: [f.phone.sessionKey], now: (ts + 20) * 1000 },
      { cause: 'STALE_SESSION_KEY', kind: 'phone', matchedPreviousKey: 0 }],
    ['sessionKey and iv swapped', [f.phone.iv, f.phone.encryptedData, f.phone.sessionKey], { now: (ts + 20) * 1000 },
      { cause: 'KEY_IV_SWAPPED', kind: 'phone', matchedPreviousKey: null }],
  ];
  for (const [name, args, options, expected] of diagnoseRows) {
    await check(`diagnose: ${name} → ${expected.cause}`, () => {
      const got = api.diagnose(args[0], args[1], args[2], options);
      expectSame(Object.keys(got).sort(), ['cause', 'kind', 'matchedPreviousKey', 'message'], 'diagnose result keys');
      expectSame({ cause: got.cause, kind: got.kind, matchedPreviousKey: got.matchedPreviousKey }, expected, `diagnose (${got.message})`);
      expect(typeof got.message === 'string' && got.message.length > 0, 'diagnose gave no message');
      for (const secret of [f.phone.sessionKey, f.phone.encryptedData, f.phone.iv, f.wrongKey, f.phone.expected.phoneNumber]) {
        expect(JSON.stringify(got).indexOf(secret) < 0, `diagnose output repeats ${secret.slice(0, 6)}…`);
      }
    });
  }

  return { passed, failed: details.length, details, skipped, build, artifacts };
}
