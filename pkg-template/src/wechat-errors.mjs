// WeChat's answers -> WxOpenDataError, for the client (client.mjs) and the
// cloud-function helpers (cloud.mjs). Messages hold the endpoint, the errcode,
// WeChat's errmsg with every secret of the call scrubbed out, and the rid;
// never a fetch error's message or cause (they can hold the request URL, and
// so the access_token or the AppSecret).
import { ERRORS, WxOpenDataError } from './errors.mjs';

/** A safe identifier of a network failure (ECONNRESET, UND_ERR_SOCKET, ...), never a message (it may hold the URL). */
export function failureName(e) {
  const pick = (v) => (typeof v === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(v) ? v : null);
  try {
    return pick(e && e.cause && e.cause.code) || pick(e && e.code) || (e && e.name === 'AbortError' ? 'AbortError' : null) || 'network error';
  } catch (_) {
    return 'network error';
  }
}

/** `text` with every secret replaced, cut to a log-friendly length. */
export function scrub(text, secrets) {
  let out = String(text);
  for (const secret of secrets) {
    if (typeof secret === 'string' && secret.length > 0) out = out.split(secret).join('[redacted]');
  }
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

/** WeChat's request id from an errmsg such as "invalid code hint: [qKhDWV0sf-0s77ta] rid: 62fa5928-4e8b95ea-7539a513". */
export function ridOf(errmsg) {
  const m = /\brid:\s*([0-9A-Za-z]+(?:-[0-9A-Za-z]+)*)/.exec(typeof errmsg === 'string' ? errmsg : '');
  return m ? m[1] : null;
}

export function unavailable(what, errcode, rid) {
  return new WxOpenDataError('WECHAT_UNAVAILABLE', `${ERRORS.WECHAT_UNAVAILABLE.message}: ${what}`, { errcode: errcode === undefined ? null : errcode, rid: rid || null });
}

/** The error for a reply with a nonzero errcode (not a token error being retried). */
export function apiError(path, reply, secrets) {
  const errcode = reply.errcode;
  const errmsg = typeof reply.errmsg === 'string' ? scrub(reply.errmsg, secrets) : '';
  const rid = ridOf(reply.errmsg);
  const said = `${path} errcode ${errcode}${errmsg ? ` "${errmsg}"` : ''}`;
  const details = { errcode, rid };
  switch (errcode) {
    case -1:
      return unavailable(`system busy (${said})`, errcode, rid);
    case 40029:
    case 40163:
      return new WxOpenDataError('INVALID_CODE', `${ERRORS.INVALID_CODE.message} (${said})`, details);
    case 45011:
      return new WxOpenDataError('RATE_LIMITED', `${ERRORS.RATE_LIMITED.message} (${said})`, details);
    case 40013:
      return new WxOpenDataError('WECHAT_API_ERROR', `WeChat rejected the appId: options.appId is not a valid AppID, or not the AppSecret's Mini Program (${said})`, details);
    case 40125:
      return new WxOpenDataError('WECHAT_API_ERROR', `WeChat rejected the AppSecret: options.appSecret is wrong or was reset (${said})`, details);
    case 40226:
      return new WxOpenDataError('WECHAT_API_ERROR', `WeChat judged this user high-risk and refused the login; the user has to clear WeChat's security check in the app before logging in again (${said})`, details);
    case 40001:
    case 40014:
    case 42001:
      return new WxOpenDataError('WECHAT_API_ERROR', `WeChat rejected the access token, and again after a refresh (${said})`, details);
    default:
      return new WxOpenDataError('WECHAT_API_ERROR', `${ERRORS.WECHAT_API_ERROR.message} (${said})`, details);
  }
}
