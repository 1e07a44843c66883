// The backend of the getPhoneNumber flow, done the way the WeChat document
// asks: the Mini Program logs in BEFORE the tap, the server exchanges the
// code for a session_key and keeps it (the key never leaves the server; the
// client gets an opaque token), and decrypts encryptedData + iv with
// decryptPhone, checking the watermark's appid and age. The code route asks
// WeChat for the number. Every WeChat call goes through the package's
// WeChatClient (code2Session, getPhoneNumber: access tokens, their errors and
// the error mapping are the package's).
//
//   POST /api/login          {code}                      -> {token, expiresIn}
//   POST /api/phone          {token, encryptedData, iv}  -> {phoneNumber, purePhoneNumber, countryCode}
//   POST /api/phone-by-code  {code}                      -> {phoneNumber, purePhoneNumber, countryCode}
//   GET  /                    the web page (web/), GET /pkg/web/* the package's web build
//
// Clients get {error: CODE, message} with a stable CODE and nothing else;
// the detail (and, when the package has it, diagnose()'s finding) goes to the
// server log. Neither ever contains a session_key, access_token, AppSecret,
// iv, encryptedData or a decrypted phone number.
import express from 'express';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as wx from 'wx-open-data';

const { WeChatClient, decryptPhone, isWxOpenDataError } = wx;
// diagnose() is newer than decryptPhone; use it when this build of the package has it.
const diagnose = typeof wx.diagnose === 'function' ? wx.diagnose : null;

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const BODY_LIMIT = '8kb'; // a phone payload is ~200 base64 chars; userInfo a few hundred more
const MAX_AGE_SECONDS = 300; // the watermark must be at most 5 minutes old
const PREVIOUS_KEYS_KEPT = 2; // older session keys per user, only for diagnose()

/** What clients see. Stable codes; short, secret-free messages. */
const CLIENT_ERRORS = {
  INVALID_REQUEST: [400, 'The request is malformed.'],
  PAYLOAD_TOO_LARGE: [413, 'The request body is too large.'],
  NOT_FOUND: [404, 'No such route.'],
  LOGIN_FAILED: [401, 'WeChat rejected the login code; call wx.login again.'],
  SESSION_EXPIRED: [401, 'Unknown or expired session; call wx.login and /api/login again.'],
  INVALID_CODE: [400, 'WeChat rejected the phone code (unknown, used or expired); ask the user to tap again.'],
  RATE_LIMITED: [503, 'WeChat is limiting this service\'s calls; try again in a minute.'],
  DECRYPT_FAILED: [422, 'The phone data could not be decrypted. Log in before the tap (not in the getPhoneNumber callback) and tap again.'],
  PHONE_DATA_REJECTED: [422, 'The phone data is not valid for this Mini Program or is too old; tap again.'],
  UPSTREAM_ERROR: [502, 'WeChat could not be reached or answered unexpectedly.'],
  INTERNAL: [500, 'Internal error.'],
};

/** Seconds a RATE_LIMITED client should wait: WeChat's 45011 says "retry next minute". */
const RATE_LIMIT_RETRY_AFTER = '60';

// WeChatClient error code -> client error code (each route adds INVALID_CODE).
const WECHAT_ERRORS = {
  WECHAT_UNAVAILABLE: 'UPSTREAM_ERROR',
  RATE_LIMITED: 'RATE_LIMITED',
  WECHAT_API_ERROR: 'UPSTREAM_ERROR',
  NOT_PHONE_DATA: 'PHONE_DATA_REJECTED',
  APPID_MISMATCH: 'PHONE_DATA_REJECTED',
  EXPIRED: 'PHONE_DATA_REJECTED',
};

// Package error code -> client error code.
const DECRYPT_ERRORS = {
  INVALID_IV: 'INVALID_REQUEST',
  INVALID_ENCRYPTED_DATA: 'INVALID_REQUEST',
  DECRYPT_FAILED: 'DECRYPT_FAILED',
  NOT_PHONE_DATA: 'PHONE_DATA_REJECTED',
  APPID_MISMATCH: 'PHONE_DATA_REJECTED',
  EXPIRED: 'PHONE_DATA_REJECTED',
};

class ClientError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

/** One JSON line per event on stderr. Callers pass only secret-free fields. */
export function jsonLogger(stream = process.stderr) {
  return (level, event, fields = {}) => stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
}

/**
 * @param {object} cfg
 * @param {string} cfg.appId
 * @param {string} cfg.appSecret
 * @param {string} [cfg.wxApiBase]  'https://api.weixin.qq.com' (default) or a mock
 * @param {(level: string, event: string, fields?: object) => void} [cfg.log]
 * @param {number} [cfg.sessionTtlSeconds]
 * @param {string} [cfg.clientStandInUrl]  demo only: where the web page finds the WeChat client stand-in
 */
export function createApp({
  appId,
  appSecret,
  wxApiBase = 'https://api.weixin.qq.com',
  log = jsonLogger(),
  sessionTtlSeconds = 2 * 3600,
  clientStandInUrl,
}) {
  if (!appId || !appSecret) throw new Error('createApp: appId and appSecret are required');
  const sessions = new Map(); // token -> {openid, expiresAt}
  const users = new Map(); // openid -> {sessionKey, previousSessionKeys: string[]}
  // One client for the whole app: it keeps the access token (stable_token)
  // and concurrent requests share one fetch of it (concurrency.test.mjs:
  // 2,000 requests, one stable_token fetch); after a token error it renews
  // the token and retries once (backend.test.mjs "phone-by-code").
  // Several instances share one token through a store: new WeChatClient({
  // ..., store: createRedisStore(redis) }) (docs/client.md).
  const wechat = new WeChatClient({ appId, appSecret, baseUrl: wxApiBase });

  /**
   * A WeChatClient failure -> the error the client sees (WECHAT_ERRORS, with
   * the route's own entries first); the log gets what WeChat said (the
   * client's messages, errcode and rid hold no secret: backend.test.mjs "no
   * session_key ... in any response or log line").
   */
  function wechatFailure(e, event, routeErrors) {
    if (!isWxOpenDataError(e)) return e;
    const detail = { code: e.code, errcode: e.errcode ?? null, rid: e.rid ?? null, message: e.message };
    if (e.code === 'WECHAT_UNAVAILABLE') {
      // Network failure, timeout, HTTP 5xx, errcode -1: ours to look at, not the user's.
      log('error', 'wechat.unavailable', { route: event, ...detail });
    } else {
      log('warn', `${event}.rejected`, detail);
    }
    return new ClientError(routeErrors[e.code] ?? WECHAT_ERRORS[e.code] ?? 'INTERNAL');
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(express.json({ limit: BODY_LIMIT, strict: true }));

  // Static: the page and the package's web build. Its entry (web/index.mjs)
  // imports the .wasm builds as modules beside it (web/wasm-*.mjs), so its
  // folder is all the page needs (backend.test.mjs "static" fetches every
  // module the entry imports; web.test.mjs loads it in Chromium).
  app.use('/', express.static(join(here, '..', 'web'), { index: 'index.html' }));
  app.use('/pkg/web', express.static(dirname(require.resolve('wx-open-data/web'))));
  app.get('/demo-config.json', (_req, res) => {
    if (!clientStandInUrl) throw new ClientError('NOT_FOUND');
    res.json({ appId, wechatClient: clientStandInUrl });
  });

  app.post('/api/login', wrap(async (req, res) => {
    const { code } = fields(req.body, { code: isCode });
    let r;
    try {
      r = await wechat.code2Session(code); // {openid, sessionKey, unionid?}; a login code is single-use, never retried
    } catch (e) {
      // WECHAT_API_ERROR here is 40125 (AppSecret), 40013 (AppID) or 40226 (a
      // user WeChat judged risky): either way this login cannot go on.
      throw wechatFailure(e, 'login', { INVALID_CODE: 'LOGIN_FAILED', WECHAT_API_ERROR: 'LOGIN_FAILED' });
    }
    const user = users.get(r.openid) ?? { sessionKey: null, previousSessionKeys: [] };
    if (user.sessionKey && user.sessionKey !== r.sessionKey) {
      user.previousSessionKeys = [user.sessionKey, ...user.previousSessionKeys].slice(0, PREVIOUS_KEYS_KEPT);
    }
    user.sessionKey = r.sessionKey; // always the newest: that is the one WeChat encrypts with
    users.set(r.openid, user);
    if (sessions.size > 10_000) {
      // In-memory store for the example: drop expired sessions now and then (use Redis or a DB in production).
      const now = Date.now() / 1000;
      for (const [t, v] of sessions) if (v.expiresAt < now) sessions.delete(t);
    }
    const token = randomBytes(24).toString('base64url');
    sessions.set(token, { openid: r.openid, expiresAt: Date.now() / 1000 + sessionTtlSeconds });
    log('info', 'login.ok', { user: userRef(r.openid), keyRotated: user.previousSessionKeys.length > 0 });
    res.json({ token, expiresIn: sessionTtlSeconds });
  }));

  app.post('/api/phone', wrap(async (req, res) => {
    const { token, encryptedData, iv } = fields(req.body, { token: isToken, encryptedData: isBase64ish(4096), iv: isBase64ish(64) });
    const session = sessions.get(token);
    if (!session || session.expiresAt < Date.now() / 1000) {
      sessions.delete(token);
      throw new ClientError('SESSION_EXPIRED');
    }
    const user = users.get(session.openid);
    try {
      const phone = decryptPhone(user.sessionKey, encryptedData, iv, { appId, maxAgeSeconds: MAX_AGE_SECONDS });
      log('info', 'phone.ok', { user: userRef(session.openid), countryCode: phone.countryCode });
      res.json({ phoneNumber: phone.phoneNumber, purePhoneNumber: phone.purePhoneNumber, countryCode: phone.countryCode });
    } catch (e) {
      if (!isWxOpenDataError(e)) throw e;
      const detail = { user: userRef(session.openid), code: e.code, wxErrCode: e.wxErrCode, message: e.message };
      if (diagnose) detail.diagnosis = diagnosisOf(user, encryptedData, iv);
      log('warn', 'phone.decrypt_failed', detail);
      // INVALID_SESSION_KEY would mean our stored key is broken: a server fault.
      throw new ClientError(DECRYPT_ERRORS[e.code] ?? 'INTERNAL');
    }
  }));

  app.post('/api/phone-by-code', wrap(async (req, res) => {
    const { code } = fields(req.body, { code: isCode });
    let p;
    try {
      // The client checks the watermark appid only when WeChat states one: WeChat's
      // own example reply leaves it empty (docs/client.md), and this reply comes
      // from WeChat over TLS, not from the phone.
      p = await wechat.getPhoneNumber(code);
    } catch (e) {
      throw wechatFailure(e, 'phone_by_code', { INVALID_CODE: 'INVALID_CODE' });
    }
    log('info', 'phone_by_code.ok', { countryCode: p.countryCode });
    res.json({ phoneNumber: p.phoneNumber, purePhoneNumber: p.purePhoneNumber, countryCode: p.countryCode });
  }));

  app.use((_req, _res, next) => next(new ClientError('NOT_FOUND')));
  // Express error handler: body-parser errors (bad JSON, too large) and ours.
  // eslint-disable-next-line no-unused-vars
  app.use((e, req, res, _next) => {
    let code;
    if (e instanceof ClientError) code = e.code;
    else if (e.type === 'entity.too.large') code = 'PAYLOAD_TOO_LARGE';
    else if (e.type === 'entity.parse.failed' || e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') code = 'INVALID_REQUEST';
    else {
      code = 'INTERNAL';
      log('error', 'internal', { route: req.path, error: e.name, message: String(e.message).slice(0, 200) });
    }
    if (code === 'PAYLOAD_TOO_LARGE' || code === 'INVALID_REQUEST') log('info', 'request.rejected', { route: req.path, code });
    const [status, message] = CLIENT_ERRORS[code];
    if (code === 'RATE_LIMITED') res.set('retry-after', RATE_LIMIT_RETRY_AFTER);
    res.status(status).json({ error: code, message });
  });

  function diagnosisOf(user, encryptedData, iv) {
    try {
      const d = diagnose(user.sessionKey, encryptedData, iv, { previousSessionKeys: user.previousSessionKeys, appId, maxAgeSeconds: MAX_AGE_SECONDS });
      // Only the secret-free fields: cause, sentence, kind, and WHICH older key matched (an index).
      return { cause: d.cause, message: d.message, kind: d.kind ?? null, matchedPreviousKey: d.matchedPreviousKey ?? null };
    } catch (e) {
      return { error: isWxOpenDataError(e) ? e.code : e.name };
    }
  }

  return app;
}

/** A short reference to a user for logs (an openid prefix, enough to correlate lines). */
function userRef(openid) {
  return `${openid.slice(0, 6)}…`;
}

// --- validation: every route takes exactly these string fields, nothing else ---
const isCode = (v) => typeof v === 'string' && /^[\w-]{1,128}$/.test(v);
const isToken = (v) => typeof v === 'string' && /^[\w-]{16,64}$/.test(v);
// base64 as WeChat sends it, plus what transport does to it (' ' for '+', url-safe, newlines);
// the package decides whether it is really valid.
const isBase64ish = (max) => (v) => typeof v === 'string' && v.length > 0 && v.length <= max && /^[A-Za-z0-9+/=\-_ \r\n\t]+$/.test(v);

function fields(body, spec) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ClientError('INVALID_REQUEST');
  const keys = Object.keys(body);
  if (keys.some((k) => !(k in spec))) throw new ClientError('INVALID_REQUEST');
  for (const [k, ok] of Object.entries(spec)) if (!ok(body[k])) throw new ClientError('INVALID_REQUEST');
  return body;
}

const wrap = (fn) => (req, res, next) => fn(req, res).catch(next);
