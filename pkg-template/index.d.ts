// Typings of every entry point (node and web share one API).
// The declarations come from the Rust binding (src/wasm.rs) via wasm-bindgen.
export * from './node/wx_open_data.js';

/**
 * Makes the package ready. On Node it is already ready and this resolves at
 * once; on the web build it fetches and instantiates the .wasm (by default the
 * file next to the module; pass a URL, Response, bytes or a compiled
 * WebAssembly.Module to override). Idempotent.
 */
export declare function init(input?: unknown): Promise<void>;

/** Synchronous init from a compiled WebAssembly.Module or the .wasm bytes (workers). No-op on Node. */
export declare function initSync(input?: unknown): void;
