// Web entry (browsers, bundlers, Deno, workers): wasm-pack's web build.
// Call `await init()` once before anything else (it is idempotent), or
// `initSync({ module })` where the .wasm is already compiled (workerd).
import instantiate, { initSync as instantiateSync } from './wx_open_data.js';

export {
  decryptPhone,
  decryptData,
  encryptData,
  verifySignature,
  diagnose,
  isWxOpenDataError,
  WXBizDataCrypt,
} from './wx_open_data.js';

let ready;

/**
 * Fetches and instantiates the WebAssembly module (by default the .wasm next
 * to this file). Safe to call any number of times; later calls return the
 * first call's promise.
 */
export function init(input) {
  ready ??= instantiate(input === undefined ? undefined : { module_or_path: input }).then(() => {});
  return ready;
}

/** Instantiates synchronously from a compiled WebAssembly.Module or the .wasm bytes. */
export function initSync(input) {
  if (ready) return;
  instantiateSync({ module: input });
  ready = Promise.resolve();
}
