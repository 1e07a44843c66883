// A local stand-in for WeChat: the server API a backend calls
// (api.weixin.qq.com) and, under /__client and /__platform, what the WeChat
// client and the Cloud Base platform do on the phone's side. Real HTTP on
// 127.0.0.1, in memory, offline.
//
// The behaviour that matters for this example is the one that makes stale
// keys happen: every wx.login (POST /__client/login) issues a new code AND
// rotates that user's session_key; getPhoneNumber encrypts with the key the
// user holds at tap time. A backend that exchanges a newer code than the one
// that was current at the tap decrypts with the wrong key.
//
// Server API (same paths, parameters and error numbers as WeChat's):
//   GET  /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code
//        -> {openid, session_key, unionid} | {errcode: 40029|40125|40013|40002, errmsg}
//   GET  /cgi-bin/token?grant_type=client_credential&appid&secret
//        -> {access_token, expires_in} | {errcode, errmsg}
//   POST /wxa/business/getuserphonenumber?access_token   body {code}
//        -> {errcode: 0, errmsg: 'ok', phone_info: {...}} | {errcode: 40029|40001, errmsg}
// Client / platform stand-ins (not WeChat URLs):
//   POST /__client/login {user}            -> {code}                 (wx.login)
//   POST /__client/checkSession {user}     -> {valid}                (wx.checkSession)
//   POST /__client/getPhoneNumber {user}   -> {encryptedData, iv, cloudID, code}
//   POST /__platform/cloudID {cloudID}     -> {cloudID, data}        (what Cloud Base puts in event)
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { encryptData } from 'wx-open-data';

const CODE_TTL_SECONDS = 300; // login codes and phone codes: 5 minutes, single use
const BODY_LIMIT = 16 * 1024;

const err = (errcode, errmsg) => ({ errcode, errmsg: `${errmsg}, rid: ${randomBytes(4).toString('hex')}` });

/**
 * @param {object} opts
 * @param {string} opts.appId       the Mini Program's appid
 * @param {string} opts.appSecret   its AppSecret
 * @param {() => number} [opts.now] clock in unix seconds (tests move it forward)
 */
export function createMockWeChat({ appId, appSecret, now = () => Math.floor(Date.now() / 1000) }) {
  const users = new Map(); // user name -> {openid, unionid, phone, sessionKey, sessionExpiresAt}
  const loginCodes = new Map(); // code -> {user, issuedAt, used}
  const phoneCodes = new Map(); // code -> {user, issuedAt, used}
  const cloudIDs = new Map(); // cloudID -> data
  const tokens = new Map(); // access_token -> expiresAt
  const stats = { jscode2session: 0, token: 0, getuserphonenumber: 0 };
  const issued = []; // every session_key and access_token ever handed out (tests look for leaks)
  let phoneSeq = 0;

  const token = (n) => randomBytes(n).toString('base64url');
  const user = (name) => {
    let u = users.get(name);
    if (!u) {
      phoneSeq += 1;
      const pure = `1358000${String(6665 + phoneSeq).padStart(4, '0')}`;
      u = {
        openid: `o${token(20)}`,
        unionid: `u${token(20)}`,
        phone: { phoneNumber: pure, purePhoneNumber: pure, countryCode: '86' },
        sessionKey: null,
        sessionExpiresAt: 0,
      };
      users.set(name, u);
    }
    return u;
  };

  const routes = {
    'GET /sns/jscode2session': (q) => {
      stats.jscode2session += 1;
      if (q.get('appid') !== appId) return err(40013, 'invalid appid');
      if (q.get('secret') !== appSecret) return err(40125, 'invalid appsecret');
      if (q.get('grant_type') !== 'authorization_code') return err(40002, 'invalid grant_type');
      const c = loginCodes.get(q.get('js_code') ?? '');
      if (!c || c.used || now() - c.issuedAt > CODE_TTL_SECONDS) return err(40029, 'invalid code');
      c.used = true;
      const u = users.get(c.user);
      return { openid: u.openid, session_key: u.sessionKey, unionid: u.unionid };
    },
    'GET /cgi-bin/token': (q) => {
      stats.token += 1;
      if (q.get('grant_type') !== 'client_credential') return err(40002, 'invalid grant_type');
      if (q.get('appid') !== appId) return err(40013, 'invalid appid');
      if (q.get('secret') !== appSecret) return err(40125, 'invalid appsecret');
      const t = token(48);
      tokens.set(t, now() + 7200);
      issued.push(t);
      return { access_token: t, expires_in: 7200 };
    },
    'POST /wxa/business/getuserphonenumber': (q, body) => {
      stats.getuserphonenumber += 1;
      const exp = tokens.get(q.get('access_token') ?? '');
      if (!exp || exp <= now()) return err(40001, 'invalid credential, access_token is invalid or not latest');
      const c = typeof body?.code === 'string' ? phoneCodes.get(body.code) : undefined;
      // A login code (or anything else) sent here is simply an unknown phone code: 40029.
      if (!c || c.used || now() - c.issuedAt > CODE_TTL_SECONDS) return err(40029, 'invalid code');
      c.used = true;
      const u = users.get(c.user);
      return { errcode: 0, errmsg: 'ok', phone_info: { ...u.phone, watermark: { timestamp: now(), appid: appId } } };
    },
    'POST /__client/login': (_q, body) => {
      const name = userName(body);
      if (!name) return [400, { errMsg: 'login:fail user required' }];
      const u = user(name);
      // wx.login refreshes the login state: a new session_key from now on.
      u.sessionKey = randomBytes(16).toString('base64');
      issued.push(u.sessionKey);
      u.sessionExpiresAt = now() + 3 * 86400;
      const code = token(24);
      loginCodes.set(code, { user: name, issuedAt: now(), used: false });
      return { errMsg: 'login:ok', code };
    },
    'POST /__client/checkSession': (_q, body) => {
      const name = userName(body);
      const u = name && users.get(name);
      return { valid: Boolean(u && u.sessionKey && u.sessionExpiresAt > now()) };
    },
    'POST /__client/getPhoneNumber': (_q, body) => {
      const name = userName(body);
      const u = name && users.get(name);
      if (!u || !u.sessionKey) return [400, { errMsg: 'getPhoneNumber:fail not logged in (call wx.login first)' }];
      const data = { ...u.phone, watermark: { timestamp: now(), appid: appId } };
      // What the WeChat client does at the tap: encrypt with the session_key it holds NOW.
      const { encryptedData, iv } = encryptData(u.sessionKey, data);
      const cloudID = token(30);
      cloudIDs.set(cloudID, data);
      const code = token(24);
      phoneCodes.set(code, { user: name, issuedAt: now(), used: false });
      return { errMsg: 'getPhoneNumber:ok', encryptedData, iv, cloudID, code };
    },
    'POST /__platform/cloudID': (_q, body) => {
      const data = typeof body?.cloudID === 'string' && cloudIDs.get(body.cloudID);
      if (!data) return [404, { errcode: -601006, errmsg: 'cloudID not found' }];
      return { cloudID: body.cloudID, data };
    },
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const isClient = url.pathname.startsWith('/__client/');
    const headers = { 'content-type': 'application/json; charset=utf-8' };
    // The web page (another origin) plays the WeChat client through /__client.
    if (isClient) {
      Object.assign(headers, { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type' });
      if (req.method === 'OPTIONS') return void res.writeHead(204, headers).end();
    }
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) return void res.writeHead(404, headers).end(JSON.stringify(err(-1, 'no such api')));
    let body;
    if (req.method === 'POST') {
      try {
        body = await readJson(req);
      } catch {
        return void res.writeHead(400, headers).end(JSON.stringify(err(47001, 'data format error')));
      }
    }
    let out = route(url.searchParams, body);
    let status = 200; // WeChat answers errors with HTTP 200 and an errcode
    if (Array.isArray(out)) [status, out] = out;
    res.writeHead(status, headers).end(JSON.stringify(out));
  });

  return {
    server,
    stats,
    /** Test hooks (not part of WeChat): expire a user's login state; read the key WeChat holds. */
    expireSession: (name) => { const u = users.get(name); if (u) u.sessionExpiresAt = 0; },
    currentSessionKey: (name) => users.get(name)?.sessionKey ?? null,
    phoneOf: (name) => users.get(name)?.phone ?? null,
    issuedSecrets: () => [...issued],
    /** Invalidate every access_token (as when another server fetched a new one). */
    revokeAccessTokens: () => tokens.clear(),
    async listen(port = 0, host = '127.0.0.1') {
      await new Promise((ok, fail) => server.once('error', fail).listen(port, host, ok));
      const a = server.address();
      return `http://${a.address}:${a.port}`;
    },
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}

function userName(body) {
  const u = body?.user;
  return typeof u === 'string' && /^[\w.-]{1,64}$/.test(u) ? u : null;
}

function readJson(req) {
  return new Promise((ok, fail) => {
    let size = 0;
    const chunks = [];
    req.on('data', (c) => {
      size += c.length;
      if (size <= BODY_LIMIT) chunks.push(c); // read on but keep nothing past the limit

    });
    req.on('end', () => {
      if (size > BODY_LIMIT) return fail(new Error('too large'));
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        ok(text ? JSON.parse(text) : {});
      } catch (e) { fail(e); }
    });
    req.on('error', fail);
  });
}
