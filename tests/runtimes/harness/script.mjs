// Harness for the runtimes that run a script file: Node (20 to 24, and the
// cloud-function Nodes 14.18 to 18 for import), Bun and Deno. The driver
// (../run.mjs) copies it, with checks.mjs and fixtures.json, into a project
// whose node_modules/wx-open-data was installed from the npm tarball, so
// bare specifiers resolve exactly as in a user's project.
//
//   <runtime> script.mjs <entry> [wechat.json]
//
// With wechat.json (a mock WeChat and a fresh phone code), the checks also
// run WeChatClient.getPhoneNumber against it.
// prints one line `RESULT {json}` with runChecks' summary, or, when the
// package cannot even be loaded, `LOADERROR {name, message}` (exit code 3).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runChecks } from './checks.mjs';

/** How a user of each entry point loads the package, and which entry (checks.mjs) that is. */
const ENTRIES = {
  // CommonJS: require('wx-open-data') through the exports map (`node` condition).
  require: ['node', async () => createRequire(import.meta.url)('wx-open-data')],
  // ESM: import 'wx-open-data' through the exports map (`node` condition).
  import: ['node', async () => import('wx-open-data')],
  // Deno's npm: specifier; with --node-modules-dir=manual Deno takes the
  // package from the project's node_modules (installed from the tarball).
  'npm-specifier': ['node', async () => import('npm:wx-open-data')],
  // The web build by file path; the checks call init() (default: the
  // embedded SIMD build) after asserting it is needed.
  'web-file': ['web', async () => import('./node_modules/wx-open-data/web/index.mjs')],
};

const name = process.argv[2];
if (!ENTRIES[name]) throw new Error(`unknown entry ${name}; one of ${Object.keys(ENTRIES).join(', ')}`);
const [entry, load] = ENTRIES[name];
const fixtures = JSON.parse(readFileSync(new URL('./fixtures.json', import.meta.url), 'utf8'));
let api;
try {
  api = { ...(await load()) };
} catch (e) {
  console.log('LOADERROR ' + JSON.stringify({ name: e && e.name, message: String(e && e.message || e) }));
  process.exit(3);
}
// Bun's node:crypto is built on its globalThis.crypto, which Bun always has:
// hiding the one breaks the other, so the Node entry's fallback cannot be
// shown there.
const globalCryptoFixed = typeof Bun !== 'undefined'
  ? "Bun's node:crypto is built on its globalThis.crypto (always present), so hiding it breaks node:crypto too"
  : undefined;
const wechat = process.argv[3] ? JSON.parse(readFileSync(new URL(process.argv[3], import.meta.url), 'utf8')) : undefined;
const summary = await runChecks(api, fixtures, { entry, globalCryptoFixed, wechat });
console.log('RESULT ' + JSON.stringify(summary));
