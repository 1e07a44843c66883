// Typings of the web entry (web/index.mjs: wx-open-data/web, and "." for
// browsers, Deno, Bun, workers and bundlers): the Node entry's API (its own
// copy of the module, so its own WxOpenDataError class; isWxOpenDataError
// recognises both), with the web entry's init, initSync and engineBuild,
// declared here in place of the Node ones. The input types are the
// platform's (lib "dom", "webworker", or a runtime's own global types).
export * from '../index.js';

/**
 * Instantiates the engine; call it once (idempotent: later calls return the
 * first call's promise) before the synchronous functions, which otherwise
 * throw INVALID_ARGUMENT. WeChatClient.getPhoneNumber calls it itself before
 * its first request. Without `input`, the SIMD build embedded in the
 * package, or where the engine lacks SIMD128 the baseline build, also
 * embedded. `input`: a compiled module, the .wasm bytes, a Response (or a
 * promise of one) or the URL of a .wasm file. The baseline build, which
 * serves encryptData and diagnose, is always instantiated beside it.
 * @throws {WxOpenDataError} INVALID_ARGUMENT (rejects) where the runtime
 * compiles no WebAssembly at run time (Cloudflare workerd): use initSync
 */
export declare function init(input?: WebAssembly.Module | ArrayBuffer | ArrayBufferView | Response | PromiseLike<Response> | URL | string): Promise<void>;

/** A compiled module or the bytes of a .wasm build. */
export type WasmSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView;

/**
 * Instantiates the engine synchronously from a compiled module or the .wasm
 * bytes (workerd, which forbids compiling at run time: import
 * 'wx-open-data/wasm/simd.wasm'), or `{ module, tools }` with the baseline
 * build ('wx-open-data/wasm/baseline.wasm') as `tools`, which encryptData
 * and diagnose need (without it they throw INVALID_ARGUMENT), and
 * `security` ('wx-open-data/wasm/security.wasm'), which a WeChatClient with
 * apiSecurity loads where nothing compiles at run time (workerd; elsewhere
 * the embedded copy serves). Does nothing more once instantiated.
 */
export declare function initSync(input: WasmSource | { module: WasmSource; tools?: WasmSource; security?: WasmSource }): void;

/**
 * Which build runs: 'simd' or 'baseline' after init(), 'custom' after
 * init/initSync was given a module or bytes.
 * @throws {WxOpenDataError} INVALID_ARGUMENT before init()
 */
export declare function engineBuild(): 'simd' | 'baseline' | 'custom';
