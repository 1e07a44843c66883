// Random bytes on Node, for encryptData's iv (node.mjs) and the security
// engine (node-security-wasm.mjs): one source, one RANDOM_UNAVAILABLE.
import { WxOpenDataError } from './errors.mjs';

/** Fills `bytes` from the global WebCrypto, else node:crypto; RANDOM_UNAVAILABLE without either. */
export function randomFill(bytes) {
  const webcrypto = typeof globalThis !== 'undefined' ? globalThis.crypto : undefined;
  if (webcrypto && typeof webcrypto.getRandomValues === 'function') {
    webcrypto.getRandomValues(bytes);
    return;
  }
  // Node < 19 has no global WebCrypto: node:crypto, loaded only here (for
  // encryptData, never for decryption, and never at load: it costs
  // milliseconds of cold start). An ESM bundle of this file (esbuild
  // --format=esm) has no `require`; Node >= 20.16 offers
  // process.getBuiltinModule instead. tests/runtimes (the esbuild ESM row)
  // hides globalThis.crypto to reach this path.
  let nodeCrypto;
  try {
    nodeCrypto = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('crypto') : require('crypto');
  } catch (_) {
    nodeCrypto = undefined;
  }
  if (!nodeCrypto || typeof nodeCrypto.randomFillSync !== 'function') {
    throw new WxOpenDataError('RANDOM_UNAVAILABLE', 'no secure random source: globalThis.crypto is missing and node:crypto cannot be loaded here (an ESM bundle on Node < 20.16); set globalThis.crypto = require("crypto").webcrypto, or use the package unbundled');
  }
  nodeCrypto.randomFillSync(bytes);
}
