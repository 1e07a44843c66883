// The package's entry points, loaded the way a user's code loads them: from a
// project whose node_modules/wx-open-data is the package under test, resolved
// through the exports map. The package is pkg/ (after `make pkg`) unless
// WX_PKG_DIR names another copy (test-pack points it at the copy installed
// from the npm tarball).
//
// Importing this module does no work beyond resolving pkgDir: the temporary
// app is made by the first loader that runs, so a test file that only needs
// pkgDir (cli.test.mjs, chromium-soak.mjs) creates nothing, and
// tests/soak/wasm-instance.mjs can still be the first to load the package.
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const pkgDir = realpathSync(process.env.WX_PKG_DIR ?? join(repo, 'pkg'));

let made;

/** The temporary app that depends on the package: { dir, require }, made once. */
export function app() {
  if (made === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'wx-open-data-app-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(pkgDir, join(dir, 'node_modules', 'wx-open-data'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{ "name": "app", "private": true }');
    writeFileSync(join(dir, 'esm.mjs'), "export * from 'wx-open-data';\n");
    writeFileSync(join(dir, 'web.mjs'), "export * from 'wx-open-data/web';\n");
    made = { dir, require: createRequire(join(dir, 'index.cjs')) };
  }
  return made;
}

/** [label, loader] pairs; each loader returns the API object, ready to use. */
export const entries = [
  ['require (node, CommonJS)', async () => app().require('wx-open-data')],
  ['import (node, ESM)', async () => ({ ...(await import(pathToFileURL(join(app().dir, 'esm.mjs')))) })],
  // init(bytes) with the raw SIMD build the exports map publishes for workerd
  // and CSP pages (wx-open-data/wasm/simd.wasm): engineBuild() is 'custom'.
  ['import wx-open-data/web + init(bytes)', async () => {
    const api = { ...(await import(pathToFileURL(join(app().dir, 'web.mjs')))) };
    const wasm = app().require.resolve('wx-open-data/wasm/simd.wasm');
    await api.init(readFileSync(wasm));
    return api;
  }],
];

/** The exports every entry point has, no more, no less (pkg-template/index.d.ts declares each). */
export const API_NAMES = [
  'MemoryStore', 'WXBizDataCrypt', 'WeChatClient', 'WxOpenDataError', 'createRedisStore',
  'decryptData', 'decryptPhone', 'decryptWithUserKey', 'diagnose', 'encryptData', 'engineBuild', 'fromCloudOpenData',
  'fromCloudPhoneNumber', 'init', 'initSync', 'isWxOpenDataError', 'phoneInfoFromJson', 'ridOf',
  'verifySignature',
];
