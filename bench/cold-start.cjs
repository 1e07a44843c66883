// One cold start, run as a fresh process by run.mjs: load the library, decrypt
// one phone payload, print milliseconds since the process began.
'use strict';
const { sessionKey, encryptedData, iv } = JSON.parse(process.env.WX_CASE);
const appId = process.env.WX_APPID;
let phone;
if (process.argv[2] === 'ours') {
  phone = require('../pkg').decryptPhone(sessionKey, encryptedData, iv, { appId });
} else {
  const WXBizDataCrypt = require('../tests/js/support/official-sample.cjs');
  phone = new WXBizDataCrypt(appId, sessionKey).decryptData(encryptedData, iv);
}
if (phone.phoneNumber !== '13580006666') throw new Error('wrong result');
process.stdout.write(String(performance.now()));
