// A token store that fails, refuses writes or never answers: every failure is
// a STORE_UNAVAILABLE without a secret (the store's own error, which can hold
// the key and the token, is never chained or quoted), a stable_token client
// fetches directly where that is safe, every store call is bounded by the
// call's deadline (timeoutMs), and a lock release never decides a result.
// The same against a real redis-server: tests/client/redis-store.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './support/src.mjs';
import { APP_ID, APP_SECRET, setup, rejectsWith, assertNoSecrets } from './support/helpers.mjs';

const { MemoryStore } = await load('client.mjs');

/** Like ioredis's ReplyError: the refused command's arguments (key and value: the token) ride along. */
class ReplyError extends Error {
  constructor(message, args) {
    super(message);
    this.command = { name: 'set', args };
    this.args = args;
    this.cause = new Error(`while running ${args.join(' ')}`);
  }
}
Object.defineProperty(ReplyError.prototype, 'name', { value: 'ReplyError' });

/**
 * A MemoryStore whose operations fail as `plan(op, key)` says: 'throw' (an
 * error carrying `secrets()` in its message, args and cause), 'hang' (never
 * settles), undefined (works). `calls` counts each operation.
 */
function faultyStore(plan, secrets = () => []) {
  const inner = new MemoryStore();
  const calls = { get: 0, set: 0, delete: 0, add: 0, deleteIf: 0 };
  const store = {};
  for (const op of Object.keys(calls)) {
    store[op] = (...args) => {
      calls[op] += 1;
      const what = plan(op, args[0]);
      if (what === 'hang') return new Promise(() => {});
      if (what === 'throw') {
        const leak = [...args.map(String), ...secrets()];
        return Promise.reject(new ReplyError(`OOM command not allowed when used memory > 'maxmemory'. ${leak.join(' ')}`, leak));
      }
      return inner[op](...args);
    };
  }
  return { store, calls, inner };
}

const secretsOf = (mock, ...more) => [APP_SECRET, ...mock.issuedSecrets(), ...more];

test('a store whose set throws (secrets in the error): the fetched token is returned, kept in the process, and not fetched again', async () => {
  const { mock, close } = await setup();
  try {
    const { store, calls } = faultyStore((op) => (op === 'set' ? 'throw' : undefined), () => mock.issuedSecrets());
    const { WeChatClient } = await load('client.mjs');
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store });
    const token = await client.getAccessToken();
    assert.equal(typeof token, 'string');
    assert.ok(mock.issuedSecrets().includes(token));
    assert.equal(await client.getAccessToken(), token);
    mock.client.login('sa');
    assert.equal((await client.getPhoneNumber(mock.client.getPhoneNumber('sa').code)).countryCode, '86');
    assert.equal(mock.counters.stable_token, 1, 'the process kept the token the store refused');
    assert.ok(calls.set >= 1);
  } finally {
    await close();
  }
});

test('a store whose get throws: stable_token fetches directly and the call succeeds; tokenEndpoint token is STORE_UNAVAILABLE without a secret', async () => {
  const { mock, close } = await setup();
  try {
    const { WeChatClient } = await load('client.mjs');
    let broken = false;
    const { store } = faultyStore((op) => (broken && op === 'get' ? 'throw' : undefined), () => mock.issuedSecrets());
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store });
    const before = await client.getAccessToken();
    broken = true;
    mock.client.login('sb');
    assert.equal((await client.getPhoneNumber(mock.client.getPhoneNumber('sb').code)).countryCode, '86');
    assert.equal(await client.getAccessToken(), before, 'stable_token hands back the same token');

    // /cgi-bin/token: a fetch would invalidate the token the rest of the fleet holds.
    const tokenStore = faultyStore((op) => (broken && op === 'get' ? 'throw' : undefined), () => mock.issuedSecrets());
    const viaToken = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store: tokenStore.store, tokenEndpoint: 'token' });
    broken = false;
    const t = await viaToken.getAccessToken();
    await tokenStore.inner.set(`${APP_ID}:token`, t, 60); // the store holds it; reading it fails
    const fetched = mock.counters.token;
    broken = true;
    const fresh = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store: tokenStore.store, tokenEndpoint: 'token' });
    const e = await rejectsWith(fresh.getAccessToken(), 'STORE_UNAVAILABLE', secretsOf(mock, t));
    assert.match(e.message, /store\.get failed \(ReplyError OOM\)/);
    assert.equal(e.errcode, null);
    assert.equal(e.cause, undefined, 'the store error is never chained');
    assert.equal(mock.counters.token, fetched, 'no /cgi-bin/token fetch without the store');
  } finally {
    await close();
  }
});

test('a store whose add (the fleet lock) throws: stable_token fetches directly', async () => {
  const { mock, close } = await setup();
  try {
    const { WeChatClient } = await load('client.mjs');
    const { store } = faultyStore((op) => (op === 'add' ? 'throw' : undefined), () => mock.issuedSecrets());
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store });
    const tokens = await Promise.all([client.getAccessToken(), client.getAccessToken()]);
    assert.equal(tokens[0], tokens[1]);
    assert.equal(mock.counters.stable_token, 1);
  } finally {
    await close();
  }
});

test('a failed lock release never hides the result: deleteIf and delete throwing, deleteIf hanging', async () => {
  const { mock, close } = await setup();
  try {
    const { WeChatClient } = await load('client.mjs');
    for (const how of ['throw', 'hang']) {
      const { store, calls } = faultyStore((op) => (op === 'delete' || op === 'deleteIf' ? how : undefined), () => mock.issuedSecrets());
      const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, timeoutMs: 2000 });
      const started = Date.now();
      assert.equal(typeof (await client.getAccessToken()), 'string', how);
      assert.ok(Date.now() - started < 1000, `${how}: the release is not waited for`);
      assert.equal(calls.deleteIf, 1, 'the lock is released with deleteIf');
      assert.equal(calls.delete, 0, 'never with an unconditional delete');
    }
  } finally {
    await close();
  }
});

test('a store without deleteIf: the lock is never deleted (it lapses by its TTL), and fetches still happen once', async () => {
  const { mock, close } = await setup();
  try {
    const { WeChatClient } = await load('client.mjs');
    const inner = new MemoryStore();
    let deletes = 0;
    const store = { get: inner.get, set: inner.set, add: inner.add, delete: async (k) => { deletes += 1; return inner.delete(k); } };
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, timeoutMs: 1000 });
    mock.fault('latency', { path: '/cgi-bin/stable_token', ms: 100 });
    const tokens = await Promise.all(Array.from({ length: 5 }, () => client.getAccessToken()));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(deletes, 0);
    assert.notEqual(await inner.get(`${APP_ID}:stable_token:lock`), null, 'still held until its TTL');
    assert.equal(mock.counters.stable_token, 1);
  } finally {
    await close();
  }
});

test('forced refresh with a store that cannot be read or written: STORE_UNAVAILABLE (a force the fleet cannot count), no secret', async () => {
  const { mock, close } = await setup();
  try {
    const { WeChatClient } = await load('client.mjs');
    for (const failOp of ['get', 'set']) {
      const { store } = faultyStore((op, key) => (op === failOp && key.endsWith(':forced') ? 'throw' : undefined), () => mock.issuedSecrets());
      const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store });
      await client.getAccessToken();
      const e = await rejectsWith(client.getAccessToken({ forceRefresh: true }), 'STORE_UNAVAILABLE', secretsOf(mock));
      assert.match(e.message, new RegExp(`store\\.${failOp} failed`));
    }
    assert.equal(mock.counters.stable_token_forced, 0);
  } finally {
    await close();
  }
});

test('a store error names only the class, the code and a Redis prefix; a throwing getter or a thrown string is "an error"', async () => {
  const { mock, close } = await setup();
  try {
    const { WeChatClient } = await load('client.mjs');
    const secret = mock.issuedSecrets()[0];
    const odd = [
      Object.assign(new Error(`READONLY You can't write against a read only replica. ${APP_SECRET}`), { code: 'ERR_REDIS' }),
      `a string with ${APP_SECRET}`,
      new Proxy({}, { get() { throw new Error(APP_SECRET); } }),
      Object.assign(new Error('x'), { name: APP_SECRET }),
    ];
    const seen = [];
    for (const thrown of odd) {
      const store = { get: async () => { throw thrown; }, set: async () => {}, delete: async () => {} };
      const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, tokenEndpoint: 'token' });
      const e = await rejectsWith(client.getAccessToken(), 'STORE_UNAVAILABLE', [APP_SECRET, secret]);
      seen.push(/failed \((.*)\)/.exec(e.message)[1]);
    }
    assert.deepEqual(seen, ['Error ERR_REDIS READONLY', 'an error', 'an error', 'an error']);
  } finally {
    await close();
  }
});

test('a store whose get never settles (node-redis offline queue): getPhoneNumber still answers within timeoutMs, from a direct fetch', async () => {
  const { mock, close } = await setup();
  try {
    const { WeChatClient } = await load('client.mjs');
    const { store, calls } = faultyStore((op) => (op === 'get' ? 'hang' : undefined));
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, timeoutMs: 2000 });
    mock.client.login('hg');
    const started = Date.now();
    const info = await client.getPhoneNumber(mock.client.getPhoneNumber('hg').code);
    const took = Date.now() - started;
    assert.equal(info.phoneNumber, mock.client.phoneOf('hg').phoneNumber);
    assert.ok(took >= 950 && took < 2000, `${took} ms: half of timeoutMs for the store, then WeChat`);
    assert.equal(mock.counters.stable_token, 1);
    assert.deepEqual([calls.get, calls.add, calls.set], [1, 0, 0], 'after its first failure the call leaves the store alone');

    // tokenEndpoint token cannot bypass the store: STORE_UNAVAILABLE, also within timeoutMs.
    const viaToken = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, timeoutMs: 1000, tokenEndpoint: 'token' });
    const t0 = Date.now();
    const e = await rejectsWith(viaToken.getAccessToken(), 'STORE_UNAVAILABLE', secretsOf(mock));
    assert.match(e.message, /store\.get did not answer within (49\d|500) ms/);
    assert.ok(Date.now() - t0 < 1000);
  } finally {
    await close();
  }
});

test('after a store timeout the next calls skip the store for timeoutMs (the token this process holds serves them), then ask it again', async () => {
  const { mock, close } = await setup();
  try {
    const { WeChatClient } = await load('client.mjs');
    const { store, calls } = faultyStore((op) => (op === 'get' ? 'hang' : undefined));
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, timeoutMs: 1000 });
    const first = await client.getAccessToken();
    assert.equal(calls.get, 1);
    const started = Date.now();
    for (const name of ['q1', 'q2', 'q3']) {
      mock.client.login(name);
      await client.getPhoneNumber(mock.client.getPhoneNumber(name).code);
    }
    // Waiting on the store would cost half of timeoutMs (500 ms) per call, so
    // three calls under 1500 ms means none waited; calls.get below is the exact check.
    assert.ok(Date.now() - started < 1500, `${Date.now() - started} ms: no call waited on the store`);
    assert.equal(calls.get, 1, 'the store was left alone');
    assert.equal(mock.counters.stable_token, 1, 'nor was the token fetched again');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await client.getAccessToken(), first);
    assert.equal(calls.get, 2, 'asked again after timeoutMs');
  } finally {
    await close();
  }
});

test('a store whose set, add or forced-count get never settles: every call ends within timeoutMs', async () => {
  const { mock, close } = await setup();
  try {
    const { WeChatClient } = await load('client.mjs');
    for (const [hung, expect] of [['set', 'token'], ['add', 'token'], ['get:forced', 'STORE_UNAVAILABLE']]) {
      const [op, only] = hung.split(':');
      const { store } = faultyStore((o, key) => (o === op && (!only || key.endsWith(`:${only}`)) ? 'hang' : undefined));
      const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, timeoutMs: 600 });
      const started = Date.now();
      if (expect === 'token') assert.equal(typeof (await client.getAccessToken()), 'string', hung);
      else await rejectsWith(client.getAccessToken({ forceRefresh: true }), expect, secretsOf(mock));
      // Bounded by timeoutMs (600), not by the store (never) or the default
      // timeoutMs (10 s): the margin is for timers running late on a busy machine.
      assert.ok(Date.now() - started < 1500, `${hung}: ${Date.now() - started} ms (timeoutMs 600)`);
    }
  } finally {
    await close();
  }
});

test('another instance holding the lock for ever: the wait takes half of timeoutMs, then this instance fetches', async () => {
  const { mock, close } = await setup();
  try {
    const { WeChatClient } = await load('client.mjs');
    const store = new MemoryStore();
    await store.add(`${APP_ID}:stable_token:lock`, 'someone else', 3600);
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, timeoutMs: 2000 });
    const started = Date.now();
    assert.equal(typeof (await client.getAccessToken()), 'string');
    const took = Date.now() - started;
    assert.ok(took >= 950 && took < 2000, `${took} ms`);
    assert.equal(await store.get(`${APP_ID}:stable_token:lock`), 'someone else', 'not ours: never released');
  } finally {
    await close();
  }
});

test('timeoutMs bounds the whole call: a slow token fetch and a slow API call that each fit, but not together, are WECHAT_UNAVAILABLE at timeoutMs', async () => {
  const { mock, close } = await setup();
  try {
    const { WeChatClient } = await load('client.mjs');
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, timeoutMs: 1000 });
    mock.fault('latency', { ms: 600 });
    const s = await client.code2Session(mock.client.login('tw').code);
    const started = Date.now();
    const e = await rejectsWith(client.checkSessionKey(s.openid, s.sessionKey), 'WECHAT_UNAVAILABLE', [...secretsOf(mock), s.sessionKey]);
    const took = Date.now() - started;
    assert.match(e.message, /did not answer within 1000 ms \(timeoutMs, counted from the start of the call\)/);
    // The message above proves the deadline fired (unbounded, both 600 ms
    // requests would finish and the call succeed); this only checks it fired at
    // timeoutMs and not early, with room for a busy machine's late timers.
    assert.ok(took >= 950 && took < 1900, `${took} ms`);
  } finally {
    await close();
  }
});

test('with no time left, the call carrying the phone code is not sent: the code stays usable', async () => {
  const { mock, close } = await setup();
  const realNow = Date.now;
  try {
    const { WeChatClient } = await load('client.mjs');
    const inner = new MemoryStore();
    // A store read that (by the wall clock) takes the whole timeoutMs.
    const store = { ...Object.fromEntries(['set', 'add', 'delete', 'deleteIf'].map((m) => [m, inner[m]])), get: async (k) => { const v = await inner.get(k); Date.now = () => realNow() + 5000; return v; } };
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, timeoutMs: 2000 });
    await inner.set(`${APP_ID}:stable_token`, await new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl }).getAccessToken(), 600);
    mock.client.login('nt');
    const code = mock.client.getPhoneNumber('nt').code;
    const e = await rejectsWith(client.getPhoneNumber(code), 'WECHAT_UNAVAILABLE', [...secretsOf(mock), code]);
    assert.match(e.message, /was not sent: timeoutMs ran out/);
    assert.equal(mock.counters.getuserphonenumber, 0);
    Date.now = realNow;
    const other = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl });
    assert.equal((await other.getPhoneNumber(code)).phoneNumber, mock.client.phoneOf('nt').phoneNumber);
  } finally {
    Date.now = realNow;
    await close();
  }
});

test("the secret scan finds a token in a ReplyError's args (so the scans above can fail)", () => {
  const e = new ReplyError('OOM command not allowed', ['wx-open-data:k', 'tok_abcdefgh123', 'EX', '6900']);
  assert.throws(() => assertNoSecrets(e, ['tok_abcdefgh123']));
});
