// WeChat Cloud Base (wx-server-sdk) results -> the PhoneInfo decryptPhone
// returns, or a WxOpenDataError with the client's codes. Cloud functions get
// the phone number three ways: cloud.openapi.phonenumber.getPhoneNumber({ code })
// (the code route, camelCase reply), a CloudID the platform has already
// replaced with { cloudID, data } in `event` (or cloud.getOpenData's list),
// and encryptedData + iv with decryptPhone.
import { invalidArgument } from './errors.mjs';
import { phoneInfoFromJson } from './rules.mjs';
import { cloudApiError, thrownName, unavailable } from './wechat-errors.mjs';
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

const isError = (v) => v instanceof Error || Object.prototype.toString.call(v) === '[object Error]';

/** errCode as a number: wx-server-sdk's errors carry a number, some wrappers a numeric string ('40029'). */
function errCodeOf(value) {
  const raw = value.errCode !== undefined ? value.errCode : value.errcode;
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && /^-?\d{1,10}$/.test(raw.trim())) return Number(raw.trim());
  return raw;
}

/**
 * The WxOpenDataError for a failed Cloud Base call `api`, read from what it
 * returned or threw, or null when `value` is not a failure. A nonzero errCode
 * maps by cloudApiError (WeChat's errcodes as on the HTTP route, the SDK's
 * own codes by CLOUD_ERRCODES); a thrown error without one (a network error,
 * a timeout, a bug before the call, older SDKs' 'UNKNOWN_ERROR') is
 * WECHAT_UNAVAILABLE naming its code or class, never its message, which can
 * hold request data. tests/client/cloud.test.mjs "thrown without errCode".
 */
function cloudFailure(api, value) {
  const errCode = errCodeOf(value);
  const errMsg = value.errMsg !== undefined ? value.errMsg : value.errmsg;
  if (typeof errCode === 'number' && errCode !== 0 && Number.isInteger(errCode)) return cloudApiError(api, errCode, errMsg);
  const failed = isError(value) || (typeof errCode === 'string' && errCode !== '') || (typeof errMsg === 'string' && /:\s*fail\b/.test(errMsg));
  if (!failed) return null;
  const name = typeof errCode === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(errCode) ? errCode : thrownName(value);
  return unavailable(`${api} failed before WeChat answered (${name}); retry later, with a new code from the user if the call carried one`, null, null);
}

function readFailure(api, value) {
  try {
    // The promise itself, not awaited: a bug in the calling code, said so.
    if (typeof value.then === 'function') return invalidArgument(`result is a promise: pass what \`await ${api}(...)\` gives (or what it threw)`);
    return cloudFailure(api, value);
  } catch (_) {
    // A getter or proxy that throws.
    throw invalidArgument(`result could not be read (what ${api} returned or threw)`);
  }
}

/**
 * The result of `cloud.openapi.phonenumber.getPhoneNumber({ code })`
 * ({ errCode: 0, errMsg, phoneInfo }), or the error it threw, as PhoneInfo.
 * wx-server-sdk throws for every failure: WeChat's errcodes map as on the
 * HTTP route (40029 -> INVALID_CODE, 45011 -> RATE_LIMITED, -1 ->
 * WECHAT_UNAVAILABLE, others WECHAT_API_ERROR; numeric strings too), the
 * SDK's own codes (-604101 no permission, -501001 ...) by CLOUD_ERRCODES
 * with a sentence saying what to do, and anything thrown without an errCode
 * (a network error, a timeout) is WECHAT_UNAVAILABLE.
 * @param {unknown} result
 * @param {{ appId?: string, maxAgeSeconds?: number, now?: number }} [options]
 */
export function fromCloudPhoneNumber(result, options) {
  const checks = readChecks(options);
  if (!isObject(result) && !isError(result)) throw invalidArgument('result must be what cloud.openapi.phonenumber.getPhoneNumber returned or threw');
  const failure = readFailure('cloud.openapi.phonenumber.getPhoneNumber', result);
  if (failure) throw failure;
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
  let list;
  try {
    list = isObject(result) ? result.list : undefined;
  } catch (_) {
    throw invalidArgument('result could not be read (what cloud.getOpenData returned or threw)');
  }
  if (Array.isArray(list)) {
    if (list.length !== 1) throw invalidArgument('result.list must hold exactly one item (one cloudID per call)');
    item = list[0];
  }
  if (!isObject(item) && !isError(item)) throw invalidArgument('result must be { cloudID, data } or cloud.getOpenData\'s { list: [...] }');
  const failure = readFailure('cloud.getOpenData', item);
  if (failure) throw failure;
  let data;
  try {
    data = item.data;
  } catch (_) {
    throw invalidArgument('result.data could not be read');
  }
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
