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
import { WxOpenDataError, invalidArgument } from './errors.mjs';
import { apiError, failureName, ridOf, unavailable } from './wechat-errors.mjs';
import { phoneInfoOfReply } from './cloud.mjs';
import { hmacSha256Hex } from './hmac.mjs';
import { MemoryStore, checkStore } from './store.mjs';
import { strictOptions, clock } from './options.mjs';

export { MemoryStore, ridOf };

const DEFAULT_BASE_URL = 'https://api.weixin.qq.com';
const DEFAULT_TIMEOUT_MS = 10000;
const OPTION_KEYS = ['appId', 'appSecret', 'baseUrl', 'fetch', 'store', 'timeoutMs', 'tokenEndpoint', 'now'];
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

const STATE = new WeakMap();

const isText = (v, max) => typeof v === 'string' && v.length > 0 && v.length <= max;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One HTTP exchange with WeChat, bounded by timeoutMs: it races a timer, so it
 * works where AbortController does not exist (Node < 15), and aborts the
 * request where it does. Resolves with the reply object; rejects with
 * WECHAT_UNAVAILABLE for a network failure, a timeout, HTTP 5xx, errcode -1
 * or a body that is not a JSON object. Other nonzero errcodes are returned
 * for the caller to map (token errors are retried there).
 */
function exchange(s, path, query, body, secrets) {
  let url = s.baseUrl + path;
  const keys = Object.keys(query);
  if (keys.length) url += `?${keys.map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(query[k])}`).join('&')}`;
  const init = body === undefined
    ? { method: 'GET' }
    : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const controller = typeof AbortController === 'function' ? new AbortController() : null;
  if (controller) init.signal = controller.signal;
  const ms = s.timeoutMs;

  const http = new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      try {
        if (controller) controller.abort();
      } catch (_) {
        // already finished
      }
      reject(unavailable(`${path} did not answer within ${ms} ms (timeoutMs)`));
    }, ms);
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    let status = 0;
    new Promise((go) => go(s.fetch(url, init)))
      .then((res) => {
        status = res && typeof res.status === 'number' ? res.status : 0;
        return res.text();
      })
      .then(
        (text) => finish(resolve, { status, text }),
        // Only a name such as ECONNRESET: fetch's message and cause can hold the URL.
        (e) => finish(reject, unavailable(`${path} failed (${failureName(e)})`)),
      );
  });

  return http.then(({ status, text }) => {
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
    const errcode = reply.errcode;
    if (errcode === -1) return Promise.reject(apiError(path, reply, secrets));
    if (errcode !== undefined && errcode !== 0 && typeof errcode !== 'number') {
      return Promise.reject(unavailable(`${path} answered with a malformed errcode`));
    }
    if ((errcode === undefined || errcode === 0) && (status < 200 || status > 299) && status !== 0) {
      return Promise.reject(unavailable(`${path} answered HTTP ${status}`));
    }
    return reply;
  });
}

const isTokenError = (reply) => TOKEN_ERRCODES.indexOf(reply.errcode) >= 0;
const failed = (reply) => typeof reply.errcode === 'number' && reply.errcode !== 0;

// --- access tokens ---------------------------------------------------------

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

/** The stored token, unless this process saw WeChat reject it. */
async function storedToken(s) {
  const value = await s.store.get(tokenKey(s));
  return typeof value === 'string' && value.length > 0 && !isBad(s, value) ? value : null;
}

/** Seconds to keep a token: until 5 minutes before it expires (half its life if shorter). */
function ttlOf(expiresIn) {
  const life = typeof expiresIn === 'number' && expiresIn > 0 ? Math.floor(expiresIn) : 7200;
  return Math.max(1, life - Math.min(300, Math.floor(life / 2)));
}

/** Asks WeChat for a token and stores it. */
async function fetchToken(s, force) {
  const secrets = [s.appSecret];
  let reply;
  if (s.tokenEndpoint === 'stable_token') {
    reply = await exchange(s, '/cgi-bin/stable_token', {}, { grant_type: 'client_credential', appid: s.appId, secret: s.appSecret, force_refresh: force }, secrets);
  } else {
    reply = await exchange(s, '/cgi-bin/token', { grant_type: 'client_credential', appid: s.appId, secret: s.appSecret }, undefined, secrets);
  }
  const path = `/cgi-bin/${s.tokenEndpoint}`;
  if (failed(reply)) throw apiError(path, reply, secrets);
  if (!isText(reply.access_token, 4096)) throw unavailable(`${path} answered without an access_token`);
  await s.store.set(tokenKey(s), reply.access_token, ttlOf(reply.expires_in));
  return reply.access_token;
}

/**
 * A fetch of a token, fleet-wide at most one at a time when the store has
 * add() (the others wait for the token it stores), else one per process.
 * `unless`: a token to ignore in the store (the one that just failed).
 * tests/client/redis-store.test.mjs "two Node processes ... fetch the token once".
 */
async function fetchTokenOnce(s, force, unless) {
  const usable = async () => {
    const t = await storedToken(s);
    return t !== null && t !== unless ? t : null;
  };
  // Another caller of this process (or of the fleet) may have just stored one.
  if (!force) {
    const t = await usable();
    if (t !== null) return t;
  }
  if (typeof s.store.add !== 'function') return fetchToken(s, force);
  const lockKey = `${tokenKey(s)}:lock`;
  const lockSeconds = Math.ceil(s.timeoutMs / 1000) + 2;
  const giveUpAt = s.now() + lockSeconds * 1000;
  for (;;) {
    if (await s.store.add(lockKey, String(s.now()), lockSeconds)) {
      try {
        // Look again under the lock: an instance that held it between our
        // first look and now has stored a token (double-checked locking).
        if (!force) {
          const t = await usable();
          if (t !== null) return t;
        }
        return await fetchToken(s, force);
      } finally {
        await s.store.delete(lockKey);
      }
    }
    // Another instance is fetching: wait for the token it stores.
    await sleep(LOCK_POLL_MS);
    const t = await usable();
    if (t !== null) return t;
    // Its fetch failed or hangs: fetch ourselves once the lock should have lapsed.
    if (s.now() > giveUpAt) return fetchToken(s, force);
  }
}

/** Concurrent callers of one process share one fetch (one per kind: plain, forced); tests/client/tokens.test.mjs "200 concurrent". */
function sharedFetch(s, force, unless) {
  const kind = force ? 'forced' : 'plain';
  if (!s.inflight[kind]) {
    s.inflight[kind] = fetchTokenOnce(s, force, unless).then(
      (t) => {
        s.inflight[kind] = null;
        return t;
      },
      (e) => {
        s.inflight[kind] = null;
        throw e;
      },
    );
  }
  return s.inflight[kind];
}

/**
 * Records a forced refresh if WeChat's limits allow one now (20 in any 24
 * hours, 30 s apart; counted in the store, so a fleet shares the count).
 * tests/client/tokens.test.mjs "forced refreshes: at most 20 in 24 hours".
 */
async function mayForce(s) {
  const key = `${s.appId}:stable_token:forced`;
  const now = s.now();
  let times = [];
  try {
    const raw = await s.store.get(key);
    const parsed = typeof raw === 'string' ? JSON.parse(raw) : [];
    if (Array.isArray(parsed)) times = parsed.filter((t) => typeof t === 'number' && now - t < DAY_MS);
  } catch (_) {
    times = [];
  }
  if (times.length >= FORCE_PER_DAY) return false;
  if (times.length && now - Math.max.apply(null, times) < FORCE_GAP_MS) return false;
  times.push(now);
  await s.store.set(key, JSON.stringify(times), DAY_MS / 1000);
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
 * or a new /cgi-bin/token (every fetch there is a new token).
 */
async function forcedToken(s, failing, reply) {
  if (s.tokenEndpoint === 'stable_token' && !(await mayForce(s))) {
    throw forceRefused(reply ? reply.errcode : null, reply ? ridOf(reply.errmsg) : null);
  }
  return sharedFetch(s, true, failing);
}

/**
 * After WeChat rejected `failing` (40001/40014/42001): forget it (this
 * process never uses it again; a fresh token overwrites it in the store),
 * then take a token another instance already stored, else ask WeChat without
 * force_refresh (another instance may have renewed it), and force only if
 * WeChat hands back the failing token.
 */
async function renewAfter(s, failing, reply) {
  markBad(s, failing);
  const fresh = await sharedFetch(s, false, failing);
  if (fresh !== failing) return fresh;
  return forcedToken(s, failing, reply);
}

/**
 * Runs `call(token)`; on a token error, renews the token and runs it once
 * more. Safe for getuserphonenumber too: WeChat checks the access_token before
 * it looks at the code, so a token error means the code was not consumed
 * (tests/client/tokens.test.mjs "a phone code survives a token error").
 */
async function withToken(s, call) {
  const token = await currentToken(s);
  const reply = await call(token);
  if (!isTokenError(reply)) return reply;
  const fresh = await renewAfter(s, token, reply);
  return call(fresh);
}

async function currentToken(s) {
  const t = await storedToken(s);
  return t !== null ? t : sharedFetch(s, false, null);
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

/** A GET signed with the session key (checksession, resetusersessionkey), retried once on a token error. */
async function signedCall(s, path, openid, sessionKey) {
  const signature = await hmacSha256Hex(sessionKey, '');
  const secrets = [s.appSecret, sessionKey, signature];
  const reply = await withToken(s, (token) => {
    secrets.push(token);
    return exchange(s, path, { access_token: token, openid, signature, sig_method: 'hmac_sha256' }, undefined, secrets);
  });
  return { reply, secrets };
}

export class WeChatClient {
  /**
   * @param {object} options
   * @param {string} options.appId        the Mini Program's AppID
   * @param {string} options.appSecret    its AppSecret (never in an error, a log line or util.inspect)
   * @param {string} [options.baseUrl]    default https://api.weixin.qq.com (tests: the mock's baseUrl)
   * @param {Function} [options.fetch]    default the global fetch (Node >= 18); inject one on older Node
   * @param {object} [options.store]      { get, set, delete, add? }; default a MemoryStore
   * @param {number} [options.timeoutMs]  per HTTP exchange, default 10000
   * @param {'stable_token' | 'token'} [options.tokenEndpoint] default 'stable_token'
   * @param {() => number} [options.now]  clock: milliseconds since the epoch, like Date.now (tests)
   */
  constructor(options) {
    if (options === undefined) throw invalidArgument('options must be an object like { appId, appSecret }');
    strictOptions(options, OPTION_KEYS, '{ appId, appSecret }', 'options', ['appId', 'appSecret'], {
      appId: 'is process.env.WX_APPID, or wherever it comes from, set?',
      appSecret: 'is process.env.WX_SECRET, or wherever it comes from, set?',
    });
    const { appId, appSecret, baseUrl = DEFAULT_BASE_URL, store, timeoutMs = DEFAULT_TIMEOUT_MS, tokenEndpoint = 'stable_token', now = Date.now } = options;
    if (!isText(appId, 64) || !/^[\w-]+$/.test(appId)) throw invalidArgument('options.appId must be the Mini Program\'s AppID (e.g. "wx" and 16 hex digits)');
    if (!isText(appSecret, 256)) throw invalidArgument('options.appSecret must be a non-empty string');
    if (typeof baseUrl !== 'string' || !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(baseUrl)) {
      throw invalidArgument('options.baseUrl must be an http(s) URL without query or fragment');
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
      badTokens: new Map(),
    });
  }

  /** The AppID this client calls WeChat for. */
  get appId() {
    return stateOf(this).appId;
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
    const secrets = [s.appSecret, jsCode];
    const reply = await exchange(s, path, { appid: s.appId, secret: s.appSecret, js_code: jsCode, grant_type: 'authorization_code' }, undefined, secrets);
    if (failed(reply)) throw apiError(path, reply, secrets);
    if (!isText(reply.openid, 256) || !isText(reply.session_key, 256)) throw unavailable(`${path} answered without openid and session_key`);
    const out = { openid: reply.openid, sessionKey: reply.session_key };
    if (isText(reply.unionid, 256)) out.unionid = reply.unionid;
    return out;
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
    const secrets = [s.appSecret, code];
    const reply = await withToken(s, (token) => {
      secrets.push(token);
      return exchange(s, path, { access_token: token }, body, secrets);
    });
    if (failed(reply)) throw apiError(path, reply, secrets);
    return phoneInfoOfReply(reply.phone_info, { appId: s.appId });
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
    if (opts.forceRefresh) return forcedToken(s, null, null);
    return currentToken(s);
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
}

Object.defineProperty(WeChatClient.prototype, Symbol.toStringTag, { value: 'WeChatClient', configurable: true });
