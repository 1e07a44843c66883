// The web entry (browsers, bundlers, Deno, Bun, workers): call `await init()`
// once (idempotent) before the synchronous functions, or
// `initSync(moduleOrBytes)` where the .wasm is already compiled (workerd,
// which forbids compiling bytes at run time). WeChatClient.getPhoneNumber
// calls init() itself before its first request, or fails before it where
// init() cannot work. By default init() uses the SIMD build embedded in
// ./wasm-simd.mjs (the MVP build of ./wasm-mvp.mjs where the engine has no
// SIMD128); the MVP build with the tools, ./wasm-baseline.mjs, serves
// encryptData, verifySignature and diagnose.
import { createEngine, hasSimd, webCodec } from './engine.mjs';
import { createApi } from './api.mjs';
import { createDecryptWithUserKey } from './user-key.mjs';
import { invalidArgument } from './errors.mjs';
import { randomFill } from './web-random.mjs';
import { provideSecurityWasm } from './security-wasm.mjs';

let engine;
let toolsEngine;
let ready;

/** The smallest valid module: the magic number and version 1. */
const EMPTY_WASM = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);

/**
 * Whether this runtime compiles WebAssembly from bytes. Cloudflare workerd
 * does not (only modules it compiled at deploy time run there), and init()
 * always compiles the embedded baseline build.
 */
function compiles() {
  try {
    new WebAssembly.Module(EMPTY_WASM);
    return true;
  } catch (_) {
    return false;
  }
}

function loaded() {
  if (engine === undefined) throw invalidArgument('call `await init()` (or initSync) from wx-open-data/web before using it');
  return engine;
}

/** The engine with encryptData and diagnose (the baseline build carries them). */
function tools() {
  loaded();
  if (toolsEngine === undefined) {
    throw invalidArgument('encryptData and diagnose need the baseline build: pass it as initSync({ module, tools }) (wx-open-data/wasm/baseline.wasm)');
  }
  return toolsEngine;
}

function wrap(instance, build) {
  const created = createEngine(instance, webCodec(), randomFill);
  created.build = build;
  return created;
}

/** Sets the engines; an instance that has the cold exports serves both. */
function start(hot, cold) {
  engine = hot;
  toolsEngine = typeof hot.wasm.wx_seal === 'function' ? hot : cold;
}

function bytesOf(base64) {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** An instance from a Module, bytes, a Response, a URL or a promise of one of them. */
async function instantiate(source) {
  if (typeof source === 'string' || source instanceof URL) source = fetch(source);
  if (source && typeof source.then === 'function') source = await source;
  if (typeof Response !== 'undefined' && source instanceof Response) source = await source.arrayBuffer();
  return source instanceof WebAssembly.Module
    ? WebAssembly.instantiate(source, {})
    : (await WebAssembly.instantiate(source, {})).instance;
}

/** The embedded baseline build (MVP; encryptData, verifySignature and diagnose). */
async function baseline() {
  return instantiate(bytesOf((await import('./wasm-baseline.mjs')).default));
}

/** The embedded MVP request-path build (engines without SIMD128). */
async function mvp() {
  return instantiate(bytesOf((await import('./wasm-mvp.mjs')).default));
}

/**
 * Instantiates the engine. `input` (optional): a WebAssembly.Module, the
 * .wasm bytes, a Response, or a URL of a .wasm file; by default the embedded
 * SIMD build (or the baseline where the engine has no SIMD128). The baseline
 * build, which serves encryptData and diagnose, is instantiated beside it.
 * Later calls return the first call's promise.
 */
export function init(input) {
  if (ready === undefined) {
    ready = (async () => {
      // Checked first, so that this fails before any request (tests/runtimes, workerd without initSync).
      if (!compiles()) {
        throw invalidArgument("this runtime compiles no WebAssembly at run time (Cloudflare workerd): import module from 'wx-open-data/wasm/simd.wasm' and call initSync({ module }) first");
      }
      if (input === undefined && !hasSimd()) {
        const [hotInstance, coldInstance] = await Promise.all([mvp(), baseline()]);
        start(wrap(hotInstance, 'baseline'), wrap(coldInstance, 'baseline'));
        return;
      }
      const hot = input === undefined
        ? instantiate(bytesOf((await import('./wasm-simd.mjs')).default))
        : instantiate(input);
      const [hotInstance, coldInstance] = await Promise.all([hot, baseline()]);
      start(wrap(hotInstance, input === undefined ? 'simd' : 'custom'), wrap(coldInstance, 'baseline'));
    })();
    ready.catch(() => {
      ready = undefined;
    });
  }
  return ready;
}

/**
 * Instantiates synchronously (workerd, which forbids compiling bytes at run
 * time): a compiled WebAssembly.Module or the .wasm bytes, or
 * `{ module, tools, security }` with the baseline build as `tools` for
 * encryptData and diagnose, and the security build as `security` for a
 * WeChatClient with apiSecurity (security-wasm.mjs).
 */
export function initSync(input) {
  let tools;
  // `{ module }` is also wasm-bindgen's own initSync form, which code written
  // for wasm-bindgen output passes.
  if (input && typeof input === 'object' && !(input instanceof WebAssembly.Module) && 'module' in input) {
    const { security } = input;
    if (security !== undefined) {
      if (!(security instanceof WebAssembly.Module || security instanceof ArrayBuffer || ArrayBuffer.isView(security))) {
        throw invalidArgument('initSync: security must be the compiled wx-open-data/wasm/security.wasm or its bytes');
      }
      provideSecurityWasm(security);
    }
    tools = input.tools;
    input = input.module;
  }
  if (engine !== undefined) return;
  if (input === undefined || input === null) throw invalidArgument('initSync needs the compiled module or the .wasm bytes: initSync(module) or initSync({ module, tools })');
  const compile = (source) => (source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source));
  const hot = wrap(new WebAssembly.Instance(compile(input), {}), 'custom');
  start(hot, tools === undefined ? undefined : wrap(new WebAssembly.Instance(compile(tools), {}), 'baseline'));
  ready = Promise.resolve();
}

// The WeChat client loads the engine before its first request (rules.mjs).
const api = createApi(loaded, tools, () => (engine === undefined ? init() : undefined));
export const { decryptPhone, decryptData, phoneInfoFromJson, verifySignature, encryptData, WXBizDataCrypt, diagnose } = api;
/** Data the Mini Program encrypted with wx.getUserCryptoManager()'s key (user-key.mjs). */
export const decryptWithUserKey = createDecryptWithUserKey(decryptData);
export * from './exports.mjs';

/** The build in use ('simd', 'baseline' or 'custom'). */
export function engineBuild() {
  return loaded().build;
}
