// The Node builds' security-wasm.mjs (scripts/assemble-pkg.mjs puts it in
// place of that module): the .wasm is wasm/security.wasm beside the
// package's other builds, read with fs; in a bundle (where __dirname is the
// bundle's, or fs is missing) it is the web entry's base64 module, which the
// literal require() below lets the bundler embed, as node.mjs's compile()
// does for the request-path builds. Randomness: node-random.mjs, as for
// encryptData.
import { randomFill } from './node-random.mjs';

/** The compiled security .wasm. */
export async function compileSecurityWasm() {
  try {
    return new WebAssembly.Module(require('fs').readFileSync(`${__dirname}/../wasm/security.wasm`));
  } catch (_) {
    return new WebAssembly.Module(Buffer.from(require('../web/wasm-security.mjs').default, 'base64'));
  }
}

/** `n` fresh random bytes. */
export function randomBytes(n) {
  const out = new Uint8Array(n);
  randomFill(out);
  return out;
}
