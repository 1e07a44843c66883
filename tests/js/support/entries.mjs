// The package's entry points, loaded the way a user's code loads them: from a
// project whose node_modules/wx-open-data is the package under test, resolved
// through the exports map. The package is pkg/ (after `make pkg`) unless
// WX_PKG_DIR names another copy (test-pack points it at the copy installed
// from the npm tarball).
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const pkgDir = realpathSync(process.env.WX_PKG_DIR ?? join(repo, 'pkg'));

const app = mkdtempSync(join(tmpdir(), 'wx-open-data-app-'));
mkdirSync(join(app, 'node_modules'));
symlinkSync(pkgDir, join(app, 'node_modules', 'wx-open-data'), 'dir');
writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }');
writeFileSync(join(app, 'esm.mjs'), "export * from 'wx-open-data';\n");
writeFileSync(join(app, 'web.mjs'), "export * from 'wx-open-data/web';\n");
const requireFromApp = createRequire(join(app, 'index.cjs'));

/** [label, loader] pairs; each loader returns the API object, ready to use. */
export const entries = [
  ['require (node, CommonJS)', async () => requireFromApp('wx-open-data')],
  ['import (node, ESM)', async () => ({ ...(await import(pathToFileURL(join(app, 'esm.mjs')))) })],
  ['import wx-open-data/web + init(bytes)', async () => {
    const api = { ...(await import(pathToFileURL(join(app, 'web.mjs')))) };
    const wasm = requireFromApp.resolve('wx-open-data/web/wx_open_data_bg.wasm');
    await api.init(readFileSync(wasm));
    return api;
  }],
];

/** The exports every entry point has, no more, no less. */
export const API_NAMES = [
  'WXBizDataCrypt', 'decryptData', 'decryptPhone', 'diagnose', 'encryptData',
  'init', 'initSync', 'isWxOpenDataError', 'verifySignature',
];
