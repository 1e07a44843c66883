// Module hook for running the package's ESM source directly in Node:
// pkg-template/src/errors.mjs imports src/vocabulary.json without an import
// attribute (esbuild bundles it; plain Node wants `with { type: 'json' }`).
// A .json module imported without one is served as an ES module whose default
// export is the parsed JSON, which is what the bundle does.
import { readFile } from 'node:fs/promises';

export async function load(url, context, nextLoad) {
  const attributes = context.importAttributes || context.importAssertions || {};
  if (url.startsWith('file:') && url.endsWith('.json') && attributes.type === undefined) {
    const text = await readFile(new URL(url), 'utf8');
    JSON.parse(text); // fail here, with the file's name, if it is not JSON
    return { format: 'module', source: `export default ${text};\n`, shortCircuit: true };
  }
  return nextLoad(url, context);
}
