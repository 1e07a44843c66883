// Typings of wx-open-data/mock (Node only).

import type { ApiSecurityOptions } from '../index.js';

export interface MockWeChatOptions {
  appId: string;
  appSecret: string;
  /** Default 0: a free port chosen by the system. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Clock returning milliseconds since the epoch, like Date.now (one returning seconds is a TypeError); advanceTime() adds to it. Default Date.now. */
  now?: () => number;
  /** The appid in getuserphonenumber's watermark: default appId; '' as in WeChat's documented example. */
  watermarkAppid?: string;
  /** Speak WeChat's API security mode on getuserphonenumber, checkencryptedmsg and getuserencryptkey (true: algorithm 'RSA'); the client's keys are in mock.apiSecurity. */
  apiSecurity?: true | { algorithm?: 'RSA' | 'SM' };
}

/**
 * The transport faults, then (with apiSecurity) one broken check of a reply of the mode each:
 * tamperReply (a ciphertext byte changed after signing), tamperSignature, unknownCertificate (signed
 * under another certificate and number), staleTimestamp / futureTimestamp (301 s off), wrongAppid
 * (decrypted _appid), timestampMismatch (decrypted _timestamp), plainSuccess (the result as plain
 * JSON without headers), badEnvelope (an extra member in the signed envelope), plaintextNotJson
 * (a signed, encrypted plaintext that is not JSON).
 */
export type MockFaultKind = 'latency' | 'hang' | 'http5xx' | 'busy' | 'rateLimit' | 'nonJson' | 'reset' | 'errcode'
  | 'tamperReply' | 'tamperSignature' | 'unknownCertificate' | 'staleTimestamp' | 'futureTimestamp' | 'wrongAppid' | 'timestampMismatch' | 'plainSuccess' | 'badEnvelope' | 'plaintextNotJson';

/**
 * The client's options.apiSecurity for a mock started with apiSecurity (keys it generated;
 * privateKey is PEM "RSA PRIVATE KEY" (PKCS#1) for 'RSA', "PRIVATE KEY" (PKCS#8) for 'SM').
 */
export type MockApiSecurity = Required<Omit<ApiSecurityOptions, 'origin'>>;

export interface MockFaultOptions {
  /** Only this API path (e.g. '/cgi-bin/stable_token'; '/wxa/business/getuserphonenumber' covers cloud.openapi.phonenumber.getPhoneNumber too, 'cloud.getOpenData' cloud.getOpenData); default every API path and cloud call. */
  path?: string | null;
  /** How many requests it hits; default unlimited. */
  times?: number;
  /** latency: milliseconds before the normal answer. */
  ms?: number;
  /** http5xx: the status, default 502. */
  status?: number;
  /** errcode: the errcode of the WeChat error reply (wx-server-sdk's errCode for a cloud call), default -1. */
  errcode?: number;
  /** errcode: the start of its errmsg (WeChat's hint and rid follow), default 'injected error'. */
  errmsg?: string;
}

export interface MockCounters {
  requests: number;
  jscode2session: number;
  stable_token: number;
  stable_token_forced: number;
  token: number;
  getuserphonenumber: number;
  checksession: number;
  resetusersessionkey: number;
  checkencryptedmsg: number;
  getuserencryptkey: number;
  tokensIssued: number;
}

export interface MockPhone {
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
}

/** The WeChat app on a user's phone. */
export interface MockWeChatApp {
  /** wx.login: a single-use code (5 minutes); rotates the user's session_key. */
  login(user?: string): { errMsg: string; code: string };
  /** The getPhoneNumber button's event detail, encrypted with the session_key the user holds now. */
  getPhoneNumber(user?: string): { errMsg: string; code: string; encryptedData: string; iv: string; cloudID: string };
  /** wx.getUserCryptoManager().getLatestUserKey(): the user's latest encryption key, the one getuserencryptkey lists first (a new one every 3600 s). */
  getLatestUserKey(user?: string): { errMsg: string; encryptKey: string; iv: string; version: number; expireTime: number };
  checkSession(user?: string): boolean;
  openidOf(user?: string): string;
  sessionKeyOf(user?: string): string | null;
  phoneOf(user?: string): MockPhone;
  setPhone(user: string, phone: MockPhone): void;
  /** jscode2session answers 40226 for this user. */
  markRisky(user?: string, risky?: boolean): void;
}

/** wx-server-sdk's error (CloudSDKError): WeChat's errcode (40029, 45011, -1) or the SDK's own code (-501001: failed in transit). */
export interface MockCloudSDKError extends Error {
  errCode: number;
  errMsg: string;
}

/** Cloud Base as a cloud function sees it (wx-server-sdk); failures reject with MockCloudSDKError. */
export interface MockCloud {
  openapi: { phonenumber: { getPhoneNumber(args: { code: string }): Promise<{ errCode: 0; errMsg: string; phoneInfo: MockPhone & { watermark: { timestamp: number; appid: string } } }> } };
  getOpenData(args: { list: string[] }): Promise<{ list: Array<{ cloudID: string; data?: unknown; errCode?: number; errMsg?: string }> }>;
  /** cloud.getWXContext(): APPID, and OPENID/UNIONID of the user the mock's client last acted for. */
  getWXContext(): { APPID: string; OPENID?: string; UNIONID?: string; ENV: string; SOURCE: string };
}

export interface MockWeChat {
  /** e.g. http://127.0.0.1:40123: WeChatClient's baseUrl. */
  baseUrl: string;
  client: MockWeChatApp;
  cloud: MockCloud;
  counters: MockCounters;
  fault(kind: MockFaultKind, options?: MockFaultOptions): { clear(): void };
  clearFaults(): void;
  advanceTime(seconds: number): void;
  invalidateAccessTokens(): void;
  breakStableToken(): void;
  /** With apiSecurity: the client's options.apiSecurity (the current platform certificate); else null. */
  readonly apiSecurity: MockApiSecurity | null;
  /** With apiSecurity: WeChat rotates its platform certificate; replies carry the old one's signature as -Deprecated. The new certificate and number. */
  rotatePlatformCertificate(): { platformCertificate: string; platformCertificateSn: string };
  issuedSecrets(): string[];
  close(): Promise<void>;
}

export declare function startMockWeChat(options: MockWeChatOptions): Promise<MockWeChat>;
