// WeChat Cloud Base cloud function `getPhone`: the two routes of the
// getPhoneNumber document.
//
// (a) cloudID. The Mini Program calls
//       wx.cloud.callFunction({ name: 'getPhone', data: { phone: wx.cloud.CloudID(e.detail.cloudID) } })
//     and the platform replaces the CloudID with { cloudID, data } before this
//     function runs: the data is already decrypted. We only check the watermark
//     (appid and age) and return the number.
// (b) encryptedData + iv. The Mini Program sends the code of the wx.login it
//     made BEFORE the tap together with the callback's encryptedData and iv:
//       { code, encryptedData, iv }
//     We exchange the code at jscode2session (appid + secret from the
//     environment) and decrypt with wx-open-data.
//
// Environment: WX_APPID, WX_SECRET (route b), WX_API_BASE (default
// https://api.weixin.qq.com; the tests point it at the local mock).
// Returns { phoneNumber, purePhoneNumber, countryCode } or { error: CODE };
// the details go to console.error (the function's log), never a secret.
const { decryptPhone, isWxOpenDataError } = require('wx-open-data');

const MAX_AGE_SECONDS = 300;
const CODE = /^[\w-]{1,128}$/;

const fail = (error, detail) => {
  console.error(JSON.stringify({ event: 'getPhone.failed', error, ...detail }));
  return { error };
};
const phoneOf = (p) => ({ phoneNumber: String(p.phoneNumber), purePhoneNumber: String(p.purePhoneNumber), countryCode: String(p.countryCode) });

exports.main = async (event, context) => {
  const appId = process.env.WX_APPID;
  if (!appId) return fail('MISCONFIGURED', { missing: 'WX_APPID' });
  if (!event || typeof event !== 'object') return fail('INVALID_ARGUMENT', {});

  // (a) cloudID: the platform already decrypted it.
  if (event.phone !== undefined) {
    const data = event.phone && event.phone.data;
    if (!data || typeof data !== 'object' || typeof data.phoneNumber !== 'string') {
      return fail('INVALID_ARGUMENT', { route: 'cloudID', reason: 'event.phone.data missing (pass wx.cloud.CloudID(cloudID))' });
    }
    const wm = data.watermark || {};
    if (wm.appid !== appId) return fail('APPID_MISMATCH', { route: 'cloudID', watermarkAppid: String(wm.appid || '') });
    const age = Math.floor(Date.now() / 1000) - Number(wm.timestamp);
    if (!(age <= MAX_AGE_SECONDS && age >= -60)) return fail('EXPIRED', { route: 'cloudID', ageSeconds: age });
    return phoneOf(data);
  }

  // (b) encryptedData + iv with the session_key of the pre-tap login.
  const { code, encryptedData, iv } = event;
  if (typeof code !== 'string' || !CODE.test(code) || typeof encryptedData !== 'string' || typeof iv !== 'string') {
    return fail('INVALID_ARGUMENT', { route: 'encryptedData' });
  }
  const secret = process.env.WX_SECRET;
  if (!secret) return fail('MISCONFIGURED', { missing: 'WX_SECRET' });
  const url = new URL('/sns/jscode2session', process.env.WX_API_BASE || 'https://api.weixin.qq.com');
  url.search = new URLSearchParams({ appid: appId, secret, js_code: code, grant_type: 'authorization_code' }).toString();
  let session;
  try {
    session = await (await fetch(url)).json();
  } catch (e) {
    return fail('UPSTREAM_ERROR', { reason: (e.cause && e.cause.code) || e.name });
  }
  if (!session || typeof session.session_key !== 'string') {
    return fail('LOGIN_FAILED', { errcode: session && session.errcode, errmsg: session && session.errmsg });
  }
  try {
    return phoneOf(decryptPhone(session.session_key, encryptedData, iv, { appId, maxAgeSeconds: MAX_AGE_SECONDS }));
  } catch (e) {
    if (!isWxOpenDataError(e)) throw e;
    // DECRYPT_FAILED here almost always means the code came from a wx.login made
    // AFTER the tap (in the callback): that login rotated the key.
    return fail(e.code, { wxErrCode: e.wxErrCode, message: e.message });
  }
};
