// The public functions, the same for every entry point: argument and option
// checks (strict: a wrong type, an unknown key or a present key without a
// valid value is INVALID_ARGUMENT, never a silently skipped check), then one
// engine call, then the result object. `engine()` returns the loaded engine
// (the web entry throws there until init() has run).
import vocabulary from '../../src/vocabulary.json';
import { ERRORS, WxOpenDataError, invalidArgument } from './errors.mjs';
import { DETAILS } from './abi-constants.mjs';
import { readOptions, millis } from './options.mjs';
import { createDiagnose } from './diagnose.mjs';
import { installPhoneRule } from './rules.mjs';

export { readOptions };

export const DECRYPT_OPTION_KEYS = Object.freeze(vocabulary.options.decrypt.slice());

function string(value, what) {
  if (typeof value !== 'string') throw invalidArgument(`${what} must be a string`);
  return value;
}

/** A session_key that is not there at all (undefined, null, ''): the session store lost it. */
export const missingKey = (value) => value === undefined || value === null || value === '';

/** INVALID_SESSION_KEY's sentence for a missing key, shared by decryption (thrown) and diagnose() (reported). */
export const MISSING_KEY_MESSAGE = ERRORS.INVALID_SESSION_KEY.message + ERRORS.INVALID_SESSION_KEY.details[DETAILS.INVALID_SESSION_KEY.MISSING];

/**
 * The sessionKey argument of the decryption functions. A missing key is
 * INVALID_SESSION_KEY, whose handling is "log in again", not the
 * INVALID_ARGUMENT of a bug: a session store emptied by a restart is an
 * everyday state, and the README's error table and snippets treat it so
 * (tests/js/api.test.mjs "a missing session_key", tests/js/readme.test.mjs).
 */
function sessionKeyArg(value) {
  if (missingKey(value)) throw new WxOpenDataError('INVALID_SESSION_KEY', MISSING_KEY_MESSAGE);
  return string(value, 'sessionKey');
}

/** A non-negative safe integer, or INVALID_ARGUMENT naming it. */
export function seconds(value, what) {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(`${what} must be a non-negative integer`);
  }
  return value;
}

/** The watermark checks of decryptPhone / decryptData options, validated. */
export function decryptChecks(options) {
  const values = readOptions(options, DECRYPT_OPTION_KEYS, '{ appId, maxAgeSeconds }');
  const checks = {};
  if ('appId' in values) {
    if (typeof values.appId !== 'string' || values.appId === '') {
      throw invalidArgument("options.appId must be a non-empty string (your Mini Program's AppID)");
    }
    checks.appId = values.appId;
  }
  if ('maxAgeSeconds' in values) checks.maxAgeSeconds = seconds(values.maxAgeSeconds, 'options.maxAgeSeconds');
  // The engine counts watermark time in unix seconds, as WeChat writes it.
  if ('now' in values) checks.now = Math.floor(millis(values.now, 'options.now') / 1000);
  // The clock only when an age check needs it.
  else checks.now = 'maxAgeSeconds' in checks ? Math.floor(Date.now() / 1000) : 0;
  return checks;
}

/** JSON.parse of text the engine has checked; a disagreement is DECRYPT_FAILED, never a SyntaxError. */
function parse(text) {
  try {
    return JSON.parse(text);
  } catch (_) {
    throw new WxOpenDataError('DECRYPT_FAILED');
  }
}

/**
 * The object of what the engine opened. Phone data in WeChat's exact form
 * (ASCII, no whitespace or escapes, the five members in WeChat's order and
 * no others: the engine decides, src/json.rs canonical_phone) is built from
 * the spans the engine returns, which is what JSON.parse would give at a
 * fraction of the cost; anything else is parsed. A numeric countryCode (some
 * payloads carry 86) becomes "86". tests/js/fast-path.test.mjs compares the
 * two ways on random phone JSON.
 */
function build(opened) {
  const { text, spans } = opened;
  if (spans !== null) {
    return {
      phoneNumber: text.slice(spans[0], spans[1]),
      purePhoneNumber: text.slice(spans[2], spans[3]),
      countryCode: text.slice(spans[4], spans[5]),
      watermark: { timestamp: Number(text.slice(spans[6], spans[7])), appid: text.slice(spans[8], spans[9]) },
    };
  }
  const data = parse(text);
  if (opened.numericCountryCode) data.countryCode = String(data.countryCode);
  return data;
}

/**
 * `engine()` and `tools()` return the loaded engines; `ready()` (optional:
 * by default engine()) makes the engine ready, or throws why it cannot. The
 * WeChat client awaits it before its first request.
 */
export function createApi(engine, tools, ready) {
  function decrypt(phone, sessionKey, encryptedData, iv, options) {
    sessionKeyArg(sessionKey);
    string(encryptedData, 'encryptedData');
    string(iv, 'iv');
    const checks = decryptChecks(options);
    return build(engine().open(phone, sessionKey, encryptedData, iv, checks));
  }

  function decryptPhone(sessionKey, encryptedData, iv, options) {
    return decrypt(true, sessionKey, encryptedData, iv, options);
  }

  function decryptData(sessionKey, encryptedData, iv, options) {
    return decrypt(false, sessionKey, encryptedData, iv, options);
  }

  /**
   * getPhoneNumber JSON from another source (the code route's phone_info),
   * read by the same rules as decryptPhone: the PhoneInfo or a
   * WxOpenDataError (NOT_PHONE_DATA, APPID_MISMATCH, EXPIRED).
   */
  function phoneInfoFromJson(json, options) {
    string(json, 'json');
    const checks = decryptChecks(options);
    return build(engine().check(true, json, checks));
  }

  function verifySignature(rawData, signature, sessionKey) {
    string(rawData, 'rawData');
    string(signature, 'signature');
    string(sessionKey, 'sessionKey');
    return tools().verify(rawData, signature, sessionKey);
  }

  function encryptData(sessionKey, data) {
    string(sessionKey, 'sessionKey');
    let plaintext = data;
    if (typeof data === 'object' && data !== null) {
      try {
        plaintext = JSON.stringify(data);
      } catch (_) {
        throw invalidArgument('data could not be serialised with JSON.stringify');
      }
      if (typeof plaintext !== 'string') throw invalidArgument('data could not be serialised with JSON.stringify');
    } else if (typeof data !== 'string') {
      throw invalidArgument('data must be an object or a string');
    }
    return tools().seal(sessionKey, plaintext);
  }

  /**
   * A drop-in for the WXBizDataCrypt class of WeChat's official Node sample:
   * `new WXBizDataCrypt(appId, sessionKey).decryptData(encryptedData, iv)`
   * with the watermark appid check on, throwing WxOpenDataError instead of
   * `Error('Illegal Buffer')`. Holds only two strings: nothing to free.
   */
  class WXBizDataCrypt {
    constructor(appId, sessionKey) {
      string(appId, 'appId');
      if (appId === '') throw invalidArgument("appId must be a non-empty string (your Mini Program's AppID)");
      sessionKeyArg(sessionKey);
      engine().checkKey(sessionKey);
      // Not enumerable: a logged instance shows no session key.
      Object.defineProperty(this, 'appId', { value: appId, enumerable: true });
      Object.defineProperty(this, 'sessionKey', { value: sessionKey, enumerable: false });
    }

    decryptData(encryptedData, iv) {
      return decryptData(this.sessionKey, encryptedData, iv, { appId: this.appId });
    }
  }

  // The WeChat client and the cloud helpers check phone data with this rule.
  installPhoneRule(phoneInfoFromJson, ready || (() => {
    engine();
  }));
  const diagnose = createDiagnose(tools);
  return { decryptPhone, decryptData, phoneInfoFromJson, verifySignature, encryptData, WXBizDataCrypt, diagnose };
}
