// WeChat Cloud Base cloud function `getPhone`: the user's phone number, by
// the three routes of the getPhoneNumber document (docs/client.md,
// "Cloud functions"). The Mini Program calls
//   wx.cloud.callFunction({ name: 'getPhone', data })
// with one of:
//
// code      { code: e.detail.code } (recommended; base library 2.21.2+)
//           cloud.openapi.phonenumber.getPhoneNumber({ code }) asks WeChat
//           (config.json grants that API); fromCloudPhoneNumber turns its
//           answer into the number. No AppSecret, no access token here.
// cloudID   { phone: wx.cloud.CloudID(e.detail.cloudID) }
//           The platform replaces the CloudID with { cloudID, data } before
//           this function runs: the data is already decrypted.
//           fromCloudOpenData checks its watermark (appid and age).
// encrypted { code, encryptedData, iv }: `code` is the one of the wx.login
//           made BEFORE the tap. WeChatClient#code2Session exchanges it
//           (WX_SECRET needed), decryptPhone decrypts.
//
// The Mini Program's AppID comes from the platform, cloud.getWXContext().APPID
// (present when the Mini Program called the function). Environment
// variables of the function: WX_SECRET (encrypted route); WX_API_BASE
// (default https://api.weixin.qq.com; the tests point it at the local mock).
// Returns { phoneNumber, purePhoneNumber, countryCode } or { error: CODE };
// the details go to console.error (the function's log), never a secret.
//
// Node 10.15 syntax (no ?. or ??): Cloud Base still runs Node 10-16, and
// test/cloudfunction.test.mjs runs the deployed copy on Node 10 and 18.
const cloud = require('wx-server-sdk');
const { WeChatClient, decryptPhone, fromCloudOpenData, fromCloudPhoneNumber, isWxOpenDataError } = require('wx-open-data');

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });

const MAX_AGE_SECONDS = 300;
const CODE = /^[\w-]{1,128}$/;

// Package error codes the Mini Program gets under another name; the rest
// (INVALID_CODE, RATE_LIMITED, APPID_MISMATCH, EXPIRED, DECRYPT_FAILED, ...) as they are.
const RENAMED = { WECHAT_UNAVAILABLE: 'UPSTREAM_ERROR', WECHAT_API_ERROR: 'UPSTREAM_ERROR' };
// code2Session: a refused login code, a wrong AppSecret or a user WeChat
// judged risky all mean this login cannot go on.
const LOGIN_RENAMED = { INVALID_CODE: 'LOGIN_FAILED', WECHAT_API_ERROR: 'LOGIN_FAILED', WECHAT_UNAVAILABLE: 'UPSTREAM_ERROR' };

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

const fail = (error, detail) => {
  console.error(JSON.stringify(Object.assign({ event: 'getPhone.failed', error }, detail)));
  return { error };
};

/** The package's error as { error }; its message, errcode and rid (secret-free) to the log. */
function failWith(e, route, renamed) {
  if (!isWxOpenDataError(e)) throw e;
  const detail = { route, code: e.code, message: e.message };
  if (e.errcode !== undefined && e.errcode !== null) detail.errcode = e.errcode;
  if (e.rid) detail.rid = e.rid;
  if (e.wxErrCode !== undefined) detail.wxErrCode = e.wxErrCode;
  return fail(renamed[e.code] || e.code, detail);
}

const phoneOf = (p) => ({ phoneNumber: p.phoneNumber, purePhoneNumber: p.purePhoneNumber, countryCode: p.countryCode });

/**
 * A WeChatClient for code2Session. Node < 18 (Cloud Base's Node 10-16
 * runtimes) has no global fetch: node-fetch v2 is passed in, required only
 * there. Made per call: code2Session needs no access token, so there is
 * nothing worth keeping between calls.
 */
function wechat(appId, appSecret) {
  const options = { appId, appSecret, baseUrl: process.env.WX_API_BASE || 'https://api.weixin.qq.com' };
  // eslint-disable-next-line no-undef
  if (typeof fetch !== 'function') options.fetch = require('node-fetch');
  return new WeChatClient(options);
}

exports.main = async (event, context) => {
  const appId = cloud.getWXContext().APPID;
  // No APPID: not called by a Mini Program (a timer, the console's test run).
  if (!appId) return fail('MISCONFIGURED', { missing: 'APPID (cloud.getWXContext(): call the function from the Mini Program)' });
  if (!isObject(event)) return fail('INVALID_ARGUMENT', {});

  // cloudID: the platform already decrypted it.
  if (event.phone !== undefined) {
    const phone = event.phone;
    if (!isObject(phone) || (phone.data === undefined && !Array.isArray(phone.list))) {
      return fail('INVALID_ARGUMENT', { route: 'cloudID', reason: 'event.phone.data missing (pass wx.cloud.CloudID(cloudID))' });
    }
    try {
      return phoneOf(fromCloudOpenData(phone, { appId, maxAgeSeconds: MAX_AGE_SECONDS }));
    } catch (e) {
      return failWith(e, 'cloudID', RENAMED);
    }
  }

  // encryptedData + iv with the session_key of the pre-tap login.
  if (event.encryptedData !== undefined || event.iv !== undefined) {
    const { code, encryptedData, iv } = event;
    if (typeof code !== 'string' || !CODE.test(code) || typeof encryptedData !== 'string' || typeof iv !== 'string') {
      return fail('INVALID_ARGUMENT', { route: 'encryptedData' });
    }
    const secret = process.env.WX_SECRET;
    if (!secret) return fail('MISCONFIGURED', { missing: 'WX_SECRET' });
    let session;
    try {
      session = await wechat(appId, secret).code2Session(code);
    } catch (e) {
      return failWith(e, 'encryptedData', LOGIN_RENAMED);
    }
    try {
      return phoneOf(decryptPhone(session.sessionKey, encryptedData, iv, { appId, maxAgeSeconds: MAX_AGE_SECONDS }));
    } catch (e) {
      // DECRYPT_FAILED here almost always means the code came from a wx.login made
      // AFTER the tap (in the callback): that login rotated the key.
      return failWith(e, 'encryptedData', RENAMED);
    }
  }

  // code: WeChat answers through Cloud Base, which holds the access token.
  if (event.code !== undefined) {
    if (typeof event.code !== 'string' || !CODE.test(event.code)) return fail('INVALID_ARGUMENT', { route: 'code' });
    // wx-server-sdk rejects with an error carrying errCode and errMsg (WeChat's
    // errcode, or its own: -604101 when config.json lacks the permission, a
    // timeout or network failure): fromCloudPhoneNumber maps each.
    const result = await cloud.openapi.phonenumber.getPhoneNumber({ code: event.code }).catch((e) => e);
    try {
      // No maxAgeSeconds: the answer is WeChat's, fresh by construction (docs/client.md).
      return phoneOf(fromCloudPhoneNumber(result, { appId }));
    } catch (e) {
      return failWith(e, 'code', RENAMED);
    }
  }

  return fail('INVALID_ARGUMENT', { reason: 'event needs code, phone or encryptedData + iv' });
};
