// Generates tests/vectors/vectors.json, the encrypted test vectors every
// suite reads (tests/common/vectors.rs for the Rust tests and the wasm-bindgen
// tests, tests/js/vectors.test.mjs for every entry of the npm package), with
// node:crypto (OpenSSL): an AES implementation independent of the RustCrypto
// crates and of the package under test.
// Deterministic: the key and iv of each case are derived from its name, so
// running it again must reproduce the committed file byte for byte
// (`make vectors-check` diffs the two).
//
//   node tests/vectors/generate.mjs > tests/vectors/vectors.json
import { createCipheriv, createHash } from 'node:crypto';

const APPID = 'wx4f4bc4dec97d474b';
const watermark = (timestamp) => ({ timestamp, appid: APPID });

// [name, plaintext (object or exact string), expected decryptPhone result or null]
const rows = [
  ['phone_cn', {
    phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86',
    watermark: watermark(1477314187),
  }, ['13580006666', '13580006666', '86', 1477314187, APPID]],
  ['phone_foreign_number', {
    phoneNumber: '85261234567', purePhoneNumber: '61234567', countryCode: '852',
    watermark: watermark(1700000000),
  }, ['85261234567', '61234567', '852', 1700000000, APPID]],
  ['phone_country_code_as_number', {
    phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: 86,
    watermark: watermark(1700000001),
  }, ['13800138000', '13800138000', '86', 1700000001, APPID]],
  ['phone_extra_fields_and_key_order', '{"watermark":{"appid":"' + APPID + '","timestamp":1700000002},'
    + '"countryCode":"1","purePhoneNumber":"2025550123","phoneNumber":"+12025550123","extra":[1,2,3]}',
  ['+12025550123', '2025550123', '1', 1700000002, APPID]],
  ['exactly_one_block_full_padding', '{"a":"12345678"}', null],
  ['empty_object', '{}', null],
  ['user_info_unicode_emoji', {
    openId: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE', nickName: '微信用户😀 \u00e9\u0000', gender: 1,
    language: 'zh_CN', city: 'Guangzhou', province: 'Guangdong', country: 'CN',
    avatarUrl: 'https://thirdwx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/132',
    unionId: 'ocMvos6NjeKLIBqg5Mr9QjxrP1FA', watermark: watermark(1477314187),
  }, null],
  ['we_run_data_31_days', {
    stepInfoList: Array.from({ length: 31 }, (_, i) => ({ timestamp: 1445866601 + i * 86400, step: (i * 7919) % 30000 })),
    watermark: watermark(1445866601 + 31 * 86400),
  }, null],
  ['share_group_info', { openGId: 'tGzJi0BH0FBmSB-YJb-J1E1SJbGL0', watermark: watermark(1700000003) }, null],
];

const hex = (label, name) => createHash('sha256').update(label + name).digest();

const cases = rows.map(([name, data, phone]) => {
  const key = hex('key:', name).subarray(0, 16);
  const iv = hex('iv:', name).subarray(0, 16);
  const plaintext = typeof data === 'string' ? data : JSON.stringify(data);
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    name,
    sessionKey: key.toString('base64'),
    iv: iv.toString('base64'),
    encryptedData: encrypted.toString('base64'),
    plaintext,
    phone: phone && {
      phoneNumber: phone[0], purePhoneNumber: phone[1], countryCode: phone[2],
      watermark: { timestamp: phone[3], appid: phone[4] },
    },
  };
});

const vectors = {
  source: 'tests/vectors/generate.mjs with node:crypto (OpenSSL AES-128-CBC, PKCS#7 padding); '
    + "each case's sessionKey and iv are the first 16 bytes of sha256('key:' + name) and sha256('iv:' + name). "
    + 'Do not edit: regenerate with `node tests/vectors/generate.mjs > tests/vectors/vectors.json`; `make vectors-check` compares.',
  appId: APPID,
  // phone: the PhoneInfo fields decryptPhone must return (countryCode always a
  // string; the npm package also keeps extra members); null: not phone data,
  // decryptPhone must fail with NOT_PHONE_DATA.
  cases,
};
process.stdout.write(JSON.stringify(vectors, null, 2) + '\n');
