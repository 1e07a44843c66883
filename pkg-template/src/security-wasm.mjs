// Where the security engine (security-engine.mjs) gets its .wasm and its
// randomness, for the web entry (browsers, bundlers, Deno, Bun, workers):
// the .wasm is embedded as base64 in web/wasm-security.mjs, a chunk of its
// own that only this dynamic import() reaches, so neither the request path
// nor a bundle that never sets apiSecurity loads it. The Node builds use
// node-security-wasm.mjs instead (scripts/assemble-pkg.mjs). Cloudflare
// workerd compiles no bytes at run time: there the worker imports
// wx-open-data/wasm/security.wasm, which workerd hands over compiled, and
// passes it to web.mjs's initSync({ module, security }), which gives it to
// provideSecurityWasm (the API security workerd row of tests/runtimes/run.mjs).
import { randomFill } from './web-random.mjs';

let provided;

/** The security .wasm the caller gave initSync: a compiled module or its bytes. */
export function provideSecurityWasm(source) {
  provided = source;
}

function bytesOf(base64) {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** The compiled security .wasm. */
export async function compileSecurityWasm() {
  if (provided instanceof WebAssembly.Module) return provided;
  if (provided !== undefined) return WebAssembly.compile(provided);
  return WebAssembly.compile(bytesOf((await import('./wasm-security.mjs')).default));
}

/** `n` fresh random bytes. */
export function randomBytes(n) {
  const out = new Uint8Array(n);
  randomFill(out);
  return out;
}
