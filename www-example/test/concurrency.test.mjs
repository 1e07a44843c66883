// Many concurrent requests against the www-example backend, every answer
// checked. 200 users, each with their own
// phone number at the mock, then 2,000 backend requests in a seeded shuffle
// with 100 in flight at once: correct /api/phone calls (several users' and
// the same user's at the same time, and the same user's stale and fresh data
// at the same time), the stale-key anti-pattern, the iv of another tap,
// another user's data, bad bodies of every kind, /api/phone-by-code (with
// the same single-use code sent twice at once), logins. Every user must get
// exactly their own number, every failure its status and stable code, the
// log exactly the lines those requests call for, no response or log line a
// secret, and the server must still answer afterwards. Run once against the
// app in this process and once against `node server/main.mjs` as a child.
// No assertion is timed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as wx from 'wx-open-data';
import { startMockWeChat } from 'wx-open-data/mock';
import { createApp } from '../server/app.mjs';
import { post, APP_ID, APP_SECRET } from './helpers.mjs';

const TOTAL = 2000; // backend requests in the load phase
const IN_FLIGHT = 100; // at once
const GOOD = 140; // users who log in before the tap (the right way)
const ROTATED = 40; // users who also logged in again after a tap (the anti-pattern)
const LATE = 20; // users whose /api/login happens during the load
const USERS = GOOD + ROTATED + LATE;
const PHONE_KEYS = ['countryCode', 'phoneNumber', 'purePhoneNumber'];
const ERROR_KEYS = ['error', 'message'];
const STATUS = {
  INVALID_REQUEST: 400, PAYLOAD_TOO_LARGE: 413, NOT_FOUND: 404, LOGIN_FAILED: 401, SESSION_EXPIRED: 401,
  INVALID_CODE: 400, DECRYPT_FAILED: 422, PHONE_DATA_REJECTED: 422,
};
const HAS_DIAGNOSE = typeof wx.diagnose === 'function';

let mock;
let wechatUrl;
test.before(async () => {
  mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET });
  wechatUrl = mock.baseUrl;
});
test.after(() => mock.close());

/** mulberry32: the same shuffle on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs fn over items with `width` calls in flight; a thrown error (network) becomes a result, never a rejection. */
async function pool(items, width, fn) {
  const results = new Array(items.length);
  let next = 0;
  let inFlight = 0;
  let peak = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      try {
        results[i] = await fn(items[i], i);
      } catch (e) {
        results[i] = { status: 0, networkError: `${e.name}: ${e.cause?.code ?? e.message}` };
      } finally {
        inFlight -= 1;
      }
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return { results, peak };
}

const clientLogin = async (user) => {
  const r = await post(wechatUrl, '/__client/login', { user });
  assert.equal(r.status, 200, r.text);
  return r.data.code;
};
const clientTap = async (user) => {
  const r = await post(wechatUrl, '/__client/getPhoneNumber', { user });
  assert.equal(r.status, 200, r.text);
  return r.data;
};

/**
 * Setup, load and a final request against one backend. Returns what was
 * sent and seen, and the log lines the backend must have written
 * (`expectedLog`: "event[:code[:cause/matchedPreviousKey]]" -> count).
 */
async function drive(backendUrl, prefix) {
  const expectedLog = new Map();
  const expectLog = (key, n = 1) => expectedLog.set(key, (expectedLog.get(key) ?? 0) + n);
  const responses = []; // every backend response text
  const api = async (path, body, opts) => {
    const r = await post(backendUrl, path, body, opts);
    responses.push(r.text);
    return r;
  };
  const apiLogin = async (code) => {
    const r = await api('/api/login', { code });
    assert.equal(r.status, 200, r.text);
    expectLog('login.ok');
    return r.data.token;
  };

  // --- setup: 200 users, 50 at a time, each user's steps in order ---
  const name = (kind, i) => `${prefix}-${kind}${String(i).padStart(3, '0')}`;
  const good = Array.from({ length: GOOD }, (_, i) => ({ user: name('g', i) }));
  const rotated = Array.from({ length: ROTATED }, (_, i) => ({ user: name('r', i) }));
  const late = Array.from({ length: LATE }, (_, i) => ({ user: name('l', i) }));
  await pool([...good, ...rotated, ...late], 50, async (u) => {
    if (good.includes(u)) {
      u.loginCode = await clientLogin(u.user);
      u.token = await apiLogin(u.loginCode);
      u.t1 = await clientTap(u.user);
      u.t2 = await clientTap(u.user);
    } else if (rotated.includes(u)) {
      u.tokenA = await apiLogin(await clientLogin(u.user));
      u.stale = await clientTap(u.user); // sealed with key A
      u.tokenB = await apiLogin(await clientLogin(u.user)); // wx.login again: key B at WeChat and on the server
      u.fresh = await clientTap(u.user); // sealed with key B
    } else {
      u.loginCode = await clientLogin(u.user); // exchanged during the load
    }
  }).then(({ results }) => {
    const failed = results.filter((r) => r?.networkError);
    assert.deepEqual(failed, [], 'setup requests failed');
  });
  const all = [...good, ...rotated, ...late];
  const phones = all.map((u) => mock.client.phoneOf(u.user).phoneNumber);
  assert.equal(new Set(phones).size, USERS, 'the mock gives every user a distinct phone number');

  // --- the load: TOTAL requests, each with what it must get back ---
  const jobs = [];
  const phoneJob = (user, body) => ({ kind: 'phone', path: '/api/phone', body, want: { phoneOf: user }, log: 'phone.ok' });
  const fail = (kind, path, body, error, log, opts = {}) => ({ kind, path, body, want: { error }, log, ...opts });
  const decryptFailed = (cause) => `phone.decrypt_failed:DECRYPT_FAILED${HAS_DIAGNOSE ? `:${cause}` : ''}`;
  for (const [i, u] of good.entries()) {
    for (let k = 0; k < 3; k += 1) {
      jobs.push(phoneJob(u.user, { token: u.token, encryptedData: u.t1.encryptedData, iv: u.t1.iv }));
      jobs.push(phoneJob(u.user, { token: u.token, encryptedData: u.t2.encryptedData, iv: u.t2.iv }));
    }
    jobs.push(fail('wrong-iv', '/api/phone', { token: u.token, encryptedData: u.t2.encryptedData, iv: u.t1.iv }, 'DECRYPT_FAILED', decryptFailed('IV_MISMATCH/null')));
    // Another user's data with my token: my key cannot open it (and must not yield their number).
    if (i < 100) {
      const other = good[(i + 1) % GOOD];
      jobs.push(fail('other-user', '/api/phone', { token: u.token, encryptedData: other.t1.encryptedData, iv: other.t1.iv }, 'DECRYPT_FAILED', decryptFailed('STALE_SESSION_KEY/null')));
    }
    jobs.push({ kind: 'by-code', path: '/api/phone-by-code', body: { code: u.t2.code }, want: { phoneOf: u.user }, log: 'phone_by_code.ok' });
    if (i < 40) {
      // The same single-use code twice at once: WeChat sees it once (one wins, or both share the one request).
      for (let k = 0; k < 2; k += 1) jobs.push({ kind: 'code-race', path: '/api/phone-by-code', body: { code: u.t1.code }, race: u.t1.code, user: u.user });
    } else {
      jobs.push({ kind: 'by-code', path: '/api/phone-by-code', body: { code: u.t1.code }, want: { phoneOf: u.user }, log: 'phone_by_code.ok' });
    }
    if (i < 30) jobs.push(fail('reused-login-code', '/api/login', { code: u.loginCode }, 'LOGIN_FAILED', 'login.rejected'));
    else if (i < 50) jobs.push(fail('login-code-as-phone-code', '/api/phone-by-code', { code: u.loginCode }, 'INVALID_CODE', 'phone_by_code.rejected'));
  }
  for (const u of rotated) {
    for (let k = 0; k < 4; k += 1) {
      jobs.push(fail('stale-key', '/api/phone', { token: u.tokenB, encryptedData: u.stale.encryptedData, iv: u.stale.iv }, 'DECRYPT_FAILED', decryptFailed('STALE_SESSION_KEY/0')));
    }
    // The older token names the same user, whose key is now B: still stale.
    jobs.push(fail('stale-key', '/api/phone', { token: u.tokenA, encryptedData: u.stale.encryptedData, iv: u.stale.iv }, 'DECRYPT_FAILED', decryptFailed('STALE_SESSION_KEY/0')));
    jobs.push(phoneJob(u.user, { token: u.tokenB, encryptedData: u.fresh.encryptedData, iv: u.fresh.iv }));
    jobs.push(phoneJob(u.user, { token: u.tokenB, encryptedData: u.fresh.encryptedData, iv: u.fresh.iv }));
    jobs.push(phoneJob(u.user, { token: u.tokenA, encryptedData: u.fresh.encryptedData, iv: u.fresh.iv }));
  }
  for (const u of late) jobs.push({ kind: 'login', path: '/api/login', body: { code: u.loginCode }, want: { token: u }, log: 'login.ok' });

  // Bad requests of every kind, round robin until TOTAL.
  const g = good[0];
  const ok = { token: g.token, encryptedData: g.t1.encryptedData, iv: g.t1.iv };
  const bad = [
    ['/api/phone', {}, 'INVALID_REQUEST'],
    ['/api/phone', { ...ok, iv: 7 }, 'INVALID_REQUEST'],
    ['/api/phone', { ...ok, encryptedData: ['x'] }, 'INVALID_REQUEST'],
    ['/api/phone', { ...ok, sessionKey: 'AAAAAAAAAAAAAAAAAAAAAA==' }, 'INVALID_REQUEST'],
    ['/api/phone', [], 'INVALID_REQUEST'],
    ['/api/phone', null, 'INVALID_REQUEST'],
    ['/api/phone', '{"token": ', 'INVALID_REQUEST', { raw: true }],
    ['/api/phone', { ...ok, encryptedData: 'not base64!' }, 'INVALID_REQUEST'],
    ['/api/phone', { ...ok, encryptedData: ok.encryptedData.slice(0, 40) }, 'INVALID_REQUEST', {}, 'phone.decrypt_failed:INVALID_ENCRYPTED_DATA'],
    ['/api/phone', { ...ok, iv: 'AAAA' }, 'INVALID_REQUEST', {}, 'phone.decrypt_failed:INVALID_IV'],
    ['/api/phone', { ...ok, token: 'A'.repeat(32) }, 'SESSION_EXPIRED', {}, null],
    ['/api/phone', JSON.stringify({ ...ok, encryptedData: 'A'.repeat(9000) }), 'PAYLOAD_TOO_LARGE', { raw: true }],
    ['/api/login', { code: 'a b' }, 'INVALID_REQUEST'],
    ['/api/login', 'code=abc', 'INVALID_REQUEST', { raw: true, headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ['/api/phone-by-code', { code: 1 }, 'INVALID_REQUEST'],
    ['/api/nope', {}, 'NOT_FOUND', {}, null],
  ];
  const badCount = TOTAL - jobs.length;
  assert.ok(badCount >= bad.length * 5, `room for bad requests: ${badCount}`);
  for (let k = 0; k < badCount; k += 1) {
    const [path, body, error, opts = {}, log] = bad[k % bad.length];
    // Validation failures log request.rejected with their code; a package error logs its own line first.
    const logs = log === undefined ? [`request.rejected:${error}`] : log === null ? [] : [log, `request.rejected:${error}`];
    jobs.push({ kind: 'bad', path, body, want: { error }, logs, raw: opts.raw, headers: opts.headers });
  }
  assert.equal(jobs.length, TOTAL);
  const rand = prng(0x7ea5e);
  for (let i = jobs.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    [jobs[i], jobs[j]] = [jobs[j], jobs[i]];
  }
  for (const job of jobs) for (const l of job.logs ?? (job.log ? [job.log] : [])) expectLog(l);

  const before = { ...mock.counters };
  const { results, peak } = await pool(jobs, IN_FLIGHT, (job) => api(job.path, job.body, { raw: job.raw, headers: job.headers }));
  const accessTokensFetched = mock.counters.stable_token - before.stable_token;
  const otherTokenFetches = (mock.counters.token - before.token) + (mock.counters.stable_token_forced - before.stable_token_forced);

  // --- every answer ---
  const problems = [];
  const messages = new Map(); // error code -> the messages seen (must be one)
  const numbersOf = new Map(); // user -> numbers the backend gave them
  const races = new Map(); // code -> [results]
  const counts = {};
  for (const [i, job] of jobs.entries()) {
    const r = results[i];
    counts[job.kind] = (counts[job.kind] ?? 0) + 1;
    const where = `${job.kind} ${job.path} -> ${r.status} ${r.networkError ?? r.text?.slice(0, 100)}`;
    if (r.networkError) { problems.push(where); continue; }
    if (job.race) { races.set(job.race, [...(races.get(job.race) ?? []), { r, user: job.user }]); continue; }
    const w = job.want;
    if (w.phoneOf) {
      const own = mock.client.phoneOf(w.phoneOf);
      if (r.status !== 200 || JSON.stringify(Object.keys(r.data).sort()) !== JSON.stringify(PHONE_KEYS)) problems.push(where);
      else if (r.data.phoneNumber !== own.phoneNumber || r.data.purePhoneNumber !== own.purePhoneNumber || r.data.countryCode !== own.countryCode) problems.push(`WRONG NUMBER for ${w.phoneOf}: ${where}`);
      if (r.status === 200) numbersOf.set(w.phoneOf, new Set([...(numbersOf.get(w.phoneOf) ?? []), r.data.phoneNumber]));
    } else if (w.token) {
      if (r.status !== 200 || !/^[\w-]{32}$/.test(r.data?.token ?? '')) problems.push(where);
      else w.token.token = r.data.token;
    } else {
      if (r.status !== STATUS[w.error] || r.data?.error !== w.error || JSON.stringify(Object.keys(r.data).sort()) !== JSON.stringify(ERROR_KEYS)) problems.push(`want ${w.error}: ${where}`);
      else messages.set(w.error, new Set([...(messages.get(w.error) ?? []), r.data.message]));
    }
  }
  // The same phone code sent twice: WeChat accepts it once. Two requests in
  // flight together share the client's one request, so both get the number
  // (WeChatClient: one request per code); a second that arrives after the
  // first settled asks WeChat again and is told the code is used.
  let sharedRaces = 0;
  for (const [code, pair] of races) {
    const got = pair.map((p) => p.r.status).sort().join();
    const own = mock.client.phoneOf(pair[0].user).phoneNumber;
    if (got === '200,200') {
      sharedRaces += 1;
      if (pair.some((p) => p.r.data.phoneNumber !== own)) problems.push(`code race ${code.slice(0, 6)}…: ${pair.map((p) => `${p.r.status} ${p.r.text}`).join(' | ')}`);
      expectLog('phone_by_code.ok', 2);
      continue;
    }
    const winner = pair.find((p) => p.r.status === 200);
    const loser = pair.find((p) => p.r.status === 400);
    if (got !== '200,400' || loser.r.data.error !== 'INVALID_CODE' || winner.r.data.phoneNumber !== own) {
      problems.push(`code race ${code.slice(0, 6)}…: ${pair.map((p) => `${p.r.status} ${p.r.text}`).join(' | ')}`);
    }
    expectLog('phone_by_code.ok');
    expectLog('phone_by_code.rejected');
  }
  assert.deepEqual(problems.slice(0, 10), [], `${problems.length} wrong answers of ${TOTAL}`);
  for (const [code, set] of messages) assert.equal(set.size, 1, `one stable message for ${code}: ${[...set].join(' | ')}`);
  for (const [user, set] of numbersOf) assert.deepEqual([...set], [mock.client.phoneOf(user).phoneNumber], user);
  assert.equal(numbersOf.size, GOOD + ROTATED, 'every good and rotated user got their number');

  // --- afterwards: the late users' sessions are theirs, and a brand-new user works ---
  for (const u of late) {
    const tap = await clientTap(u.user);
    const r = await api('/api/phone', { token: u.token, encryptedData: tap.encryptedData, iv: tap.iv });
    assert.deepEqual([r.status, r.data], [200, mock.client.phoneOf(u.user)], u.user);
    expectLog('phone.ok');
  }
  const last = `${prefix}-last`;
  const token = await apiLogin(await clientLogin(last));
  const tap = await clientTap(last);
  const final = await api('/api/phone', { token, encryptedData: tap.encryptedData, iv: tap.iv });
  assert.deepEqual([final.status, final.data], [200, mock.client.phoneOf(last)], 'the server still answers correctly');
  expectLog('phone.ok');

  return { responses, expectedLog, counts, peak, accessTokensFetched, otherTokenFetches, races: races.size, sharedRaces, users: [...all.map((u) => u.user), last] };
}

/** The log lines must be exactly the expected ones, and no response or log line may hold a secret, a phone number or ciphertext. */
function checkLogsAndSecrets({ responses, expectedLog, users }, logLines) {
  const parsed = logLines.map((l) => JSON.parse(l));
  const seen = new Map();
  for (const l of parsed) {
    let key = l.event;
    if (l.event === 'request.rejected' || l.event === 'phone.decrypt_failed') key += `:${l.code}`;
    if (l.event === 'phone.decrypt_failed' && l.code === 'DECRYPT_FAILED' && l.diagnosis) key += `:${l.diagnosis.cause}/${l.diagnosis.matchedPreviousKey}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const sorted = (m) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
  assert.deepEqual(sorted(seen), sorted(expectedLog), 'log lines by event');
  assert.deepEqual(parsed.filter((l) => l.level === 'error'), [], 'no error-level log line');

  const secrets = [...mock.issuedSecrets(), APP_SECRET];
  assert.ok(secrets.length > users.length, `${secrets.length} secrets issued (session keys, access tokens, codes, cloudIDs)`);
  const numbers = users.map((u) => mock.client.phoneOf(u).phoneNumber);
  for (const text of responses) for (const s of secrets) assert.ok(!text.includes(s), `secret in response: ${text.slice(0, 120)}`);
  for (const l of logLines) {
    for (const s of secrets) assert.ok(!l.includes(s), `secret in log: ${l.slice(0, 120)}`);
    for (const n of numbers) assert.ok(!l.includes(n), `phone number in log: ${l.slice(0, 120)}`);
    assert.doesNotMatch(l, /[A-Za-z0-9+/]{40,}/, `long base64 in log: ${l.slice(0, 120)}`);
  }
}

const report = (t, where, d, logLines) => {
  // The backend starts without a token and the load holds 340 code-flow
  // requests: its WeChatClient must fetch exactly one token (stable_token),
  // shared by every concurrent request, and never force a refresh or use
  // /cgi-bin/token (each such fetch replaces the token at WeChat).
  assert.equal(d.accessTokensFetched, 1, `${d.accessTokensFetched} stable_token fetches during the load`);
  assert.equal(d.otherTokenFetches, 0, 'no forced refresh, no /cgi-bin/token');
  return reportLine(t, where, d, logLines);
};
const reportLine = (t, where, d, logLines) => t.diagnostic(
  `${where}: ${TOTAL} requests, ${IN_FLIGHT} in flight (client peak ${d.peak}); ${USERS + 1} users; `
  + `${Object.entries(d.counts).map(([k, v]) => `${k} ${v}`).join(', ')}; ${d.races} code races (${d.sharedRaces} shared one request); `
  + `${d.accessTokensFetched} stable_token fetches during the load; ${logLines.length} log lines`,
);

test('in-process backend: 2,000 concurrent requests, every answer right, logs exact, no secret anywhere', async (t) => {
  const logs = [];
  const app = createApp({
    appId: APP_ID, appSecret: APP_SECRET, wxApiBase: wechatUrl,
    log: (level, event, fields = {}) => logs.push(JSON.stringify({ level, event, ...fields })),
  });
  // Count the requests the server holds open at once (accepted, not yet answered).
  let open = 0;
  let serverPeak = 0;
  const server = createServer((req, res) => {
    open += 1;
    serverPeak = Math.max(serverPeak, open);
    res.once('close', () => { open -= 1; });
    app(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => { server.closeAllConnections(); return new Promise((ok) => server.close(() => ok())); });

  const d = await drive(`http://127.0.0.1:${server.address().port}`, 'cin');
  checkLogsAndSecrets(d, logs);
  assert.ok(serverPeak > 1, `the server held ${serverPeak} requests open at once`);
  assert.equal(open, 0, 'every request answered');
  report(t, 'in-process', d, logs);
  t.diagnostic(`in-process: the server held up to ${serverPeak} requests open at once`);
});

test('server/main.mjs as a child process: the same load, no crash, clean exit, logs exact', async (t) => {
  const main = fileURLToPath(new URL('../server/main.mjs', import.meta.url));
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, WX_APPID: APP_ID, WX_SECRET: APP_SECRET, WX_API_BASE: wechatUrl, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  const exited = once(child, 'exit');
  const url = await new Promise((ok, fail) => {
    child.stdout.on('data', (c) => { out += c; const m = /http:\/\/[\d.]+:\d+/.exec(out); if (m) ok(m[0]); });
    child.once('exit', (code) => fail(new Error(`exited ${code}: ${err}`)));
  });

  const d = await drive(url, 'cch');
  assert.deepEqual([child.exitCode, child.signalCode], [null, null], 'the backend process is still running');
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  assert.deepEqual([code, signal], [0, null], `clean exit; stderr tail: ${err.slice(-300)}`);
  const lines = err.split('\n').filter(Boolean);
  checkLogsAndSecrets(d, lines);
  for (const s of [...mock.issuedSecrets(), APP_SECRET]) assert.ok(!out.includes(s), 'secret on stdout');
  report(t, 'child process', d, lines);
});
