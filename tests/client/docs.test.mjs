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
