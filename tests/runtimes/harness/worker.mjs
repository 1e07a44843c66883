// Harness for Cloudflare workerd: a worker module that imports the web build
// and the raw SIMD build (wx-open-data/wasm/simd.wasm, declared as a wasm
// module in the config, so workerd hands it over compiled: it forbids
// compiling bytes at run time), instantiates it with initSync and answers
// each request with runChecks' summary as JSON. engineBuild() is 'custom'.
import * as wx from './node_modules/wx-open-data/web/index.mjs';
import module from 'wx-open-data/wasm/simd.wasm';
import fixtures from './fixtures.json';
import { runChecks } from './checks.mjs';

wx.initSync(module);

export default {
  async fetch() {
    return Response.json(await runChecks({ ...wx }, fixtures, { entry: 'web', initialized: true }));
  },
};
