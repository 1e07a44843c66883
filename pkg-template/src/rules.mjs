// The engine's PhoneInfo rule for the modules that receive phone data from
// elsewhere (the WeChat client's getPhoneNumber, the cloud-function
// helpers): the entry that loads the engine installs its phoneInfoFromJson
// here, so the code route is checked and normalised by exactly the Rust
// rule behind decryptPhone (tests/client/phone-rule.test.mjs,
// tests/client/cloud.test.mjs).
import { WxOpenDataError, isWxOpenDataError, invalidArgument } from './errors.mjs';

/**
 * APPID_MISMATCH as the code route says it: nothing was decrypted here, the
 * phone data came from WeChat (getuserphonenumber's phone_info, a cloud
 * call or a CloudID), so the engine's "encrypted for another Mini Program"
 * would send the reader looking for a key problem. tests/client/client.test.mjs
 * ("empty watermark appid …") and tests/client/cloud.test.mjs
 * ("fromCloudPhoneNumber: empty watermark appid …", "fromCloudOpenData: …").
 */
const CODE_ROUTE_APPID_MISMATCH = "the phone_info's watermark names another AppID than options.appId (or none): the code or cloudID was issued to another Mini Program, or options.appId is wrong; check options.appId";

let rule;
let ready;

/**
 * Called once by the entry (node.mjs, web.mjs, through createApi) with its
 * api.phoneInfoFromJson and `engineReady`: a function that makes the engine
 * ready (the web entry's init()) or throws why it cannot.
 */
export function installPhoneRule(phoneInfoFromJson, engineReady) {
  rule = phoneInfoFromJson;
  ready = engineReady;
}

/**
 * Resolves once the rule can run, or rejects with the entry's reason why it
 * cannot (a WxOpenDataError naming initSync on workerd). The WeChat client
 * awaits it before its first request, so a single-use code is never spent on
 * a reply that could not be read (tests/client/web-entry.test.mjs).
 */
export function engineReady() {
  return new Promise((resolve) => resolve(ready === undefined ? undefined : ready()));
}

/** PhoneInfo from getPhoneNumber JSON text, or a WxOpenDataError (NOT_PHONE_DATA, APPID_MISMATCH, EXPIRED). */
export function phoneInfoFromJson(json, options) {
  if (rule === undefined) throw invalidArgument('load wx-open-data through its entry point');
  try {
    return rule(json, options);
  } catch (err) {
    if (isWxOpenDataError(err) && err.code === 'APPID_MISMATCH') throw new WxOpenDataError('APPID_MISMATCH', CODE_ROUTE_APPID_MISMATCH);
    throw err;
  }
}
