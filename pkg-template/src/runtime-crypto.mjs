// The runtime's own cryptography, for the client (hmac.mjs, api-security.mjs):
// node:crypto where this is Node, WebCrypto elsewhere. The client is bundled
// for every target (Node 10.15 to workerd) and may not import node:crypto,
// so it is reached at run time: process.getBuiltinModule on Node >= 20.16
// (an ESM bundle has no require), require in the Node entry's CommonJS
// chunks on every Node. Deno and Bun, which also answer to process.versions.node,
// use their WebCrypto.

/** node:crypto where this is Node (not Deno or Bun), else null. */
export function nodeCrypto() {
  try {
    const v = typeof process === 'object' && process !== null ? process.versions : null;
    if (!v || typeof v.node !== 'string' || v.bun || v.deno) return null;
    // A name, not a literal, so that bundlers of the web entry leave it alone.
    const name = 'crypto';
    // eslint-disable-next-line no-undef
    const c = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule(name) : typeof require === 'function' ? require(name) : null;
    return c && typeof c.createHmac === 'function' && typeof c.createCipheriv === 'function' ? c : null;
  } catch (_) {
    return null;
  }
}

/** The global WebCrypto (Node >= 19, browsers in secure contexts, Deno, Bun, workers), else null. */
export function webCrypto() {
  try {
    // eslint-disable-next-line no-undef
    const c = typeof crypto !== 'undefined' ? crypto : undefined;
    return c && c.subtle && typeof c.subtle.importKey === 'function' && typeof c.getRandomValues === 'function' ? c : null;
  } catch (_) {
    return null;
  }
}
