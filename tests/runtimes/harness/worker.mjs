// Harness for Cloudflare workerd: a worker module that imports the web build
// and the raw builds (wx-open-data/wasm/simd.wasm for the request path,
// wasm/baseline.wasm for encryptData and diagnose, wasm/security.wasm for
// WeChatClient's apiSecurity, declared as wasm modules in the config, so
// workerd hands them over compiled: it forbids compiling bytes at run time),
// instantiates them with initSync and answers
// each request with runChecks' summary as JSON. engineBuild() is 'custom'.
// WeChatClient.getPhoneNumber runs against the mock WeChat that wechat.json
// names (reached through the config's loopback-only globalOutbound), and
// with wechat.secure the API security round trip against the mode's mock.
import * as wx from './node_modules/wx-open-data/web/index.mjs';
import module from 'wx-open-data/wasm/simd.wasm';
import tools from 'wx-open-data/wasm/baseline.wasm';
import security from 'wx-open-data/wasm/security.wasm';
import fixtures from './fixtures.json';
import wechat from './wechat.json';
import { runChecks } from './checks.mjs';

wx.initSync({ module, tools, security });

export default {
  async fetch() {
    return Response.json(await runChecks({ ...wx }, fixtures, { entry: 'web', initialized: true, wechat }));
  },
};
