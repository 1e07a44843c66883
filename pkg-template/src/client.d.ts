// Typings of the WeChat server client (client.mjs, store.mjs,
// redis-store.mjs, cloud.mjs), to be merged into the package's index.d.ts.
// PhoneInfo and WxOpenDataError are the package's own (the engine's
// typings); `./index.js` is that file. The client's four codes must join
// WxOpenDataErrorCode there, from src/vocabulary.json.
import type { PhoneInfo, WxOpenDataError } from './index.js';

/** The codes only the server client throws (besides INVALID_ARGUMENT, NOT_PHONE_DATA, APPID_MISMATCH, EXPIRED). */
export type WeChatClientErrorCode = 'INVALID_CODE' | 'RATE_LIMITED' | 'WECHAT_API_ERROR' | 'WECHAT_UNAVAILABLE';

/** What every WxOpenDataError carries about a WeChat server call. */
export interface WeChatCallDetails {
  /** WeChat's errcode (e.g. 40029), or null when WeChat gave none (network failure, timeout, HTTP 5xx, a body that is not JSON). */
  errcode: number | null;
  /** WeChat's request id parsed from errmsg ("rid: 62fa5928-4e8b95ea-7539a513"), for WeChat support; null when absent. */
  rid: string | null;
}

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
}

/** The default store: this process only. */
export declare class MemoryStore implements TokenStore {
  /** @param options.now clock in milliseconds (tests) */
  constructor(options?: { now?: () => number });
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  add(key: string, value: string, ttlSeconds: number): Promise<boolean>;
}

/**
 * The part of fetch the client uses (any WHATWG fetch, node-fetch, undici).
 * Where AbortController exists the client also passes `signal` and aborts on
 * timeout; a fetch that ignores it still times out (the client races a timer).
 */
export type FetchLike = (
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface WeChatClientOptions {
  /** The Mini Program's AppID. */
  appId: string;
  /** Its AppSecret. Never appears in an error, a message or util.inspect(client). */
  appSecret: string;
  /** Default 'https://api.weixin.qq.com'; tests point it at wx-open-data/mock. */
  baseUrl?: string;
  /** Default the global fetch (Node >= 18, Deno, Bun, workers, browsers); inject one on Node 10-17. */
  fetch?: FetchLike;
  /** Default a MemoryStore; createRedisStore(...) for a fleet. */
  store?: TokenStore;
  /** Per HTTP exchange with WeChat, in milliseconds; default 10000. */
  timeoutMs?: number;
  /** 'stable_token' (default: every instance gets the same token) or 'token' (/cgi-bin/token: each fetch invalidates the previous token). */
  tokenEndpoint?: 'stable_token' | 'token';
  /** Clock in milliseconds, for tests. Default Date.now. */
  now?: () => number;
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
}

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
  now?: number;
}

/** What cloud.openapi.phonenumber.getPhoneNumber returns (or throws). */
export interface CloudPhoneNumberResult {
  errCode?: number;
  errMsg?: string;
  phoneInfo?: unknown;
}

/** A CloudID's data: the { cloudID, data } the platform puts in event, or cloud.getOpenData's { list: [...] }. */
export type CloudOpenDataResult = { cloudID?: string; data?: unknown; errCode?: number; errMsg?: string } | { list: Array<{ cloudID?: string; data?: unknown; errCode?: number; errMsg?: string }> };

/** The code route in a cloud function: the result of cloud.openapi.phonenumber.getPhoneNumber as PhoneInfo. */
export declare function fromCloudPhoneNumber(result: CloudPhoneNumberResult | Error, options?: CloudCheckOptions): PhoneInfo;

/** The cloudID route: the platform-decrypted data as PhoneInfo. */
export declare function fromCloudOpenData(result: CloudOpenDataResult, options?: CloudCheckOptions): PhoneInfo;

/** A WxOpenDataError from a WeChat server call. */
export type WeChatCallError = WxOpenDataError & WeChatCallDetails;
