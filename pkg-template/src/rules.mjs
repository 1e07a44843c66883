// The engine's PhoneInfo rule for the modules that receive phone data from
// elsewhere (the WeChat client's getPhoneNumber, the cloud-function
// helpers): the entry that loads the engine installs its phoneInfoFromJson
// here, so the code route is checked and normalised by exactly the Rust
// rule behind decryptPhone (tests/client/engine-standin.test.mjs,
// tests/client/cloud.test.mjs).
import { invalidArgument } from './errors.mjs';

let rule;

/** Called once by the entry (node.mjs, web.mjs) with its api.phoneInfoFromJson. */
export function installPhoneRule(phoneInfoFromJson) {
  rule = phoneInfoFromJson;
}

/** PhoneInfo from getPhoneNumber JSON text, or a WxOpenDataError (NOT_PHONE_DATA, APPID_MISMATCH, EXPIRED). */
export function phoneInfoFromJson(json, options) {
  if (rule === undefined) throw invalidArgument('load wx-open-data through its entry point');
  return rule(json, options);
}
