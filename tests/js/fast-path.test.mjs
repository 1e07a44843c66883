// decryptPhone and phoneInfoFromJson build WeChat-form phone data from the
// spans the engine returns instead of calling JSON.parse (src/json.rs
// canonical_phone, pkg-template/src/api.mjs build). This differential test
// generates random phone JSON, in WeChat's exact form and in every nearby
// form (other key orders, extra members, whitespace, escapes, non-ASCII,
// numbers, duplicates), and checks that both functions return exactly what
// JSON.parse gives (with a numeric countryCode as its string), key order
// included, through every entry point.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { entries } from './support/entries.mjs';

const CASES = Number(process.env.FAST_PATH_CASES ?? 3000);

/** A small deterministic PRNG (mulberry32), so a failure can be replayed by its seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random phone JSON text (WeChat's form about half of the time), and
 * whether its final countryCode and timestamp number tokens are plain digits:
 * the engine accepts numbers there only when written as digits (no sign,
 * fraction or exponent: `86.0` and `1e2` are not phone data, though
 * JSON.parse reads them as integers).
 */
function phoneText(r) {
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const digits = (n) => Array.from({ length: n }, () => pick('0123456789'.split(''))).join('');
  const str = () => pick([digits(11), digits(1 + Math.floor(r() * 14)), '', '+86 135', 'wx' + digits(16), '中国', 'a"b', 'a\\b', '\u0001', 'é']);
  const country = () => pick([`"${pick(['86', '852', '1', ''])}"`, pick(['86', '1', '0', '9007199254740991']), '86.0', '-1', '1e2']);
  const timestamp = () => pick(['1477314187', '0', '9007199254740991', '9007199254740992', '1.5', '1477314187.0', '-1']);
  const esc = (s) => JSON.stringify(s).slice(1, -1);
  const maybeEscape = (s) => (r() < 0.1 ? s.replace(/[0-9a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) : esc(s));
  const ws = () => (r() < 0.1 ? pick([' ', '\n', '\t', '  ']) : '');
  const countryToken = country();
  const timestampToken = timestamp();
  const members = [
    ['phoneNumber', `"${maybeEscape(str())}"`],
    ['purePhoneNumber', `"${maybeEscape(str())}"`],
    ['countryCode', countryToken],
    ['watermark', `{${ws()}"timestamp":${ws()}${timestampToken},${ws()}"${r() < 0.05 ? 'app\\u0069d' : 'appid'}":"${maybeEscape(str())}"${r() < 0.1 ? ',"x":1' : ''}}`],
  ];
  if (r() < 0.15) members.sort(() => r() - 0.5);
  if (r() < 0.1) members.push(['extra', pick(['1', '"x"', '[1,{"a":null}]', '{"phoneNumber":"nested"}'])]);
  let countryFinal = countryToken;
  if (r() < 0.05) { // a duplicate: the last wins
    const key = pick(['phoneNumber', 'countryCode']);
    members.push([key, `"${digits(3)}"`]);
    if (key === 'countryCode') countryFinal = '"x"';
  }
  if (r() < 0.05) members.unshift(['__proto__', '{"polluted":true}']);
  const plain = (t) => /^[0-9]+$/.test(t) && Number(t) <= Number.MAX_SAFE_INTEGER;
  return {
    text: `${ws()}{${members.map(([k, v]) => `${ws()}"${k}"${ws()}:${ws()}${v}`).join(',')}}${ws()}`,
    numbersPlain: (countryFinal.startsWith('"') || plain(countryFinal)) && plain(timestampToken),
  };
}

/** What decryptPhone must return for `text`: JSON.parse's object, countryCode a string; or its error code. */
function expected(text, numbersPlain) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return { code: 'DECRYPT_FAILED' };
  }
  const safe = (n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  const w = data.watermark;
  const shape = typeof data.phoneNumber === 'string' && typeof data.purePhoneNumber === 'string'
    && (typeof data.countryCode === 'string' || safe(data.countryCode))
    && w !== null && typeof w === 'object' && !Array.isArray(w) && safe(w.timestamp) && typeof w.appid === 'string';
  if (!shape || !numbersPlain) return { code: 'NOT_PHONE_DATA' };
  return { value: data };
}

function seal(text) {
  const key = randomBytes(16), iv = randomBytes(16);
  const c = createCipheriv('aes-128-cbc', key, iv);
  const ct = Buffer.concat([c.update(text, 'utf8'), c.final()]);
  return { sessionKey: key.toString('base64'), encryptedData: ct.toString('base64'), iv: iv.toString('base64') };
}

const outcome = (fn) => {
  try {
    return { value: fn() };
  } catch (e) {
    return { code: e.code };
  }
};

for (const [label, load] of entries) {
  describe(`fast path vs JSON.parse: ${label}`, () => {
    let api;
    before(async () => {
      api = await load();
    });

    it(`${CASES} random phone texts give what JSON.parse gives`, () => {
      const r = rng(20261201);
      let canonical = 0;
      for (let i = 0; i < CASES; i++) {
        const { text, numbersPlain } = phoneText(r);
        const want = expected(text, numbersPlain);
        if (/^\{"phoneNumber":"[^"\\]*","purePhoneNumber":/.test(text)) canonical++;
        const s = seal(text);
        for (const [how, got] of [
          ['decryptPhone', outcome(() => api.decryptPhone(s.sessionKey, s.encryptedData, s.iv))],
          ['phoneInfoFromJson', outcome(() => api.phoneInfoFromJson(text))],
        ]) {
          // Text that is not JSON is DECRYPT_FAILED when decrypted, NOT_PHONE_DATA from elsewhere.
          const wantHere = how === 'phoneInfoFromJson' && want.code === 'DECRYPT_FAILED' ? { code: 'NOT_PHONE_DATA' } : want;
          if (wantHere.value) {
            assert.equal(got.code, undefined, `${how} #${i}: ${text} threw ${got.code}`);
            const norm = { ...wantHere.value };
            // A JSON number countryCode is returned as its text.
            if (typeof norm.countryCode === 'number') norm.countryCode = String(norm.countryCode);
            assert.deepStrictEqual(got.value, norm, `${how} #${i}: ${text}`);
            assert.equal(JSON.stringify(got.value), JSON.stringify(norm), `${how} #${i}: key order of ${text}`);
          } else {
            assert.deepEqual(got, wantHere, `${how} #${i}: ${text}`);
          }
        }
      }
      // The generator must exercise the fast path a good part of the time.
      assert.ok(canonical > CASES / 4, `only ${canonical} texts in WeChat's form`);
    });

    // The claim itself, not only equal outputs: WeChat-form phone data makes
    // no JSON.parse call at all, and any other form falls back to it.
    it('WeChat-form phone data is built without JSON.parse; other forms are parsed', () => {
      const wechat = '{"phoneNumber":"13580006666","purePhoneNumber":"13580006666","countryCode":"86","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}';
      const reordered = '{"purePhoneNumber":"13580006666","phoneNumber":"13580006666","countryCode":"86","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}';
      const parse = JSON.parse;
      let calls = 0;
      const count = (fn) => {
        calls = 0;
        JSON.parse = function counted(...args) {
          calls++;
          return parse.apply(this, args);
        };
        try {
          return fn();
        } finally {
          JSON.parse = parse;
        }
      };
      for (const [text, parses] of [[wechat, 0], [reordered, 1]]) {
        const s = seal(text);
        const got = count(() => api.decryptPhone(s.sessionKey, s.encryptedData, s.iv, { appId: 'wx4f4bc4dec97d474b' }));
        assert.deepStrictEqual(got, parse(text));
        assert.equal(calls, parses, `decryptPhone of ${text}: ${calls} JSON.parse calls`);
        const fromJson = count(() => api.phoneInfoFromJson(text));
        assert.deepStrictEqual(fromJson, parse(text));
        assert.equal(calls, parses, `phoneInfoFromJson of ${text}: ${calls} JSON.parse calls`);
      }
    });
  });
}
