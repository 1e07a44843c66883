// The Node entry (require and import): loads the engine synchronously on
// first use, from the build this Node can run (SIMD128 from Node 16.4, the
// MVP baseline before; encryptData and diagnose always use the baseline,
// which alone carries them). The .wasm bytes are embedded as base64 modules, so a
// bundler (esbuild, webpack) needs no file copied by hand. Writes no global:
// `sideEffects: false` holds.
import { createEngine, hasSimd } from './engine.mjs';
import { createApi } from './api.mjs';
import { WxOpenDataError } from './errors.mjs';

let engine;

function randomFill(bytes) {
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

/**
 * UTF-8 in and out of wasm memory with Buffer (every Node has it; Node 10
 * has no TextEncoder.encodeInto): no view to make per string, and Node's
 * own UTF-8 paths, measurably faster than TextEncoder/TextDecoder here.
 */
function nodeCodec(memory) {
  const bytes = Buffer.from(memory);
  return {
    write: (string, at, max) => bytes.write(string, at, max, 'utf8'),
    read: (start, end) => bytes.toString('utf8', start, end),
  };
}

function instantiate(base64, build) {
  const module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
  const created = createEngine(new WebAssembly.Instance(module, {}), nodeCodec, randomFill);
  created.build = build;
  return created;
}

/** The request-path engine: the SIMD build where the engine runs SIMD128. */
function load() {
  if (engine === undefined) {
    engine = hasSimd()
      ? instantiate(require('./wasm-simd.cjs'), 'simd')
      : instantiate(require('./wasm-baseline.cjs'), 'baseline');
  }
  return engine;
}

let toolsEngine;

/**
 * The engine of encryptData and diagnose (the baseline build, which has
 * them): the request-path engine itself where that is the baseline, else a
 * second instance, made on first use only.
 */
function tools() {
  if (toolsEngine === undefined) {
    toolsEngine = load().build === 'baseline' ? load() : instantiate(require('./wasm-baseline.cjs'), 'baseline');
  }
  return toolsEngine;
}

const api = createApi(load, tools);
export const { decryptPhone, decryptData, phoneInfoFromJson, verifySignature, encryptData, WXBizDataCrypt, diagnose } = api;
export * from './exports.mjs';

/** The build in use ('simd' or 'baseline'); loads the engine. */
export function engineBuild() {
  return load().build;
}

/** Already usable on Node: resolves at once (code written for the web entry runs unchanged). */
export function init() {
  load();
  return Promise.resolve();
}

/** Already usable on Node: does nothing but load. */
export function initSync() {
  load();
}

