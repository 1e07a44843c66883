// How WeChatClient talks HTTP, against real servers on 127.0.0.1: redirects
// are never followed (a relay cannot send the AppSecret on to another host),
// plain http:// only for loopback or with allowInsecureHttp, reply bodies
// capped at 64 KiB (the memory a huge body costs, and the connection cut),
// secrets scrubbed from an errmsg in every encoding it could echo them, and
// a phone_info reduced to its documented members.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { load } from './support/src.mjs';
import { APP_ID, APP_SECRET, setup, rejectsWith, assertNoSecrets, httpFetch } from './support/helpers.mjs';

const { WeChatClient } = await load('client.mjs');
const { fromCloudPhoneNumber } = await load('cloud.mjs');

const CAP = 64 * 1024;
const TOKEN = 'relay-token-abcdefghijklmnopqrstuvwxyz';

/** A node:http server on 127.0.0.1 running `handler`; `requests` counts what reached it. */
async function serve(handler) {
  const server = createServer((req, res) => {
    srv.requests += 1;
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => handler(req, res, body));
  });
  const srv = { requests: 0, server };
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  srv.url = `http://127.0.0.1:${server.address().port}`;
  srv.close = () => new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return srv;
}

const json = (res, status, value) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

/** What a WeChat-shaped answer to any of the client's endpoints looks like (a host that must never be reached gives it). */
const anyReply = { errcode: 0, errmsg: 'ok', access_token: 'stolen-token-abcdefghijklmnop', expires_in: 7200, openid: 'o-stolen', session_key: 'c3RvbGVuLWtleQ==',
  phone_info: { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: { timestamp: 1700000000, appid: APP_ID } } };

test('redirects: a baseUrl answering 301/302/303/307/308 is WECHAT_UNAVAILABLE, and the other host receives nothing (stable_token POST, token, jscode2session, getuserphonenumber, checksession)', async () => {
  const other = await serve((_req, res) => json(res, 200, anyReply));
  let status = 307;
  // The relay answers stable_token itself (so the calls that need a token get one) unless told to redirect it too.
  let redirectToken = true;
  const relay = await serve((req, res) => {
    if (!redirectToken && req.url.startsWith('/cgi-bin/stable_token')) return json(res, 200, { access_token: TOKEN, expires_in: 7200 });
    res.writeHead(status, { location: `${other.url}${req.url}`, 'content-type': 'application/json' });
    res.end(JSON.stringify(anyReply));
  });
  try {
    for (const fetch of [undefined, httpFetch]) {
      for (status of [301, 302, 303, 307, 308]) {
        const options = { appId: APP_ID, appSecret: APP_SECRET, baseUrl: relay.url, timeoutMs: 3000, ...(fetch ? { fetch } : {}) };
        const secrets = [APP_SECRET, TOKEN, 'login-code-123456', 'phone-code-123456', 'c2Vzc2lvbktleVNlY3JldA=='];
        const calls = [
          ['stable_token', true, () => new WeChatClient(options).getAccessToken()],
          ['token', true, () => new WeChatClient({ ...options, tokenEndpoint: 'token' }).getAccessToken()],
          ['jscode2session', true, () => new WeChatClient(options).code2Session('login-code-123456')],
          ['getuserphonenumber', false, () => new WeChatClient(options).getPhoneNumber('phone-code-123456')],
          ['checksession', false, () => new WeChatClient(options).checkSessionKey('openid-1', 'c2Vzc2lvbktleVNlY3JldA==')],
        ];
        for (const [name, redirected, call] of calls) {
          redirectToken = redirected;
          const e = await rejectsWith(call(), 'WECHAT_UNAVAILABLE', secrets);
          assert.match(e.message, new RegExp(`HTTP ${status}, a redirect, which the client never follows`), `${name} ${status}`);
        }
      }
    }
    assert.equal(other.requests, 0, 'the host the relay pointed to never received a request');
    assert.ok(relay.requests >= 50);
  } finally {
    await relay.close();
    await other.close();
  }
});

test("redirects: an injected fetch is asked for redirect: 'manual'; an opaque redirect or a response marked redirected is refused", async () => {
  const inits = [];
  const fake = (response) => async (_url, init) => {
    inits.push(init);
    return { ...response, text: async () => JSON.stringify({ access_token: TOKEN, expires_in: 7200 }) };
  };
  // A browser's answer to redirect: 'manual' (status 0, no body), here with a body that would otherwise be taken.
  for (const response of [{ type: 'opaqueredirect', status: 0 }, { status: 200, redirected: true }]) {
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, fetch: fake(response) });
    const e = await rejectsWith(client.getAccessToken(), 'WECHAT_UNAVAILABLE', [APP_SECRET, TOKEN]);
    assert.match(e.message, /redirect, which the client never follows/);
  }
  assert.ok(inits.length >= 2 && inits.every((init) => init.redirect === 'manual'));
});

test('plain http: refused for a host that is not loopback unless allowInsecureHttp is true; loopback (the mock) and https are fine', async () => {
  const base = { appId: APP_ID, appSecret: APP_SECRET, fetch: async () => { throw new Error('no network in this test'); } };
  for (const baseUrl of ['http://api.weixin.qq.com', 'http://10.0.0.5:8080', 'http://127.0.0.1.example.com', 'http://localhost.example.com', 'http://[::2]:80', 'http://128.0.0.1']) {
    const e = (() => { try { new WeChatClient({ ...base, baseUrl }); } catch (x) { return x; } return null; })();
    assert.ok(e && e.code === 'INVALID_ARGUMENT', baseUrl);
    assert.match(e.message, /allowInsecureHttp: true/, baseUrl);
    assertNoSecrets(e, [APP_SECRET]);
  }
  for (const baseUrl of ['http://127.0.0.1:8080', 'http://127.255.0.1', 'http://localhost:3000/relay', 'http://[::1]:8080', 'https://relay.example.com/wx']) {
    assert.doesNotThrow(() => new WeChatClient({ ...base, baseUrl }), baseUrl);
  }
  for (const bad of [{ allowInsecureHttp: 'yes' }, { allowInsecureHttp: 1 }, { allowInsecureHttp: undefined }, { baseUrl: 'http://user:pw@127.0.0.1:8080' }, { baseUrl: 'https://127.0.0.1@relay.example.com' }]) {
    assert.throws(() => new WeChatClient({ ...base, ...bad }), (e) => e.code === 'INVALID_ARGUMENT', JSON.stringify(bad));
  }

  // With the option, the client talks to the http relay it names (this fetch never leaves the process).
  const seen = [];
  const relayFetch = async (url) => {
    seen.push(String(url));
    return { status: 200, text: async () => JSON.stringify({ openid: 'o-1', session_key: 'c2Vzc2lvbktleQ==' }) };
  };
  const viaRelay = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: 'http://10.0.0.5:8080/wx', allowInsecureHttp: true, fetch: relayFetch });
  assert.equal((await viaRelay.code2Session('login-code-1')).openid, 'o-1');
  assert.ok(seen[0].startsWith('http://10.0.0.5:8080/wx/sns/jscode2session?'), seen[0]);

  // The mock's baseUrl (http://127.0.0.1:port) needs no option.
  const { mock, client, close } = await setup();
  try {
    assert.match(mock.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await client.code2Session(mock.client.login('http').code)).openid, mock.client.openidOf('http'));
  } finally {
    await close();
  }
});

/** A token reply of exactly `size` bytes: valid JSON, padded with spaces (so only the cap can refuse it). */
function paddedToken(size) {
  const head = JSON.stringify({ access_token: TOKEN, expires_in: 7200 }).slice(0, -1);
  return `${head}${' '.repeat(size - head.length - 1)}}`;
}

test('body cap: a reply of exactly 64 KiB is read, one byte more is WECHAT_UNAVAILABLE naming the cap, with and without content-length, for every kind of fetch', async () => {
  let size = CAP;
  let chunked = false;
  const server = await serve((_req, res) => {
    const text = paddedToken(size);
    if (chunked) {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let at = 0; at < text.length; at += 1000) res.write(text.slice(at, at + 1000));
      res.end();
    } else {
      json(res, 200, text);
    }
  });
  try {
    for (const [kind, fetch] of [['global fetch', undefined], ['node stream fetch', nodeStreamFetch], ['text() fetch', httpFetch]]) {
      for (chunked of [false, true]) {
        const client = () => new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: server.url, ...(fetch ? { fetch } : {}) });
        size = CAP;
        assert.equal(await client().getAccessToken(), TOKEN, `${kind}, chunked ${chunked}: 64 KiB is within the cap`);
        size = CAP + 1;
        const e = await rejectsWith(client().getAccessToken(), 'WECHAT_UNAVAILABLE', [APP_SECRET, TOKEN]);
        assert.match(e.message, /answered with a body over 64 KiB/, `${kind}, chunked ${chunked}`);
      }
    }
  } finally {
    await server.close();
  }
});

/**
 * A fetch like node-fetch's (what Node 10-17 inject): node:http, the body a
 * Node stream, headers with get(). No signal: only the client cuts it.
 */
function nodeStreamFetch(url, init = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method || 'GET', headers: init.headers || {} }, (res) => {
      resolve({
        status: res.statusCode,
        headers: { get: (name) => (res.headers[name.toLowerCase()] === undefined ? null : String(res.headers[name.toLowerCase()])) },
        body: res,
        text: () => new Promise((done) => { let t = ''; res.on('data', (c) => { t += c; }); res.on('end', () => done(t)); }),
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * A server streaming `total` bytes of a valid token reply (chunked, no
 * content-length, or with `declare` as content-length), honouring
 * backpressure; `sent` counts what it wrote, `cut` resolves when the client
 * closed the connection before the end.
 */
async function streamingServer(total, declare) {
  const state = { sent: 0, finished: false };
  let onCut;
  state.cut = new Promise((r) => { onCut = r; });
  const head = JSON.stringify({ access_token: TOKEN, expires_in: 7200 }).slice(0, -1);
  const chunk = Buffer.alloc(1024 * 1024, ' ');
  const srv = await serve((_req, res) => {
    res.writeHead(200, declare === undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'content-length': String(declare) });
    res.on('close', () => { if (!state.finished) onCut(true); });
    res.write(head);
    state.sent += head.length;
    const pump = () => {
      while (state.sent < total - 1) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - 1 - state.sent));
        state.sent += piece.length;
        if (!res.write(piece)) return res.once('drain', pump);
      }
      state.finished = true;
      res.end('}');
    };
    if (declare === undefined || declare <= total) pump();
    // A lying content-length: a little of the body, then nothing.
  });
  return Object.assign(srv, { state });
}

/** Runs `fn`, sampling this process's RSS every 5 ms; resolves with [result or error, peak growth in bytes]. */
async function peakRss(fn) {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  let out;
  try {
    out = await fn();
  } catch (e) {
    out = e;
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return [out, peak - before];
}

const MIB = 1024 * 1024;

test('body cap: a 128 MiB chunked reply (no content-length) is cut after 64 KiB: memory stays far below the body, the server sees the connection closed', async () => {
  for (const [kind, fetch] of [['global fetch', undefined], ['node stream fetch', nodeStreamFetch]]) {
    const srv = await streamingServer(128 * MIB);
    try {
      const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: srv.url, timeoutMs: 60000, ...(fetch ? { fetch } : {}) });
      const [e, grew] = await peakRss(() => client.getAccessToken());
      assert.equal(e && e.code, 'WECHAT_UNAVAILABLE', `${kind}: ${e && e.message ? e.message : e}`);
      assert.match(e.message, /over 64 KiB/);
      assertNoSecrets(e, [APP_SECRET, TOKEN]);
      assert.ok(grew < 32 * MIB, `${kind}: RSS grew ${(grew / MIB).toFixed(1)} MiB for a 128 MiB body`);
      const cut = await Promise.race([srv.state.cut, new Promise((r) => setTimeout(() => r(false), 5000))]);
      assert.equal(cut, true, `${kind}: the server saw the connection closed before the end`);
      assert.ok(srv.state.sent < 32 * MIB, `${kind}: the server wrote ${(srv.state.sent / MIB).toFixed(1)} MiB of 128`);
    } finally {
      await srv.close();
    }
  }
});

test('body cap: a content-length over 64 KiB fails before the body is read, and the connection is cut', async () => {
  for (const [kind, fetch] of [['global fetch', undefined], ['node stream fetch', nodeStreamFetch]]) {
    // 1 TiB declared, a few bytes sent, then silence: waiting for the body would hang until timeoutMs.
    const srv = await streamingServer(16, 2 ** 40);
    try {
      const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: srv.url, timeoutMs: 20000, ...(fetch ? { fetch } : {}) });
      const started = Date.now();
      const e = await rejectsWith(client.getAccessToken(), 'WECHAT_UNAVAILABLE', [APP_SECRET, TOKEN]);
      assert.match(e.message, /over 64 KiB/, kind);
      assert.ok(Date.now() - started < 10000, `${kind}: refused at the headers, not at timeoutMs`);
      const cut = await Promise.race([srv.state.cut, new Promise((r) => setTimeout(() => r(false), 5000))]);
      assert.equal(cut, true, `${kind}: the server saw the connection closed`);
    } finally {
      await srv.close();
    }
  }
});

test('an errmsg echoing URL-encoded secrets (encodeURIComponent, lower-case hex, form encoding) is scrubbed, through the real client', async () => {
  const secret = 'Se+cr/et=Value 2024~!';
  const token = 'tok/en+with=base64/chars';
  const code = 'c0de+/=xyz';
  // Every way an errmsg could spell a value the request carried.
  const spellings = (v) => [v, encodeURIComponent(v), encodeURIComponent(v).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), new URLSearchParams({ v }).toString().slice(2), encodeURI(v)];
  const rawQuery = (url) => url.slice(url.indexOf('?') + 1);
  const server = await serve((req, res, body) => {
    const rid = 'rid: 11111111-22222222-33333333';
    if (req.url.startsWith('/cgi-bin/stable_token')) {
      const sent = JSON.parse(body).secret;
      if (sent !== secret) return json(res, 200, { errcode: 40125, errmsg: `invalid appsecret ${spellings(sent).join(' ')} ${rid}` });
      return json(res, 200, { access_token: token, expires_in: 7200 });
    }
    if (req.url.startsWith('/cgi-bin/token')) return json(res, 200, { errcode: 40125, errmsg: `invalid appsecret, view more at http://t.cn/x ${rawQuery(req.url)} ${rawQuery(req.url).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())} ${rid}` });
    if (req.url.startsWith('/sns/jscode2session')) return json(res, 200, { errcode: 40029, errmsg: `invalid code ${rawQuery(req.url)} ${spellings(code).join(' ')} ${spellings(secret).join(' ')} ${rid}` });
    if (req.url.startsWith('/wxa/business/getuserphonenumber')) {
      return json(res, 200, { errcode: 40029, errmsg: `invalid code ${rawQuery(req.url)} ${spellings(JSON.parse(body).code).join(' ')} ${spellings(token).join(' ')} ${rid}` });
    }
    return json(res, 404, {});
  });
  try {
    const secrets = [secret, token, code].flatMap(spellings).filter((s) => s.length >= 6);
    const options = { appId: APP_ID, appSecret: secret, baseUrl: server.url };
    const wrong = new WeChatClient({ ...options, appSecret: `${secret}?&x` });
    const checks = [
      [() => new WeChatClient(options).code2Session(code), 'INVALID_CODE'],
      [() => new WeChatClient(options).getPhoneNumber(code), 'INVALID_CODE'],
      [() => new WeChatClient({ ...options, tokenEndpoint: 'token' }).getAccessToken(), 'WECHAT_API_ERROR'],
      [() => wrong.getAccessToken(), 'WECHAT_API_ERROR'],
    ];
    for (const [call, want] of checks) {
      const e = await rejectsWith(call(), want, [...secrets, ...spellings(`${secret}?&x`)]);
      assert.match(e.message, /\[redacted\]/);
      assert.equal(e.rid, '11111111-22222222-33333333', 'the rid survives the scrub');
    }
  } finally {
    await server.close();
  }
});

test('an errmsg of almost 64 KiB of near-misses of a secret is scrubbed in linear time (no search restarted per hit)', async () => {
  const code = `${'A'.repeat(1000)}+/=B`;
  const encoded = encodeURIComponent(code).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  const server = await serve((_req, res) => json(res, 200, { errcode: 40029, errmsg: `${encoded} ${'A'.repeat(60000)}${encoded}` }));
  try {
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: server.url });
    const started = Date.now();
    const e = await rejectsWith(client.code2Session(code), 'INVALID_CODE', [APP_SECRET, code, encoded, encodeURIComponent(code)]);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.match(e.message, /"\[redacted\] A/);
  } finally {
    await server.close();
  }
});

test('a "rid" in an errmsg that is a secret the request carried is not taken as the request id', async () => {
  const code = 'abcdef-0123456789';
  const server = await serve((req, res) => json(res, 200, { errcode: 40029, errmsg: `invalid code rid: ${new URL(req.url, 'http://x').searchParams.get('js_code')}` }));
  try {
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: server.url });
    const e = await rejectsWith(client.code2Session(code), 'INVALID_CODE', [APP_SECRET, code]);
    assert.equal(e.rid, null);
    assert.match(e.message, /rid: \[redacted\]/);
  } finally {
    await server.close();
  }
});

test('phone_info with extra members, constructor or __proto__: getPhoneNumber and fromCloudPhoneNumber return exactly the documented keys, no prototype touched', async () => {
  const phoneInfo = '{"phoneNumber":"13580006666","purePhoneNumber":"13580006666","countryCode":"86",'
    + '"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"toString":"x","extra":1,'
    + '"watermark":{"timestamp":1700000000,"appid":"","__proto__":{"polluted":"yes"},"more":true}}';
  const server = await serve((req, res) => {
    if (req.url.startsWith('/cgi-bin/stable_token')) return json(res, 200, { access_token: TOKEN, expires_in: 7200 });
    return json(res, 200, `{"errcode":0,"errmsg":"ok","phone_info":${phoneInfo}}`);
  });
  const expected = { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: { timestamp: 1700000000, appid: '' } };
  const check = (info, how) => {
    assert.deepEqual(Object.keys(info), ['phoneNumber', 'purePhoneNumber', 'countryCode', 'watermark'], how);
    assert.deepEqual(Object.keys(info.watermark), ['timestamp', 'appid'], how);
    assert.deepEqual(Reflect.ownKeys(info), Object.keys(info), how);
    assert.equal(Object.getPrototypeOf(info), Object.prototype, how);
    assert.equal(Object.getPrototypeOf(info.watermark), Object.prototype, how);
    assert.equal(info.polluted, undefined, how);
    assert.equal(info.watermark.polluted, undefined, how);
    assert.equal(typeof info.toString, 'function', how);
    assert.equal({}.polluted, undefined, how);
    assert.deepEqual({ ...info, watermark: { ...info.watermark } }, expected, how);
  };
  try {
    const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: server.url });
    check(await client.getPhoneNumber('phone-code-1'), 'getPhoneNumber');
    const parsed = JSON.parse(phoneInfo);
    check(fromCloudPhoneNumber({ errCode: 0, errMsg: 'openapi.phonenumber.getPhoneNumber:ok', phoneInfo: parsed }, { appId: APP_ID }), 'fromCloudPhoneNumber');
    check(fromCloudPhoneNumber({ errcode: 0, phone_info: parsed }), 'fromCloudPhoneNumber, snake_case');
  } finally {
    await server.close();
  }
  // What JSON.stringify cannot read (a throwing getter, a BigInt) is not phone data, never a raw TypeError.
  const base = JSON.parse(phoneInfo);
  const getter = Object.defineProperty({ ...base }, 'phoneNumber', { get() { throw new Error('boom'); }, enumerable: true });
  for (const info of [getter, { ...base, countryCode: 86n }]) {
    await rejectsWith((async () => fromCloudPhoneNumber({ errCode: 0, phoneInfo: info }))(), 'NOT_PHONE_DATA');
  }
});

test('the option keys WeChatClient accepts are the keys of WeChatClientOptions in the typings', () => {
  let message = '';
  try {
    new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, notAnOption: 1 });
  } catch (e) {
    message = e.message;
  }
  const accepted = /the known keys are (.*)$/.exec(message)[1].split(', ').sort();
  const dts = readFileSync(new URL('../../pkg-template/index.d.ts', import.meta.url), 'utf8');
  const block = /export interface WeChatClientOptions \{([\s\S]*?)\n\}/.exec(dts)[1];
  const typed = [...block.matchAll(/^\s+(\w+)\??:/gm)].map((m) => m[1]).sort();
  assert.deepEqual(accepted, typed);
  assert.ok(accepted.includes('allowInsecureHttp'));
});
