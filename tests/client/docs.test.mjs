// Every ```js block of docs/client.md runs here, as printed, against the built
// package (pkg/, or WX_PKG_DIR), the package's mock of WeChat and a real
// redis-server on 127.0.0.1: each block is preceded by
// `<!-- docs-test: NAME -->`, and NAME's driver below runs it and checks what
// it does. A block without a tag, or a tag without a driver, fails (the
// README's blocks are run by tests/js/readme.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { startRedis } from './support/helpers.mjs';

const root = new URL('../../', import.meta.url);
const doc = readFileSync(new URL('docs/client.md', root), 'utf8');
const pkgDir = realpathSync(process.env.WX_PKG_DIR || fileURLToPath(new URL('pkg/', root)));
const APP_ID = 'wx0123456789abcdef';
const APP_SECRET = 'docs-test-secret';

const blocks = [];
for (let m, re = /(?:<!-- docs-test: ([\w-]+) -->\n)?```(\w+)\n([\s\S]*?)```/g; (m = re.exec(doc));) {
  if (m[2] === 'js') blocks.push({ tag: m[1], code: m[3] });
}

// An app with the package and the Redis client the snippet imports.
const app = mkdtempSync(join(tmpdir(), 'wx-open-data-docs-'));
mkdirSync(join(app, 'node_modules'));
symlinkSync(pkgDir, join(app, 'node_modules', 'wx-open-data'), 'dir');
symlinkSync(fileURLToPath(new URL('node_modules/redis', import.meta.url)), join(app, 'node_modules', 'redis'), 'dir');
writeFileSync(join(app, 'package.json'), '{ "name": "docs-app", "private": true, "type": "module" }');
const load = (name, code) => {
  const file = join(app, `${name}.mjs`);
  writeFileSync(file, code);
  return import(pathToFileURL(file));
};

const { startMockWeChat } = await import(pathToFileURL(join(pkgDir, 'mock', 'index.mjs')));
let mock;
let redisServer;
const realFetch = globalThis.fetch;

before(async () => {
  mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET });
  redisServer = await startRedis();
  process.env.WX_APPID = APP_ID;
  process.env.WX_SECRET = APP_SECRET;
  process.env.REDIS_URL = redisServer.url;
  // The snippets call WeChat at its real address; here that is the mock.
  globalThis.fetch = (url, init) => realFetch(String(url).replace('https://api.weixin.qq.com', mock.baseUrl), init);
});
after(async () => {
  globalThis.fetch = realFetch;
  await mock.close();
  await redisServer.stop();
});

/**
 * The subset of aes-js (https://github.com/ricmoo/aes-js, v3) the Mini
 * Program block calls, written independently on node:crypto: CBC without
 * padding of its own (input must be whole blocks), PKCS#7 as a separate
 * step, fresh Uint8Arrays out (so `.buffer` is exactly the bytes).
 */
const aesjs = {
  utils: { utf8: { toBytes: (text) => new Uint8Array(Buffer.from(text, 'utf8')) } },
  padding: {
    pkcs7: {
      pad(data) {
        const n = 16 - (data.length % 16);
        return new Uint8Array([...data, ...new Array(n).fill(n)]);
      },
    },
  },
  ModeOfOperation: {
    cbc: class {
      constructor(key, iv) {
        assert.equal(key.length, 16);
        assert.equal(iv.length, 16);
        this.cipher = createCipheriv('aes-128-cbc', Buffer.from(key), Buffer.from(iv)).setAutoPadding(false);
      }

      encrypt(plaintext) {
        assert.equal(plaintext.length % 16, 0, 'aes-js cbc takes whole blocks');
        return new Uint8Array(this.cipher.update(Buffer.from(plaintext)));
      }
    },
  },
};

/**
 * Runs the Mini Program block as printed, for `user`, with a `wx` whose
 * getUserCryptoManager is the mock's and whose request is captured, and
 * `require('aes-js')` as above; returns the request's options.
 */
function runMiniProgram(user, data) {
  const { code } = blocks.find((b) => b.tag === 'user-key-miniprogram');
  let sent;
  const wx = {
    getUserCryptoManager: () => ({ getLatestUserKey: ({ success }) => success(mock.client.getLatestUserKey(user)) }),
    base64ToArrayBuffer: (text) => new Uint8Array(Buffer.from(text, 'base64')).buffer,
    arrayBufferToBase64: (buffer) => Buffer.from(buffer).toString('base64'),
    request: (options) => { sent = options; },
  };
  const requireShim = (name) => { assert.equal(name, 'aes-js'); return aesjs; };
  const sendEncrypted = new Function('wx', 'require', `${code}\nreturn sendEncrypted;`)(wx, requireShim);
  sendEncrypted('https://api.example.com/order', data);
  assert.ok(sent, 'the block sent a request');
  return sent;
}

const ORDER = { orderId: 'A-1001', amountFen: 1999, note: '少冰' };

const drivers = {
  // The Redis store as printed: the token it fetches is stored under the prefix, and a second client reads it without a fetch.
  'redis-store': async (code) => {
    const { redis, wechat } = await load('redis-store', code);
    try {
      const token = await wechat.getAccessToken();
      assert.equal(mock.counters.stable_token, 1);
      const keys = await redis.sendCommand(['KEYS', 'myapp:wx:*']);
      assert.ok(keys.length >= 1, `keys: ${keys}`);
      const stored = await Promise.all(keys.map((k) => redis.sendCommand(['GET', k])));
      assert.ok(stored.includes(token), 'the token is in Redis under the prefix');
      const other = await load('redis-store-2', code);
      try {
        assert.equal(await other.wechat.getAccessToken(), token);
        assert.equal(mock.counters.stable_token, 1, 'the second instance took the stored token');
      } finally {
        await other.redis.quit();
      }
    } finally {
      await redis.quit();
    }
  },
  // The Mini Program half as printed: it sends the key's version and AES-128-CBC (PKCS#7, iv = its 16 characters) of the JSON, in base64.
  'user-key-miniprogram': async () => {
    mock.client.login('mp-user');
    const { method, data } = runMiniProgram('mp-user', ORDER);
    const key = mock.client.getLatestUserKey('mp-user');
    assert.equal(method, 'POST');
    assert.equal(data.version, key.version);
    const decipher = createDecipheriv('aes-128-cbc', Buffer.from(key.encryptKey, 'base64'), Buffer.from(key.iv, 'ascii'));
    const plain = Buffer.concat([decipher.update(data.encryptedData, 'base64'), decipher.final()]).toString('utf8');
    assert.deepEqual(JSON.parse(plain), ORDER);
  },
  // The server half as printed opens what the Mini Program half sent, with the key of that version from getuserencryptkey, also after a rotation.
  'user-key-server': async (code) => {
    const { openBody } = await load('user-key-server', code);
    const { WeChatClient } = await import(pathToFileURL(join(pkgDir, 'node', 'index.mjs')));
    const wechat = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl });
    const session = await wechat.code2Session(mock.client.login('server-user').code);
    const body = runMiniProgram('server-user', ORDER).data;
    assert.deepEqual(await openBody(body, session), ORDER);
    mock.advanceTime(3600); // a new key version; the body's is still listed
    assert.deepEqual(await openBody(body, session), ORDER);
    await assert.rejects(openBody({ ...body, version: body.version + 7 }, session), /unknown key version/);
  },
  // The mock's walk-through as printed: every call it shows exists and succeeds.
  mock: async (code) => {
    await load('mock', code);
  },
};

test('docs/client.md: every js block is tagged with a driver', () => {
  assert.ok(blocks.length >= 2);
  for (const b of blocks) assert.ok(b.tag && drivers[b.tag], `untested block:\n${b.code}`);
});

for (const [i, b] of blocks.entries()) {
  test(`docs/client.md: block ${i + 1} (${b.tag}) runs as printed`, async () => {
    assert.ok(drivers[b.tag], `no driver for block ${i + 1}`);
    await drivers[b.tag](b.code);
  });
}
