// The web entry (browsers, bundlers, Deno, Bun, workers): call `await init()`
// once (idempotent) before anything else, or `initSync(moduleOrBytes)` where
// the .wasm is already compiled (workerd, which forbids compiling bytes at
// run time). By default init() uses the SIMD build embedded in
// ./wasm-simd.mjs, or fetches the MVP baseline next to this file where the
// engine has no SIMD128.
import { createEngine, hasSimd } from './engine.mjs';
import { createApi } from './api.mjs';
import { installPhoneRule } from './rules.mjs';
import { createDiagnose } from './diagnose.mjs';
import { WxOpenDataError, invalidArgument } from './errors.mjs';

let engine;
let ready;

function loaded() {
  if (engine === undefined) throw invalidArgument('call `await init()` (or initSync) from wx-open-data/web before using it');
  return engine;
}

function randomFill(bytes) {
  if (typeof crypto === 'undefined' || typeof crypto.getRandomValues !== 'function') {
    throw new WxOpenDataError('RANDOM_UNAVAILABLE');
  }
  crypto.getRandomValues(bytes);
}

function start(instance, build) {
  engine = createEngine(instance, { encoder: new TextEncoder(), decoder: new TextDecoder() }, randomFill);
  engine.build = build;
}

function bytesOf(base64) {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/**
 * Instantiates the engine. `input` (optional): a WebAssembly.Module, the
 * .wasm bytes, a Response, or a URL of a .wasm file. Later calls return the
 * first call's promise.
 */
export function init(input) {
  if (ready === undefined) {
    ready = (async () => {
      let source = input;
      let build = 'custom';
      if (source === undefined) {
        if (hasSimd()) {
          source = bytesOf((await import('./wasm-simd.mjs')).default);
          build = 'simd';
        } else {
          source = new URL('../wasm/baseline.wasm', import.meta.url);
          build = 'baseline';
        }
      }
      if (typeof source === 'string' || source instanceof URL) source = fetch(source);
      if (source && typeof source.then === 'function') source = await source;
      if (typeof Response !== 'undefined' && source instanceof Response) source = await source.arrayBuffer();
      const instance = source instanceof WebAssembly.Module
        ? await WebAssembly.instantiate(source, {})
        : (await WebAssembly.instantiate(source, {})).instance;
      start(instance, build);
    })();
    ready.catch(() => {
      ready = undefined;
    });
  }
  return ready;
}

/** Instantiates synchronously from a compiled WebAssembly.Module or the .wasm bytes. */
export function initSync(input) {
  if (engine !== undefined) return;
  // wasm-bindgen's form, `initSync({ module })`, which 0.1 documented.
  if (input && typeof input === 'object' && !(input instanceof WebAssembly.Module) && 'module' in input) input = input.module;
  const module = input instanceof WebAssembly.Module ? input : new WebAssembly.Module(input);
  start(new WebAssembly.Instance(module, {}), 'custom');
  ready = Promise.resolve();
}

const api = createApi(loaded);
export const { decryptPhone, decryptData, phoneInfoFromJson, verifySignature, encryptData, WXBizDataCrypt } = api;
// The WeChat client and the cloud helpers check phone data with the engine's rule.
installPhoneRule(api.phoneInfoFromJson);
export { WxOpenDataError, isWxOpenDataError } from './errors.mjs';
export { WeChatClient, MemoryStore } from './client.mjs';
export { createRedisStore } from './redis-store.mjs';
export { fromCloudPhoneNumber, fromCloudOpenData } from './cloud.mjs';
export { ridOf } from './wechat-errors.mjs';
export const diagnose = createDiagnose(loaded);

/** The build in use ('simd', 'baseline' or 'custom'). */
export function engineBuild() {
  return loaded().build;
}
