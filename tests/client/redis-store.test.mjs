// createRedisStore against a real redis-server started here on 127.0.0.1,
// with node-redis (6 and 4) and ioredis (6 and 5): its operations, the lock's
// compare-and-delete, a Redis that refuses writes (OOM); then two Node
// processes sharing that Redis, which between them fetch the token once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { load } from './support/src.mjs';
import { APP_ID, APP_SECRET, setup, startRedis, sleep, rejectsWith, assertNoSecrets } from './support/helpers.mjs';
import { LIBRARIES, connectRedis } from './support/redis-clients.mjs';

const { createRedisStore } = await load('redis-store.mjs');
const { WeChatClient } = await load('client.mjs');

let redis;

/** Resolves once `cond()` holds (polled every 10 ms, at most 5 s). */
async function until(cond) {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), 'condition not reached within 5 s');
}
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

  test(`${library}: deleteIf deletes the key only while it holds the value (compare-and-delete)`, async () => {
    const conn = await connectRedis(library, redis.url);
    try {
      const store = createRedisStore(conn.client, { prefix: `cad-${library}:` });
      assert.equal(await store.deleteIf('lock', 'a'), false, 'absent');
      assert.equal(await store.add('lock', 'a', 60), true);
      assert.equal(await store.deleteIf('lock', 'b'), false);
      assert.equal(await store.get('lock'), 'a');
      assert.equal(await store.deleteIf('lock', 'a'), true);
      assert.equal(await store.get('lock'), null);
    } finally {
      await conn.close();
    }
  });

  test(`${library}: a slow lock holder never releases the next holder's lock`, async () => {
    const { mock, close } = await setup();
    const conns = [await connectRedis(library, redis.url), await connectRedis(library, redis.url)];
    try {
      const prefix = `handover-${library}-${Date.now()}:`;
      const lockKey = `${APP_ID}:stable_token:lock`;
      const stores = conns.map((c) => createRedisStore(c.client, { prefix }));
      const [slow, next] = stores.map((store) => new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, timeoutMs: 3000 }));
      mock.fault('latency', { path: '/cgi-bin/stable_token', ms: 500, times: 1 });
      const first = slow.getAccessToken();
      await until(() => mock.counters.stable_token === 1); // the slow holder is fetching
      const held = await stores[0].get(lockKey);
      assert.equal(typeof held, 'string');
      await stores[0].delete(lockKey); // as if it lapsed while the holder was still fetching
      mock.fault('latency', { path: '/cgi-bin/stable_token', ms: 1500, times: 1 }); // the next holder fetches longer still
      const second = next.getAccessToken();
      await until(() => mock.counters.stable_token === 2); // the next holder is fetching, under the lock
      const nextHeld = await stores[0].get(lockKey);
      assert.ok(nextHeld !== null && nextHeld !== held, 'the next instance holds the lock');
      await first;
      await sleep(50);
      assert.equal(await stores[0].get(lockKey), nextHeld, "the slow holder left the next holder's lock alone");
      await second;
      await sleep(50);
      assert.equal(await stores[0].get(lockKey), null, 'its holder released it');
    } finally {
      for (const c of conns) await c.close();
      await close();
    }
  });

  test(`${library}: a Redis that refuses writes (OOM): the token is still returned, a force is STORE_UNAVAILABLE, no secret anywhere`, async () => {
    const { mock, close } = await setup();
    const conn = await connectRedis(library, redis.url);
    const admin = await connectRedis('redis', redis.url);
    try {
      const store = createRedisStore(conn.client, { prefix: `oom-${library}-${Date.now()}:` });
      const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store });
      await admin.client.sendCommand(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
      await admin.client.sendCommand(['CONFIG', 'SET', 'maxmemory', '1']);
      // What the raw client throws: the refused command, token and all.
      const raw = await store.set('probe', 'tok_probe_value_0123456789', 60).then(() => null, (e) => e);
      assert.ok(raw && /^OOM/.test(raw.message), 'Redis refuses writes');
      const token = await client.getAccessToken();
      assert.ok(mock.issuedSecrets().includes(token));
      assert.equal(await client.getAccessToken(), token, 'kept in the process');
      assert.equal(mock.counters.stable_token, 1);
      mock.client.login('oom');
      assert.equal((await client.getPhoneNumber(mock.client.getPhoneNumber('oom').code)).countryCode, '86');
      const e = await rejectsWith(client.getAccessToken({ forceRefresh: true }), 'STORE_UNAVAILABLE', [APP_SECRET, ...mock.issuedSecrets()]);
      assert.match(e.message, /store\.set failed \(ReplyError.* OOM\)|store\.set failed \(.*OOM\)/);
      assertNoSecrets(e, [token, APP_SECRET]);
      assert.equal(mock.counters.stable_token_forced, 0);
    } finally {
      await admin.client.sendCommand(['CONFIG', 'SET', 'maxmemory', '0']);
      await admin.close();
      await conn.close();
      await close();
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

test('a store error is STORE_UNAVAILABLE naming the operation, never quoting the error (it may hold the token)', async () => {
  const token = `tok_${'z'.repeat(40)}`;
  const broken = createRedisStore({ sendCommand: async (args) => { throw Object.assign(new Error(`redis is down ${args.join(' ')} ${token}`), { args }); } });
  const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, store: broken, tokenEndpoint: 'token', fetch: async () => { throw new Error('unused'); } });
  const e = await rejectsWith(client.getAccessToken(), 'STORE_UNAVAILABLE', [APP_SECRET, token, 'redis is down']);
  assert.match(e.message, /store\.get failed \(Error\)/);
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
