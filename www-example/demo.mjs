// The terminal demo behind `make demo`: the getPhoneNumber flow in miniature,
// using the built package in pkg/ exactly as an app would.
//
// 1. The server gets a session_key from jscode2session (here: 16 random bytes).
// 2. The user taps the button; WeChat encrypts the phone number with that key
//    (here: our encryptData plays WeChat).
// 3. The server decrypts with decryptPhone, checking appId and freshness.
// 4. The classic failure: wx.login ran again, the server now holds a newer
//    session_key, and decryption fails with DECRYPT_FAILED and its diagnosis.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { decryptPhone, encryptData, isWxOpenDataError } = require('../pkg');

const APP_ID = 'wx4f4bc4dec97d474b';
const newSessionKey = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
const step = (n, text) => console.log(`\n\x1b[1m${n}. ${text}\x1b[0m`);

step(1, 'Server: wx.login code -> jscode2session -> session_key (kept on the server)');
const sessionKey = newSessionKey();
console.log(`   session_key = ${sessionKey.slice(0, 4)}… (16 random bytes, base64)`);

step(2, 'Mini Program: user taps <button open-type="getPhoneNumber">; WeChat encrypts');
const payload = {
  phoneNumber: '13580006666',
  purePhoneNumber: '13580006666',
  countryCode: '86',
  watermark: { timestamp: Math.floor(Date.now() / 1000), appid: APP_ID },
};
const { encryptedData, iv } = encryptData(sessionKey, payload);
console.log(`   encryptedData = ${encryptedData.slice(0, 32)}… (${encryptedData.length} chars)`);
console.log(`   iv            = ${iv}`);

step(3, `Server: decryptPhone(sessionKey, encryptedData, iv, { appId: '${APP_ID}', maxAgeSeconds: 300 })`);
const phone = decryptPhone(sessionKey, encryptedData, iv, { appId: APP_ID, maxAgeSeconds: 300 });
console.log('   ->', phone);

step(4, 'The classic bug: wx.login called again in the tap handler -> the server now holds a NEWER session_key');
const staleForThisData = newSessionKey();
try {
  decryptPhone(staleForThisData, encryptedData, iv, { appId: APP_ID, maxAgeSeconds: 300 });
  console.error('   unexpected: decryption succeeded with the wrong key');
  process.exitCode = 1;
} catch (err) {
  if (!isWxOpenDataError(err)) throw err;
  console.log(`   -> ${err.name} ${err.code} (wxErrCode ${err.wxErrCode})`);
  console.log(`      ${err.message}`);
}
console.log('\nFix: call wx.login before the tap (or wx.checkSession in the callback), never inside it.');
