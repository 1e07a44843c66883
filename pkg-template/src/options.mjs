// The package's one rule for option objects (decryptPhone, decryptData,
// diagnose, the WeChat client, the Redis store): no options, or a plain
// object whose own keys are all known; a key that is present must hold a
// value. An own key holding `undefined` (`{ appId: process.env.WX_APPID }`
// with the variable unset) is INVALID_ARGUMENT, never a silently skipped
// check or a silently used default. Values are read with `options[key]`,
// inherited ones too: a check must not be skipped because of how the object
// was built. A throwing getter or proxy is INVALID_ARGUMENT too.
// tests/js/api.test.mjs ("options") and tests/client/client.test.mjs
// ("options: missing, wrong or unknown keys") guard it.
import { WxOpenDataError, invalidArgument } from './errors.mjs';

/**
 * Returns `{ key: value }` for the known keys whose value is not undefined.
 * `absent`: the values that mean "no options" besides `undefined` (the
 * decryption functions accept `null`, as 0.1 did).
 */
export function readOptions(options, keys, example, what = 'options', absent = [null]) {
  const values = {};
  if (options === undefined || absent.indexOf(options) >= 0) return values;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidArgument(`${what} must be an object like ${example}`);
  }
  try {
    const own = Reflect.ownKeys(options);
    for (let i = 0; i < own.length; i++) {
      if (typeof own[i] !== 'string' || keys.indexOf(own[i]) < 0) {
        throw invalidArgument(`${what} has an unknown key; the known keys are ${keys.join(', ')}`);
      }
      if (options[own[i]] === undefined) {
        throw invalidArgument(`${what}.${own[i]} is undefined; leave the key out to skip it`);
      }
    }
    for (let i = 0; i < keys.length; i++) {
      const value = options[keys[i]];
      if (value !== undefined) values[keys[i]] = value;
    }
  } catch (err) {
    if (err instanceof WxOpenDataError) throw err;
    throw invalidArgument(`${what} could not be read`);
  }
  return values;
}

/** The client's form: `null` is not "no options", and the values come back as an object. */
export function strictOptions(options, keys, example, what = 'options') {
  return readOptions(options, keys, example, what, []);
}
