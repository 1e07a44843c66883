// Every ```js block of README.md runs here, as printed, against the built
// package (pkg/, or WX_PKG_DIR) and the package's own mock of WeChat's server
// API: each block is preceded by `<!-- readme-test: NAME -->`, and NAME's
// driver below runs it and checks what it does. A block without a tag, or a
// tag without a driver, fails. The README's tables of error codes and
// diagnosis causes must be exactly what src/vocabulary.json says, and the
// npm README (pkg/README.md) is README.md itself.
//
// The ```sh blocks are the commands CI runs (`make demo`, `make test`) and
// `npm install wx-open-data`, which scripts/test-pack.sh does with the tarball.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { pkgDir } from './support/entries.mjs';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const vocabulary = JSON.parse(readFileSync(new URL('src/vocabulary.json', root), 'utf8'));
const APP_ID = 'wx0123456789abcdef';
const APP_SECRET = 'readme-test-secret';

/** [{ tag, lang, code }] for every fenced block, in order. */
function blocks(text) {
  const out = [];
  const re = /(?:<!-- readme-test: ([\w-]+) -->\n)?```(\w+)\n([\s\S]*?)```/g;
  for (let m; (m = re.exec(text));) out.push({ tag: m[1], lang: m[2], code: m[3] });
  return out;
}

/** The rows of the table after `<!-- vocabulary: NAME -->`. */
function table(name, text = readme) {
  const start = text.indexOf(`<!-- vocabulary: ${name} -->`);
  assert.ok(start >= 0, `no <!-- vocabulary: ${name} --> table`);
  const body = text.slice(start, text.indexOf('<!-- /vocabulary -->', start));
  return body.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
}

// An app that has the package (and a wx-server-sdk stand-in) in node_modules.
const app = mkdtempSync(join(tmpdir(), 'wx-open-data-readme-'));
mkdirSync(join(app, 'node_modules', 'wx-server-sdk'), { recursive: true });
symlinkSync(pkgDir, join(app, 'node_modules', 'wx-open-data'), 'dir');
writeFileSync(join(app, 'package.json'), '{ "name": "readme-app", "private": true }');
// The cloud function's SDK: the mock's stand-in, handed over by the test.
writeFileSync(join(app, 'node_modules', 'wx-server-sdk', 'index.js'), 'module.exports = globalThis.readmeWxServerSdk;\n');
const requireFromApp = createRequire(join(app, 'index.js'));

let mock;
const realFetch = globalThis.fetch;
const { startMockWeChat } = await import(pathToFileURL(join(pkgDir, 'mock', 'index.mjs')));

/** Writes a block into the app and loads it as the module kind it is written as. */
async function load(name, code) {
  if (/^\s*(import|export)\b/m.test(code)) {
    const file = join(app, `${name}.mjs`);
    writeFileSync(file, code);
    return import(pathToFileURL(file));
  }
  const file = join(app, `${name}.cjs`);
  writeFileSync(file, code);
  return requireFromApp(file);
}

const drivers = {
  // The PhoneInfo shape the README shows is the shape decryptPhone returns.
  'phone-info': async (code) => {
    // Through JSON: the object comes from another realm (vm).
    const shown = JSON.parse(JSON.stringify(vm.runInNewContext(`(${code})`)));
    const { decryptPhone, encryptData } = requireFromApp('wx-open-data');
    const key = Buffer.alloc(16, 7).toString('base64');
    const sealed = encryptData(key, shown);
    const back = decryptPhone(key, sealed.encryptedData, sealed.iv, { appId: shown.watermark.appid });
    assert.deepEqual(back, shown);
  },

  miniprogram: async (code) => {
    let page;
    const requests = [];
    vm.runInNewContext(code, { Page: (p) => { page = p; }, wx: { request: (r) => requests.push(r) } });
    page.onPhone({ detail: { code: 'phone-code-1' } });
    page.onPhone({ detail: { errMsg: 'getPhoneNumber:fail user deny' } });
    assert.equal(requests.length, 1);
    assert.deepEqual(JSON.parse(JSON.stringify(requests[0].data)), { code: 'phone-code-1' });
  },

  'code-route': async (code) => {
    const { phoneByCode } = await load('code-route', code);
    mock.client.login('alice');
    const tap = mock.client.getPhoneNumber('alice');
    assert.deepEqual(await phoneByCode(tap.code), { phoneNumber: mock.client.phoneOf('alice').phoneNumber });
    assert.deepEqual(await phoneByCode(tap.code), { error: 'TAP_AGAIN' }, 'a used code');
  },

  'encrypted-route': async (code) => {
    const { login, phoneFromTap } = await load('encrypted-route', code);
    const openid = await login(mock.client.login('bob').code);
    assert.equal(openid, mock.client.openidOf('bob'));
    const tap = mock.client.getPhoneNumber('bob');
    const phone = phoneFromTap(openid, tap.encryptedData, tap.iv);
    assert.equal(phone.phoneNumber, mock.client.phoneOf('bob').phoneNumber);
    assert.equal(phone.watermark.appid, APP_ID);
  },

  'cloud-function': async (code) => {
    let initialized;
    globalThis.readmeWxServerSdk = { ...mock.cloud, DYNAMIC_CURRENT_ENV: Symbol('env'), init: (o) => { initialized = o; } };
    // A cloud function learns its Mini Program's AppID from cloud.getWXContext(), not from a variable of ours.
    const saved = process.env.WX_APPID;
    delete process.env.WX_APPID;
    try {
      const fn = await load('cloud-function', code);
      assert.ok(initialized, 'cloud.init was called');
      mock.client.login('carol');
      const byCode = await fn.main({ code: mock.client.getPhoneNumber('carol').code });
      assert.equal(byCode.phoneNumber, mock.client.phoneOf('carol').phoneNumber);
      assert.equal(typeof byCode.countryCode, 'string');
      const { cloudID } = mock.client.getPhoneNumber('carol');
      const [phone] = (await mock.cloud.getOpenData({ list: [cloudID] })).list;
      assert.equal((await fn.main({ phone })).phoneNumber, mock.client.phoneOf('carol').phoneNumber);
      const foreign = { cloudID: 'x', data: { ...phone.data, watermark: { ...phone.data.watermark, appid: 'wxffffffffffffffff' } } };
      await assert.rejects(fn.main({ phone: foreign }), { name: 'WxOpenDataError', code: 'APPID_MISMATCH' });
      await assert.rejects(fn.main({ code: 'not-a-code' }), { name: 'WxOpenDataError', code: 'INVALID_CODE' });
      // "mock.cloud stands in for wx-server-sdk in tests, faults included": a timeout.
      mock.fault('hang', { times: 1 });
      await assert.rejects(fn.main({ code: mock.client.getPhoneNumber('carol').code }), { name: 'WxOpenDataError', code: 'WECHAT_UNAVAILABLE' });
    } finally {
      process.env.WX_APPID = saved;
    }
  },

  // The keys and numbers come from a mock speaking WeChat's API security mode;
  // the snippet's calls reach it at WeChat's address (the fetch below).
  'api-security': async (code) => {
    const secure = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, apiSecurity: true });
    const keys = secure.apiSecurity;
    const names = ['WX_SYM_KEY', 'WX_SYM_SN', 'WX_KEY_FILE', 'WX_KEY_SN', 'WX_CERT_FILE', 'WX_CERT_SN'];
    const shared = globalThis.fetch;
    globalThis.fetch = (url, init) => realFetch(String(url).replace('https://api.weixin.qq.com', secure.baseUrl), init);
    try {
      writeFileSync(join(app, 'app-key.pem'), keys.privateKey);
      writeFileSync(join(app, 'platform.pem'), keys.platformCertificate);
      Object.assign(process.env, {
        WX_SYM_KEY: keys.symmetricKey, WX_SYM_SN: keys.symmetricSn, WX_KEY_FILE: join(app, 'app-key.pem'),
        WX_KEY_SN: keys.privateKeySn, WX_CERT_FILE: join(app, 'platform.pem'), WX_CERT_SN: keys.platformCertificateSn,
      });
      const { wechat } = await load('api-security', code);
      secure.client.login('frank');
      assert.equal((await wechat.getPhoneNumber(secure.client.getPhoneNumber('frank').code)).phoneNumber, secure.client.phoneOf('frank').phoneNumber);
      assert.equal((await wechat.checkEncryptedData(secure.client.getPhoneNumber('frank').encryptedData)).valid, true);
      // "a reply is used only once its … signature … check out, UNVERIFIED_REPLY otherwise"
      secure.fault('tamperReply', { times: 1 });
      await assert.rejects(wechat.getPhoneNumber(secure.client.getPhoneNumber('frank').code), { code: 'UNVERIFIED_REPLY' });
      // "INVALID_ARGUMENT for a key that does not parse, before any code is spent": the same
      // block with a private key whose base64 body is damaged stops at ready(), having sent nothing.
      const pem = keys.privateKey.split('\n');
      pem[2] = pem[2].replace(/[A-Za-z]/g, (c) => (c === 'A' ? 'B' : 'A'));
      writeFileSync(join(app, 'app-key.pem'), pem.join('\n'));
      // (That no code is spent on such a client: tests/client/api-security.test.mjs.)
      await assert.rejects(load('api-security-bad-key', code), { name: 'WxOpenDataError', code: 'INVALID_ARGUMENT' });
    } finally {
      globalThis.fetch = shared;
      for (const name of names) delete process.env[name];
      await secure.close();
    }
  },

  errors: async (code) => {
    const { phoneOrReason } = await load('errors', code);
    mock.client.login('dave');
    const tap = mock.client.getPhoneNumber('dave');
    const { sessionKey } = await new (requireFromApp('wx-open-data').WeChatClient)({ appId: APP_ID, appSecret: APP_SECRET })
      .code2Session(mock.client.login('erin').code);
    const warned = [];
    const warn = console.warn;
    console.warn = (...args) => warned.push(args);
    try {
      const stale = phoneOrReason(sessionKey, tap.encryptedData, tap.iv); // erin's key, dave's data
      assert.deepEqual(stale, { error: 'DECRYPT_FAILED' });
      assert.deepEqual(warned, [['DECRYPT_FAILED', 'STALE_SESSION_KEY']]);
      // The session store lost the key (a restart): "log in again", as the table says, and no throw from the catch.
      assert.deepEqual(phoneOrReason(undefined, tap.encryptedData, tap.iv), { error: 'INVALID_SESSION_KEY' });
      assert.deepEqual(warned[1], ['INVALID_SESSION_KEY', 'INVALID_INPUT']);
      // The request carried no encryptedData: a bug of the caller, returned, not thrown from the catch.
      assert.deepEqual(phoneOrReason(sessionKey, undefined, tap.iv), { error: 'INVALID_ARGUMENT' });
      assert.equal(warned.length, 2);
    } finally {
      console.warn = warn;
    }
  },
};

describe('README.md', () => {
  before(async () => {
    mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET });
    process.env.WX_APPID = APP_ID;
    process.env.WX_SECRET = APP_SECRET;
    // The snippets call WeChat at its real address; here that is the mock.
    globalThis.fetch = (url, init) => realFetch(String(url).replace('https://api.weixin.qq.com', mock.baseUrl), init);
  });
  after(async () => {
    globalThis.fetch = realFetch;
    await mock.close();
  });

  const js = blocks(readme).filter((b) => b.lang === 'js');
  it('has js blocks, each tagged with a driver', () => {
    assert.ok(js.length >= 6);
    for (const b of js) assert.ok(b.tag && drivers[b.tag], `untested block:\n${b.code}`);
  });
  for (const [i, b] of js.entries()) {
    it(`runs block ${i + 1} (${b.tag}) as printed`, async () => {
      assert.ok(drivers[b.tag], `no driver for block ${i + 1}`);
      await drivers[b.tag](b.code);
    });
  }

  it('is at most 250 lines: a document for users, the rest is in docs/', () => {
    assert.ok(readme.split('\n').length - 1 <= 250, `${readme.split('\n').length - 1} lines`);
  });

  it('the error table is src/vocabulary.json', () => {
    assert.deepEqual(table('errors'), vocabulary.errors.map((r) => [`\`${r.code}\``, String(r.wxErrCode), r.handling]));
  });
  it('the diagnosis table (docs/diagnose.md) is src/vocabulary.json', () => {
    assert.deepEqual(table('causes', readFileSync(new URL('docs/diagnose.md', root), 'utf8')), vocabulary.causes.map((c) => [`\`${c.code}\``, c.meaning]));
  });
  it('the npm README is README.md', () => {
    assert.equal(readFileSync(join(pkgDir, 'README.md'), 'utf8'), readme);
  });
});
