// The package's Node entry (pkg/node/index.cjs: esbuild, CommonJS, target
// node10, the MVP wasm build) runs the client on Node 10.15, the oldest
// runtime Tencent SCF and Cloud Base still run: injected fetch, HMAC and
// SHA-256 from node:crypto (no crypto global; counted in the child), the
// timeout without AbortController, and the phone rule of the engine itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_ID, APP_SECRET, setup } from './support/helpers.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const node10 = join(here, 'node_modules/node10/bin/node');
const runner = join(here, 'support/node10-run.cjs');

for (const mode of ['http', 'node-fetch']) {
  test(`Node 10.15 with ${mode === 'http' ? 'a node:http fetch' : 'node-fetch v2 (as docs/client.md says)'}: the package's Node entry does the whole client flow, and times out a hang`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wx-client-node10-'));
    const { mock, close } = await setup();
    try {
      const bundle = join(process.env.WX_PKG_DIR || fileURLToPath(new URL('../../pkg', import.meta.url)), 'node', 'index.cjs');
      mock.client.login('old');
      const tap = mock.client.getPhoneNumber('old');
      const codes = { phone: tap.code, encryptedData: tap.encryptedData, login: mock.client.login('old').code };
      mock.fault('hang', { path: '/wxa/resetusersessionkey', times: 1 });
      const stdout = await new Promise((resolve, reject) => {
        execFile(node10, [runner, bundle, mock.baseUrl, JSON.stringify(codes), APP_ID, APP_SECRET, mode], { encoding: 'utf8', timeout: 30000 }, (err, text) => {
          if (err && !text) reject(err);
          else resolve(text);
        });
      });
      const out = JSON.parse(stdout);
      assert.equal(out.error, undefined, out.error);
      assert.equal(out.node, 'v10.15.3');
      assert.equal(out.fetch, mode);
      assert.equal(out.hasAbortController, false);
      assert.equal(out.hasCrypto, false);
      assert.equal(out.openid, mock.client.openidOf('old'));
      assert.deepEqual(Object.keys(out.phone), ['phoneNumber', 'purePhoneNumber', 'countryCode', 'watermark']);
      assert.equal(out.phone.countryCode, '86');
      assert.equal(out.checked, true, 'checksession signed with node:crypto HMAC');
      assert.equal(out.encrypted.valid, true, 'checkencryptedmsg with node:crypto SHA-256');
      assert.equal(out.keys, 1, 'getuserencryptkey signed with node:crypto HMAC');
      // checksession, getuserencryptkey and resetusersessionkey signed; checkencryptedmsg hashed.
      assert.equal(out.used.createHmac, 3);
      assert.equal(out.used.createHash, 1);
      assert.equal(out.reuse, 'INVALID_CODE');
      assert.equal(out.hang, 'WECHAT_UNAVAILABLE');
      assert.ok(out.hangMs < 10000, `the hang ended by the 500 ms timer (took ${out.hangMs} ms)`);
    } finally {
      await close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
