// Shared by the client tests: app credentials, a mock + client pair on
// 127.0.0.1, the secret scan every error goes through, and a redis-server of
// our own on a free port.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { inspect } from 'node:util';
import { request as httpRequest } from 'node:http';
import { createPrivateKey } from 'node:crypto';
import { load } from './src.mjs';

export const APP_ID = 'wx0123456789abcdef';
export const APP_SECRET = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

const { WeChatClient } = await load('client.mjs');
const { startMockWeChat } = await load('mock/index.mjs');

/** A mock WeChat and a client pointed at it; `secrets()` lists every secret either has seen. */
export async function setup({ mockOptions = {}, clientOptions = {} } = {}) {
  const mock = await startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, ...mockOptions });
  const client = new WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, ...clientOptions });
  return { mock, client, WeChatClient, close: () => mock.close() };
}

/** Every surface of an error a log or a response could show. */
export function surfaces(err) {
  const out = [String(err), inspect(err, { depth: 10, showHidden: true })];
  if (err instanceof Error) out.push(err.message, String(err.stack));
  try {
    out.push(JSON.stringify(err));
  } catch (_) {
    out.push('<unserialisable>');
  }
  for (const key of Object.getOwnPropertyNames(Object(err))) {
    try {
      out.push(String(err[key]));
    } catch (_) {
      // a throwing getter shows nothing
    }
  }
  if (err && err.cause !== undefined) out.push(...surfaces(err.cause));
  return out;
}

/**
 * Every secret of options.apiSecurity in each form an error could show: the
 * symmetric key (base64 and hex), the private key's PEM, each line of its
 * base64 body and the body as one string, and base64 of its PKCS#8 DER.
 * For assertNoSecrets' list.
 */
export function apiSecuritySecrets(o) {
  const out = [o.symmetricKey, Buffer.from(o.symmetricKey, 'base64').toString('hex'), o.privateKey];
  const body = o.privateKey.split('\n').filter((l) => l && !l.startsWith('-----'));
  out.push(body.join(''), ...body);
  try {
    out.push(createPrivateKey(o.privateKey).export({ type: 'pkcs8', format: 'der' }).toString('base64'));
  } catch (_) {
    // an SM2 key this Node cannot read: its PEM lines are listed
  }
  return out;
}

/** Fails if any surface of `err` contains any of `secrets` (strings of 6+ characters). */
export function assertNoSecrets(err, secrets) {
  const text = surfaces(err).join('\n');
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < 6) continue;
    assert.ok(!text.includes(s), `an error surface contains a secret (${s.slice(0, 3)}…, ${s.length} chars)`);
  }
}

/** `promise` must reject with a WxOpenDataError of `code`; returns the error after the secret scan. */
export async function rejectsWith(promise, code, secrets) {
  let caught;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught, `expected ${code}, but the call succeeded`);
  assert.equal(caught.name, 'WxOpenDataError', `expected a WxOpenDataError, got ${caught && caught.name}: ${caught && caught.message}`);
  assert.equal(caught.code, code, caught.message);
  assert.ok(caught.errcode === null || typeof caught.errcode === 'number');
  assert.ok(caught.rid === null || typeof caught.rid === 'string');
  if (secrets) assertNoSecrets(caught, secrets);
  return caught;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let data = '';
    sock.setTimeout(500, () => { sock.destroy(); resolve(false); });
    sock.on('error', () => resolve(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      data += d;
      if (data.includes('\r\n')) { sock.end(); resolve(data.startsWith('+PONG')); }
    });
  });
}

/** A redis-server of our own on 127.0.0.1 (no persistence); stop() ends it. */
export async function startRedis() {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('redis-server is not installed: run `bash scripts/install-redis.sh` (make test-client does)');
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
    let exited = false;
    proc.on('exit', () => { exited = true; });
    for (let i = 0; i < 100 && !exited; i++) {
      if (await ping(port)) {
        return {
          port,
          url: `redis://127.0.0.1:${port}`,
          stop: () => new Promise((resolve) => {
            if (exited) return resolve();
            proc.once('exit', () => resolve());
            proc.kill('SIGTERM');
          }),
        };
      }
      await sleep(50);
    }
    if (!exited) proc.kill('SIGKILL');
  }
  throw new Error('redis-server did not start');
}

/**
 * The smallest fetch a Node 10-17 user could inject (node:http, no signal, no
 * AbortController): what the client needs and nothing more.
 */
export function httpFetch(url, init = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method || 'GET', headers: init.headers || {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, text: async () => body });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
