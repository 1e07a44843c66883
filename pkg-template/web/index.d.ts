// Typings of the web entry (web/index.mjs: wx-open-data/web, and "." for
// browsers, Deno, Bun, workers and bundlers): the Node entry's API (its own
// copy of the module, so its own WxOpenDataError class; isWxOpenDataError
// recognises both), with the web entry's init, initSync and engineBuild,
// declared here in place of the Node ones. The input types are the
// platform's (lib "dom", "webworker", or a runtime's own global types).
export * from '../index.js';

/**
 * Instantiates the engine; call it once (idempotent: later calls return the
 * first call's promise) before anything else, which otherwise throws
 * INVALID_ARGUMENT. Without `input`, the SIMD build embedded in the package,
 * or where the engine lacks SIMD128 the baseline build fetched from
 * ../wasm/baseline.wasm next to this module. `input`: a compiled module, the
 * .wasm bytes, a Response (or a promise of one) or the URL of a .wasm file.
 */
export declare function init(input?: WebAssembly.Module | ArrayBuffer | ArrayBufferView | Response | PromiseLike<Response> | URL | string): Promise<void>;

/**
 * Instantiates the engine synchronously from a compiled module or the .wasm
 * bytes (workerd, which forbids compiling at run time: import
 * 'wx-open-data/wasm/simd.wasm'), also in wasm-bindgen's `{ module }` form
 * that 0.1 documented. Does nothing once instantiated.
 */
export declare function initSync(input: WebAssembly.Module | ArrayBuffer | ArrayBufferView | { module: WebAssembly.Module | ArrayBuffer | ArrayBufferView }): void;

/**
 * Which build runs: 'simd' or 'baseline' after init(), 'custom' after
 * init/initSync was given a module or bytes.
 * @throws {WxOpenDataError} INVALID_ARGUMENT before init()
 */
export declare function engineBuild(): 'simd' | 'baseline' | 'custom';
