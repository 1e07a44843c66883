// Harness for the esbuild rows that target Node: bundled with
// --platform=node, once --format=cjs --target=node10 and once --format=esm,
// with nothing copied next to the bundle (the Node entry's .wasm bytes are
// base64 modules that esbuild inlines). Run as `node app.cjs fixtures.json`
// or `node app.mjs fixtures.json`. 'fs', not 'node:fs': Node 10 runs the
// CommonJS bundle.
import { readFileSync } from 'fs';
import * as wx from 'wx-open-data';
import { runChecks } from './checks.mjs';

async function main() {
  const fixtures = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  console.log('RESULT ' + JSON.stringify(await runChecks({ ...wx }, fixtures, { entry: 'node' })));
}

main().catch((e) => {
  console.log('LOADERROR ' + JSON.stringify({ name: e && e.name, message: String(e && e.message || e) }));
  process.exit(3);
});
