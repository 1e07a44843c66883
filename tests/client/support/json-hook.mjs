// Module hook for running the package's ESM source directly in Node:
// pkg-template/src/errors.mjs imports src/vocabulary.json without an import
// attribute (esbuild bundles it; plain Node wants `with { type: 'json' }`).
// A .json module imported without one is served as an ES module whose default
// export is the parsed JSON, which is what the bundle does.
// The .wasm modules as base64 (src/security-wasm.mjs imports
// ./wasm-security.mjs) exist only in the built package: a src/wasm-*.mjs
// import is served from its web/ folder (`data.pkg`, from src.mjs).
import { readFile } from 'node:fs/promises';

let pkg = null;

export function initialize(data) {
  pkg = data && data.pkg ? data.pkg : null;
}

export async function resolve(specifier, context, nextResolve) {
  const m = /^\.\/(wasm-[a-z]+\.mjs)$/.exec(specifier);
  if (m && pkg && context.parentURL && context.parentURL.includes('/pkg-template/src/')) {
    return { url: new URL(`web/${m[1]}`, pkg).href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  const attributes = context.importAttributes || context.importAssertions || {};
  if (url.startsWith('file:') && url.endsWith('.json') && attributes.type === undefined) {
    const text = await readFile(new URL(url), 'utf8');
    JSON.parse(text); // fail here, with the file's name, if it is not JSON
    return { format: 'module', source: `export default ${text};\n`, shortCircuit: true };
  }
  return nextLoad(url, context);
}
