// WeChatClient as the web entry exports it (pkg/web/index.mjs: what workerd,
// Deno, browsers and esbuild's neutral platform load), used without init():
// getPhoneNumber makes the engine ready before its first request. Where the
// runtime compiles no WebAssembly from bytes (Cloudflare workerd, emulated
// here as workerd answers: a CompileError from every compile of bytes), it
// fails before any request, naming initSync and the raw build to import, and
// the single-use code stays unspent. tests/runtimes/run.mjs runs the same in
// the real workerd, Deno and Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { APP_ID, APP_SECRET, rejectsWith } from './support/helpers.mjs';
import { load } from './support/src.mjs';

const PKG = new URL(`${process.env.WX_PKG_DIR ? `file://${process.env.WX_PKG_DIR}/` : '../../pkg/'}`, import.meta.url);
const { startMockWeChat } = await load('mock/index.mjs');

/** A module that only validates with SIMD128 (as tests/js/api.test.mjs). */
const SIMD_ONLY = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00, 0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array(16).fill(0), 0x0b,
]);

/** The raw builds, compiled as workerd compiles an imported .wasm at deploy time. */
const compiled = { simd: new WebAssembly.Module(readFileSync(new URL('wasm/simd.wasm', PKG))) };

/** A fresh instance of the web entry (its own engine state), as a new worker or page would load it. */
let instances = 0;
const freshWebEntry = () => import(`${new URL('web/index.mjs', PKG).href}?instance=${++instances}`);

async function withMock(body) {
  const mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET });
  try {
    await body(mock);
  } finally {
    await mock.close();
  }
}

test('web entry without init(): getPhoneNumber loads the engine itself, then asks WeChat', async () => {
  await withMock(async (mock) => {
    const web = await freshWebEntry();
    const client = new web.WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl });
    mock.client.login('alice');
    mock.client.login('bob');
    // Two concurrent first calls share the one init().
    const [a, b] = await Promise.all([
      client.getPhoneNumber(mock.client.getPhoneNumber('alice').code),
      client.getPhoneNumber(mock.client.getPhoneNumber('bob').code),
    ]);
    assert.equal(a.phoneNumber, mock.client.phoneOf('alice').phoneNumber);
    assert.equal(b.phoneNumber, mock.client.phoneOf('bob').phoneNumber);
    assert.equal(typeof a.countryCode, 'string');
    assert.equal(mock.counters.getuserphonenumber, 2);
    assert.equal(web.engineBuild(), WebAssembly.validate(SIMD_ONLY) ? 'simd' : 'baseline', 'the default init()');
  });
});

/** Runs `body` while every compile of bytes throws as in workerd; restores WebAssembly after. */
async function asInWorkerd(body) {
  const saved = { Module: WebAssembly.Module, compile: WebAssembly.compile, instantiate: WebAssembly.instantiate };
  const refuse = () => {
    throw new WebAssembly.CompileError('WebAssembly.Module(): Wasm code generation disallowed by embedder');
  };
  const Module = function Module(bytes) {
    if (!(this instanceof Module)) throw new TypeError("Class constructor Module cannot be invoked without 'new'");
    refuse(bytes);
  };
  Module.prototype = saved.Module.prototype;
  WebAssembly.Module = Module;
  WebAssembly.compile = async () => refuse();
  WebAssembly.instantiate = async (source, imports) => (source instanceof saved.Module ? saved.instantiate(source, imports) : refuse());
  try {
    await body();
  } finally {
    Object.assign(WebAssembly, saved);
  }
}

test('web entry where wasm cannot be compiled (workerd) without initSync: getPhoneNumber fails before any request, naming initSync; the code stays usable', async () => {
  await withMock(async (mock) => {
    const web = await freshWebEntry();
    const client = new web.WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl });
    mock.client.login('carol');
    const { code } = mock.client.getPhoneNumber('carol');
    await asInWorkerd(async () => {
      const e = await rejectsWith(client.getPhoneNumber(code), 'INVALID_ARGUMENT', [APP_SECRET, code, ...mock.issuedSecrets()]);
      assert.ok(e instanceof web.WxOpenDataError);
      assert.match(e.message, /initSync\(\{ module \}\)/);
      assert.match(e.message, /'wx-open-data\/wasm\/simd\.wasm'/);
      assert.equal(mock.counters.requests, 0, 'no request: no token fetch, no getuserphonenumber');
      // init() itself gives the same sentence.
      await rejectsWith(web.init(), 'INVALID_ARGUMENT').then((err) => assert.equal(err.message, e.message));
      // initSync({ module }) with the compiled module, as workerd hands over
      // an imported .wasm (the line the error names): the same code works.
      web.initSync({ module: compiled.simd });
      const phone = await client.getPhoneNumber(code);
      assert.equal(phone.phoneNumber, mock.client.phoneOf('carol').phoneNumber);
      assert.equal(web.engineBuild(), 'custom');
    });
    assert.equal(mock.counters.getuserphonenumber, 1);
  });
});

test('web entry where wasm cannot be compiled (workerd): apiSecurity runs on the security build given to initSync({ module, security })', async () => {
  const mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, apiSecurity: true });
  try {
    const web = await freshWebEntry();
    const security = new WebAssembly.Module(readFileSync(new URL('wasm/security.wasm', PKG)));
    mock.client.login('dave');
    const { code } = mock.client.getPhoneNumber('dave');
    await asInWorkerd(async () => {
      assert.throws(() => web.initSync({ module: compiled.simd, security: 'security.wasm' }), (e) => e.code === 'INVALID_ARGUMENT' && /initSync: security must be/.test(e.message));
      // Without `security`: the engine cannot compile its embedded copy.
      web.initSync({ module: compiled.simd });
      const client = new web.WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, apiSecurity: mock.apiSecurity });
      const e = await rejectsWith(client.ready(), 'INVALID_ARGUMENT', [APP_SECRET, code, ...mock.issuedSecrets()]);
      assert.match(e.message, /the security engine could not be loaded/);
      // initSync again with it (the request-path engine is kept): a client made now works.
      web.initSync({ module: compiled.simd, security });
      const secured = new web.WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, apiSecurity: mock.apiSecurity });
      await secured.ready();
      const phone = await secured.getPhoneNumber(code);
      assert.equal(phone.phoneNumber, mock.client.phoneOf('dave').phoneNumber);
    });
    assert.equal(mock.counters.getuserphonenumber, 1);
  } finally {
    await mock.close();
  }
});
