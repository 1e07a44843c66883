// Harness for Cloudflare workerd without initSync at load: the first call
// a user makes is WeChatClient.getPhoneNumber, which must fail before any
// request (workerd compiles no wasm from bytes, so init() cannot work) with
// INVALID_ARGUMENT naming initSync and wx-open-data/wasm/simd.wasm; the
// driver checks that the mock WeChat saw no request at all. Then initSync
// with the imported builds, and every other check, as worker.mjs.
import * as wx from './node_modules/wx-open-data/web/index.mjs';
import module from 'wx-open-data/wasm/simd.wasm';
import tools from 'wx-open-data/wasm/baseline.wasm';
import fixtures from './fixtures.json';
import wechat from './wechat.json';
import { runChecks } from './checks.mjs';

export default {
  async fetch() {
    const initSync = () => wx.initSync({ module, tools });
    return Response.json(await runChecks({ ...wx }, fixtures, { entry: 'web', wechat: { ...wechat, refused: true }, initSync }));
  },
};
