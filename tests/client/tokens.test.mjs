// Access-token handling: one fetch in flight, stable_token first, the retry
// after a token error, forced refreshes only when WeChat hands back the failing
// token and only within its limits, and /cgi-bin/token as an option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './support/src.mjs';
import { APP_ID, APP_SECRET, setup, rejectsWith } from './support/helpers.mjs';

const { MemoryStore } = await load('client.mjs');

/** Resolves once `cond()` holds (polled every 10 ms, at most 5 s). */
async function until(cond) {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), 'condition not reached within 5 s');
}

test('200 concurrent getPhoneNumber calls: exactly one token fetch, 200 phone numbers', async () => {
  const { mock, client, close } = await setup();
  try {
    // Slow token endpoint, so every call is waiting while the one fetch runs.
    mock.fault('latency', { path: '/cgi-bin/stable_token', ms: 200 });
    const codes = [];
    for (let i = 0; i < 200; i++) {
      mock.client.login(`u${i}`);
      codes.push(mock.client.getPhoneNumber(`u${i}`).code);
    }
    const infos = await Promise.all(codes.map((c) => client.getPhoneNumber(c)));
    assert.equal(infos.length, 200);
    assert.equal(new Set(infos.map((i) => i.phoneNumber)).size, 200);
    assert.equal(mock.counters.stable_token, 1, 'token fetches');
    assert.equal(mock.counters.getuserphonenumber, 200);
  } finally {
    await close();
  }
});

test('a 40001 in the middle of traffic: one token refresh, no failed user call', async () => {
  const { mock, client, close } = await setup();
  try {
    const call = (i) => {
      mock.client.login(`t${i}`);
      return client.getPhoneNumber(mock.client.getPhoneNumber(`t${i}`).code);
    };
    await Promise.all(Array.from({ length: 50 }, (_, i) => call(i)));
    assert.equal(mock.counters.stable_token, 1);
    mock.fault('latency', { path: '/wxa/business/getuserphonenumber', ms: 50, times: 100 });
    const wave = Array.from({ length: 100 }, (_, i) => call(100 + i));
    // WeChat revokes the token while the calls are in flight.
    await new Promise((r) => setTimeout(r, 10));
    mock.invalidateAccessTokens();
    const infos = await Promise.all(wave);
    assert.equal(infos.length, 100);
    assert.equal(mock.counters.stable_token, 2, 'one refresh');
    assert.equal(mock.counters.stable_token_forced, 0, 'WeChat handed out a new token: no force needed');
  } finally {
    await close();
  }
});

test('a phone code survives a token error: the retry with a fresh token uses the same code and succeeds', async () => {
  const { mock, client, close } = await setup();
  try {
    await client.getAccessToken();
    mock.invalidateAccessTokens();
    mock.client.login('gina');
    const info = await client.getPhoneNumber(mock.client.getPhoneNumber('gina').code);
    assert.equal(info.phoneNumber, mock.client.phoneOf('gina').phoneNumber);
    assert.equal(mock.counters.getuserphonenumber, 2, 'the call and its one retry');
  } finally {
    await close();
  }
});

test('a stored token WeChat no longer accepts (42001 while cached): forgotten, refetched once, call retried', async () => {
  let nowMs = Date.now();
  const store = new MemoryStore({ now: () => nowMs });
  const { mock, client, close } = await setup({ clientOptions: { store, now: () => nowMs } });
  try {
    await client.getAccessToken();
    // Keep the client's clock still while WeChat's moves on: its cache is stale.
    mock.advanceTime(7201);
    const s = await client.code2Session(mock.client.login('ivy').code);
    assert.equal(await client.checkSessionKey(s.openid, s.sessionKey), true);
    assert.equal(mock.counters.stable_token, 2);
    assert.equal(mock.counters.checksession, 2, 'the failed call and its one retry');
  } finally {
    await close();
  }
});

test('WeChat hands back the failing token: one forced refresh, then no more within 30 s (RATE_LIMITED), and the user call is not retried again', async () => {
  let nowMs = Date.now();
  const { mock, client, close } = await setup({ clientOptions: { now: () => nowMs } });
  try {
    const s = await client.code2Session(mock.client.login('jo').code);
    await client.getAccessToken();
    mock.breakStableToken();
    assert.equal(await client.checkSessionKey(s.openid, s.sessionKey), true);
    assert.equal(mock.counters.stable_token_forced, 1, 'forced once');
    assert.equal(mock.counters.stable_token, 3, 'initial, the plain refetch that returned the same token, the forced one');

    mock.breakStableToken();
    nowMs += 10 * 1000; // 10 s later: a second force would break WeChat's 30 s rule
    const e = await rejectsWith(client.checkSessionKey(s.openid, s.sessionKey), 'RATE_LIMITED', mock.issuedSecrets());
    assert.equal(e.errcode, 40001);
    assert.equal(mock.counters.stable_token_forced, 1, 'no second force within 30 s');

    nowMs += 30 * 1000;
    mock.advanceTime(40);
    assert.equal(await client.checkSessionKey(s.openid, s.sessionKey), true);
    assert.equal(mock.counters.stable_token_forced, 2);
  } finally {
    await close();
  }
});

test('forced refreshes: at most 20 in 24 hours, 30 s apart, counted in the store (a fleet shares the count)', async () => {
  let nowMs = Date.now();
  const store = new MemoryStore({ now: () => nowMs });
  const { mock, client, WeChatClient, close } = await setup({ clientOptions: { store, now: () => nowMs } });
  try {
    const other = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, now: () => nowMs });
    const seen = new Set();
    for (let i = 0; i < 20; i++) {
      seen.add(await (i % 2 ? other : client).getAccessToken({ forceRefresh: true }));
      await rejectsWith((i % 2 ? client : other).getAccessToken({ forceRefresh: true }), 'RATE_LIMITED', mock.issuedSecrets());
      nowMs += 31 * 1000;
      mock.advanceTime(31);
    }
    assert.equal(seen.size, 20);
    await rejectsWith(client.getAccessToken({ forceRefresh: true }), 'RATE_LIMITED', mock.issuedSecrets());
    assert.equal(mock.counters.stable_token_forced, 20);
    nowMs += 24 * 3600 * 1000;
    mock.advanceTime(24 * 3600);
    assert.equal(typeof (await other.getAccessToken({ forceRefresh: true })), 'string');
  } finally {
    await close();
  }
});

test('stable_token: repeated plain fetches return the same token; a forced one overlaps the old for 5 minutes', async () => {
  const { mock, client, WeChatClient, close } = await setup();
  try {
    const other = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl });
    const a = await client.getAccessToken();
    assert.equal(await other.getAccessToken(), a, 'a second instance (own store) gets the same token');
    const s = await client.code2Session(mock.client.login('kim').code);
    const b = await other.getAccessToken({ forceRefresh: true });
    assert.notEqual(a, b);
    // The first instance still holds a: valid 5 more minutes, no error, no refetch.
    assert.equal(await client.checkSessionKey(s.openid, s.sessionKey), true);
    assert.equal(mock.counters.stable_token, 3);
    mock.advanceTime(301);
    // Now a is gone: one plain refetch brings b.
    assert.equal(await client.checkSessionKey(s.openid, s.sessionKey), true);
    assert.equal(await client.getAccessToken(), b);
    assert.equal(mock.counters.stable_token_forced, 1);
  } finally {
    await close();
  }
});

test("tokenEndpoint 'token': /cgi-bin/token, concurrent callers share one fetch, a 40001 (another instance fetched) refetches and retries", async () => {
  const { mock, client, WeChatClient, close } = await setup({ clientOptions: { tokenEndpoint: 'token' } });
  try {
    mock.fault('latency', { path: '/cgi-bin/token', ms: 100 });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.getAccessToken()));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(mock.counters.token, 1);
    assert.equal(mock.counters.stable_token, 0);
    mock.clearFaults();
    // Another instance with its own store fetches: ours is invalidated.
    const other = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, tokenEndpoint: 'token' });
    await other.getAccessToken();
    mock.client.login('lee');
    const info = await client.getPhoneNumber(mock.client.getPhoneNumber('lee').code);
    assert.equal(info.countryCode, '86');
    assert.equal(mock.counters.token, 3);
  } finally {
    await close();
  }
});

test('a token error on the retry too is final: WECHAT_API_ERROR with its errcode, two calls in all', async () => {
  let calls = 0;
  const fetch = async (url) => {
    const u = new URL(url);
    let body;
    if (u.pathname === '/cgi-bin/stable_token') body = { access_token: `tok_${'x'.repeat(20)}_${calls}`, expires_in: 7200 };
    else {
      calls += 1;
      body = { errcode: 40001, errmsg: 'invalid credential rid: 0000aaaa-1111bbbb-2222cccc' };
    }
    return { status: 200, text: async () => JSON.stringify(body) };
  };
  const { WeChatClient } = await load('client.mjs');
  const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, fetch });
  const e = await rejectsWith(client.getPhoneNumber('code123'), 'WECHAT_API_ERROR', [APP_SECRET, 'code123', `tok_${'x'.repeat(20)}`]);
  assert.equal(e.errcode, 40001);
  assert.equal(e.rid, '0000aaaa-1111bbbb-2222cccc');
  assert.equal(calls, 2);
});

test('a failed token fetch reaches every waiting caller and the next call tries again', async () => {
  const { mock, client, close } = await setup();
  try {
    mock.fault('busy', { path: '/cgi-bin/stable_token', times: 1 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => client.getAccessToken()));
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason.code === 'WECHAT_UNAVAILABLE'));
    assert.equal(mock.counters.stable_token, 1);
    assert.equal(typeof (await client.getAccessToken()), 'string');
    assert.equal(mock.counters.stable_token, 2);
  } finally {
    await close();
  }
});

/** A MemoryStore whose every operation takes `ms` (a store over the network). */
function slowStore(ms, now) {
  const inner = new MemoryStore({ now });
  const store = {};
  for (const op of ['get', 'set', 'delete', 'add', 'deleteIf']) {
    store[op] = async (...args) => {
      await new Promise((r) => setTimeout(r, ms));
      return inner[op](...args);
    };
  }
  return store;
}

test('a 40001 storm (WeChat hands back the failing token) with a 5 ms store: 30 concurrent calls, no failure, exactly one forced refresh, round after round', async () => {
  let nowMs = Date.now();
  const store = slowStore(5, () => nowMs);
  const { mock, client, close } = await setup({ clientOptions: { store, now: () => nowMs } });
  try {
    await client.getAccessToken();
    for (let round = 1; round <= 4; round++) {
      mock.breakStableToken();
      const calls = Array.from({ length: 30 }, (_, i) => {
        const user = `storm${round}-${i}`;
        mock.client.login(user);
        return client.getPhoneNumber(mock.client.getPhoneNumber(user).code);
      });
      const results = await Promise.allSettled(calls);
      const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason.code);
      assert.deepEqual(failures, [], `round ${round}`);
      assert.equal(mock.counters.stable_token_forced, round, `round ${round}: one forced refresh`);
      nowMs += 31 * 1000;
      mock.advanceTime(31);
    }
  } finally {
    await close();
  }
});

test('expires_in: a numeric string is read as seconds; 0, negative, null, absent or not a number is kept only briefly', async () => {
  const cases = [[7200, 6900], ['7200', 6900], ['3600', 3300], [600, 300], [0, 60], [-5, 60], [null, 60], [undefined, 60], ['abc', 60], ['', 60], [true, 60]];
  const { WeChatClient } = await load('client.mjs');
  for (const [expiresIn, ttl] of cases) {
    const sets = [];
    const inner = new MemoryStore();
    const store = { get: inner.get, delete: inner.delete, set: async (k, v, t) => { sets.push(t); return inner.set(k, v, t); } };
    const fetch = async () => ({ status: 200, text: async () => JSON.stringify({ access_token: `tok_${'y'.repeat(30)}`, expires_in: expiresIn }) });
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, fetch, store });
    await client.getAccessToken();
    assert.deepEqual(sets, [ttl], `expires_in ${JSON.stringify(expiresIn)}`);
  }
});

test('a clock an hour fast on one instance does not block the fleet\'s forced refreshes', async () => {
  let nowMs = Date.now();
  const store = new MemoryStore({ now: () => nowMs });
  const { mock, client, WeChatClient, close } = await setup({ clientOptions: { store, now: () => nowMs } });
  try {
    const fast = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, now: () => nowMs + 3600 * 1000 });
    const a = await fast.getAccessToken({ forceRefresh: true });
    nowMs += 31 * 1000;
    mock.advanceTime(31);
    const b = await client.getAccessToken({ forceRefresh: true });
    assert.notEqual(a, b);
    assert.equal(mock.counters.stable_token_forced, 2);
    // The 30 s rule still holds between instances whose clocks agree.
    await rejectsWith(client.getAccessToken({ forceRefresh: true }), 'RATE_LIMITED', mock.issuedSecrets());
  } finally {
    await close();
  }
});

test('a slow lock holder never releases the next holder\'s lock (MemoryStore, deleteIf)', async () => {
  let nowMs = Date.now();
  const store = new MemoryStore({ now: () => nowMs });
  const { mock, client, WeChatClient, close } = await setup({ clientOptions: { store, now: () => nowMs, timeoutMs: 3000 } });
  try {
    const lockKey = `${APP_ID}:stable_token:lock`;
    const next = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, now: () => nowMs, timeoutMs: 3000 });
    mock.fault('latency', { path: '/cgi-bin/stable_token', ms: 500, times: 1 });
    const slow = client.getAccessToken();
    await until(() => mock.counters.stable_token === 1); // the slow holder is fetching
    const held = await store.get(lockKey);
    assert.equal(typeof held, 'string');
    nowMs += 10 * 1000; // the slow holder's lock lapses
    mock.fault('latency', { path: '/cgi-bin/stable_token', ms: 1500, times: 1 }); // the next holder fetches longer still
    const second = next.getAccessToken();
    await until(() => mock.counters.stable_token === 2); // the next holder is fetching, under the lock
    const nextHeld = await store.get(lockKey);
    assert.ok(nextHeld !== null && nextHeld !== held, 'the next instance holds the lock');
    await slow;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await store.get(lockKey), nextHeld, 'the slow holder left the next holder\'s lock alone');
    await second;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await store.get(lockKey), null, 'its holder released it');
  } finally {
    await close();
  }
});

test('MemoryStore deleteIf deletes only the value it is given', async () => {
  let nowMs = Date.UTC(2026, 0, 1);
  const store = new MemoryStore({ now: () => nowMs });
  assert.equal(await store.add('k', 'a', 1), true);
  assert.equal(await store.deleteIf('k', 'b'), false);
  assert.equal(await store.get('k'), 'a');
  nowMs += 1000;
  assert.equal(await store.deleteIf('k', 'a'), false, 'lapsed: nothing to delete');
  assert.equal(await store.add('k', 'b', 60), true);
  assert.equal(await store.deleteIf('k', 'a'), false);
  assert.equal(await store.deleteIf('k', 'b'), true);
  assert.equal(await store.get('k'), null);
});

test('a force refused because another instance has just forced one: its stored token is used, no RATE_LIMITED', async () => {
  const inner = new MemoryStore();
  const forcedKey = `${APP_ID}:stable_token:forced`;
  const { mock, WeChatClient, close } = await setup();
  try {
    // Another instance of the fleet (its own process, so its own state) forces
    // a refresh just as this one looks at the count of forced refreshes.
    const elsewhere = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl });
    let raced = false;
    const store = {
      ...Object.fromEntries(['set', 'delete', 'add', 'deleteIf'].map((m) => [m, inner[m]])),
      get: async (key) => {
        if (key === forcedKey && !raced) {
          raced = true;
          const fresh = await elsewhere.getAccessToken({ forceRefresh: true });
          await inner.set(`${APP_ID}:stable_token`, fresh, 600);
          await inner.set(forcedKey, JSON.stringify([Date.now()]), 86400);
        }
        return inner.get(key);
      },
    };
    const fleet = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store });
    await fleet.getAccessToken();
    mock.breakStableToken();
    mock.client.login('race');
    const info = await fleet.getPhoneNumber(mock.client.getPhoneNumber('race').code);
    assert.equal(info.phoneNumber, mock.client.phoneOf('race').phoneNumber);
    assert.ok(raced);
    assert.equal(mock.counters.stable_token_forced, 1, 'only the other instance forced');
  } finally {
    await close();
  }
});
