// The three payload sizes of the bench, each sealed under 64 session keys
// (a server decrypts for many users, so the key changes on every call).
import { createCipheriv, createHash } from 'node:crypto';

export const APPID = 'wx4f4bc4dec97d474b';
const watermark = { timestamp: 1477314187, appid: APPID };

export const KINDS = {
  phone: { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark },
  userInfo: {
    openId: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE', nickName: '微信用户', gender: 1, language: 'zh_CN',
    city: 'Guangzhou', province: 'Guangdong', country: 'CN',
    avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/132',
    unionId: 'ocMvos6NjeKLIBqg5Mr9QjxrP1FA', watermark,
  },
  weRunData: {
    stepInfoList: Array.from({ length: 100 }, (_, i) => ({ timestamp: 1445866601 + i * 86400, step: (i * 7919) % 30000 })),
    watermark,
  },
};

const bytes = (label) => createHash('sha256').update(label).digest().subarray(0, 16);

/** For each kind: { plaintextBytes, cases: [{ sessionKey, encryptedData, iv }] × 64, expected }. */
export function payloads(keys = 64) {
  const out = {};
  for (const [kind, data] of Object.entries(KINDS)) {
    const json = JSON.stringify(data);
    const cases = Array.from({ length: keys }, (_, i) => {
      const key = bytes(`key${i}`), iv = bytes(`iv${kind}${i}`);
      const c = createCipheriv('aes-128-cbc', key, iv);
      const enc = Buffer.concat([c.update(json), c.final()]);
      return { sessionKey: key.toString('base64'), encryptedData: enc.toString('base64'), iv: iv.toString('base64') };
    });
    out[kind] = { plaintextBytes: Buffer.byteLength(json), cases, expected: JSON.parse(json) };
  }
  return out;
}
