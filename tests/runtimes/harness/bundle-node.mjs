// Harness for the esbuild row that targets Node: bundled with
// platform=node, format=cjs (the glue of the Node build reads the .wasm from
// __dirname, so the driver copies it next to the bundle, as a user shipping a
// single-file bundle must). Run as `node app.cjs fixtures.json`.
import { readFileSync } from 'node:fs';
import * as wx from 'wx-open-data';
import { runChecks } from './checks.mjs';

async function main() {
  const fixtures = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  await wx.init();
  console.log('RESULT ' + JSON.stringify(await runChecks({ ...wx }, fixtures)));
}

main().catch((e) => {
  console.log('LOADERROR ' + JSON.stringify({ name: e?.name, message: String(e?.message ?? e) }));
  process.exit(3);
});
