// Payloads encrypted with node:crypto (OpenSSL), the independent reference,
// from a seeded PRNG so that every run checks the same cases.
import { createCipheriv, createHash } from 'node:crypto';

export const APPID = 'wx4f4bc4dec97d474b';

/** mulberry32: small, seedable, good enough to pick test cases. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const bytes = (n) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const pick = (list) => list[int(list.length)];
  return { next, int, bytes, pick };
}

/** AES-128-CBC + PKCS#7 with node:crypto; returns base64 strings like WeChat sends. */
export function seal(keyBytes, ivBytes, plaintext) {
  const cipher = createCipheriv('aes-128-cbc', keyBytes, ivBytes);
  const body = typeof plaintext === 'string' || Buffer.isBuffer(plaintext) ? plaintext : JSON.stringify(plaintext);
  const data = Buffer.concat([cipher.update(body), cipher.final()]);
  return { sessionKey: keyBytes.toString('base64'), encryptedData: data.toString('base64'), iv: ivBytes.toString('base64') };
}

export const sha1hex = (text) => createHash('sha1').update(text).digest('hex');

/** The reference phone payload of the fixed cases. */
export const PHONE = Object.freeze({
  phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86',
  watermark: Object.freeze({ timestamp: 1477314187, appid: APPID }),
});

/**
 * The fixed cases the shared error rows (error-rows.mjs) need, sealed here
 * with node:crypto: the same in every suite and runtime.
 */
export function fixedCases() {
  const key16 = (n) => Buffer.alloc(16, n);
  const expected = JSON.parse(JSON.stringify(PHONE));
  return {
    appId: APPID,
    phone: { ...seal(key16(1), key16(2), expected), expected },
    wrongKey: key16(8).toString('base64'),
    notJson: seal(key16(1), key16(2), 'hello, not json'),
    userInfo: seal(key16(1), key16(2), { nickName: 'x', watermark: PHONE.watermark }),
    noWatermark: seal(key16(1), key16(2), { phoneNumber: '1' }),
  };
}

const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyz0123456789',
  '微信用户广州深圳北京上海中文測試',
  '😀🎉👍🏽🧧🇨🇳',
  '"\\/\b\f\n\r\t\u0000\u001f\u007f',
  'éüñçßøåæ',
];

export function randomString(r, max = 24) {
  let s = '';
  const n = r.int(max);
  for (let i = 0; i < n; i++) {
    const chars = [...r.pick(ALPHABETS)];
    s += r.pick(chars);
  }
  return s;
}

function randomValue(r, depth) {
  const kind = depth > 3 ? r.int(4) : r.int(7);
  switch (kind) {
    case 0: return randomString(r);
    case 1: return r.int(2 ** 31) * (r.next() < 0.5 ? -1 : 1);
    case 2: return r.pick([true, false, null, 0.5, -1e-7, 1.7976931348623157e308, 2 ** 53 + 2]);
    case 3: return r.int(1e6) / 100;
    case 4: return Array.from({ length: r.int(5) }, () => randomValue(r, depth + 1));
    default: return randomObject(r, depth + 1);
  }
}

function randomObject(r, depth) {
  const o = {};
  for (let i = r.int(6); i > 0; i--) o[randomString(r, 8) || 'k'] = randomValue(r, depth);
  return o;
}

/**
 * One random payload of a kind WeChat sends. `phone` is the decryptPhone
 * result it must give (null for other kinds).
 */
export function randomPayload(r, i) {
  const watermark = { timestamp: 1_600_000_000 + r.int(200_000_000), appid: APPID };
  switch (i % 4) {
    case 0: {
      const cc = r.pick(['86', '852', '1', '44']);
      const pure = String(1e9 + r.int(9e9));
      const data = {
        phoneNumber: cc === '86' ? pure : `+${cc}${pure}`, purePhoneNumber: pure,
        countryCode: r.next() < 0.3 ? Number(cc) : cc, watermark,
      };
      return { data, phone: { ...data, countryCode: cc } };
    }
    case 1:
      return { data: {
        openId: 'o' + randomString(r, 27), nickName: randomString(r), gender: r.int(3),
        language: 'zh_CN', city: randomString(r, 8), province: randomString(r, 8), country: 'CN',
        avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/' + r.bytes(40).toString('hex'), watermark,
      }, phone: null };
    case 2:
      return { data: {
        stepInfoList: Array.from({ length: 1 + r.int(31) }, (_, d) => ({ timestamp: 1_600_000_000 + d * 86400, step: r.int(30000) })),
        watermark,
      }, phone: null };
    default:
      return { data: { ...randomObject(r, 0), watermark }, phone: null };
  }
}
