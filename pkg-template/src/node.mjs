// The Node entry (require and import): loads the engine synchronously on
// first use, from the build this Node can run (SIMD128 from Node 16.4, the
// MVP build before; encryptData, verifySignature and diagnose use the MVP
// build with the tools, which alone carries them, loaded on their first
// call). The bytes come from the package's files, or in a bundle from the
// base64 modules the bundler embeds (compile() below), so a bundler
// (esbuild, webpack) needs no file copied by hand. Writes no global:
// `sideEffects: false` holds.
import { createEngine, hasSimd } from './engine.mjs';
import { createApi } from './api.mjs';
import { createDecryptWithUserKey } from './user-key.mjs';
import { randomFill } from './node-random.mjs';

let engine;

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

/**
 * The compiled build: from the raw .wasm the package ships (read with fs),
 * for the MVP request-path build ('mvp', which ships only as a base64
 * module) from that module's text, else from the web entry's base64 module.
 * The last is the bundle path: in an esbuild or webpack bundle __dirname is
 * the bundle's (or `require('fs')` is missing, in an ESM bundle), and the
 * bundler has embedded the base64 module that the literal require() below
 * names, so no file is copied by hand (tests/runtimes, the esbuild rows;
 * tests/js/lazy-load.test.mjs checks that an installed package reads the raw file).
 */
function compile(build) {
  try {
    const fs = require('fs');
    if (build === 'mvp') {
      const text = fs.readFileSync(`${__dirname}/../web/wasm-mvp.mjs`, 'latin1');
      return new WebAssembly.Module(Buffer.from(text.slice(text.indexOf("'") + 1, text.lastIndexOf("'")), 'base64'));
    }
    return new WebAssembly.Module(fs.readFileSync(`${__dirname}/../wasm/${build}.wasm`));
  } catch (_) {
    const base64 = build === 'simd'
      ? require('../web/wasm-simd.mjs').default
      : build === 'mvp' ? require('../web/wasm-mvp.mjs').default : require('../web/wasm-baseline.mjs').default;
    return new WebAssembly.Module(Buffer.from(base64, 'base64'));
  }
}

/** An engine of `build`; the MVP request-path build reports itself as 'baseline'. */
function instantiate(build) {
  const created = createEngine(new WebAssembly.Instance(compile(build), {}), nodeCodec, randomFill);
  created.build = build === 'mvp' ? 'baseline' : build;
  return created;
}

/** The request-path engine: the SIMD build where the engine runs SIMD128. */
function load() {
  if (engine === undefined) engine = instantiate(hasSimd() ? 'simd' : 'mvp');
  return engine;
}

let toolsEngine;

/**
 * The engine of encryptData, verifySignature and diagnose (the baseline
 * build with the tools): a second instance, made on first use only.
 */
function tools() {
  if (toolsEngine === undefined) toolsEngine = instantiate('baseline');
  return toolsEngine;
}

const api = createApi(load, tools);
export const { decryptPhone, decryptData, phoneInfoFromJson, verifySignature, encryptData, WXBizDataCrypt, diagnose } = api;
/** Data the Mini Program encrypted with wx.getUserCryptoManager()'s key (user-key.mjs). */
export const decryptWithUserKey = createDecryptWithUserKey(decryptData);
// The server client loads on first use (node-client.mjs); the web entry
// exports the same names from exports.mjs.
export { WxOpenDataError, isWxOpenDataError } from './errors.mjs';
export { WeChatClient, MemoryStore, createRedisStore, fromCloudPhoneNumber, fromCloudOpenData, ridOf } from './node-client.mjs';

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

