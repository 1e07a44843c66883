// The package's one rule for option objects (decryptPhone, decryptData,
// diagnose, the WeChat client, the Redis store): no options, or a plain
// object whose own keys are all known; a key that is present must hold a
// value. An own key holding `undefined` (`{ appId: process.env.WX_APPID }`
// with the variable unset) is INVALID_ARGUMENT, never a silently skipped
// check or a silently used default. Values are read with `options[key]`,
// inherited ones too: a check must not be skipped because of how the object
// was built. A throwing getter or proxy is INVALID_ARGUMENT too. An
// unknown key is named, with the known key it most likely meant; a required
// key holding `undefined` is called required, not skippable.
// tests/js/api.test.mjs ("options", "an unknown option key is named") and
// tests/client/client.test.mjs ("options: missing, wrong or unknown keys",
// "options: an unknown key is named") guard it.
import { WxOpenDataError, invalidArgument } from './errors.mjs';

/** The most characters of an unknown key a message shows. */
const SHOWN_KEY_CHARS = 40;

/**
 * An unknown key as a message shows it: JSON (quoted, control characters
 * escaped, so it cannot forge a log line), cut to 40 characters. A key is
 * not a secret; the values are never shown.
 */
export function showKey(key) {
  const text = key.length > SHOWN_KEY_CHARS ? `${key.slice(0, SHOWN_KEY_CHARS)}…` : key;
  return JSON.stringify(text);
}

/** Levenshtein distance, stopping early above `max` (keys are short). */
function distance(a, b, max) {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let row = [];
  for (let j = 0; j <= b.length; j++) row.push(j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next.push(Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + cost));
      best = Math.min(best, next[j]);
    }
    if (best > max) return max + 1;
    row = next;
  }
  return row[b.length];
}

/**
 * The known key `key` was most likely meant to be, or null: the same letters
 * ignoring case, '_' and '-' (baseURL, session_key, appid), a prefix of at
 * least 4 of them (maxAge, timeout), or at most 2 edits away (appSecert).
 */
export function nearestKey(key, known) {
  if (typeof key !== 'string' || key.length > 64) return null;
  const plain = (k) => k.toLowerCase().replace(/[_-]/g, '');
  const wanted = plain(key);
  let best = null;
  let bestDistance = 3;
  for (let i = 0; i < known.length; i++) {
    const candidate = plain(known[i]);
    if (candidate === wanted) return known[i];
    if (wanted.length >= 4 && candidate.indexOf(wanted) === 0 && bestDistance > 0) {
      best = known[i];
      bestDistance = 0;
    }
    const d = distance(wanted, candidate, 2);
    if (d < bestDistance) {
      best = known[i];
      bestDistance = d;
    }
  }
  return best;
}

/** "has an unknown key "baseURL" (did you mean baseUrl?)": the key shown, and the nearest known one. */
export function unknownKey(key, known) {
  if (typeof key !== 'string') return 'a symbol key (option keys are strings)';
  const near = nearestKey(key, known);
  return `an unknown key ${showKey(key)}${near === null ? '' : ` (did you mean ${near}?)`}`;
}

/**
 * Returns `{ key: value }` for the known keys whose value is not undefined.
 * `absent`: the values that mean "no options" besides `undefined` (the
 * decryption functions accept `null`, as WeChat's sample does). `required`: keys that
 * must be present; one given as `undefined` is named as required, not as
 * skippable (its hint, e.g. an environment variable, in `hints`).
 */
export function readOptions(options, keys, example, what = 'options', absent = [null], required = [], hints = {}) {
  const values = {};
  if (options === undefined || absent.indexOf(options) >= 0) return values;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidArgument(`${what} must be an object like ${example}`);
  }
  try {
    const own = Reflect.ownKeys(options);
    for (let i = 0; i < own.length; i++) {
      if (typeof own[i] !== 'string' || keys.indexOf(own[i]) < 0) {
        throw invalidArgument(`${what} has ${unknownKey(own[i], keys)}; the known keys are ${keys.join(', ')}`);
      }
      if (options[own[i]] === undefined) {
        if (required.indexOf(own[i]) >= 0) {
          const hint = hints[own[i]] ? ` (${hints[own[i]]})` : '';
          throw invalidArgument(`${what}.${own[i]} is undefined: it is required${hint}`);
        }
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

/**
 * The client's form: `null` is not "no options", and the values come back
 * as an object. `required` and `hints` as for readOptions.
 */
export function strictOptions(options, keys, example, what = 'options', required = [], hints = {}) {
  return readOptions(options, keys, example, what, [], required, hints);
}

/**
 * `now`, everywhere in the package (decryptPhone, decryptData, diagnose,
 * phoneInfoFromJson, the CLI's --now, WeChatClient, MemoryStore, the mock),
 * is milliseconds since the epoch, like Date.now(): a number where a moment
 * is given, a function returning one where a clock is needed. A time below
 * 1e11 ms (before March 1973) is a value in seconds by mistake, which would
 * otherwise fail every age check as EXPIRED or keep tokens forever: it is
 * INVALID_ARGUMENT naming the unit. tests/js/api.test.mjs ("now is
 * milliseconds") and tests/client/client.test.mjs ("options.now and
 * MemoryStore's now are clocks in milliseconds") guard it.
 */
const MIN_MILLIS = 1e11;

const MILLIS = 'milliseconds since the epoch, like Date.now()';

function checkMillis(value, what) {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(`${what} must be ${MILLIS}: a non-negative integer`);
  }
  if (value < MIN_MILLIS) {
    throw invalidArgument(`${what} must be ${MILLIS}; ${value} is before 1973 in milliseconds, so it looks like seconds: multiply by 1000`);
  }
  return value;
}

/** A moment: `now` of the decryption options, in ms (or INVALID_ARGUMENT naming the unit). */
export function millis(value, what) {
  return checkMillis(value, what);
}

/**
 * A clock: a function returning ms, checked by calling it once (or
 * INVALID_ARGUMENT naming the unit). Date.now itself is not called: it is
 * milliseconds by definition, and Cloudflare workerd answers 0 outside a
 * request, which a client made at module scope (the README's example) would
 * otherwise be refused for (tests/runtimes/run.mjs, workerd row "README:
 * code route + initSync line").
 */
export function clock(fn, what) {
  if (typeof fn !== 'function') throw invalidArgument(`${what} must be a function returning ${MILLIS}`);
  if (fn === Date.now) return fn;
  let value;
  try {
    value = fn();
  } catch (_) {
    throw invalidArgument(`${what} threw when called; it must return ${MILLIS}`);
  }
  if (typeof value !== 'number') throw invalidArgument(`${what} must be a function returning ${MILLIS}`);
  checkMillis(Math.floor(value), `${what}()`);
  return fn;
}
