// The package's one error class. Every failure of every entry point (the
// decryption engine, argument checks, the WeChat server client) is a
// WxOpenDataError with a stable `code` from src/vocabulary.json; messages may
// improve between releases, codes never change.
//
// Messages are built here from the code and public details only (lengths,
// argument names, WeChat's errcode and rid): never from a key, an iv, a
// ciphertext, a plaintext, an AppSecret, an access token or a login/phone
// code. tests/js/secrets.test.mjs scans every surface of every error for them.
import vocabulary from '../../src/vocabulary.json';

/** code -> its vocabulary row ({ code, status, wxErrCode, message, ... }). */
export const ERRORS = Object.freeze(
  vocabulary.errors.reduce((byCode, row) => {
    byCode[row.code] = Object.freeze(row);
    return byCode;
  }, Object.create(null)),
);

/** The engine's numeric status -> code (status 0 is success). */
export const CODE_OF_STATUS = Object.freeze(
  vocabulary.errors.reduce((byStatus, row) => {
    if (row.status !== null && row.status !== undefined) byStatus[row.status] = row.code;
    return byStatus;
  }, []),
);

export class WxOpenDataError extends Error {
  /**
   * @param {string} code a code of src/vocabulary.json
   * @param {string} [message] defaults to the code's message
   * @param {{ errcode?: number | null, rid?: string | null }} [details] WeChat's errcode and request id (server calls)
   */
  constructor(code, message, details) {
    const row = ERRORS[code];
    if (row === undefined) throw new TypeError('WxOpenDataError: unknown code');
    super(message === undefined ? row.message : message);
    // Own, enumerable data properties, so JSON.stringify and util.inspect show
    // them and framework error filters can read them.
    this.code = code;
    this.wxErrCode = row.wxErrCode;
    this.errcode = details && typeof details.errcode === 'number' ? details.errcode : null;
    this.rid = details && typeof details.rid === 'string' ? details.rid : null;
  }
}

// On the prototype, not per instance: `name` shows in stacks and String(err)
// like any built-in error's, and stays the same for every instance.
Object.defineProperty(WxOpenDataError.prototype, 'name', {
  value: 'WxOpenDataError',
  writable: true,
  configurable: true,
  enumerable: false,
});

/**
 * Whether `value` is an error thrown by this package: an instance of this
 * class, or (across two copies of the package in one program) an Error whose
 * name and code are this package's.
 */
export function isWxOpenDataError(value) {
  if (value instanceof WxOpenDataError) return true;
  if (!(value instanceof Error)) return false;
  try {
    return value.name === 'WxOpenDataError' && typeof value.code === 'string' && ERRORS[value.code] !== undefined;
  } catch (_) {
    // A getter or proxy that throws: not ours.
    return false;
  }
}

/** INVALID_ARGUMENT with a message naming the argument and what was expected. */
export function invalidArgument(what) {
  return new WxOpenDataError('INVALID_ARGUMENT', `invalid argument: ${what}`);
}
