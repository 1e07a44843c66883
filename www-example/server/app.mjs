// The backend of the getPhoneNumber flow, done the way the WeChat document
// asks: the Mini Program logs in BEFORE the tap, the server exchanges the
// code for a session_key and keeps it (the key never leaves the server; the
// client gets an opaque token), and decrypts encryptedData + iv with
// decryptPhone, checking the watermark's appid and age.
//
//   POST /api/login          {code}                      -> {token, expiresIn}
//   POST /api/phone          {token, encryptedData, iv}  -> {phoneNumber, purePhoneNumber, countryCode}
//   POST /api/phone-by-code  {code}                      -> {phoneNumber, purePhoneNumber, countryCode}
//   GET  /                    the web page (web/); GET /pkg/web/*, /pkg/wasm/* the package's web build
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

const { decryptPhone, isWxOpenDataError } = wx;
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
  DECRYPT_FAILED: [422, 'The phone data could not be decrypted. Log in before the tap (not in the getPhoneNumber callback) and tap again.'],
  PHONE_DATA_REJECTED: [422, 'The phone data is not valid for this Mini Program or is too old; tap again.'],
  UPSTREAM_ERROR: [502, 'WeChat could not be reached or answered unexpectedly.'],
  INTERNAL: [500, 'Internal error.'],
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
  let accessToken = null; // {value, expiresAt}

  async function wechat(path, { query = {}, body } = {}) {
    const url = new URL(path, wxApiBase);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    let res;
    try {
      res = await fetch(url, body === undefined ? {} : {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (e) {
      log('error', 'wechat.unreachable', { path, reason: e.cause?.code ?? e.name });
      throw new ClientError('UPSTREAM_ERROR');
    }
    const json = await res.json().catch(() => null);
    if (!res.ok || json === null || typeof json !== 'object') {
      log('error', 'wechat.bad_response', { path, status: res.status });
      throw new ClientError('UPSTREAM_ERROR');
    }
    return json;
  }

  // One fetch at a time: every /cgi-bin/token call replaces the previous
  // token at WeChat and counts against a daily limit, so concurrent requests
  // that find no valid token share the one fetch in flight.
  let tokenFetch = null;
  async function getAccessToken(forceRefresh = false) {
    const now = Date.now() / 1000;
    if (!forceRefresh && accessToken && accessToken.expiresAt - 300 > now) return accessToken.value;
    tokenFetch ??= fetchAccessToken().finally(() => { tokenFetch = null; });
    return tokenFetch;
  }

  async function fetchAccessToken() {
    const now = Date.now() / 1000;
    const r = await wechat('/cgi-bin/token', { query: { grant_type: 'client_credential', appid: appId, secret: appSecret } });
    if (typeof r.access_token !== 'string') {
      log('error', 'wechat.token_failed', { errcode: r.errcode ?? null, errmsg: r.errmsg ?? null });
      throw new ClientError('UPSTREAM_ERROR');
    }
    accessToken = { value: r.access_token, expiresAt: now + (Number(r.expires_in) || 7200) };
    return accessToken.value;
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(express.json({ limit: BODY_LIMIT, strict: true }));

  // Static: the page and the package's web build. Its entry (web/index.mjs)
  // carries the SIMD build inline and fetches ../wasm/baseline.wasm on
  // browsers without SIMD, so both folders keep their relative place, and the
  // .wasm goes out as application/wasm (backend.test.mjs "static").
  app.use('/', express.static(join(here, '..', 'web'), { index: 'index.html' }));
  app.use('/pkg/web', express.static(dirname(require.resolve('wx-open-data/web'))));
  app.use('/pkg/wasm', express.static(dirname(require.resolve('wx-open-data/wasm/baseline.wasm'))));
  app.get('/demo-config.json', (_req, res) => {
    if (!clientStandInUrl) throw new ClientError('NOT_FOUND');
    res.json({ appId, wechatClient: clientStandInUrl });
  });

  app.post('/api/login', wrap(async (req, res) => {
    const { code } = fields(req.body, { code: isCode });
    const r = await wechat('/sns/jscode2session', {
      query: { appid: appId, secret: appSecret, js_code: code, grant_type: 'authorization_code' },
    });
    if (typeof r.session_key !== 'string' || typeof r.openid !== 'string') {
      log('warn', 'login.rejected', { errcode: r.errcode ?? null, errmsg: r.errmsg ?? null });
      throw new ClientError(typeof r.errcode === 'number' && r.errcode > 0 && r.errcode !== -1 ? 'LOGIN_FAILED' : 'UPSTREAM_ERROR');
    }
    const user = users.get(r.openid) ?? { sessionKey: null, previousSessionKeys: [] };
    if (user.sessionKey && user.sessionKey !== r.session_key) {
      user.previousSessionKeys = [user.sessionKey, ...user.previousSessionKeys].slice(0, PREVIOUS_KEYS_KEPT);
    }
    user.sessionKey = r.session_key; // always the newest: that is the one WeChat encrypts with
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
    let r = await wechat('/wxa/business/getuserphonenumber', { query: { access_token: await getAccessToken() }, body: { code } });
    if (r.errcode === 40001 || r.errcode === 42001) {
      // access_token invalidated (another server fetched a new one) or expired: once more with a fresh one.
      r = await wechat('/wxa/business/getuserphonenumber', { query: { access_token: await getAccessToken(true) }, body: { code } });
    }
    if (r.errcode !== 0 || typeof r.phone_info !== 'object' || r.phone_info === null) {
      log('warn', 'phone_by_code.rejected', { errcode: r.errcode ?? null, errmsg: r.errmsg ?? null });
      throw new ClientError(r.errcode === 40029 ? 'INVALID_CODE' : 'UPSTREAM_ERROR');
    }
    const p = r.phone_info;
    if (p.watermark?.appid !== appId) {
      log('warn', 'phone_by_code.appid_mismatch', { watermarkAppid: String(p.watermark?.appid ?? '') });
      throw new ClientError('PHONE_DATA_REJECTED');
    }
    log('info', 'phone_by_code.ok', { countryCode: String(p.countryCode) });
    res.json({ phoneNumber: String(p.phoneNumber), purePhoneNumber: String(p.purePhoneNumber), countryCode: String(p.countryCode) });
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
