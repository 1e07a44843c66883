// Typings of wx-open-data's Node entry (require: this file; import:
// index.d.mts, which re-exports it, as node/index.mjs re-exports
// node/index.cjs: one module, one WxOpenDataError class). The web entry
// (wx-open-data/web, and "." for browsers, Deno, Bun, workers and bundlers)
// exports the same names: web/index.d.ts re-exports this file and declares
// its own init, initSync and engineBuild.
//
// Hand-written against pkg-template/src (api.mjs, errors.mjs, node.mjs,
// web.mjs, client.mjs, store.mjs, redis-store.mjs, cloud.mjs), except the
// unions of codes, causes, kinds and option keys: vocabulary.d.ts, generated
// from src/vocabulary.json (scripts/vocabulary-types.mjs) and re-exported
// here. scripts/test-types.sh compiles tests/types/*.ts against the packed
// package and runs @arethetypeswrong/cli on it.
import type { WxOpenDataErrorCode, DiagnosisCause, OpenDataKind, DecryptOptionKey, DiagnoseOptionKey } from './vocabulary.js';

export * from './vocabulary.js';

/** Where and when WeChat produced the data. */
export interface Watermark {
  /** Unix seconds. */
  timestamp: number;
  /** AppID of the Mini Program the data was encrypted for. */
  appid: string;
}

/** A getPhoneNumber payload. */
export interface PhoneInfo {
  /** The number as bound to WeChat; foreign numbers include the country code. */
  phoneNumber: string;
  /** The number without the country code. */
  purePhoneNumber: string;
  /** The country code, always a string (payloads carrying a number, such as the code route's 86, are normalised to "86"). */
  countryCode: string;
  watermark: Watermark;
}

/**
 * Every option key of the decryption functions and diagnose(), with its
 * value. DecryptOptions and DiagnoseOptions pick their keys from it by the
 * generated key unions (so a key the vocabulary gains without a type here
 * fails to compile: scripts/test-types.sh).
 */
export interface OptionValues {
  /** The watermark appid must equal this (your Mini Program's AppID, non-empty). */
  appId?: string;
  /** The watermark timestamp may be at most this many seconds old (and at most 60 s in the future); a non-negative integer. */
  maxAgeSeconds?: number;
  /**
   * The current time in milliseconds since the epoch, like Date.now() (the
   * unit of `now` everywhere in this package), for tests; default Date.now().
   * A value below 1e11 (seconds by mistake) is INVALID_ARGUMENT.
   */
  now?: number;
  /** rawData from the same callback (needs signature). */
  rawData?: string;
  /** Its signature, sha1(rawData + session_key) in hex (needs rawData). */
  signature?: string;
  /** Older session keys of the same user: the one that decrypts is named by index. */
  previousSessionKeys?: string[];
}

/**
 * Checks on the watermark. Unknown keys are rejected (a typo must not disable
 * a check), and so is a key that is present without a valid value:
 * `{ appId: undefined }` (an unset environment variable) or `{ appId: '' }`
 * is INVALID_ARGUMENT; leave a key out to skip its check.
 */
export interface DecryptOptions extends Pick<OptionValues, DecryptOptionKey> {}

/** Decrypted open data of any kind: the JSON object WeChat encrypted. */
export interface OpenData {
  [key: string]: unknown;
  watermark?: Watermark;
}

/** What encryptData returns: what the WeChat client would send to your server. */
export interface EncryptedPayload {
  encryptedData: string;
  iv: string;
}

/**
 * Every error this package throws. `code`, `wxErrCode`, `errcode` and `rid`
 * are own enumerable properties (JSON.stringify shows them); `name` is on the
 * prototype. `instanceof WxOpenDataError` holds for errors of the same entry
 * (require and import are one); across two copies of the package, use
 * isWxOpenDataError.
 */
export declare class WxOpenDataError extends Error {
  /**
   * @param code one of the codes (anything else throws a TypeError)
   * @param message defaults to the code's message
   * @param details WeChat's errcode and request id, for errors of server calls
   */
  constructor(code: WxOpenDataErrorCode, message?: string, details?: { errcode?: number | null; rid?: string | null });
  name: 'WxOpenDataError';
  code: WxOpenDataErrorCode;
  /** The official WXBizDataCrypt code (-41001 … -41004) where one exists, else null. */
  wxErrCode: number | null;
  /** WeChat's errcode, for errors of WeChat server calls; else null. */
  errcode: number | null;
  /** WeChat's request id (rid) for its support, for errors of WeChat server calls; else null. */
  rid: string | null;
}

/**
 * Whether `value` is an error thrown by this package: an instance of
 * WxOpenDataError, or an Error with its name and one of its codes (from
 * another copy of the package).
 */
export declare function isWxOpenDataError(value: unknown): value is WxOpenDataError;

/**
 * Decrypts getPhoneNumber data and checks its shape and, with options, the watermark.
 * @throws {WxOpenDataError}
 */
export declare function decryptPhone(sessionKey: string, encryptedData: string, iv: string, options?: DecryptOptions): PhoneInfo;

/**
 * Decrypts any open data (userInfo, weRunData, share info) into the object WeChat encrypted.
 * Pass your own interface as T to type the result.
 * @throws {WxOpenDataError}
 */
export declare function decryptData<T = OpenData>(sessionKey: string, encryptedData: string, iv: string, options?: DecryptOptions): T;

/**
 * getPhoneNumber JSON that arrives unencrypted (the code route's
 * `phone_info` from phonenumber.getPhoneNumber), read by decryptPhone's rules:
 * the shape, and with options the watermark; a numeric countryCode becomes a
 * string.
 * @throws {WxOpenDataError} NOT_PHONE_DATA (also for text that is not JSON), APPID_MISMATCH, EXPIRED, INVALID_ARGUMENT
 */
export declare function phoneInfoFromJson(json: string, options?: DecryptOptions): PhoneInfo;

/**
 * Whether `signature` is sha1(rawData + sessionKey) in hex (any case),
 * compared in constant time.
 * @throws {WxOpenDataError} INVALID_ARGUMENT for arguments that are not strings
 */
export declare function verifySignature(rawData: string, signature: string, sessionKey: string): boolean;

/**
 * Encrypts `data` (an object, serialised with JSON.stringify, or a string used
 * as is) with a fresh random iv, as WeChat does: for tests and mock servers.
 * @throws {WxOpenDataError} INVALID_SESSION_KEY, INVALID_ARGUMENT, RANDOM_UNAVAILABLE
 */
export declare function encryptData(sessionKey: string, data: object | string): EncryptedPayload;

/**
 * A drop-in for the WXBizDataCrypt class of WeChat's official Node sample,
 * with the watermark appid check on, throwing WxOpenDataError instead of
 * `Error('Illegal Buffer')`. A plain class: nothing to free.
 */
export declare class WXBizDataCrypt {
  /** @throws {WxOpenDataError} INVALID_SESSION_KEY at once for a bad key; INVALID_ARGUMENT for an empty appId */
  constructor(appId: string, sessionKey: string);
  readonly appId: string;
  /** Decrypts open data of any kind; the watermark appid must be this instance's appId. */
  decryptData(encryptedData: string, iv: string): OpenData;
}

/** Extra evidence and checks for diagnose(). Unknown keys, and present keys without a valid value, are rejected. */
export interface DiagnoseOptions extends Pick<OptionValues, DiagnoseOptionKey> {}

/** What diagnose() found. */
export interface Diagnosis {
  cause: DiagnosisCause;
  /** One sentence for a human: what happened and what to do. Never contains key, iv, ciphertext or plaintext (beyond kind, appid and age). */
  message: string;
  /** What the data is, when some key/iv combination decrypted it. */
  kind: OpenDataKind | null;
  /** Index into options.previousSessionKeys of the key that decrypts the data. */
  matchedPreviousKey: number | null;
}

/**
 * Explains why open data does not decrypt (stale session_key, iv of another
 * request, key and iv swapped, '+' turned into spaces, truncation, wrong kind,
 * appid, age). For operators and logs, never the request path: decryptPhone
 * keeps its single DECRYPT_FAILED. Throws only INVALID_ARGUMENT (wrong types).
 * @throws {WxOpenDataError}
 */
export declare function diagnose(sessionKey: string, encryptedData: string, iv: string, options?: DiagnoseOptions): Diagnosis;

/**
 * Which build of the engine runs: 'simd' (SIMD128: Node >= 16.4) or
 * 'baseline' (WebAssembly 1.0, older Node). Loads the engine.
 */
export declare function engineBuild(): 'simd' | 'baseline';

/**
 * On Node the package is ready on first use; this loads the engine and
 * resolves, so that code written for the web entry runs unchanged. Its
 * argument, if any, is ignored. Idempotent.
 */
export declare function init(input?: unknown): Promise<void>;

/** On Node: loads the engine synchronously; its argument, if any (the web entry's `{ module, tools, security }`), is ignored: Node compiles the package's own builds. Idempotent. */
export declare function initSync(input?: unknown): void;

// --- The WeChat server client (client.mjs, store.mjs, redis-store.mjs, cloud.mjs) ---

/** What every WxOpenDataError carries about a WeChat server call. */
export interface WeChatCallDetails {
  /** WeChat's errcode (e.g. 40029), or null when WeChat gave none (network failure, timeout, HTTP 5xx, a body that is not JSON). */
  errcode: number | null;
  /** WeChat's request id parsed from errmsg ("rid: 62fa5928-4e8b95ea-7539a513"), for WeChat support; null when absent. */
  rid: string | null;
}

/** A WxOpenDataError from a WeChat server call. */
export type WeChatCallError = WxOpenDataError & WeChatCallDetails;

/**
 * Where WeChatClient keeps access tokens (and its count of forced refreshes).
 * Values are strings; a value is gone after ttlSeconds.
 */
export interface TokenStore {
  get(key: string): Promise<string | null | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Stores only if the key is absent (Redis SET NX); true if it stored. Optional: with it, one instance of a fleet fetches a token while the others wait. */
  add?(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Deletes the key only if it holds value (atomically); true if it deleted. Optional: releases the fetch lock only while this instance holds it; without it the lock lapses by its TTL. */
  deleteIf?(key: string, value: string): Promise<boolean>;
}

/** The default store: this process only. */
export declare class MemoryStore implements TokenStore {
  /** @param options.now clock returning milliseconds since the epoch, like Date.now (tests); one returning seconds is INVALID_ARGUMENT */
  constructor(options?: { now?: () => number });
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  add(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  deleteIf(key: string, value: string): Promise<boolean>;
}

/**
 * The part of fetch the client uses (any WHATWG fetch, node-fetch, undici).
 * Where AbortController exists the client also passes `signal` and aborts on
 * timeout; a fetch that ignores it still times out (the client races a timer).
 * `redirect: 'manual'`: a redirect is never followed; a 3xx, an opaque
 * redirect or a response marked `redirected` fails the call.
 * The body is read from `body` (a WHATWG stream or a Node stream) up to
 * 64 KiB and cancelled past it; a response without a stream body is read
 * with text() and its length checked after.
 */
export type FetchLike = (
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; redirect: 'manual' },
) => Promise<{
  status: number;
  text(): Promise<string>;
  type?: string;
  redirected?: boolean;
  headers?: { get(name: string): string | null };
  body?: unknown;
}>;

export interface WeChatClientOptions {
  /** The Mini Program's AppID. */
  appId: string;
  /** Its AppSecret. Never appears in an error, a message or util.inspect(client). */
  appSecret: string;
  /** Default 'https://api.weixin.qq.com'; tests point it at wx-open-data/mock. https://, or http:// for a loopback host (127.0.0.0/8, localhost, [::1]). */
  baseUrl?: string;
  /** Also accept an http:// baseUrl on another host (a relay on a private network): the AppSecret, codes and tokens cross that network in clear. Default false. */
  allowInsecureHttp?: boolean;
  /** Default the global fetch (Node >= 18, Deno, Bun, workers, browsers); inject one on Node 10-17. */
  fetch?: FetchLike;
  /** Default a MemoryStore; createRedisStore(...) for a fleet. A store that fails or does not answer is STORE_UNAVAILABLE or, where safe, bypassed (docs/client.md). */
  store?: TokenStore;
  /**
   * The whole method call, in milliseconds; default 10000. Every store call
   * (at most half of what is left), lock wait and HTTP exchange with WeChat
   * of one call shares this deadline.
   */
  timeoutMs?: number;
  /** 'stable_token' (default: every instance gets the same token) or 'token' (/cgi-bin/token: each fetch invalidates the previous token). */
  tokenEndpoint?: 'stable_token' | 'token';
  /** Clock returning milliseconds since the epoch, like Date.now (the unit of `now` everywhere), for tests; default Date.now. One returning seconds is INVALID_ARGUMENT. */
  now?: () => number;
  /**
   * WeChat's API security mode (服务端 API 签名加密), for the APIs that support it (getPhoneNumber,
   * checkEncryptedData, getUserEncryptKey): requests encrypted and signed, replies verified and
   * decrypted (a reply failing a check is UNVERIFIED_REPLY). The keys and numbers come from
   * 开发管理 → 开发设置 → API安全; none of them ever appears in an error or util.inspect(client).
   */
  apiSecurity?: ApiSecurityOptions;
}

/** options.apiSecurity: checked at construction; the PEMs are parsed in the background (WeChatClient.ready()). */
export interface ApiSecurityOptions {
  /** The symmetric key, base64: 32 bytes (AES256_GCM, algorithm 'RSA') or 16 bytes (SM4_GCM, algorithm 'SM'). */
  symmetricKey: string;
  /** Its number: 32 hex digits. */
  symmetricSn: string;
  /** The application private key, PEM: "RSA PRIVATE KEY" (PKCS#1) or "PRIVATE KEY" (PKCS#8); SM2: PKCS#8 or "EC PRIVATE KEY". */
  privateKey: string;
  /** The number of its public key in API安全: 32 hex digits. */
  privateKeySn: string;
  /** The platform certificate downloaded from API安全, PEM "CERTIFICATE". */
  platformCertificate: string;
  /** Its number (not the X.509 serial): 32 hex digits. */
  platformCertificateSn: string;
  /** 'RSA' (AES256_GCM + RSAwithSHA256, default) or 'SM' (SM4_GCM + SM2withSM3), as chosen in API安全. */
  algorithm?: 'RSA' | 'SM';
  /** The origin signed and used in the AAD, default 'https://api.weixin.qq.com' (never baseUrl: relays and the mock serve the same urlpath). */
  origin?: string;
}

/** What code2Session returns. */
export interface Session {
  openid: string;
  /** The session_key decryptPhone needs; keep it on the server. */
  sessionKey: string;
  /** Present when the Mini Program is bound to an Open Platform account. */
  unionid?: string;
}

export declare class WeChatClient {
  /** @throws {WxOpenDataError} INVALID_ARGUMENT for a missing, wrong or unknown option */
  constructor(options: WeChatClientOptions);
  readonly appId: string;
  /** Resolves once options.apiSecurity's keys are parsed and checked (at once without it); rejects with the INVALID_ARGUMENT every call of the mode would throw before sending anything. */
  ready(): Promise<void>;
  /** /sns/jscode2session. The code is single-use: never retried. */
  code2Session(jsCode: string): Promise<Session>;
  /** /wxa/business/getuserphonenumber with the button's code (not a wx.login code). The PhoneInfo decryptPhone returns. */
  getPhoneNumber(code: string, options?: { openid?: string }): Promise<PhoneInfo>;
  /** The stored token, else one fetch (shared by concurrent callers). forceRefresh: a new one, within WeChat's 20 a day, 30 s apart. */
  getAccessToken(options?: { forceRefresh?: boolean }): Promise<string>;
  /** /wxa/checksession: false when WeChat says the signature is invalid (87009), i.e. the key is no longer the user's. */
  checkSessionKey(openid: string, sessionKey: string): Promise<boolean>;
  /** /wxa/resetusersessionkey: WeChat issues a new session_key. */
  resetSessionKey(openid: string, sessionKey: string): Promise<{ openid: string; sessionKey: string }>;
  /**
   * /wxa/business/checkencryptedmsg: whether WeChat issued this encryptedData (phone data, last 3 days),
   * by the SHA-256 of the base64 text as received. createTime in unix seconds; WeChat's errcode 1 is { valid: false, createTime: null }.
   */
  checkEncryptedData(encryptedData: string): Promise<{ valid: boolean; createTime: number | null }>;
  /** /wxa/business/getuserencryptkey: the user's latest (at most 3) encryption keys, newest first, signed with the current session_key. */
  getUserEncryptKey(openid: string, sessionKey: string): Promise<UserEncryptKey[]>;
}

/** One of getUserEncryptKey's keys: encryptKey and iv are secrets (util.inspect shows them redacted). */
export interface UserEncryptKey {
  encryptKey: string;
  version: number;
  /** Seconds it stays valid (0: expired). */
  expireIn: number;
  iv: string;
  /** Unix seconds. */
  createTime: number;
}

/**
 * A user encryption key as decryptWithUserKey needs it: one element of
 * getUserEncryptKey's list (a UserEncryptKey), or what the Mini Program's
 * wx.getUserCryptoManager().getLatestUserKey() returns.
 */
export interface UserKeyInfo {
  /** Base64 of the 16-byte AES-128 key. */
  encryptKey: string;
  /** 16 characters, used as the 16 bytes of the AES-CBC iv. */
  iv: string;
  version?: number;
}

/**
 * Opens what the Mini Program encrypted with the user key of
 * wx.getUserCryptoManager(): AES-128-CBC with PKCS#7 padding, the key
 * base64-decoded, the iv's 16 characters as its bytes, the ciphertext in
 * base64, the plaintext JSON text (e.g. JSON.stringify(data)). Returns the
 * JSON value; pass your own type as T. Pick the key whose version the
 * Mini Program sent (getUserEncryptKey lists the latest 3). WeChat leaves
 * the cipher to the app: docs/client.md shows the Mini Program half.
 * @throws {WxOpenDataError} INVALID_ARGUMENT (a key or ciphertext of the wrong shape; the message says which, never its value), DECRYPT_FAILED (another key, another cipher, damaged, or not JSON)
 */
export declare function decryptWithUserKey<T = unknown>(keyInfo: UserKeyInfo, encryptedData: string): T;

/** The request id in one of WeChat's errmsg strings, or null. */
export declare function ridOf(errmsg: unknown): string | null;

/** The application's own connected Redis client: node-redis v4+ (createClient) or ioredis v5+. */
export type RedisClientLike = { sendCommand(args: string[]): Promise<unknown> } | { call(command: string, ...args: Array<string | number>): Promise<unknown> };

/** A TokenStore on Redis (keys under prefix, default 'wx-open-data:'), with the fleet-wide fetch lock. */
export declare function createRedisStore(client: RedisClientLike, options?: { prefix?: string }): Required<TokenStore>;

/** The watermark checks the cloud helpers offer (decryptPhone's options). */
export interface CloudCheckOptions {
  appId?: string;
  maxAgeSeconds?: number;
  /** Milliseconds since the epoch, like Date.now(), as in DecryptOptions. */
  now?: number;
}

/** What cloud.openapi.phonenumber.getPhoneNumber returns (or throws). */
export interface CloudPhoneNumberResult {
  /** WeChat's errcode or wx-server-sdk's own code; a numeric string ('40029') counts as the number. */
  errCode?: number | string;
  errMsg?: string;
  phoneInfo?: unknown;
}

/** A CloudID's data: the { cloudID, data } the platform puts in event, or cloud.getOpenData's { list: [...] }. */
export type CloudOpenDataResult = { cloudID?: string; data?: unknown; errCode?: number | string; errMsg?: string } | { list: Array<{ cloudID?: string; data?: unknown; errCode?: number | string; errMsg?: string }> };

/**
 * The code route in a cloud function: what cloud.openapi.phonenumber.getPhoneNumber
 * returned, or the error it threw, as PhoneInfo. Failures throw WxOpenDataError:
 * WeChat's errcodes as on the HTTP route (40029 INVALID_CODE, 45011 RATE_LIMITED,
 * -1 WECHAT_UNAVAILABLE), wx-server-sdk's own codes with what to do (-604101: the
 * permission in config.json), anything thrown without errCode WECHAT_UNAVAILABLE.
 */
export declare function fromCloudPhoneNumber(result: CloudPhoneNumberResult | Error, options?: CloudCheckOptions): PhoneInfo;

/** The cloudID route: the platform-decrypted data (or the error cloud.getOpenData threw) as PhoneInfo. */
export declare function fromCloudOpenData(result: CloudOpenDataResult | Error, options?: CloudCheckOptions): PhoneInfo;
