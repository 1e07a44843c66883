// Harness for the runtimes that run a script file: Node (every version),
// Bun and Deno. The driver (../run.mjs) copies it, with checks.mjs and
// fixtures.json, into a project whose node_modules/wx-open-data was installed
// from the npm tarball, so bare specifiers resolve exactly as in a user's
// project.
//
//   <runtime> script.mjs <entry>
//
// prints one line `RESULT {json}` with runChecks' summary, or, when the
// package cannot even be loaded, `LOADERROR {name, message}` (exit code 3):
// the Node 16 row expects precisely that.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runChecks } from './checks.mjs';

/** How a user of each entry point loads the package. */
const ENTRIES = {
  // CommonJS: require('wx-open-data') through the exports map.
  require: async () => createRequire(import.meta.url)('wx-open-data'),
  // ESM: import 'wx-open-data' through the exports map.
  import: async () => import('wx-open-data'),
  // Deno's npm: specifier; with --node-modules-dir=manual Deno takes the
  // package from the project's node_modules (installed from the tarball).
  'npm-specifier': async () => import('npm:wx-open-data'),
  // The web build by file path, instantiated by init() with its default
  // (the .wasm next to the module, fetched as a file: URL).
  'web-file': async () => {
    const api = await import('./node_modules/wx-open-data/web/index.mjs');
    await api.init();
    return api;
  },
};

const entry = process.argv[2];
const load = ENTRIES[entry];
if (!load) throw new Error(`unknown entry ${entry}; one of ${Object.keys(ENTRIES).join(', ')}`);
const fixtures = JSON.parse(readFileSync(new URL('./fixtures.json', import.meta.url), 'utf8'));
let api;
try {
  api = { ...(await load()) };
} catch (e) {
  console.log('LOADERROR ' + JSON.stringify({ name: e?.name, message: String(e?.message ?? e) }));
  process.exit(3);
}
const summary = await runChecks(api, fixtures);
console.log('RESULT ' + JSON.stringify(summary));
