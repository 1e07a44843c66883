// A decrypt-only app bundled for the browser (or esbuild's neutral platform,
// what workers use) carries no server-client code: the package is
// `sideEffects: false` and the client's modules have no top-level statement
// a bundler must keep (client.mjs's toStringTag is a class getter for this).
// The control bundle imports WeChatClient and must carry it, so the marker
// strings below are known to be the client's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { app } from './support/entries.mjs';

const { buildSync } = createRequire(fileURLToPath(new URL('../../tools/package.json', import.meta.url)))('esbuild');
// Strings only the WeChat client holds: endpoint paths.
const CLIENT_MARKERS = ['/wxa/business/getuserphonenumber', '/cgi-bin/stable_token'];

function bundle(name, source, platform) {
  const entry = join(app().dir, `${name}.mjs`);
  writeFileSync(entry, source);
  const out = buildSync({ entryPoints: [entry], bundle: true, format: 'esm', platform, write: false, logLevel: 'silent' });
  return out.outputFiles[0].text;
}

for (const platform of ['browser', 'neutral']) {
  test(`esbuild, platform=${platform}: decryptPhone alone bundles no client code; WeChatClient does`, () => {
    const decryptOnly = bundle(`shake-decrypt-${platform}`, "import { init, decryptPhone } from 'wx-open-data';\nawait init();\nglobalThis.f = decryptPhone;\n", platform);
    const withClient = bundle(`shake-client-${platform}`, "import { WeChatClient } from 'wx-open-data';\nglobalThis.c = WeChatClient;\n", platform);
    for (const marker of CLIENT_MARKERS) {
      assert.ok(withClient.includes(marker), `the control bundle has ${marker}`);
      assert.ok(!decryptOnly.includes(marker), `the decrypt-only bundle has ${marker}`);
    }
    assert.ok(decryptOnly.length < withClient.length);
  });
}
