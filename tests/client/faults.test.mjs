// Transport faults and WeChat's refusals, each with its stable code, and no
// secret (AppSecret, access token, session_key, code) on any surface of the
// error: message, stack, own properties, JSON.stringify, util.inspect.
// Timing is asserted loosely: a hung call must fail, and well before a
// generous bound, never at a precise instant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { load } from './support/src.mjs';
import { APP_ID, APP_SECRET, setup, rejectsWith, httpFetch } from './support/helpers.mjs';

const { WeChatClient } = await load('client.mjs');

/** Each call the client makes, with what it needs from the mock first. */
const CALLS = {
  code2Session: async (mock, client) => client.code2Session(mock.client.login('zed').code),
  getPhoneNumber: async (mock, client) => {
    mock.client.login('zed');
    return client.getPhoneNumber(mock.client.getPhoneNumber('zed').code, { openid: mock.client.openidOf('zed') });
  },
  checkSessionKey: async (mock, client) => {
    mock.client.login('zed');
    return client.checkSessionKey(mock.client.openidOf('zed'), mock.client.sessionKeyOf('zed'));
  },
  resetSessionKey: async (mock, client) => {
    mock.client.login('zed');
    return client.resetSessionKey(mock.client.openidOf('zed'), mock.client.sessionKeyOf('zed'));
  },
  getAccessToken: async (_mock, client) => client.getAccessToken(),
};

const FAULTS = [
  // [fault, options, expected code, expected errcode]
  ['http5xx', { status: 502 }, 'WECHAT_UNAVAILABLE', null],
  ['http5xx', { status: 503 }, 'WECHAT_UNAVAILABLE', null],
  ['nonJson', {}, 'WECHAT_UNAVAILABLE', null],
  ['busy', {}, 'WECHAT_UNAVAILABLE', -1],
  ['rateLimit', {}, 'RATE_LIMITED', 45011],
  ['reset', {}, 'WECHAT_UNAVAILABLE', null],
  ['hang', {}, 'WECHAT_UNAVAILABLE', null],
];

for (const [kind, where, code, errcode] of FAULTS) {
  test(`fault ${kind}${where.status ? ` ${where.status}` : ''}: ${code} (errcode ${errcode}) from every call, on the API call and on the token fetch, no secret leaked`, async () => {
    const { mock, client, close } = await setup({ clientOptions: { timeoutMs: 400 } });
    try {
      for (const [name, call] of Object.entries(CALLS)) {
        for (const path of [null, '/cgi-bin/stable_token']) {
          if (name === 'code2Session' && path) continue; // jscode2session needs no token
          if (name === 'getAccessToken' && !path) continue; // a stored token needs no request
          const fresh = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, timeoutMs: 400 });
          const use = path ? fresh : client;
          if (!path) await client.getAccessToken(); // token in hand: the fault hits the call itself
          const f = mock.fault(kind, { ...where, path, times: 1 });
          const started = Date.now();
          const e = await rejectsWith(call(mock, use), code, [...mock.issuedSecrets()]).catch((x) => { x.message += ` (${name}, ${path})`; throw x; });
          f.clear();
          assert.equal(e.errcode, errcode, `${name}: ${e.message}`);
          if (errcode === 45011) assert.match(e.rid, /^[0-9a-f]{8}-/);
          if (kind === 'hang') {
            assert.match(e.message, /did not answer within 400 ms/);
            assert.ok(Date.now() - started < 5000, 'a hung call fails at about timeoutMs, well before 5 s');
          }
        }
      }
    } finally {
      await close();
    }
  });
}

test('a fault is never retried for a call that carries a single-use code (the code may be consumed)', async () => {
  const { mock, client, close } = await setup();
  try {
    await client.getAccessToken();
    mock.client.login('yan');
    const code = mock.client.getPhoneNumber('yan').code;
    mock.fault('busy', { path: '/wxa/business/getuserphonenumber', times: 1 });
    await rejectsWith(client.getPhoneNumber(code), 'WECHAT_UNAVAILABLE', mock.issuedSecrets());
    assert.equal(mock.counters.getuserphonenumber, 1);
    mock.fault('reset', { path: '/sns/jscode2session', times: 1 });
    await rejectsWith(client.code2Session(mock.client.login('yan').code), 'WECHAT_UNAVAILABLE', mock.issuedSecrets());
    assert.equal(mock.counters.jscode2session, 1);
  } finally {
    await close();
  }
});

test('latency below timeoutMs is fine', async () => {
  const { mock, client, close } = await setup({ clientOptions: { timeoutMs: 2000 } });
  try {
    mock.fault('latency', { ms: 100 });
    const s = await client.code2Session(mock.client.login('amy').code);
    assert.equal(s.openid, mock.client.openidOf('amy'));
  } finally {
    await close();
  }
});

test('timeout without AbortController (Node < 15) and an injected fetch that knows no signal: the timer alone fails the call', async () => {
  const { mock, close } = await setup();
  const saved = globalThis.AbortController;
  try {
    globalThis.AbortController = undefined;
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, fetch: httpFetch, timeoutMs: 300 });
    // The injected fetch works (this is how Node 10-17 use the client) ...
    const s = await client.code2Session(mock.client.login('old-node').code);
    assert.equal(s.openid, mock.client.openidOf('old-node'));
    // ... and a hang is cut by the timer.
    mock.fault('hang', { times: 1 });
    const e = await rejectsWith(client.getAccessToken(), 'WECHAT_UNAVAILABLE', mock.issuedSecrets());
    assert.match(e.message, /within 300 ms/);
  } finally {
    globalThis.AbortController = saved;
    await close();
  }
});

test('a fetch that never settles and ignores the abort signal still times out', async () => {
  const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, fetch: () => new Promise(() => {}), timeoutMs: 200 });
  await rejectsWith(client.getAccessToken(), 'WECHAT_UNAVAILABLE', [APP_SECRET]);
});

test('a body that hangs after the headers times out too', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"access_token":');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: `http://127.0.0.1:${server.address().port}`, timeoutMs: 300 });
    await rejectsWith(client.getAccessToken(), 'WECHAT_UNAVAILABLE', [APP_SECRET]);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('connection refused, and fetch errors whose message and cause hold the URL: nothing of them reaches the error', async () => {
  const refused = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
  const e = await rejectsWith(refused.getAccessToken(), 'WECHAT_UNAVAILABLE', [APP_SECRET]);
  assert.match(e.message, /ECONNREFUSED|network error/);
  assert.equal(e.cause, undefined);

  const token = 'TOKEN_in_a_url_abcdefghijklmnop';
  const leaky = async (url) => {
    if (String(url).includes('stable_token')) return { status: 200, text: async () => JSON.stringify({ access_token: token, expires_in: 7200 }) };
    const err = new TypeError(`fetch failed: ${url}`);
    err.cause = Object.assign(new Error(`connect to ${url}`), { code: 'ECONNRESET', url: String(url) });
    throw err;
  };
  const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, fetch: leaky });
  const sessionKey = 'c2Vzc2lvbktleVNlY3JldA==';
  // One call at a time: a promise made before the previous one is awaited
  // could reject unobserved (node:test reports that as a failure).
  const calls = [() => client.getPhoneNumber('the-phone-code-123'), () => client.checkSessionKey('openid-x', sessionKey), () => client.resetSessionKey('openid-x', sessionKey)];
  for (const call of calls) {
    const err = await rejectsWith(call(), 'WECHAT_UNAVAILABLE', [APP_SECRET, token, 'the-phone-code-123', sessionKey]);
    assert.match(err.message, /ECONNRESET/);
  }
});

test('WeChat errmsg that echoes a secret is scrubbed', async () => {
  const fetch = async (url) => {
    const u = new URL(url);
    const body = u.pathname === '/sns/jscode2session'
      ? { errcode: 40029, errmsg: `invalid code ${u.searchParams.get('js_code')} for secret ${u.searchParams.get('secret')} rid: 11111111-22222222-33333333` }
      : {};
    return { status: 200, text: async () => JSON.stringify(body) };
  };
  const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, fetch });
  const e = await rejectsWith(client.code2Session('login-code-secret-1'), 'INVALID_CODE', [APP_SECRET, 'login-code-secret-1']);
  assert.match(e.message, /\[redacted\]/);
  assert.equal(e.rid, '11111111-22222222-33333333');
});

test('HTTP 4xx without an errcode, a JSON array, and a malformed errcode are WECHAT_UNAVAILABLE', async () => {
  for (const [status, text] of [[404, '{"message":"not found"}'], [200, '[1,2]'], [200, '"ok"'], [200, '{"errcode":"40029"}'], [200, '']]) {
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, fetch: async () => ({ status, text: async () => text }) });
    await rejectsWith(client.code2Session('abc'), 'WECHAT_UNAVAILABLE', [APP_SECRET]);
  }
});
