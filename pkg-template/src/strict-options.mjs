// The package's rule for option objects, for the client side: undefined or
// omitted is "no options"; otherwise a plain object whose own keys are all
// known, and a key that is present must hold a value (an own key holding
// undefined, e.g. { baseUrl: process.env.WX_API_BASE } with the variable
// unset, is INVALID_ARGUMENT rather than a silently used default). The same
// rule as the engine's readOptions; the two can become one at merge.
// tests/client/client.test.mjs "options: missing, wrong or unknown keys".
import { invalidArgument } from './errors.mjs';

/**
 * @param {unknown} options
 * @param {string[]} keys the known keys
 * @param {string} example shown in the message, e.g. '{ openid }'
 * @param {string} [what] the argument's name, default 'options'
 * @returns {object} the options object ({} when omitted)
 */
export function strictOptions(options, keys, example, what = 'options') {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidArgument(`${what} must be an object like ${example}`);
  }
  let own;
  try {
    own = Reflect.ownKeys(options);
  } catch (_) {
    throw invalidArgument(`${what} could not be read`);
  }
  for (const key of own) {
    if (typeof key !== 'string' || keys.indexOf(key) < 0) {
      throw invalidArgument(`${what} has an unknown key; the known keys are ${keys.join(', ')}`);
    }
    if (options[key] === undefined) throw invalidArgument(`${what}.${key} is undefined; leave the key out to use the default`);
  }
  return options;
}
