// WeChatClient: the server calls of the getPhoneNumber flow (jscode2session,
// getuserphonenumber, access tokens, session-key check and reset), for any
// runtime with fetch (Node >= 18, Deno, Bun, workers, browsers; Node 10-16 with
// an injected fetch). No Node-only import: it is bundled for every target.
//
// Secrets never reach an error: messages are built from the endpoint path,
// WeChat's errcode, its errmsg (with every secret of the call scrubbed out)
// and the rid; fetch's own errors (whose messages and causes may carry the
// URL, and so the access_token or the AppSecret) are never chained.
// tests/client/faults.test.mjs scans every surface of every error (message,
// stack, properties, JSON.stringify, util.inspect) for the secrets used.
import { ERRORS, WxOpenDataError, invalidArgument } from './errors.mjs';
import { apiError, failureName, ridOf, unavailable } from './wechat-errors.mjs';
import { phoneInfoOfReply } from './cloud.mjs';
import { engineReady } from './rules.mjs';
import { hmacSha256Hex, sha256Hex } from './hmac.mjs';
import { MemoryStore, checkStore } from './store.mjs';
import { strictOptions, clock } from './options.mjs';
import { createApiSecurity } from './api-security.mjs';

export { MemoryStore, ridOf };

const DEFAULT_BASE_URL = 'https://api.weixin.qq.com';
const DEFAULT_TIMEOUT_MS = 10000;
const OPTION_KEYS = ['appId', 'appSecret', 'baseUrl', 'allowInsecureHttp', 'fetch', 'store', 'timeoutMs', 'tokenEndpoint', 'now', 'apiSecurity'];
const TOKEN_ENDPOINTS = ['stable_token', 'token'];

/** errcodes that mean "this access_token is invalid or expired" (nothing else was looked at). */
const TOKEN_ERRCODES = [40001, 40014, 42001];
/** WeChat's limits on stable_token force_refresh: 20 a day, at least 30 s apart. */
const FORCE_PER_DAY = 20;
const FORCE_GAP_MS = 30 * 1000;
const DAY_MS = 24 * 3600 * 1000;
/** How long this process refuses a token WeChat rejected (it may be handed out again meanwhile). */
const BAD_TOKEN_MS = 10 * 60 * 1000;
/** Poll interval while another instance holds the fleet-wide fetch lock. */
const LOCK_POLL_MS = 50;

/**
 * The most of a reply body the client reads. WeChat's replies to these
 * endpoints are JSON objects of a few hundred bytes (WeChat asks for 512
 * characters of room for an access_token, the longest field); 64 KiB leaves
 * ample room for a relay's additions while bounding what one call can make
 * this process hold. Past it the call fails and the connection is cut.
 * tests/client/transport.test.mjs "body cap".
 */
const MAX_BODY_BYTES = 64 * 1024;

const STATE = new WeakMap();

/**
 * Whether a baseUrl host is this machine (127.0.0.0/8, localhost, [::1]):
 * the only hosts plain http:// is accepted for without allowInsecureHttp,
 * since the AppSecret, codes and tokens cross the wire in clear.
 * tests/client/transport.test.mjs "plain http".
 */
const isLoopback = (hostname) => hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);

const isText = (v, max) => typeof v === 'string' && v.length > 0 && v.length <= max;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One exchange with WeChat (transfer() below is its HTTP part), bounded by what is left of the call's
 * deadline (timeoutMs from the start of the public method): it races a
 * timer, so it works where AbortController does not exist (Node < 15), and
 * aborts the request where it does. With no time left it is not sent (a
 * single-use code is not spent on a request that cannot finish:
 * tests/client/store-faults.test.mjs "with no time left"). Resolves with the
 * reply object; rejects with
 * WECHAT_UNAVAILABLE for a network failure, a timeout, HTTP 5xx, errcode -1
 * or a body that is not a JSON object. Other nonzero errcodes are returned
 * for the caller to map (token errors are retried there).
 */
function exchange(s, path, query, body, secrets, call) {
  const mode = s.security !== null && s.security.covers(path) ? s.security : null;
  if (mode === null) {
    const init = body === undefined
      ? { method: 'GET' }
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    return transfer(s, path, query, init, call).then((got) => plainReply(path, got, secrets));
  }
  // API security: the request sealed and signed (INVALID_ARGUMENT here, for
  // keys that did not load, comes before anything is sent); the reply
  // verified and decrypted, or, without the mode's headers, accepted only
  // as an error (api-security.mjs; tests/client/api-security.test.mjs).
  return mode
    .seal(path, query, body)
    .then((req) => transfer(s, path, req.query, { method: 'POST', headers: { 'content-type': 'application/json', ...req.headers }, body: req.body }, call))
    .then((got) => {
      if (!mode.isSigned(got.header)) {
        return plainReply(path, got, secrets).then((reply) => {
          if (API_SECURITY_ERRCODES.test(String(reply.errcode))) throw apiError(path, reply, secrets, { apiSecurity: true });
          return mode.plain(path, reply);
        });
      }
      if (got.status >= 500) return Promise.reject(unavailable(`${path} answered HTTP ${got.status}`));
      return mode.open(path, got.text, got.header).then((reply) => checkedReply(path, got.status, reply, secrets));
    });
}

/** The errcodes of the API security layer (40230-40240): WeChat answers them plain, before it decrypts anything. */
const API_SECURITY_ERRCODES = /^402(?:3\d|40)$/;

/**
 * The HTTP part of an exchange: `query` joined to the URL, `init` sent,
 * the body read within the cap. Resolves with { status, text, header }
 * (header(name): a response header, or null).
 */
function transfer(s, path, query, init, call) {
  let url = s.baseUrl + path;
  const keys = Object.keys(query);
  if (keys.length) url += `?${keys.map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(query[k])}`).join('&')}`;
  // Redirects are never followed: the request carries the AppSecret, a code or
  // an access token, and a relay (baseUrl) answering 3xx must not be able to
  // send them on to another host. `redirect: 'manual'` asks fetch not to
  // follow; a fetch that ignores it (an injected one) and hands back the 3xx,
  // or a browser's opaque redirect (type 'opaqueredirect', status 0), fails
  // here, and so does a response marked `redirected` (a fetch that followed
  // anyway: its answer is not WeChat's). tests/client/transport.test.mjs
  // "redirects".
  init.redirect = 'manual';
  const controller = typeof AbortController === 'function' ? new AbortController() : null;
  if (controller) init.signal = controller.signal;
  const ms = remaining(call);
  if (ms <= 0) return Promise.reject(unavailable(`${path} was not sent: timeoutMs ran out before it`));

  const http = new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      try {
        if (controller) controller.abort();
      } catch (_) {
        // already finished
      }
      reject(unavailable(`${path} did not answer within ${s.timeoutMs} ms (timeoutMs, counted from the start of the call)`));
    }, ms);
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    let status = 0;
    let response = null;
    new Promise((go) => go(s.fetch(url, init)))
      .then((res) => {
        response = res;
        status = res && typeof res.status === 'number' ? res.status : 0;
        if (res && (res.type === 'opaqueredirect' || res.redirected === true)) {
          discard(res.body);
          throw refuse(`${path} answered with a redirect, which the client never follows`);
        }
        if (status >= 300 && status <= 399) {
          discard(res.body);
          throw refuse(`${path} answered HTTP ${status}, a redirect, which the client never follows`);
        }
        return readBody(res, path);
      })
      .then(
        (text) => finish(resolve, { status, text, header: (name) => headerOf(response, name) }),
        // Only a name such as ECONNRESET: fetch's message and cause can hold the URL.
        (e) => finish(reject, OWN.has(e) ? e : unavailable(`${path} failed (${failureName(e)})`)),
      );
  });

  return http;
}

/**
 * A plain reply read: WECHAT_UNAVAILABLE for HTTP 5xx, errcode -1 or a body
 * that is not a JSON object; other nonzero errcodes are returned for the
 * caller to map (token errors are retried there).
 */
function plainReply(path, { status, text }, secrets) {
  if (status >= 500) return Promise.reject(unavailable(`${path} answered HTTP ${status}`));
  let reply;
  try {
    reply = JSON.parse(text);
  } catch (_) {
    reply = undefined;
  }
  if (reply === null || typeof reply !== 'object' || Array.isArray(reply)) {
    return Promise.reject(unavailable(`${path} answered HTTP ${status} with a body that is not a JSON object`));
  }
  return checkedReply(path, status, reply, secrets);
}

/** The errcode checks every reply object passes, plain or decrypted. */
function checkedReply(path, status, reply, secrets) {
  const errcode = reply.errcode;
  if (errcode === -1) return Promise.reject(apiError(path, reply, secrets));
  if (errcode !== undefined && errcode !== 0 && typeof errcode !== 'number') {
    return Promise.reject(unavailable(`${path} answered with a malformed errcode`));
  }
  if ((errcode === undefined || errcode === 0) && (status < 200 || status > 299) && status !== 0) {
    return Promise.reject(unavailable(`${path} answered HTTP ${status}`));
  }
  return Promise.resolve(reply);
}

/** Errors exchange() makes while reading a response; anything else a fetch throws is reduced to a name. */
const OWN = new WeakSet();
const refuse = (what) => {
  const e = unavailable(what);
  OWN.add(e);
  return e;
};
const tooLarge = (path) => refuse(`${path} answered with a body over ${MAX_BODY_BYTES / 1024} KiB (the client's cap on a reply)`);

/** Lets go of a body that will not be read (frees the connection); never throws. */
function discard(body) {
  try {
    if (body && typeof body.cancel === 'function') body.cancel().catch(() => {});
    else if (body && typeof body.destroy === 'function') body.destroy();
  } catch (_) {
    // already closed
  }
}

/** A header of a fetch Response (Headers.get) or of a plain object, or null. */
function headerOf(res, name) {
  try {
    const h = res.headers;
    if (h && typeof h.get === 'function') {
      const v = h.get(name);
      return typeof v === 'string' ? v : null;
    }
    // A plain object (an injected fetch's): header names in any case.
    if (h && typeof h === 'object') {
      const keys = Object.keys(h);
      for (let i = 0; i < keys.length; i++) if (keys[i].toLowerCase() === name && typeof h[keys[i]] === 'string') return h[keys[i]];
    }
    return null;
  } catch (_) {
    return null;
  }
}

/** A WHATWG stream body (fetch in Node >= 18, Deno, Bun, browsers, workerd), read up to the cap. */
async function readWebStream(body, path) {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      reader.cancel().catch(() => {});
      throw tooLarge(path);
    }
    text += decoder.decode(value, { stream: true });
  }
}

/** A Node stream body (node-fetch v2/v3, the fetch injected on Node 10-17), read up to the cap. */
function readNodeStream(body, path) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let over = false;
    body.on('data', (chunk) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        over = true;
        body.destroy();
        reject(tooLarge(path));
      } else {
        chunks.push(chunk);
      }
    });
    body.on('end', () => {
      if (over) return;
      const strings = chunks.every((c) => typeof c === 'string');
      resolve(strings ? chunks.join('') : Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))).toString('utf8'));
    });
    body.on('error', (e) => {
      if (!over) reject(e);
    });
  });
}

/**
 * The body of `res` as text, never more than MAX_BODY_BYTES of it: a
 * content-length over the cap fails before reading; a stream body (WHATWG
 * or Node) is read chunk by chunk and cancelled past the cap. An injected
 * fetch whose response has no stream body is read with res.text(), and the
 * length checked after: that fetch holds the whole body first, so only a
 * fetch with a stream body bounds the memory.
 * tests/client/transport.test.mjs "body cap".
 */
function readBody(res, path) {
  const body = res.body;
  const declared = headerOf(res, 'content-length');
  if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > MAX_BODY_BYTES) {
    discard(body);
    return Promise.reject(tooLarge(path));
  }
  if (body && typeof body.getReader === 'function' && typeof TextDecoder === 'function') return readWebStream(body, path);
  if (body && typeof body.on === 'function' && typeof body.destroy === 'function' && typeof Buffer === 'function') return readNodeStream(body, path);
  return Promise.resolve(res.text()).then((text) => {
    if (typeof text === 'string' && text.length > MAX_BODY_BYTES) throw tooLarge(path);
    return text;
  });
}

const isTokenError = (reply) => TOKEN_ERRCODES.indexOf(reply.errcode) >= 0;
const failed = (reply) => typeof reply.errcode === 'number' && reply.errcode !== 0;

// --- access tokens ---------------------------------------------------------
//
// Every public method runs against one deadline, timeoutMs after it was
// called (a call record { deadline, storeDown, storeError }): each HTTP
// exchange gets what is left of it, each store call at most half of what is
// left (the other half stays for WeChat), so a store that never answers
// cannot hold a call past timeoutMs (tests/client/store-faults.test.mjs
// "a store whose get never settles").

function newCall(s) {
  return { deadline: Date.now() + s.timeoutMs, storeDown: false, storeError: null };
}

const remaining = (call) => call.deadline - Date.now();

/** Redis error prefixes: the one part of a Redis error message that is safe to show (it names the problem and holds no data). */
const REDIS_PREFIXES = ['OOM', 'READONLY', 'LOADING', 'BUSY', 'NOSCRIPT', 'NOAUTH', 'WRONGPASS', 'NOPERM', 'MASTERDOWN', 'MISCONF', 'CLUSTERDOWN', 'TRYAGAIN', 'MOVED', 'ASK', 'EXECABORT', 'WRONGTYPE', 'CROSSSLOT', 'NOREPLICAS', 'ERR'];

/**
 * What a store error is, from its class name, its code and a known Redis
 * prefix only: its message, properties and cause can hold the key and the
 * value (ioredis's ReplyError keeps the command's arguments, the access token
 * among them), so the error itself is never chained or quoted.
 */
function storeFailureName(e) {
  const parts = [];
  try {
    if (typeof e.name === 'string' && /^(?:[A-Z][A-Za-z]{0,40})?Error$/.test(e.name)) parts.push(e.name);
    if (typeof e.code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(e.code)) parts.push(e.code);
    const word = typeof e.message === 'string' ? /^[A-Z]+(?=[\s:]|$)/.exec(e.message) : null;
    if (word && REDIS_PREFIXES.indexOf(word[0]) >= 0 && parts.indexOf(word[0]) < 0) parts.push(word[0]);
  } catch (_) {
    // a throwing getter or a non-object: nothing to name
  }
  return parts.length ? parts.join(' ') : 'an error';
}

function storeError(op, what) {
  return new WxOpenDataError('STORE_UNAVAILABLE', `${ERRORS.STORE_UNAVAILABLE.message}: store.${op} ${what}`);
}

/**
 * store[op](...args), bounded by half of what is left of the call's
 * deadline. A failure or a timeout becomes STORE_UNAVAILABLE (without the
 * store's error) and marks the store down for the rest of the call, so the
 * call stops waiting on it and falls back (fetchTokenOnce). After a timeout
 * the client leaves the store alone for timeoutMs: during an outage that
 * queues commands (node-redis's offline queue) only one call in that time
 * pays the wait (tests/client/store-faults.test.mjs "the next calls skip").
 */
function storeOp(s, call, op, args) {
  if (!call.storeDown && s.storeQuietUntil > Date.now()) {
    call.storeDown = true;
    call.storeError = storeError(op, 'was skipped: the store did not answer a call moments ago');
  }
  if (call.storeDown) return Promise.reject(call.storeError);
  const ms = Math.max(0, Math.floor(remaining(call) / 2));
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.storeDown = true;
      call.storeError = e;
      reject(e);
    };
    const timer = setTimeout(() => {
      s.storeQuietUntil = Date.now() + s.timeoutMs;
      fail(storeError(op, `did not answer within ${ms} ms (half of what was left of timeoutMs)`));
    }, ms);
    new Promise((go) => go(s.store[op].apply(s.store, args))).then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (e) => fail(storeError(op, `failed (${storeFailureName(e)})`)),
    );
  });
}

function tokenKey(s) {
  return `${s.appId}:${s.tokenEndpoint}`;
}

function isBad(s, token) {
  const at = s.badTokens.get(token);
  if (at === undefined) return false;
  if (s.now() - at > BAD_TOKEN_MS) {
    s.badTokens.delete(token);
    return false;
  }
  return true;
}

function markBad(s, token) {
  s.badTokens.set(token, s.now());
  if (s.badTokens.size > 16) s.badTokens.delete(s.badTokens.keys().next().value);
}

/** The token this process fetched but could not store, while it lasts. */
function localToken(s) {
  return s.local !== null && s.local.expiresAt > s.now() ? s.local.token : null;
}

/**
 * The stored token, unless this process saw WeChat reject it; when the store
 * fails or holds none, the token this process could not store (if any).
 * Never throws: a store failure is recorded on `call`.
 */
async function storedToken(s, call) {
  let value = null;
  try {
    value = await storeOp(s, call, 'get', [tokenKey(s)]);
  } catch (_) {
    value = null;
  }
  if (typeof value !== 'string' || value.length === 0) value = localToken(s);
  return value !== null && !isBad(s, value) ? value : null;
}

/**
 * A lifetime WeChat did not state as a positive number (0, negative, null,
 * absent, not numeric) is kept this long only: WeChat always states one, so
 * such a token may be already dead, and caching it for 2 hours would send
 * every call through a 40001 and a renewal; refetching a good one after a
 * minute costs one request. tests/client/tokens.test.mjs "expires_in".
 */
const UNSTATED_TTL_S = 60;

/** Seconds to keep a token: until 5 minutes before it expires (half its life if shorter). expires_in may be a numeric string. */
function ttlOf(expiresIn) {
  const n = typeof expiresIn === 'number' ? expiresIn : typeof expiresIn === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(expiresIn) ? Number(expiresIn) : NaN;
  if (!(n > 0) || !isFinite(n)) return UNSTATED_TTL_S;
  const life = Math.floor(n);
  return Math.max(1, life - Math.min(300, Math.floor(life / 2)));
}

/**
 * Asks WeChat for a token and stores it. A store that refuses the write
 * does not fail the call: the token is returned and kept in this process
 * (localToken) for its lifetime.
 */
async function fetchToken(s, call, force) {
  const secrets = [s.appSecret];
  let reply;
  if (s.tokenEndpoint === 'stable_token') {
    reply = await exchange(s, '/cgi-bin/stable_token', {}, { grant_type: 'client_credential', appid: s.appId, secret: s.appSecret, force_refresh: force }, secrets, call);
  } else {
    reply = await exchange(s, '/cgi-bin/token', { grant_type: 'client_credential', appid: s.appId, secret: s.appSecret }, undefined, secrets, call);
  }
  const path = `/cgi-bin/${s.tokenEndpoint}`;
  if (failed(reply)) throw apiError(path, reply, secrets);
  if (!isText(reply.access_token, 4096)) throw unavailable(`${path} answered without an access_token`);
  const token = reply.access_token;
  const ttl = ttlOf(reply.expires_in);
  try {
    await storeOp(s, call, 'set', [tokenKey(s), token, ttl]);
    s.local = null;
  } catch (_) {
    s.local = { token, expiresAt: s.now() + ttl * 1000 };
  }
  return token;
}

let lockCount = 0;

/** The fleet lock's value: unique to one holding (not a secret; it only tells holders apart). */
function lockValue() {
  lockCount += 1;
  return `${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}.${lockCount}`;
}

/**
 * Releases the fleet lock only if it still holds our value (deleteIf, a
 * compare-and-delete): after it lapsed, another instance may hold it. A
 * store without deleteIf lets it lapse by its TTL. Never awaited and never
 * failing: a release is no part of the result.
 * tests/client/redis-store.test.mjs "a slow lock holder never releases the next holder's lock".
 */
function release(s, key, value) {
  if (typeof s.store.deleteIf !== 'function') return;
  new Promise((go) => go(s.store.deleteIf(key, value))).then(undefined, () => {});
}

/**
 * A fetch of a token, fleet-wide at most one at a time when the store has
 * add() (the others wait for the token it stores), else one per process.
 * `unless`: a token to ignore in the store (the one that just failed).
 * When the store fails or does not answer, a stable_token client fetches
 * directly (WeChat hands every caller the same token, so this costs one
 * request and invalidates nothing); a /cgi-bin/token client fails with
 * STORE_UNAVAILABLE instead, because its fetch would invalidate the token
 * the rest of the fleet holds.
 * tests/client/redis-store.test.mjs "two Node processes ... fetch the token once",
 * tests/client/store-faults.test.mjs.
 */
async function fetchTokenOnce(s, call, force, unless) {
  const usable = async () => {
    const t = await storedToken(s, call);
    return t !== null && t !== unless ? t : null;
  };
  const direct = () => {
    if (s.tokenEndpoint !== 'stable_token') throw call.storeError;
    return fetchToken(s, call, force);
  };
  // Another caller of this process (or of the fleet) may have just stored one.
  if (!force) {
    const t = await usable();
    if (t !== null) return t;
  }
  if (call.storeDown) return direct();
  if (typeof s.store.add !== 'function') return fetchToken(s, call, force);
  const lockKey = `${tokenKey(s)}:lock`;
  const lockSeconds = Math.ceil(s.timeoutMs / 1000) + 2;
  const holding = lockValue();
  // Waiting for another instance's fetch may take half of what is left; then we fetch ourselves.
  const giveUpAt = Date.now() + Math.floor(remaining(call) / 2);
  for (;;) {
    let locked;
    try {
      locked = await storeOp(s, call, 'add', [lockKey, holding, lockSeconds]);
    } catch (_) {
      return direct();
    }
    if (locked) {
      try {
        // Look again under the lock: an instance that held it between our
        // first look and now has stored a token (double-checked locking).
        if (!force) {
          const t = await usable();
          if (t !== null) return t;
        }
        return await fetchToken(s, call, force);
      } finally {
        release(s, lockKey, holding);
      }
    }
    // Another instance is fetching: wait for the token it stores.
    await sleep(Math.max(0, Math.min(LOCK_POLL_MS, giveUpAt - Date.now())));
    const t = await usable();
    if (t !== null) return t;
    if (call.storeDown) return direct();
    // Its fetch failed or hangs: fetch ourselves.
    if (Date.now() >= giveUpAt) return fetchToken(s, call, force);
  }
}

/** Concurrent callers of one process share one fetch (one per kind: plain, forced); tests/client/tokens.test.mjs "200 concurrent". */
function sharedFetch(s, call, force, unless) {
  const kind = force ? 'forced' : 'plain';
  // A caller joining a fetch in flight needs no timer of its own: that fetch
  // was started no later, under the same timeoutMs, so it ends by our deadline.
  if (s.inflight[kind]) return s.inflight[kind];
  s.inflight[kind] = fetchTokenOnce(s, call, force, unless).then(
    (t) => {
      s.inflight[kind] = null;
      return t;
    },
    (e) => {
      s.inflight[kind] = null;
      throw e;
    },
  );
  return s.inflight[kind];
}

/**
 * Records a forced refresh if WeChat's limits allow one now (20 in any 24
 * hours, 30 s apart; counted in the store, so a fleet shares the count).
 * Timestamps more than FORCE_GAP_MS ahead of this clock are not counted: an
 * instance whose clock runs fast would otherwise block every other
 * instance's forced refreshes until its timestamps are in their past (and
 * count against the day for that much longer); they stay in the record for
 * the instances whose clocks agree with them.
 * A store that cannot be read or written fails the force (STORE_UNAVAILABLE):
 * a force the fleet cannot count could break WeChat's limits.
 * tests/client/tokens.test.mjs "forced refreshes: at most 20 in 24 hours",
 * "a clock an hour fast".
 */
async function mayForce(s, call) {
  const key = `${s.appId}:stable_token:forced`;
  const now = s.now();
  const raw = await storeOp(s, call, 'get', [key]);
  let times = [];
  try {
    const parsed = typeof raw === 'string' ? JSON.parse(raw) : [];
    if (Array.isArray(parsed)) times = parsed.filter((t) => typeof t === 'number' && isFinite(t) && now - t < DAY_MS);
  } catch (_) {
    times = []; // not a record this client wrote: start a new one
  }
  const counted = times.filter((t) => t <= now + FORCE_GAP_MS);
  if (counted.length >= FORCE_PER_DAY) return false;
  if (counted.length && now - Math.max.apply(null, counted) < FORCE_GAP_MS) return false;
  times.push(now);
  await storeOp(s, call, 'set', [key, JSON.stringify(times.slice(-2 * FORCE_PER_DAY)), DAY_MS / 1000]);
  return true;
}

function forceRefused(errcode, rid) {
  return new WxOpenDataError(
    'RATE_LIMITED',
    'a forced access-token refresh is not allowed now: WeChat allows 20 a day, at least 30 s apart (stable_token force_refresh); retry later',
    { errcode: errcode === undefined ? null : errcode, rid },
  );
}

/**
 * A forced refresh: stable_token with force_refresh (within WeChat's limits),
 * or a new /cgi-bin/token (every fetch there is a new token). When the limits
 * refuse one while renewing `failing`, another instance has most likely just
 * forced one: a stored token other than `failing` is used instead of
 * RATE_LIMITED (tests/client/tokens.test.mjs "a force refused because another
 * instance has just forced one").
 */
async function forcedToken(s, call, failing, reply) {
  if (s.tokenEndpoint === 'stable_token' && !(await mayForce(s, call))) {
    if (failing !== null) {
      const t = await storedToken(s, call);
      if (t !== null && t !== failing) return t;
    }
    throw forceRefused(reply ? reply.errcode : null, reply ? ridOf(reply.errmsg) : null);
  }
  return sharedFetch(s, call, true, failing);
}

/**
 * After WeChat rejected `failing` (40001/40014/42001): forget it (this
 * process never uses it again; a fresh token overwrites it in the store),
 * then take a token another instance already stored, else ask WeChat without
 * force_refresh (another instance may have renewed it), and force only if
 * WeChat hands back the failing token. Every caller of this process that saw
 * `failing` fail joins one renewal, so a burst of token errors costs one
 * forced refresh, not one attempt per caller (each after the first refused
 * by the 30 s rule). tests/client/tokens.test.mjs "a 40001 storm".
 */
function renewAfter(s, call, failing, reply) {
  markBad(s, failing);
  const joined = s.renewals.get(failing);
  if (joined !== undefined) return joined; // started no later: ends by our deadline (sharedFetch)
  const done = () => s.renewals.delete(failing);
  const renewal = sharedFetch(s, call, false, failing)
    .then((fresh) => (fresh !== failing ? fresh : forcedToken(s, call, failing, reply)))
    .then(
      (t) => {
        done();
        return t;
      },
      (e) => {
        done();
        throw e;
      },
    );
  s.renewals.set(failing, renewal);
  return renewal;
}

/**
 * Runs `fn(token)`; on a token error, renews the token and runs it once
 * more. Safe for getuserphonenumber too: WeChat checks the access_token before
 * it looks at the code, so a token error means the code was not consumed
 * (tests/client/tokens.test.mjs "a phone code survives a token error").
 */
async function withToken(s, call, fn) {
  const token = await currentToken(s, call);
  const reply = await fn(token);
  if (!isTokenError(reply)) return reply;
  const fresh = await renewAfter(s, call, token, reply);
  return fn(fresh);
}

async function currentToken(s, call) {
  const t = await storedToken(s, call);
  return t !== null ? t : sharedFetch(s, call, false, null);
}

// --- the client --------------------------------------------------------------

function stateOf(client) {
  const s = STATE.get(client);
  if (s === undefined) throw invalidArgument('WeChatClient methods must be called on a WeChatClient');
  return s;
}

function checkCode(code, what) {
  if (!isText(code, 1024) || /\s/.test(code)) throw invalidArgument(`${what} must be a non-empty string without spaces`);
}

function checkOpenid(openid, what) {
  if (!isText(openid, 256)) throw invalidArgument(`${what} must be a non-empty string`);
}

function checkSessionKeyArg(sessionKey) {
  if (!isText(sessionKey, 256)) throw invalidArgument('sessionKey must be the session_key string from code2Session');
}

/**
 * For an API sent in the API security mode: its keys loaded, or their
 * INVALID_ARGUMENT, before any request of the call (a token fetch
 * included), so a single-use code is never spent on a client whose keys
 * are bad (tests/client/api-security.test.mjs "bad keys").
 */
function securityReady(s, path) {
  return s.security !== null && s.security.covers(path) ? s.security.ready() : Promise.resolve();
}

/** A GET signed with the session key (checksession, resetusersessionkey, getuserencryptkey), retried once on a token error. */
async function signedCall(s, path, openid, sessionKey) {
  await securityReady(s, path);
  const signature = await hmacSha256Hex(sessionKey, '');
  const secrets = [s.appSecret, sessionKey, signature];
  const call = newCall(s);
  const reply = await withToken(s, call, (token) => {
    secrets.push(token);
    return exchange(s, path, { access_token: token, openid, signature, sig_method: 'hmac_sha256' }, undefined, secrets, call);
  });
  return { reply, secrets };
}

/** A POST of `body` with the access token in the query, retried once on a token error; every token used joins `secrets`. */
async function postWithToken(s, path, body, secrets) {
  await securityReady(s, path);
  const call = newCall(s);
  return withToken(s, call, (token) => {
    secrets.push(token);
    return exchange(s, path, { access_token: token }, body, secrets, call);
  });
}

/**
 * The call in flight for `key` (method + single-use code (+ openid)), else
 * run() started and remembered until it settles. WeChat accepts a code once
 * and answers a second request for it with 40163/40029, so two concurrent
 * calls with one code (a double tap, a retried HTTP request to this server)
 * share one request and its result or error. Nothing is kept once the call
 * settles: a later call with the same code asks WeChat again.
 * tests/client/code-calls.test.mjs.
 */
function oneCallPerCode(s, key, run) {
  const pending = s.codeCalls.get(key);
  if (pending !== undefined) return pending;
  const p = run();
  s.codeCalls.set(key, p);
  const done = () => {
    if (s.codeCalls.get(key) === p) s.codeCalls.delete(key);
  };
  p.then(done, done);
  return p;
}

/** A copy of a shared result of JSON data, so one caller's changes never reach another's. */
const ownCopy = (value) => JSON.parse(JSON.stringify(value));

/** The most of encryptedData checkEncryptedData hashes (a phone number's is a few hundred characters, userInfo's about 1 KiB). */
const MAX_ENCRYPTED_DATA = 64 * 1024;

/**
 * encryptedData as WeChat issued it, for its SHA-256: the one transport
 * repair decryption also makes, a '+' that arrived as ' ' (form decoding;
 * base64 never holds a space), and nothing guessed beyond it. Text still
 * URL-encoded, or not standard base64, is INVALID_ARGUMENT: its hash could
 * only ever answer "not WeChat's". tests/client/encrypted-data.test.mjs.
 */
function issuedText(encryptedData) {
  if (!isText(encryptedData, MAX_ENCRYPTED_DATA)) throw invalidArgument(`encryptedData must be a non-empty string of at most ${MAX_ENCRYPTED_DATA} characters (e.detail.encryptedData)`);
  if (/%(?:2[BbFf]|3[Dd])/.test(encryptedData)) {
    throw invalidArgument('encryptedData is still URL-encoded (it holds %2B, %2F or %3D): decode it once (decodeURIComponent) before passing it');
  }
  const text = encryptedData.split(' ').join('+');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw invalidArgument("encryptedData must be the base64 text of e.detail.encryptedData as WeChat issued it (A-Z, a-z, 0-9, '+', '/', '=' padding)");
  }
  return text;
}

const isCount = (v) => typeof v === 'number' && isFinite(v) && Math.floor(v) === v && v >= 0;

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * One key_info_list entry as { encryptKey, version, expireIn, iv,
 * createTime }, or null when a member is missing or of another type.
 * encryptKey and iv are secrets: util.inspect (console.log) of the entry
 * shows them redacted (a non-enumerable inspect hook: property access and
 * JSON.stringify still give them). tests/client/encrypt-key.test.mjs.
 */
function keyInfo(raw) {
  if (raw === null || typeof raw !== 'object') return null;
  const { encrypt_key: encryptKey, version, expire_in: expireIn, iv, create_time: createTime } = raw;
  if (!isText(encryptKey, 256) || !isText(iv, 256) || !isCount(version) || !isCount(expireIn) || !isCount(createTime)) return null;
  const out = { encryptKey, version, expireIn, iv, createTime };
  Object.defineProperty(out, INSPECT, {
    value: () => ({ encryptKey: '[redacted]', version, expireIn, iv: '[redacted]', createTime }),
  });
  return out;
}

export class WeChatClient {
  /** `Object.prototype.toString` says WeChatClient (a getter, not a statement after the class, so bundlers can drop an unused client). */
  get [Symbol.toStringTag]() {
    return 'WeChatClient';
  }

  /**
   * @param {object} options
   * @param {string} options.appId        the Mini Program's AppID
   * @param {string} options.appSecret    its AppSecret (never in an error, a log line or util.inspect)
   * @param {string} [options.baseUrl]    default https://api.weixin.qq.com (tests: the mock's baseUrl); http:// only for a loopback host
   * @param {boolean} [options.allowInsecureHttp] also accept an http:// baseUrl on another host (a relay on a private network)
   * @param {Function} [options.fetch]    default the global fetch (Node >= 18); inject one on older Node
   * @param {object} [options.store]      { get, set, delete, add?, deleteIf? }; default a MemoryStore
   * @param {number} [options.timeoutMs]  the whole method call (store calls, lock waits, every HTTP exchange), default 10000
   * @param {'stable_token' | 'token'} [options.tokenEndpoint] default 'stable_token'
   * @param {() => number} [options.now]  clock: milliseconds since the epoch, like Date.now (tests)
   * @param {object} [options.apiSecurity] WeChat's API security mode (服务端 API 签名加密): { symmetricKey,
   *   symmetricSn, privateKey, privateKeySn, platformCertificate, platformCertificateSn, algorithm?, origin? }
   *   (api-security.mjs); checked here, keys parsed in the background (ready())
   */
  constructor(options) {
    if (options === undefined) throw invalidArgument('options must be an object like { appId, appSecret }');
    strictOptions(options, OPTION_KEYS, '{ appId, appSecret }', 'options', ['appId', 'appSecret'], {
      appId: 'is process.env.WX_APPID, or wherever it comes from, set?',
      appSecret: 'is process.env.WX_SECRET, or wherever it comes from, set?',
    });
    const { appId, appSecret, baseUrl = DEFAULT_BASE_URL, allowInsecureHttp = false, store, timeoutMs = DEFAULT_TIMEOUT_MS, tokenEndpoint = 'stable_token', now = Date.now } = options;
    if (!isText(appId, 64) || !/^[\w-]+$/.test(appId)) throw invalidArgument('options.appId must be the Mini Program\'s AppID (e.g. "wx" and 16 hex digits)');
    if (!isText(appSecret, 256)) throw invalidArgument('options.appSecret must be a non-empty string');
    if (typeof allowInsecureHttp !== 'boolean') throw invalidArgument('options.allowInsecureHttp must be a boolean');
    let parsed = null;
    if (typeof baseUrl === 'string' && /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(baseUrl)) {
      try {
        parsed = new URL(baseUrl);
      } catch (_) {
        parsed = null;
      }
    }
    if (parsed === null) throw invalidArgument('options.baseUrl must be an http(s) URL without query or fragment');
    // A user name or password in the URL would go out with every request.
    if (parsed.username !== '' || parsed.password !== '') throw invalidArgument('options.baseUrl must not hold a user name or password');
    if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname) && !allowInsecureHttp) {
      throw invalidArgument('options.baseUrl must be https:// (the AppSecret, codes and tokens would cross the network in clear); plain http:// is accepted for a loopback host (127.0.0.1, localhost, [::1]), or with allowInsecureHttp: true for a relay on a private network');
    }
    // eslint-disable-next-line no-undef
    const fetchFn = options.fetch !== undefined ? options.fetch : typeof fetch === 'function' ? fetch : undefined;
    if (typeof fetchFn !== 'function') {
      throw invalidArgument(options.fetch !== undefined ? 'options.fetch must be a function' : 'options.fetch: this runtime has no global fetch (Node < 18); pass one, e.g. node-fetch');
    }
    if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2147483647) {
      throw invalidArgument('options.timeoutMs must be a positive integer (milliseconds)');
    }
    if (TOKEN_ENDPOINTS.indexOf(tokenEndpoint) < 0) throw invalidArgument("options.tokenEndpoint must be 'stable_token' or 'token'");
    clock(now, 'options.now');
    const chosenStore = store === undefined ? new MemoryStore({ now }) : checkStore(store, 'options.store');
    const security = options.apiSecurity === undefined ? null : createApiSecurity(options.apiSecurity, appId, () => now());

    // Everything lives in a WeakMap, not on the instance: util.inspect(client)
    // and JSON.stringify(client) show no AppSecret and no token.
    STATE.set(this, {
      appId,
      appSecret,
      baseUrl: baseUrl.replace(/\/+$/, ''),
      // Called without a receiver: a global fetch called as a method of
      // another object throws "Illegal invocation" in browsers and workerd.
      fetch: (url, init) => fetchFn(url, init),
      store: chosenStore,
      timeoutMs,
      tokenEndpoint,
      now: () => now(),
      inflight: { plain: null, forced: null },
      // failing token -> the one renewal every caller that saw it fail joins
      renewals: new Map(),
      badTokens: new Map(),
      // a token the store refused to keep: { token, expiresAt }
      local: null,
      // Date.now() until which the store is not asked (it timed out)
      storeQuietUntil: 0,
      // method + single-use code (+ openid) -> the call in flight (oneCallPerCode)
      codeCalls: new Map(),
      // the API security mode (keys in its closures), or null
      security,
    });
  }

  /** The AppID this client calls WeChat for. */
  get appId() {
    return stateOf(this).appId;
  }

  /**
   * Resolves once options.apiSecurity's keys are parsed and checked (at
   * once without apiSecurity); rejects with the INVALID_ARGUMENT that every
   * call of the mode would throw before sending anything. Await it at
   * startup to fail fast on a bad key.
   * @returns {Promise<void>}
   */
  async ready() {
    const s = stateOf(this);
    if (s.security !== null) await s.security.ready();
  }

  /**
   * Exchanges a wx.login code at /sns/jscode2session. The code is single-use:
   * this call is never retried.
   * @param {string} jsCode
   * @returns {Promise<{ openid: string, sessionKey: string, unionid?: string }>}
   */
  async code2Session(jsCode) {
    const s = stateOf(this);
    checkCode(jsCode, 'jsCode');
    const path = '/sns/jscode2session';
    const out = await oneCallPerCode(s, JSON.stringify([path, jsCode]), async () => {
      const secrets = [s.appSecret, jsCode];
      const reply = await exchange(s, path, { appid: s.appId, secret: s.appSecret, js_code: jsCode, grant_type: 'authorization_code' }, undefined, secrets, newCall(s));
      if (failed(reply)) throw apiError(path, reply, secrets);
      if (!isText(reply.openid, 256) || !isText(reply.session_key, 256)) throw unavailable(`${path} answered without openid and session_key`);
      const session = { openid: reply.openid, sessionKey: reply.session_key };
      if (isText(reply.unionid, 256)) session.unionid = reply.unionid;
      return session;
    });
    return ownCopy(out);
  }

  /**
   * Exchanges a getPhoneNumber button code at /wxa/business/getuserphonenumber.
   * Returns the PhoneInfo decryptPhone returns (countryCode always a string).
   * The watermark appid is checked only when WeChat states one: this reply
   * comes from WeChat over TLS, and WeChat's own example leaves it empty.
   * @param {string} code the code from the button's bindgetphonenumber event (not a wx.login code)
   * @param {{ openid?: string }} [options]
   */
  async getPhoneNumber(code, options) {
    const s = stateOf(this);
    checkCode(code, 'code');
    const opts = strictOptions(options, ['openid'], '{ openid }');
    if (opts.openid !== undefined) checkOpenid(opts.openid, 'options.openid');
    const path = '/wxa/business/getuserphonenumber';
    const body = opts.openid === undefined ? { code } : { code, openid: opts.openid };
    const key = JSON.stringify([path, code, opts.openid === undefined ? null : opts.openid]);
    const phone = await oneCallPerCode(s, key, async () => {
      const secrets = [s.appSecret, code];
      // The engine reads the reply: loaded before the first request (the web
      // entry's init()), or the call fails with no request made and the
      // single-use code unspent (tests/client/web-entry.test.mjs).
      await engineReady();
      const reply = await postWithToken(s, path, body, secrets);
      if (failed(reply)) throw apiError(path, reply, secrets);
      return phoneInfoOfReply(reply.phone_info, { appId: s.appId });
    });
    return ownCopy(phone);
  }

  /**
   * An access token: the stored one, else a fetch (one per process at a time,
   * one per fleet when the store has add()).
   * @param {{ forceRefresh?: boolean }} [options] forceRefresh: a new token
   *   (stable_token force_refresh, within WeChat's 20 a day, 30 s apart)
   * @returns {Promise<string>}
   */
  async getAccessToken(options) {
    const s = stateOf(this);
    const opts = strictOptions(options, ['forceRefresh'], '{ forceRefresh }');
    if (opts.forceRefresh !== undefined && typeof opts.forceRefresh !== 'boolean') throw invalidArgument('options.forceRefresh must be a boolean');
    const call = newCall(s);
    if (opts.forceRefresh) return forcedToken(s, call, null, null);
    return currentToken(s, call);
  }

  /**
   * Whether `sessionKey` is still the user's current session_key
   * (/wxa/checksession). WeChat's 87009 (signature invalid) is `false`.
   * @returns {Promise<boolean>}
   */
  async checkSessionKey(openid, sessionKey) {
    const s = stateOf(this);
    checkOpenid(openid, 'openid');
    checkSessionKeyArg(sessionKey);
    const path = '/wxa/checksession';
    const { reply, secrets } = await signedCall(s, path, openid, sessionKey);
    if (reply.errcode === 87009) return false;
    if (failed(reply)) throw apiError(path, reply, secrets);
    return true;
  }

  /**
   * Makes WeChat issue a new session_key for the user (/wxa/resetusersessionkey),
   * signed with the current one.
   * @returns {Promise<{ openid: string, sessionKey: string }>}
   */
  async resetSessionKey(openid, sessionKey) {
    const s = stateOf(this);
    checkOpenid(openid, 'openid');
    checkSessionKeyArg(sessionKey);
    const path = '/wxa/resetusersessionkey';
    const { reply, secrets } = await signedCall(s, path, openid, sessionKey);
    if (failed(reply)) throw apiError(path, reply, secrets);
    if (!isText(reply.openid, 256) || !isText(reply.session_key, 256)) throw unavailable(`${path} answered without openid and session_key`);
    return { openid: reply.openid, sessionKey: reply.session_key };
  }

  /**
   * Whether WeChat issued `encryptedData` in the last 3 days
   * (/wxa/business/checkencryptedmsg, phone-number data only): WeChat
   * compares the SHA-256 of the base64 text as it issued it (its UTF-8
   * bytes, not the decoded ciphertext). WeChat's errcode 1 ("data not
   * exit": unknown, older than 3 days, or another AppID's) is
   * `{ valid: false, createTime: null }`.
   * @param {string} encryptedData e.detail.encryptedData, as received
   * @returns {Promise<{ valid: boolean, createTime: number | null }>} createTime in unix seconds
   */
  async checkEncryptedData(encryptedData) {
    const s = stateOf(this);
    const text = issuedText(encryptedData);
    const path = '/wxa/business/checkencryptedmsg';
    const body = { encrypted_msg_hash: await sha256Hex(text) };
    const secrets = [s.appSecret];
    const reply = await postWithToken(s, path, body, secrets);
    if (reply.errcode === 1) return { valid: false, createTime: null };
    if (failed(reply)) throw apiError(path, reply, secrets);
    // "vaild" is WeChat's spelling of the member.
    if (typeof reply.vaild !== 'boolean') throw unavailable(`${path} answered without a boolean vaild`);
    const t = reply.create_time;
    return { valid: reply.vaild, createTime: isCount(t) && t > 0 ? t : null };
  }

  /**
   * The user's latest encryption keys (/wxa/business/getuserencryptkey, at
   * most 3, each living 3600 s), for data the Mini Program encrypted with
   * wx.getUserCryptoManager(); signed with the current session_key.
   * encryptKey and iv are secrets: never in an error, shown redacted by
   * util.inspect.
   * @returns {Promise<Array<{ encryptKey: string, version: number, expireIn: number, iv: string, createTime: number }>>}
   */
  async getUserEncryptKey(openid, sessionKey) {
    const s = stateOf(this);
    checkOpenid(openid, 'openid');
    checkSessionKeyArg(sessionKey);
    const path = '/wxa/business/getuserencryptkey';
    const { reply, secrets } = await signedCall(s, path, openid, sessionKey);
    if (failed(reply)) throw apiError(path, reply, secrets);
    const list = reply.key_info_list;
    if (!Array.isArray(list)) throw unavailable(`${path} answered without key_info_list`);
    const out = list.map(keyInfo);
    if (out.indexOf(null) >= 0) throw unavailable(`${path} answered a key_info_list entry without encrypt_key, iv (strings), version, expire_in and create_time (numbers)`);
    return out;
  }
}

