// Harness for the browser rows: a web page imports the package by its bare
// name exactly as a user's page does. Served as-is (Chromium resolves
// 'wx-open-data' through the page's import map) and bundled by esbuild
// (which resolves it through the package's exports map, `browser`
// condition, and inlines the embedded SIMD build: no file to copy). The
// checks call init() with its default, after WeChatClient.getPhoneNumber
// (against the mock WeChat of /wechat.json, which the driver serves on this
// origin) has loaded the engine by itself. The result lands in
// window.__wxResult for the driver to read.
import * as wx from 'wx-open-data';
import { runChecks } from './checks.mjs';

async function main() {
  const fixtures = await (await fetch('/fixtures.json')).json();
  const wechat = await (await fetch('/wechat.json')).json();
  return runChecks({ ...wx }, fixtures, { entry: 'web', wechat });
}

main().then(
  (result) => { window.__wxResult = result; },
  (e) => { window.__wxResult = { loadError: { name: e?.name, message: String(e?.message ?? e) } }; },
);
