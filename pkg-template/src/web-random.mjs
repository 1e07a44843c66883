// Random bytes outside Node, for encryptData's iv (web.mjs) and the
// security engine (security-wasm.mjs): one source, one RANDOM_UNAVAILABLE.
import { WxOpenDataError } from './errors.mjs';

/** Fills `bytes` from crypto.getRandomValues; RANDOM_UNAVAILABLE without it. */
export function randomFill(bytes) {
  if (typeof crypto === 'undefined' || typeof crypto.getRandomValues !== 'function') {
    throw new WxOpenDataError('RANDOM_UNAVAILABLE');
  }
  crypto.getRandomValues(bytes);
}
