// Harness for Cloudflare workerd: a worker module that imports the web build
// and its .wasm as a compiled WebAssembly.Module (how workerd and wrangler
// hand out .wasm modules), instantiates it with initSync({ module }) and
// answers each request with runChecks' summary as JSON.
import * as wx from './node_modules/wx-open-data/web/index.mjs';
import wasmModule from './node_modules/wx-open-data/web/wx_open_data_bg.wasm';
import fixtures from './fixtures.json';
import { runChecks } from './checks.mjs';

wx.initSync(wasmModule);

export default {
  async fetch() {
    return Response.json(await runChecks({ ...wx }, fixtures));
  },
};
