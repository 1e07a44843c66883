// WeChat Cloud Base (wx-server-sdk) results -> the PhoneInfo decryptPhone
// returns, or a WxOpenDataError with the client's codes. Cloud functions get
// the phone number three ways: cloud.openapi.phonenumber.getPhoneNumber({ code })
// (the code route, camelCase reply), a CloudID the platform has already
// replaced with { cloudID, data } in `event` (or cloud.getOpenData's list),
// and encryptedData + iv with decryptPhone.
import { invalidArgument } from './errors.mjs';
import { phoneInfoFromJson } from './rules.mjs';
import { apiError } from './wechat-errors.mjs';
import { strictOptions } from './options.mjs';

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

const own = (o, key) => Object.prototype.propertyIsEnumerable.call(o, key);

/** Of `from`, only the `keys` it has as own enumerable members (what JSON.stringify would read), in that order. */
function pick(from, keys) {
  const out = {};
  for (const key of keys) if (own(from, key)) out[key] = from[key];
  return out;
}

/**
 * Only the documented members of a phone_info (and of its watermark): a
 * reply with extra keys, `constructor` or `__proto__` (JSON.parse makes that
 * an own member) yields a PhoneInfo with exactly phoneNumber,
 * purePhoneNumber, countryCode and watermark { timestamp, appid }; the rule
 * then judges their values as before. tests/client/transport.test.mjs
 * "phone_info with extra members".
 */
function documented(info) {
  if (!isObject(info)) return info;
  const out = pick(info, ['phoneNumber', 'purePhoneNumber', 'countryCode', 'watermark']);
  if (isObject(out.watermark)) out.watermark = pick(out.watermark, ['timestamp', 'appid']);
  return out;
}

/**
 * The PhoneInfo of a phone_info WeChat itself sent (server API or cloud call),
 * by decryptPhone's rule. Such a reply comes from WeChat over TLS, not from the
 * phone, so the watermark appid is not the tamper guard it is for
 * encryptedData, and WeChat's own example leaves it empty: an empty appid is
 * "not stated" and passes; a stated one must be `appId` (when given).
 * tests/client/client.test.mjs "empty watermark appid".
 */
export function phoneInfoOfReply(reply, checks) {
  let info;
  try {
    info = documented(reply);
  } catch (_) {
    // A getter or proxy that throws (a cloud result is the caller's object).
    info = null;
  }
  const wm = isObject(info) && isObject(info.watermark) ? info.watermark : null;
  const stated = wm !== null && typeof wm.appid === 'string' && wm.appid !== '';
  const opts = {};
  if (checks.appId !== undefined && stated) opts.appId = checks.appId;
  if (checks.maxAgeSeconds !== undefined) opts.maxAgeSeconds = checks.maxAgeSeconds;
  if (checks.now !== undefined) opts.now = checks.now;
  let json;
  try {
    json = JSON.stringify(info === undefined ? null : info);
  } catch (_) {
    // A BigInt or a cycle in a documented member: not phone data.
    json = 'null';
  }
  return phoneInfoFromJson(json, opts);
}

const CHECK_KEYS = ['appId', 'maxAgeSeconds', 'now'];

function readChecks(options) {
  return strictOptions(options, CHECK_KEYS, '{ appId, maxAgeSeconds }');
}

/**
 * The result of `cloud.openapi.phonenumber.getPhoneNumber({ code })`
 * ({ errCode, errMsg, phoneInfo }), or the error it threw (which carries
 * errCode and errMsg), as PhoneInfo; errCode 40029 -> INVALID_CODE, 45011 ->
 * RATE_LIMITED, -1 -> WECHAT_UNAVAILABLE, others WECHAT_API_ERROR.
 * @param {unknown} result
 * @param {{ appId?: string, maxAgeSeconds?: number, now?: number }} [options]
 */
export function fromCloudPhoneNumber(result, options) {
  const checks = readChecks(options);
  if (!isObject(result) && !(result instanceof Error)) throw invalidArgument('result must be what cloud.openapi.phonenumber.getPhoneNumber returned or threw');
  const errCode = result.errCode !== undefined ? result.errCode : result.errcode;
  if (typeof errCode === 'number' && errCode !== 0) {
    const errMsg = result.errMsg !== undefined ? result.errMsg : result.errmsg;
    throw apiError('cloud.openapi.phonenumber.getPhoneNumber', { errcode: errCode, errmsg: errMsg }, []);
  }
  const info = result.phoneInfo !== undefined ? result.phoneInfo : result.phone_info;
  return phoneInfoOfReply(info, checks);
}

/**
 * A phone number fetched by CloudID: the `{ cloudID, data }` object the
 * platform put in `event` (wx.cloud.CloudID on the Mini Program side), or the
 * result of `cloud.getOpenData({ list: [cloudID] })` (its one item), as
 * PhoneInfo. The data comes from the platform, decrypted; the watermark checks
 * are the ones decryptPhone offers, off unless asked for.
 * @param {unknown} result
 * @param {{ appId?: string, maxAgeSeconds?: number, now?: number }} [options]
 */
export function fromCloudOpenData(result, options) {
  const checks = readChecks(options);
  let item = result;
  if (isObject(result) && Array.isArray(result.list)) {
    if (result.list.length !== 1) throw invalidArgument('result.list must hold exactly one item (one cloudID per call)');
    item = result.list[0];
  }
  if (!isObject(item)) throw invalidArgument('result must be { cloudID, data } or cloud.getOpenData\'s { list: [...] }');
  if (typeof item.errCode === 'number' && item.errCode !== 0) {
    throw apiError('cloud.getOpenData', { errcode: item.errCode, errmsg: item.errMsg }, []);
  }
  let data = item.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch (_) {
      data = null;
    }
  }
  // Data the platform delivered is held to the same rule as decrypted data,
  // empty appid included: a check the caller asked for is applied as given.
  const opts = {};
  for (const key of CHECK_KEYS) if (checks[key] !== undefined) opts[key] = checks[key];
  return phoneInfoFromJson(JSON.stringify(data === undefined ? null : data), opts);
}
