// createRedisStore against a real redis-server started here on 127.0.0.1,
// with node-redis (6 and 4) and ioredis (6 and 5); then two Node processes
// sharing that Redis, which between them fetch the token once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { load } from './support/src.mjs';
import { APP_ID, APP_SECRET, setup, startRedis, sleep, rejectsWith } from './support/helpers.mjs';
import { LIBRARIES, connectRedis } from './support/redis-clients.mjs';

const { createRedisStore } = await load('redis-store.mjs');
const { WeChatClient } = await load('client.mjs');

let redis;
before(async () => { redis = await startRedis(); });
after(async () => { if (redis) await redis.stop(); });

for (const library of LIBRARIES) {
  test(`${library}: get, set with TTL, delete, add (SET NX), under the prefix`, async () => {
    const conn = await connectRedis(library, redis.url);
    try {
      const store = createRedisStore(conn.client, { prefix: `t-${library}:` });
      assert.equal(await store.get('k'), null);
      await store.set('k', 'v1', 1);
      assert.equal(await store.get('k'), 'v1');
      assert.equal(await store.add('k', 'v2', 60), false);
      assert.equal(await store.get('k'), 'v1');
      await store.delete('k');
      assert.equal(await store.get('k'), null);
      assert.equal(await store.add('k', 'v3', 60), true);
      assert.equal(await store.get('k'), 'v3');
      await store.set('short', 'x', 1);
      await sleep(2100);
      assert.equal(await store.get('short'), null, 'expired after its TTL');
      // The prefix really is in Redis.
      const other = createRedisStore(conn.client);
      assert.equal(await other.get('k'), null);
      assert.equal(await createRedisStore(conn.client, { prefix: '' }).get(`t-${library}:k`), 'v3');
    } finally {
      await conn.close();
    }
  });

  test(`${library}: a WeChatClient on it stores the token once for every instance`, async () => {
    const { mock, close } = await setup();
    const conns = [await connectRedis(library, redis.url), await connectRedis(library, redis.url)];
    try {
      const prefix = `fleet-${library}-${Date.now()}:`;
      const [a, b] = conns.map((c) => new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store: createRedisStore(c.client, { prefix }) }));
      mock.fault('latency', { path: '/cgi-bin/stable_token', ms: 200 });
      const tokens = await Promise.all([...Array(20)].map((_, i) => (i % 2 ? a : b).getAccessToken()));
      assert.equal(new Set(tokens).size, 1);
      assert.equal(mock.counters.stable_token, 1);
      mock.client.login('r');
      assert.equal((await b.getPhoneNumber(mock.client.getPhoneNumber('r').code)).countryCode, '86');
      assert.equal(mock.counters.stable_token, 1);
    } finally {
      for (const c of conns) await c.close();
      await close();
    }
  });
}

test('createRedisStore refuses what is not a Redis client, and unknown options', async () => {
  for (const bad of [null, {}, { get() {} }, 'redis://x']) {
    assert.throws(() => createRedisStore(bad), (e) => e.code === 'INVALID_ARGUMENT');
  }
  const fake = { sendCommand: async () => null };
  assert.throws(() => createRedisStore(fake, { prefx: 'x' }), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => createRedisStore(fake, { prefix: 5 }), (e) => e.code === 'INVALID_ARGUMENT');
});

test('errors from the store pass through unchanged (the application owns its Redis)', async () => {
  const broken = createRedisStore({ sendCommand: async () => { throw new Error('redis is down'); } });
  const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, store: broken, fetch: async () => { throw new Error('unused'); } });
  await assert.rejects(client.getAccessToken(), /redis is down/);
  await rejectsWith(client.getPhoneNumber(''), 'INVALID_ARGUMENT');
});

/** A fleet member in its own process; resolves once it printed "ready". */
function worker(baseUrl, library) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./support/redis-worker.mjs', import.meta.url)), baseUrl, redis.url, library], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const next = () => new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (c) => reject(new Error(`worker exited (${c})`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return next().then((first) => {
    assert.equal(first, 'ready');
    return { go: () => { child.stdin.write('go\n'); return next().then((l) => JSON.parse(l)); }, exited };
  });
}

for (const pair of [['redis', 'ioredis'], ['redis4', 'ioredis5']]) {
  test(`two Node processes (${pair.join(' + ')}) sharing one Redis fetch the token once between them`, async () => {
    const { mock, close } = await setup();
    try {
      // Slow enough that both ask while the first fetch is still running.
      mock.fault('latency', { path: '/cgi-bin/stable_token', ms: 300 });
      const procs = await Promise.all(pair.map((lib) => worker(mock.baseUrl, lib)));
      const answers = await Promise.all(procs.map((p) => p.go()));
      await Promise.all(procs.map((p) => p.exited));
      assert.ok(answers.every((a) => typeof a.token === 'string'), JSON.stringify(answers.map((a) => a.error || 'token')));
      assert.equal(answers[0].token, answers[1].token);
      assert.equal(mock.counters.stable_token, 1, 'token fetches from the two processes');
      // Cleanup for the next pair: same app, same default prefix.
      const conn = await connectRedis('redis', redis.url);
      await conn.client.sendCommand(['FLUSHALL']);
      await conn.close();
    } finally {
      await close();
    }
  });
}
