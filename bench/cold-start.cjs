// One cold start, run as a fresh process by run.mjs: load the library, decrypt
// one phone payload, print milliseconds since the process began: after the
// require, then after the decrypt (which, for the library, compiles and
// instantiates the .wasm on first use).
'use strict';
const { sessionKey, encryptedData, iv } = JSON.parse(process.env.WX_CASE);
const appId = process.env.WX_APPID;
let phone, loaded;
if (process.argv[2] === 'ours') {
  const api = require('../pkg');
  loaded = performance.now();
  phone = api.decryptPhone(sessionKey, encryptedData, iv, { appId });
} else {
  const WXBizDataCrypt = require('../tests/js/support/official-sample.cjs');
  loaded = performance.now();
  phone = new WXBizDataCrypt(appId, sessionKey).decryptData(encryptedData, iv);
}
if (phone.phoneNumber !== '13580006666') throw new Error('wrong result');
process.stdout.write(`${loaded} ${performance.now()}`);
