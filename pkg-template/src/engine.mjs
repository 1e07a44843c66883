// TEMPORARY STAND-IN, to be replaced at merge by the engine's own
// phoneInfoFromJson (the Rust rule behind decryptPhone, exported from this
// module on main). Same signature, same outcome, plain JS: the WeChat client
// (client.mjs, cloud.mjs) must return exactly what decryptPhone returns, and
// until the engine exports that rule this mirrors src/open_data.rs:
//   - an object with string phoneNumber and purePhoneNumber, countryCode a
//     string or a non-negative integer (returned as its decimal string), and
//     a watermark object with an integer timestamp in 0..2^53-1 and a string
//     appid; anything else is NOT_PHONE_DATA; other fields are dropped;
//   - appId given: watermark.appid must equal it (APPID_MISMATCH);
//   - maxAgeSeconds given: timestamp at most that old and at most 60 s in the
//     future of `now` (unix seconds, default the clock): else EXPIRED.
// tests/client/engine-standin.test.mjs pins this behaviour; the engine's own
// tests take over at merge.
import { WxOpenDataError, invalidArgument } from './errors.mjs';

const CLOCK_SKEW_SECONDS = 60;
const OPTION_KEYS = ['appId', 'maxAgeSeconds', 'now'];

const isSeconds = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER;

/**
 * PhoneInfo from getPhoneNumber JSON text, checked and normalised by the rule
 * decryptPhone applies after decryption.
 * @param {string} jsonText
 * @param {{ appId?: string, maxAgeSeconds?: number, now?: number }} [options]
 */
export function phoneInfoFromJson(jsonText, options) {
  if (typeof jsonText !== 'string') throw invalidArgument('jsonText must be a string');
  const opts = options === undefined || options === null ? {} : options;
  if (typeof opts !== 'object') throw invalidArgument('options must be an object like { appId, maxAgeSeconds }');
  for (const key of Object.keys(opts)) {
    if (OPTION_KEYS.indexOf(key) < 0) throw invalidArgument('options has an unknown key; the known keys are appId, maxAgeSeconds and now');
  }
  const { appId, maxAgeSeconds, now } = opts;
  if (appId !== undefined && typeof appId !== 'string') throw invalidArgument('options.appId must be a string');
  if (maxAgeSeconds !== undefined && !isSeconds(maxAgeSeconds)) throw invalidArgument('options.maxAgeSeconds must be a non-negative integer');
  if (now !== undefined && !isSeconds(now)) throw invalidArgument('options.now must be a non-negative integer');

  let data;
  try {
    data = JSON.parse(jsonText);
  } catch (_) {
    throw new WxOpenDataError('NOT_PHONE_DATA');
  }
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(data)) throw new WxOpenDataError('NOT_PHONE_DATA');
  const { phoneNumber, purePhoneNumber, countryCode, watermark } = data;
  let country;
  if (typeof countryCode === 'string') country = countryCode;
  else if (isSeconds(countryCode)) country = String(countryCode);
  if (typeof phoneNumber !== 'string' || typeof purePhoneNumber !== 'string' || country === undefined || !isObject(watermark)) {
    throw new WxOpenDataError('NOT_PHONE_DATA');
  }
  if (!isSeconds(watermark.timestamp) || typeof watermark.appid !== 'string') throw new WxOpenDataError('NOT_PHONE_DATA');

  if (appId !== undefined && watermark.appid !== appId) throw new WxOpenDataError('APPID_MISMATCH');
  if (maxAgeSeconds !== undefined) {
    const t = now === undefined ? Math.floor(Date.now() / 1000) : now;
    if (watermark.timestamp > t + CLOCK_SKEW_SECONDS || t - watermark.timestamp > maxAgeSeconds) {
      throw new WxOpenDataError('EXPIRED');
    }
  }
  return {
    phoneNumber,
    purePhoneNumber,
    countryCode: country,
    watermark: { timestamp: watermark.timestamp, appid: watermark.appid },
  };
}
