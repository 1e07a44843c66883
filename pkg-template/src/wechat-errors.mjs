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

const isHex = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const escapeAt = (text, i) => text.charCodeAt(i) === 37 && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2));

/**
 * `text` with its %XX escapes decoded (either case of hex, UTF-8 sequences
 * as one character; with `form`, '+' as a space too), and for each UTF-16
 * unit of the result the span [from, to) of `text` it came from. A secret
 * is found in one of the two views however an errmsg echoes it: raw,
 * encodeURIComponent'd, form-encoded, or any mix (a base64 key echoed as
 * o0q0otL8%2fFT9WsQ%3D%3d included).
 */
function decodedView(text, form) {
  let out = '';
  const from = [];
  const to = [];
  let i = 0;
  while (i < text.length) {
    let ch = form && text[i] === '+' ? ' ' : text[i];
    let end = i + 1;
    if (escapeAt(text, i)) {
      const lead = parseInt(text.substr(i + 1, 2), 16);
      const n = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
      let ok = n > 1;
      for (let k = 1; k < n && ok; k++) ok = escapeAt(text, i + 3 * k);
      if (n === 1) {
        ch = String.fromCharCode(lead);
        end = i + 3;
      } else if (ok) {
        try {
          ch = decodeURIComponent(text.substr(i, 3 * n));
          end = i + 3 * n;
        } catch (_) {
          // not UTF-8: the '%' stays a character of its own
        }
      }
    }
    for (let k = 0; k < ch.length; k++) {
      from.push(i);
      to.push(end);
    }
    out += ch;
    i = end;
  }
  return { text: out, from, to };
}

/**
 * Calls add(start, end) for each occurrence of `needle` in `haystack`,
 * overlapping ones included (Knuth-Morris-Pratt: linear in both, whatever
 * a hostile errmsg repeats; a search restarted after each hit is not).
 */
function occurrences(haystack, needle, add) {
  const m = needle.length;
  const fail = [0];
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && needle.charCodeAt(i) !== needle.charCodeAt(k)) k = fail[k - 1];
    if (needle.charCodeAt(i) === needle.charCodeAt(k)) k++;
    fail[i] = k;
  }
  for (let i = 0, k = 0; i < haystack.length; i++) {
    while (k > 0 && haystack.charCodeAt(i) !== needle.charCodeAt(k)) k = fail[k - 1];
    if (haystack.charCodeAt(i) === needle.charCodeAt(k)) k++;
    if (k === m) {
      add(i + 1 - m, i + 1);
      k = fail[k - 1];
    }
  }
}

/**
 * `text` with every secret replaced, in every form an errmsg could echo it
 * (raw, percent-encoded in either hex case, '+' for a space as in a form),
 * cut to a log-friendly length only after scrubbing (a cut first could
 * leave half a secret). Linear in the errmsg (which the body cap bounds).
 * tests/client/transport.test.mjs "an errmsg echoing URL-encoded secrets",
 * "an errmsg of almost 64 KiB of near-misses".
 */
export function scrub(text, secrets) {
  const raw = String(text);
  const views = [decodedView(raw, false), decodedView(raw, true)];
  // depth[i] - depth[i - 1]: how many secret spans start minus end at i.
  const depth = new Int32Array(raw.length + 1);
  const cover = (start, end) => {
    depth[start] += 1;
    depth[end] -= 1;
  };
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length === 0) continue;
    occurrences(raw, secret, cover);
    for (const view of views) occurrences(view.text, secret, (start, end) => cover(view.from[start], view.to[end - 1]));
  }
  let out = '';
  let inside = 0;
  let kept = 0;
  for (let i = 0; i <= raw.length; i++) {
    const was = inside;
    inside += depth[i];
    if (was === 0 && inside > 0) out += `${raw.slice(kept, i)}[redacted]`;
    if (was > 0 && inside === 0) kept = i;
  }
  if (inside === 0) out += raw.slice(kept);
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

/**
 * The error for a reply with a nonzero errcode (not a token error being
 * retried). `how.apiSecurity`: the request was sent in the API security
 * mode, so 40230-40240 say what to check instead of "turn it off".
 */
export function apiError(path, reply, secrets, how) {
  const errcode = reply.errcode;
  const errmsg = typeof reply.errmsg === 'string' ? scrub(reply.errmsg, secrets) : '';
  // A "rid" that holds a secret (an errmsg echoing a code right after
  // "rid:") is no request id: dropped, as scrub() drops it from the text.
  const found = ridOf(reply.errmsg);
  const rid = found !== null && scrub(found, secrets) === found ? found : null;
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
    case 41001:
      return new WxOpenDataError('WECHAT_API_ERROR', `WeChat saw no access_token on the request: a relay (baseUrl) that drops query parameters? (${said})`, details);
    case 47001:
      return new WxOpenDataError('WECHAT_API_ERROR', `WeChat could not read the request body as JSON: a relay (baseUrl) that rewrites bodies, or an injected fetch that drops them? (${said})`, details);
    case 48001:
      return new WxOpenDataError('WECHAT_API_ERROR', `WeChat refused this API to this account (api unauthorized): check that the account type may call it (a Mini Program, verified where WeChat requires it), that the API is granted, and the Mini Program's privacy settings (用户隐私保护指引) (${said})`, details);
    default:
      if (API_SECURITY[errcode] !== undefined && how && how.apiSecurity) {
        return new WxOpenDataError('WECHAT_API_ERROR', `API security (${API_SECURITY[errcode]}): ${API_SECURITY_CHECKS[errcode]} (${said})`, details);
      }
      if (API_SECURITY[errcode] !== undefined) {
        return new WxOpenDataError(
          'WECHAT_API_ERROR',
          `WeChat expects this API's requests encrypted and signed (${API_SECURITY[errcode]}): API security (服务端 API 签名加密) is on for it, and this client sends plain requests; turn it off for this API in 开发管理 → 开发设置 → API安全 (${said})`,
          details,
        );
      }
      return new WxOpenDataError('WECHAT_API_ERROR', `${ERRORS.WECHAT_API_ERROR.message} (${said})`, details);
  }
}

/**
 * WeChat's API security errcodes (服务端 API 签名加密, 40230-40240): the
 * admin turned it on for an API, so WeChat wants headers and an encrypted,
 * signed body this client does not send. Each keeps WeChat's own reason.
 * tests/client/errcodes.test.mjs "API security errcodes".
 */
const API_SECURITY = {
  40230: 'missing Wechatmp-Serial',
  40231: 'missing Wechatmp-TimeStamp',
  40232: 'missing Wechatmp-Signature',
  40233: 'missing Wechatmp-Appid',
  40234: 'invalid signature',
  40235: 'invalid encryption',
  40236: 'invalid Wechatmp-Appid',
  40237: 'Wechatmp-Appid does not match the access_token',
  40238: 'no symmetric key configured',
  40239: 'no public key configured',
  40240: 'expired Wechatmp-TimeStamp',
};

/**
 * What to check for each of them when the client does send the mode
 * (options.apiSecurity): the key numbers, the algorithm chosen in the
 * admin page, the clock, a relay that drops headers.
 * tests/client/api-security.test.mjs "plain 40230-40240".
 */
const RELAY = 'a relay (baseUrl) or an injected fetch dropped the Wechatmp-* request headers';
const API_SECURITY_CHECKS = {
  40230: RELAY,
  40231: RELAY,
  40232: RELAY,
  40233: RELAY,
  40234: "check that apiSecurity.privateKey is the application private key whose public key (number apiSecurity.privateKeySn) is registered in 开发管理 → 开发设置 → API安全, that apiSecurity.algorithm matches the one chosen there ('RSA': RSAwithSHA256, 'SM': SM2withSM3), and that a relay (baseUrl) passes the body unchanged",
  40235: "check apiSecurity.symmetricKey and symmetricSn against the symmetric key and its number in 开发管理 → 开发设置 → API安全, and that apiSecurity.algorithm matches the one chosen there ('RSA': AES256_GCM, 'SM': SM4_GCM)",
  40236: 'options.appId is not a valid AppID',
  40237: "options.appId is not the access token's Mini Program",
  40238: 'no symmetric key is configured for this Mini Program: create one in 开发管理 → 开发设置 → API安全 and set apiSecurity.symmetricKey and symmetricSn',
  40239: 'no application public key is configured for this Mini Program: upload the public key of apiSecurity.privateKey in 开发管理 → 开发设置 → API安全',
  40240: "WeChat judged Wechatmp-TimeStamp expired: check this server's clock (options.now, and the machine's time)",
};

// Cloud Base (wx-server-sdk) calls fail with an error carrying errCode and
// errMsg. errCode is WeChat's own errcode when WeChat answered (40029, 45011,
// -1, ...: mapped by apiError, as on the HTTP route), or one of the SDK's
// codes below, each with what it means and what to do. Codes not listed are
// WECHAT_API_ERROR with the errCode and errMsg. tests/client/cloud.test.mjs
// "wx-server-sdk's own errCodes" checks every row.
const OPENAPI = '{api}';
export const CLOUD_ERRCODES = Object.freeze({
  // resource system error; also the code the SDK gives a request to Cloud Base that failed in transit (reset, timeout, HTTP 5xx, a body it cannot read)
  '-501001': ['WECHAT_UNAVAILABLE', 'Cloud Base system error, or the request to it failed in transit: retry later'],
  // resource server timeout
  '-501002': ['WECHAT_UNAVAILABLE', 'Cloud Base did not answer in time: retry later'],
  // exceed request limit (the environment's quota)
  '-501003': ['RATE_LIMITED', "the Cloud Base environment's request quota is used up: retry later, or raise the environment's quota"],
  // exceed concurrent request limit
  '-501004': ['RATE_LIMITED', "the Cloud Base environment's concurrent-request quota is used up: retry later, or raise the environment's quota"],
  // invalid env
  '-501005': ['WECHAT_API_ERROR', 'the Cloud Base environment is not valid: call cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV }) or pass an environment id of this Mini Program'],
  // functions request fail
  '-504001': ['WECHAT_UNAVAILABLE', 'the request to the cloud function failed: retry later'],
  // functions execute fail
  '-504002': ['WECHAT_API_ERROR', "the cloud function that was called threw or timed out: read that function's log"],
  // WeChat backend: system error
  '-601001': ['WECHAT_UNAVAILABLE', "WeChat's backend had a system error: retry later"],
  // WeChat backend: system args error
  '-601002': ['WECHAT_API_ERROR', "WeChat's backend rejected the call's arguments: check what was passed to the SDK"],
  // WeChat backend: system network error
  '-601003': ['WECHAT_UNAVAILABLE', "WeChat's backend had a network error: retry later"],
  // api permission denied
  '-601004': ['WECHAT_API_ERROR', 'this Mini Program may not call this API'],
  // invalid cloudID
  '-601005': ['INVALID_CODE', 'the cloudID is not valid: pass wx.cloud.CloudID(e.detail.cloudID) of a fresh tap'],
  // cloudID expired
  '-601006': ['INVALID_CODE', 'the cloudID expired: ask the user to tap again'],
  // cloudID and calling user does not match
  '-601007': ['WECHAT_API_ERROR', 'the cloudID was made for another user than the one calling: reject the request'],
  // server-side request timed out
  '-601008': ['WECHAT_UNAVAILABLE', "WeChat's server-side request timed out: retry later"],
  // API not found
  '-604100': ['WECHAT_API_ERROR', "this wx-server-sdk does not know the API: update wx-server-sdk in the function's package.json and upload the function again"],
  // function has no permission to call this API
  '-604101': ['WECHAT_API_ERROR', `the cloud function may not call this API: add "${OPENAPI}" to "permissions": { "openapi": [...] } in the function's config.json and upload it again (the permission is cached for about 10 minutes)`],
  // call open API timeout
  '-604102': ['WECHAT_UNAVAILABLE', 'the cloud call to WeChat timed out: retry later'],
  // call open API system error
  '-604103': ['WECHAT_UNAVAILABLE', 'the cloud call to WeChat had a system error: retry later'],
  // illegal source of invocation
  '-604104': ['WECHAT_API_ERROR', 'this invocation may not make cloud calls (local debugging, for one): run the deployed function, called from the Mini Program'],
});

/**
 * The error for a Cloud Base call that failed with `errCode` (a nonzero
 * integer): an SDK code of CLOUD_ERRCODES, else WeChat's errcode as apiError
 * maps it. `api` names the call (cloud.openapi.phonenumber.getPhoneNumber).
 */
export function cloudApiError(api, errCode, errMsg) {
  const row = CLOUD_ERRCODES[String(errCode)];
  if (row === undefined) return apiError(api, { errcode: errCode, errmsg: errMsg }, []);
  const text = typeof errMsg === 'string' ? scrub(errMsg, []) : '';
  const rid = ridOf(errMsg);
  const said = `${api} errCode ${errCode}${text ? ` "${text}"` : ''}`;
  const sentence = row[1].split(OPENAPI).join(api.replace(/^cloud\.openapi\./, ''));
  if (row[0] === 'WECHAT_UNAVAILABLE') return unavailable(`${sentence} (${said})`, errCode, rid);
  return new WxOpenDataError(row[0], `${sentence} (${said})`, { errcode: errCode, rid });
}

/** What a Cloud Base call threw without an errCode: its code (ECONNRESET) or class (TypeError), never its message. */
export function thrownName(e) {
  const name = failureName(e);
  if (name !== 'network error') return name;
  try {
    const cls = e && typeof e.name === 'string' ? e.name : '';
    return /^(?:[A-Z][A-Za-z]{0,40})?Error$/.test(cls) ? cls : 'an error without errCode';
  } catch (_) {
    return 'an error without errCode';
  }
}
