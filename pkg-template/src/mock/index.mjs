// wx-open-data/mock: a local stand-in for WeChat's server API, for tests of
// code that uses WeChatClient (or calls WeChat itself). Node only: node:http
// on 127.0.0.1, in memory, offline; node:crypto for what the WeChat app does
// on the phone (AES-128-CBC for encryptedData), never in the package proper.
//
// Server API (paths, parameters, reply shapes and errcodes as WeChat's):
//   GET  /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code
//   POST /cgi-bin/stable_token {grant_type, appid, secret, force_refresh}
//   GET  /cgi-bin/token?grant_type=client_credential&appid&secret
//   POST /wxa/business/getuserphonenumber?access_token  {code, openid?}
//   GET  /wxa/checksession?access_token&openid&signature&sig_method=hmac_sha256
//   GET  /wxa/resetusersessionkey?access_token&openid&signature&sig_method=hmac_sha256
//   POST /wxa/business/checkencryptedmsg?access_token  {encrypted_msg_hash}
//   GET  /wxa/business/getuserencryptkey?access_token&openid&signature&sig_method=hmac_sha256
// With apiSecurity, the last three speak WeChat's API security mode (see
// ./api-security.mjs): requests must come encrypted and signed (a POST for
// getuserencryptkey too, its parameters in the plaintext), replies come back
// encrypted and signed; mock.apiSecurity holds the client's keys.
// The WeChat app and the Cloud Base platform, for pages that play them over
// HTTP (not WeChat URLs):
//   POST /__client/login {user}, /__client/checkSession {user},
//   POST /__client/getPhoneNumber {user}, /__platform/cloudID {cloudID}
//
// Behaviour that tests rely on: codes are single-use and live 5 minutes; every
// login rotates the user's session_key; the access_token is checked before
// anything else (so a token error never consumes a code); stable_token
// returns the same token until it expires or is force-refreshed (the old one
// then stays valid 5 more minutes), at most 20 forced refreshes a day, 30 s
// apart; every /cgi-bin/token fetch invalidates that endpoint's previous token.
import { createServer, STATUS_CODES } from 'node:http';
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { createMockSecurity, SECURITY_FAULTS, SECURED } from './api-security.mjs';

const CODE_TTL_S = 300;
const TOKEN_TTL_S = 7200;
const STABLE_OVERLAP_S = 300;
const FORCE_GAP_S = 30;
const FORCE_PER_DAY = 20;
const BODY_LIMIT = 16 * 1024;
/** checkencryptedmsg knows encryptedData for 3 days; each user encrypt key lives 3600 s, the latest 3 are listed. */
const ENCRYPTED_TTL_S = 3 * 86400;
const ENCRYPT_KEY_TTL_S = 3600;
const ENCRYPT_KEYS_LISTED = 3;

const FAULT_KINDS = ['latency', 'hang', 'http5xx', 'busy', 'rateLimit', 'nonJson', 'reset', 'errcode'].concat(SECURITY_FAULTS);
const API_PATHS = {
  '/sns/jscode2session': 'jscode2session',
  '/cgi-bin/stable_token': 'stable_token',
  '/cgi-bin/token': 'token',
  '/wxa/business/getuserphonenumber': 'getuserphonenumber',
  '/wxa/checksession': 'checksession',
  '/wxa/resetusersessionkey': 'resetusersessionkey',
  '/wxa/business/checkencryptedmsg': 'checkencryptedmsg',
  '/wxa/business/getuserencryptkey': 'getuserencryptkey',
};

const hex = (n) => randomBytes(n).toString('hex');
const urlsafe = (n) => randomBytes(n).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
/** WeChat's request id: three groups of 8 hex digits. */
const rid = () => `${hex(4)}-${hex(4)}-${hex(4)}`;
/** An error reply in WeChat's format: `invalid code hint: [qKhDWV0sf-0s77ta] rid: 62fa5928-4e8b95ea-7539a513`. */
const wxError = (errcode, text) => ({ errcode, errmsg: `${text} hint: [${urlsafe(12)}] rid: ${rid()}` });
/** wx-server-sdk's CloudSDKError: an Error with errCode and errMsg, its message `errCode: -501001 | errMsg: ...`. */
const sdkError = (errCode, errMsg) => Object.assign(new Error(`errCode: ${errCode} | errMsg: ${errMsg}`), { errCode, errMsg });

/**
 * Starts a mock WeChat on 127.0.0.1.
 * @param {object} options
 * @param {string} options.appId
 * @param {string} options.appSecret
 * @param {number} [options.port]  default 0 (any free port)
 * @param {() => number} [options.now]  clock: milliseconds since the epoch, like Date.now; advanceTime() adds to it
 * @param {string} [options.watermarkAppid]  the appid in getuserphonenumber's watermark (default appId; '' as in WeChat's example)
 * @param {true | { algorithm?: 'RSA' | 'SM' }} [options.apiSecurity]  speak WeChat's API security mode (keys in mock.apiSecurity)
 */
export async function startMockWeChat(options) {
  const opts = options || {};
  const known = ['appId', 'appSecret', 'port', 'host', 'now', 'watermarkAppid', 'apiSecurity'];
  for (const key of Object.keys(opts)) if (known.indexOf(key) < 0) throw new TypeError(`startMockWeChat: unknown option ${key}`);
  const { appId, appSecret, port = 0, host = '127.0.0.1', now = Date.now, watermarkAppid = appId } = opts;
  if (typeof appId !== 'string' || !appId || typeof appSecret !== 'string' || !appSecret) {
    throw new TypeError('startMockWeChat: appId and appSecret (strings) are required');
  }
  // `now` is milliseconds since the epoch, as everywhere in the package: a
  // clock in seconds would make every code and token look decades old
  // (tests/client/mock.test.mjs "now is milliseconds").
  const MILLIS = 'a function returning milliseconds since the epoch, like Date.now';
  if (typeof now !== 'function') throw new TypeError(`startMockWeChat: now must be ${MILLIS}`);
  const first = now();
  if (typeof first !== 'number' || !(first >= 1e11)) {
    throw new TypeError(`startMockWeChat: now must be ${MILLIS}; it returned ${typeof first === 'number' ? `${first}, before 1973 in milliseconds, so it looks like seconds: multiply by 1000` : typeof first}`);
  }
  let offsetMs = 0;
  const nowS = () => Math.floor((now() + offsetMs) / 1000);
  const securityOption = opts.apiSecurity;
  const algorithm = securityOption === true ? 'RSA' : securityOption && typeof securityOption === 'object' ? securityOption.algorithm || 'RSA' : null;
  if (securityOption !== undefined && securityOption !== false && algorithm !== 'RSA' && algorithm !== 'SM') {
    throw new TypeError("startMockWeChat: apiSecurity must be true or { algorithm: 'RSA' | 'SM' }");
  }

  const users = new Map(); // name -> user
  const byOpenid = new Map(); // openid -> user
  const loginCodes = new Map(); // code -> { user, issuedAt, used }
  const phoneCodes = new Map(); // code -> { user, issuedAt, used }
  const cloudIDs = new Map(); // cloudID -> { cloudID, data }
  const encryptedHashes = new Map(); // sha256 hex of an issued encryptedData string -> unix seconds issued
  const tokens = new Map(); // access_token -> { source, expiresAt, revoked }
  const stable = { current: null, stuck: false };
  let plainToken = null; // the current /cgi-bin/token token
  const forced = []; // unix seconds of forced stable_token refreshes
  const issued = [appSecret];
  const counters = {
    requests: 0,
    jscode2session: 0,
    stable_token: 0,
    stable_token_forced: 0,
    token: 0,
    getuserphonenumber: 0,
    checksession: 0,
    resetusersessionkey: 0,
    checkencryptedmsg: 0,
    getuserencryptkey: 0,
    tokensIssued: 0,
  };
  let faults = [];
  let phoneSeq = 0;
  let lastUser = null; // the user the client last acted for (cloud.getWXContext)

  const remember = (secret) => {
    issued.push(secret);
    return secret;
  };

  // The security .wasm (certificates, SM2/SM4) loads only for a mock in the mode.
  const security = algorithm === null
    ? null
    : createMockSecurity({
      algorithm,
      appId,
      nowS,
      nowMs: () => now() + offsetMs,
      engine: await (await import('../security-engine.mjs')).loadSecurityEngine(),
      remember,
    });

  function user(name) {
    let u = users.get(name);
    if (!u) {
      const pure = `1358000${String(6666 + phoneSeq).padStart(4, '0')}`;
      phoneSeq += 1;
      u = {
        name,
        openid: `o${urlsafe(21)}`,
        unionid: `u${urlsafe(21)}`,
        phone: { phoneNumber: pure, purePhoneNumber: pure, countryCode: '86' },
        sessionKey: null,
        risky: false,
        encryptKeys: [], // { encrypt_key, iv, version, create_time }, oldest first
      };
      users.set(name, u);
      byOpenid.set(u.openid, u);
    }
    return u;
  }

  function mintToken(source) {
    const t = remember(`${Math.floor(Math.random() * 90 + 10)}_${urlsafe(96)}`);
    tokens.set(t, { source, expiresAt: nowS() + TOKEN_TTL_S, revoked: false });
    counters.tokensIssued += 1;
    return t;
  }

  /** null if the token is good, else WeChat's reply for it (checked before anything else). */
  function tokenProblem(token) {
    if (typeof token !== 'string' || !/^[\w-]{16,}$/.test(token)) return wxError(40014, 'invalid access_token');
    const t = tokens.get(token);
    if (!t || t.revoked) return wxError(40001, 'invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r');
    if (t.expiresAt <= nowS()) return wxError(42001, 'access_token expired');
    return null;
  }

  function checkCredentials(appid, secret) {
    if (appid !== appId) return wxError(40013, 'invalid appid');
    if (secret !== appSecret) return wxError(40125, 'invalid appsecret');
    return null;
  }

  function takeCode(codes, code, usedErr) {
    const c = typeof code === 'string' ? codes.get(code) : undefined;
    if (!c || nowS() - c.issuedAt > CODE_TTL_S) return { error: wxError(40029, 'invalid code') };
    if (c.used) return { error: usedErr };
    c.used = true;
    return { user: users.get(c.user) };
  }

  const signatureOf = (sessionKey) => createHmac('sha256', Buffer.from(sessionKey, 'utf8')).update('').digest('hex');

  function signedUser(q) {
    const problem = tokenProblem(q.get('access_token'));
    if (problem) return { error: problem };
    const u = byOpenid.get(q.get('openid') || '');
    if (!u || !u.sessionKey) return { error: wxError(40003, 'invalid openid') };
    if (q.get('sig_method') !== 'hmac_sha256') return { error: wxError(87009, 'invalid signature') };
    if (q.get('signature') !== signatureOf(u.sessionKey)) return { error: wxError(87009, 'invalid signature') };
    return { user: u };
  }

  function rotateSessionKey(u) {
    u.sessionKey = remember(randomBytes(16).toString('base64'));
    return u.sessionKey;
  }

  const api = {
    'GET /sns/jscode2session': (q) => {
      const bad = checkCredentials(q.get('appid'), q.get('secret'));
      if (bad) return bad;
      if (q.get('grant_type') !== 'authorization_code') return wxError(40002, 'invalid grant_type');
      const { error, user: u } = takeCode(loginCodes, q.get('js_code'), wxError(40163, 'code been used'));
      if (error) return error;
      if (u.risky) return wxError(40226, 'invalid login, high risk user');
      const out = { session_key: u.sessionKey, openid: u.openid };
      if (u.unionid) out.unionid = u.unionid;
      return out;
    },
    'POST /cgi-bin/stable_token': (_q, body) => {
      if (!body || body.grant_type !== 'client_credential') return wxError(40002, 'invalid grant_type');
      const bad = checkCredentials(body.appid, body.secret);
      if (bad) return bad;
      const force = body.force_refresh === true;
      const cur = stable.current && tokens.get(stable.current);
      const live = cur && !cur.revoked && cur.expiresAt > nowS();
      if (force) {
        counters.stable_token_forced += 1;
        const day = forced.filter((t) => nowS() - t < 86400);
        if (day.length >= FORCE_PER_DAY) return wxError(45009, 'reach max api daily quota limit');
        if (day.length && nowS() - day[day.length - 1] < FORCE_GAP_S) return wxError(45011, 'api minute-quota reach limit  mustslower  retry next minute');
        forced.push(nowS());
        // The old token stays valid 5 more minutes, so instances still using it do not fail.
        if (live) cur.expiresAt = Math.min(cur.expiresAt, nowS() + STABLE_OVERLAP_S);
        stable.current = mintToken('stable');
        stable.stuck = false;
      } else if (!live && !(stable.stuck && cur)) {
        stable.current = mintToken('stable');
      }
      return { access_token: stable.current, expires_in: Math.max(0, tokens.get(stable.current).expiresAt - nowS()) };
    },
    'GET /cgi-bin/token': (q) => {
      if (q.get('grant_type') !== 'client_credential') return wxError(40002, 'invalid grant_type');
      const bad = checkCredentials(q.get('appid'), q.get('secret'));
      if (bad) return bad;
      // Every fetch replaces the previous token: instances that each fetch one
      // invalidate each other's (why the client defaults to stable_token).
      if (plainToken && tokens.get(plainToken)) tokens.get(plainToken).revoked = true;
      plainToken = mintToken('token');
      return { access_token: plainToken, expires_in: TOKEN_TTL_S };
    },
    'POST /wxa/business/getuserphonenumber': (q, body) => {
      // The token first: a token error leaves the code unused.
      const problem = tokenProblem(q.get('access_token'));
      if (problem) return problem;
      if (!body || typeof body.code !== 'string') return wxError(47001, 'data format error');
      // A wx.login code (or any other string) is simply not a phone code: 40029.
      const { error, user: u } = takeCode(phoneCodes, body.code, wxError(40029, 'invalid code'));
      if (error) return error;
      return {
        errcode: 0,
        errmsg: 'ok',
        phone_info: {
          phoneNumber: u.phone.phoneNumber,
          purePhoneNumber: u.phone.purePhoneNumber,
          // A number, as in WeChat's documented example (the client normalises it).
          countryCode: /^\d+$/.test(u.phone.countryCode) ? Number(u.phone.countryCode) : u.phone.countryCode,
          watermark: { timestamp: nowS(), appid: watermarkAppid },
        },
      };
    },
    'GET /wxa/checksession': (q) => {
      const { error } = signedUser(q);
      return error || { errcode: 0, errmsg: 'ok' };
    },
    'GET /wxa/resetusersessionkey': (q) => {
      const { error, user: u } = signedUser(q);
      if (error) return error;
      return { errcode: 0, errmsg: 'ok', openid: u.openid, session_key: rotateSessionKey(u) };
    },
    'POST /wxa/business/checkencryptedmsg': (q, body) => {
      const problem = tokenProblem(q.get('access_token'));
      if (problem) return problem;
      if (!body || typeof body.encrypted_msg_hash !== 'string') return wxError(47001, 'data format error');
      if (!/^[0-9a-fA-F]{64}$/.test(body.encrypted_msg_hash)) return wxError(40097, 'invalid args');
      const at = encryptedHashes.get(body.encrypted_msg_hash.toLowerCase());
      // WeChat's documented answer for data it does not know, older than 3 days included.
      if (at === undefined || nowS() - at > ENCRYPTED_TTL_S) return wxError(1, 'data not exit');
      return { errcode: 0, errmsg: 'ok', vaild: true, create_time: at };
    },
    'GET /wxa/business/getuserencryptkey': (q) => {
      const { error, user: u } = signedUser(q);
      if (error) return error;
      latestEncryptKey(u);
      const listed = u.encryptKeys.slice(-ENCRYPT_KEYS_LISTED).reverse();
      return {
        errcode: 0,
        errmsg: 'ok',
        key_info_list: listed.map((k) => ({
          encrypt_key: k.encrypt_key,
          version: k.version,
          expire_in: Math.max(0, k.create_time + ENCRYPT_KEY_TTL_S - nowS()),
          iv: k.iv,
          create_time: k.create_time,
        })),
      };
    },
  };

  /**
   * The user's latest encryption key, a new one once it is 3600 s old: the
   * one getuserencryptkey lists first and wx.getUserCryptoManager()'s
   * getLatestUserKey returns.
   */
  function latestEncryptKey(u) {
    const latest = u.encryptKeys[u.encryptKeys.length - 1];
    if (latest && nowS() - latest.create_time < ENCRYPT_KEY_TTL_S) return latest;
    const key = {
      encrypt_key: remember(randomBytes(16).toString('base64')),
      iv: remember(hex(8)),
      version: latest ? latest.version + 1 : 1,
      create_time: nowS(),
    };
    u.encryptKeys.push(key);
    return key;
  }

  /** What the WeChat app does on the phone. */
  const client = {
    /** wx.login: a new single-use code, and a new session_key for the user. */
    login(name = 'user') {
      const u = user(name);
      lastUser = name;
      rotateSessionKey(u);
      const code = remember(urlsafe(24));
      loginCodes.set(code, { user: name, issuedAt: nowS(), used: false });
      return { errMsg: 'login:ok', code };
    },
    /** The getPhoneNumber button's event detail: code, encryptedData + iv (with the session_key the user holds now), cloudID. */
    getPhoneNumber(name = 'user') {
      const u = users.get(name);
      if (!u || !u.sessionKey) throw new Error('mock client: getPhoneNumber before login (call client.login first)');
      lastUser = name;
      const data = { ...u.phone, watermark: { timestamp: nowS(), appid: appId } };
      const iv = randomBytes(16);
      const cipher = createCipheriv('aes-128-cbc', Buffer.from(u.sessionKey, 'base64'), iv);
      const encryptedData = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]).toString('base64');
      // What checkencryptedmsg knows: the SHA-256 of the base64 text as issued.
      encryptedHashes.set(createHash('sha256').update(encryptedData, 'utf8').digest('hex'), nowS());
      const cloudID = remember(`${Math.floor(Math.random() * 90 + 10)}_${urlsafe(40)}`);
      cloudIDs.set(cloudID, { cloudID, data });
      const code = remember(urlsafe(48));
      phoneCodes.set(code, { user: name, issuedAt: nowS(), used: false });
      return { errMsg: 'getPhoneNumber:ok', code, encryptedData, iv: iv.toString('base64'), cloudID };
    },
    /** wx.getUserCryptoManager().getLatestUserKey(): the key getuserencryptkey lists first for this user (expireTime in unix seconds). */
    getLatestUserKey(name = 'user') {
      const u = users.get(name);
      if (!u || !u.sessionKey) throw new Error('mock client: getLatestUserKey before login (call client.login first)');
      lastUser = name;
      const k = latestEncryptKey(u);
      return { errMsg: 'getLatestUserKey:ok', encryptKey: k.encrypt_key, iv: k.iv, version: k.version, expireTime: k.create_time + ENCRYPT_KEY_TTL_S };
    },
    /** wx.checkSession: whether the user's login state is current. */
    checkSession(name = 'user') {
      const u = users.get(name);
      return Boolean(u && u.sessionKey);
    },
    /** Test hooks: the user's openid, the session_key WeChat holds, the phone number. */
    openidOf: (name = 'user') => user(name).openid,
    sessionKeyOf: (name = 'user') => (users.get(name) ? users.get(name).sessionKey : null),
    phoneOf: (name = 'user') => ({ ...user(name).phone }),
    setPhone(name, phone) {
      user(name).phone = { ...phone };
    },
    /** WeChat's risk control blocks this user's logins (jscode2session 40226). */
    markRisky(name = 'user', risky = true) {
      user(name).risky = risky;
    },
  };

  /**
   * What wx-server-sdk does in a cloud function, for the cloud helpers'
   * tests, in the SDK's shapes: success resolves { errCode: 0, errMsg, ... };
   * every failure rejects with the SDK's error (an Error with errCode and
   * errMsg): WeChat's errcode when WeChat answered (40029, 45011, -1), the
   * SDK's -501001 when its request failed in transit. The mock's faults
   * apply: those without a path, and those for getuserphonenumber's path
   * (the API the cloud call reaches), to getPhoneNumber; those without a
   * path, or with the path 'cloud.getOpenData', to getOpenData.
   * tests/client/cloud.test.mjs "mock.cloud: each fault".
   */
  const cloud = {
    openapi: {
      phonenumber: {
        async getPhoneNumber({ code } = {}) {
          const api = 'openapi.phonenumber.getPhoneNumber';
          await cloudFault(api, '/wxa/business/getuserphonenumber');
          const { error, user: u } = takeCode(phoneCodes, code, wxError(40029, 'invalid code'));
          if (error) throw sdkError(error.errcode, `${api}:fail ${error.errmsg}`);
          return {
            errCode: 0,
            errMsg: `${api}:ok`,
            phoneInfo: { ...u.phone, watermark: { timestamp: nowS(), appid: watermarkAppid } },
          };
        },
      },
    },
    /** cloud.getOpenData({ list: [cloudID] }) -> { list: [{ cloudID, data }] } */
    async getOpenData({ list } = {}) {
      await cloudFault('getOpenData', 'cloud.getOpenData');
      return { list: (list || []).map((id) => (cloudIDs.has(id) ? cloudIDs.get(id) : { cloudID: id, errCode: -601006, errMsg: 'cloudID not found' })) };
    },
    /**
     * cloud.getWXContext() in a function the Mini Program called: APPID, and
     * the OPENID and UNIONID of the user the mock's client last acted for
     * (login or getPhoneNumber); ENV and SOURCE as the platform sets them.
     */
    getWXContext() {
      const u = lastUser === null ? null : users.get(lastUser);
      const ctx = { APPID: appId, ENV: 'mock-env', SOURCE: 'wx_client' };
      if (u) Object.assign(ctx, { OPENID: u.openid, UNIONID: u.unionid });
      return ctx;
    },
  };

  /**
   * The fault for a cloud call, as wx-server-sdk would surface it: latency
   * waits `ms`; busy and rateLimit reject with WeChat's errcode (-1, 45011);
   * a failure in transit rejects with the SDK's -501001 and the transport
   * error's text (hang: the SDK's request timeout, after `ms`; reset: the
   * socket hang-up; http5xx: the status line; nonJson: the unreadable body).
   */
  async function cloudFault(api, path) {
    const f = faultFor(path);
    if (!f) return;
    const delay = (ms) => new Promise((r) => setTimeout(r, ms));
    const inTransit = (text) => sdkError(-501001, `${api}:fail ${text}; at ${api} api; `);
    if (f.kind === 'latency') return void (await delay(f.ms));
    if (f.kind === 'hang') {
      await delay(f.ms);
      throw inTransit('ESOCKETTIMEDOUT');
    }
    if (f.kind === 'reset') throw inTransit('socket hang up');
    if (f.kind === 'http5xx') throw inTransit(`${f.status} ${STATUS_CODES[f.status] || ''}`.trim());
    if (f.kind === 'nonJson') throw sdkError(-501001, `${api}:fail unknown response <html><body>please try again later</body></html>`);
    if (f.kind === 'busy') throw sdkError(-1, `${api}:fail system error rid: ${rid()}`);
    if (f.kind === 'rateLimit') throw sdkError(45011, `${api}:fail ${wxError(45011, 'api minute-quota reach limit  mustslower  retry next minute').errmsg}`);
    if (f.kind === 'errcode') throw sdkError(f.errcode, `${api}:fail ${wxError(f.errcode, f.errmsg).errmsg}`);
  }

  // --- faults ---
  function fault(kind, where) {
    if (FAULT_KINDS.indexOf(kind) < 0) throw new TypeError(`mock fault: kind must be one of ${FAULT_KINDS.join(', ')}`);
    const f = { kind, path: null, times: Infinity, ms: 0, status: 502, errcode: -1, errmsg: 'injected error', ...(where || {}) };
    if (kind === 'errcode' && (typeof f.errcode !== 'number' || typeof f.errmsg !== 'string')) throw new TypeError('mock fault errcode: errcode must be a number, errmsg a string');
    faults.push(f);
    return { clear: () => { faults = faults.filter((x) => x !== f); } };
  }
  /** The first fault for `path`; a security fault (SECURITY_FAULTS) only for a reply in the mode (`secured`). */
  function faultFor(path, secured) {
    const f = faults.find((x) => x.times > 0 && (x.path === null || x.path === path) && (secured === true || SECURITY_FAULTS.indexOf(x.kind) < 0));
    if (f) f.times -= 1;
    return f || null;
  }

  // --- HTTP ---
  const sockets = new Set();
  const headers = { 'content-type': 'application/json; charset=utf-8' };
  // writeHead, then end: Node 10's writeHead returns nothing to chain on
  // (the runtime matrix runs the mock there, harness/cloud-tools).
  const reply = (res, status, head, body) => {
    res.writeHead(status, head);
    res.end(body);
  };
  const send = (res, status, value, extra) => {
    if (res.destroyed || res.writableEnded || res.finished) return;
    reply(res, status, { ...headers, ...(extra || {}) }, JSON.stringify(value));
  };

  async function handle(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1');
    const path = url.pathname;
    if (path.startsWith('/__client/') || path.startsWith('/__platform/')) return handleStandIn(req, res, path);
    const name = API_PATHS[path];
    counters.requests += 1;
    if (name) counters[name] += 1;
    const secured = security !== null && SECURED.indexOf(path) >= 0;
    const f = name ? faultFor(path, secured) : null;
    if (f && SECURITY_FAULTS.indexOf(f.kind) < 0) {
      if (f.kind === 'hang') return undefined; // the socket stays open until the client gives up or close()
      if (f.kind === 'reset') return void req.socket.destroy();
      if (f.kind === 'latency') await new Promise((r) => setTimeout(r, f.ms));
      if (f.kind === 'http5xx') return reply(res, f.status, { 'content-type': 'text/html' }, `<html><body>${f.status}</body></html>`);
      if (f.kind === 'nonJson') return reply(res, 200, { 'content-type': 'text/html' }, '<html><body>please try again later</body></html>');
      if (f.kind === 'busy') return send(res, 200, { errcode: -1, errmsg: `system error rid: ${rid()}` });
      if (f.kind === 'rateLimit') return send(res, 200, wxError(45011, 'api minute-quota reach limit  mustslower  retry next minute'));
      if (f.kind === 'errcode') return send(res, 200, wxError(f.errcode, f.errmsg));
    }
    if (secured) return handleSecured(req, res, url, f ? f.kind : null);
    const route = api[`${req.method} ${path}`];
    if (!route) return send(res, 404, { errcode: -1, errmsg: `no such api rid: ${rid()}` });
    let body;
    if (req.method === 'POST') {
      try {
        body = await readJson(req);
      } catch (_) {
        return send(res, 200, wxError(47001, 'data format error'));
      }
    }
    if (res.destroyed) return undefined;
    return send(res, 200, route(url.searchParams, body)); // WeChat answers errors with HTTP 200 and an errcode
  }

  /**
   * An API of the mode: WeChat's checks of the request (a plain errcode
   * 40231-40240 when one fails), then the API with the request's fields as
   * its query parameters and body, then the reply encrypted and signed
   * (`kind`: a security fault breaking one check of it).
   */
  async function handleSecured(req, res, url, kind) {
    const path = url.pathname;
    if (req.method !== 'POST') return send(res, 200, wxError(40235, 'invalid encryption'));
    let raw;
    try {
      raw = await readText(req);
    } catch (_) {
      return send(res, 200, wxError(47001, 'data format error'));
    }
    const opened = security.openRequest(path, req.headers, raw);
    if (!opened.fields) return send(res, 200, wxError(opened.errcode, opened.errmsg));
    const q = new URLSearchParams(url.searchParams);
    for (const [k, v] of Object.entries(opened.fields)) if (typeof v === 'string') q.set(k, v);
    const route = api[`POST ${path}`] || api[`GET ${path}`];
    const result = route(q, opened.fields);
    if (res.destroyed || res.writableEnded || res.finished) return undefined;
    const { headers: extra, body } = security.sealReply(path, result, kind);
    return reply(res, 200, { ...headers, ...extra }, body);
  }

  async function handleStandIn(req, res, path) {
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type' };
    if (req.method === 'OPTIONS') return reply(res, 204, cors);
    let body;
    try {
      body = await readJson(req);
    } catch (_) {
      return send(res, 400, { errMsg: 'bad request' }, cors);
    }
    const name = body && typeof body.user === 'string' && /^[\w.-]{1,64}$/.test(body.user) ? body.user : null;
    try {
      if (path === '/__client/login' && name) return send(res, 200, client.login(name), cors);
      if (path === '/__client/checkSession' && name) return send(res, 200, { valid: client.checkSession(name) }, cors);
      if (path === '/__client/getPhoneNumber' && name) return send(res, 200, client.getPhoneNumber(name), cors);
      if (path === '/__platform/cloudID' && body && cloudIDs.has(body.cloudID)) return send(res, 200, cloudIDs.get(body.cloudID), cors);
    } catch (e) {
      return send(res, 400, { errMsg: `fail ${e.message}` }, cors);
    }
    return send(res, 404, { errMsg: 'not found' }, cors);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { errcode: -1, errmsg: 'mock failure' }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();

  return {
    baseUrl: `http://${host}:${address.port}`,
    client,
    cloud,
    counters,
    /** Adds a fault: kind one of latency (ms), hang, http5xx (status), busy (-1), rateLimit (45011), nonJson, reset, errcode (errcode, errmsg: that WeChat error reply); with apiSecurity, a reply of the mode broken one way: tamperReply, tamperSignature, unknownCertificate, staleTimestamp, futureTimestamp (301 s off), wrongAppid, timestampMismatch, plainSuccess (plain JSON, no headers), badEnvelope, plaintextNotJson; path (default every API path and mock.cloud call), times (default unlimited). */
    fault,
    clearFaults() {
      faults = [];
    },
    /** Moves the mock's clock forward (codes expire after 300 s, tokens after 7200 s). */
    advanceTime(seconds) {
      offsetMs += seconds * 1000;
    },
    /** Every access token in use answers 40001 (as after WeChat revoked them); stable_token then issues a new one. */
    invalidateAccessTokens() {
      for (const t of tokens.values()) t.revoked = true;
    },
    /** The current stable token answers 40001, yet stable_token without force_refresh keeps returning it until a forced refresh. */
    breakStableToken() {
      if (stable.current) tokens.get(stable.current).revoked = true;
      stable.stuck = true;
    },
    /**
     * With apiSecurity: the client's options.apiSecurity (symmetric key and
     * number, the application private key (PEM) and number, the platform
     * certificate (PEM) and number, algorithm); else null.
     */
    get apiSecurity() {
      return security === null ? null : security.clientOptions();
    },
    /** With apiSecurity: WeChat rotates its platform certificate; replies carry the old one's signature as -Deprecated. Returns the new certificate and its number. */
    rotatePlatformCertificate() {
      if (security === null) throw new TypeError('mock: rotatePlatformCertificate needs startMockWeChat({ apiSecurity })');
      return security.rotate();
    },
    /** Every secret the mock has handed out or holds (AppSecret, tokens, session keys, codes, cloudIDs, API security keys), for leak scans. */
    issuedSecrets: () => issued.slice(),
    close() {
      return new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    },
  };
}

function readJson(req) {
  return readText(req).then((text) => (text ? JSON.parse(text) : {}));
}

function readText(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (c) => {
      size += c.length;
      if (size <= BODY_LIMIT) chunks.push(c);
    });
    req.on('end', () => {
      if (size > BODY_LIMIT) return reject(new Error('too large'));
      return resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}
