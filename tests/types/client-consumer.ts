// A consumer of the WeChat client's typings (pkg-template/index.d.ts and
// src/mock/index.d.ts), compiled with `tsc --strict` by
// scripts/test-types.sh. Each @ts-expect-error line is misuse that must
// not compile: if the typings loosen (e.g. to `any`), tsc reports the unused
// directive.
import {
  WeChatClient,
  MemoryStore,
  createRedisStore,
  fromCloudPhoneNumber,
  fromCloudOpenData,
  ridOf,
  decryptWithUserKey,
  type UserKeyInfo,
  type PhoneInfo,
  type TokenStore,
  type Session,
  type UserEncryptKey,
  type WeChatCallError,
  type WeChatClientErrorCode,
  type ApiSecurityOptions,
} from 'wx-open-data';
import { startMockWeChat, type MockWeChat, type MockCloudSDKError, type MockApiSecurity } from 'wx-open-data/mock';

async function main(): Promise<void> {
  const mock: MockWeChat = await startMockWeChat({ appId: 'wx0123456789abcdef', appSecret: 'secret' });
  const client = new WeChatClient({ appId: 'wx0123456789abcdef', appSecret: 'secret', baseUrl: mock.baseUrl, timeoutMs: 5000 });

  const session: Session = await client.code2Session(mock.client.login('u').code);
  const openid: string = session.openid;
  const unionid: string | undefined = session.unionid;
  const phone: PhoneInfo = await client.getPhoneNumber(mock.client.getPhoneNumber('u').code, { openid });
  const country: string = phone.countryCode;
  const stamp: number = phone.watermark.timestamp;
  const token: string = await client.getAccessToken({ forceRefresh: false });
  const valid: boolean = await client.checkSessionKey(openid, session.sessionKey);
  const reset: { openid: string; sessionKey: string } = await client.resetSessionKey(openid, session.sessionKey);
  const rid: string | null = ridOf('invalid code rid: 1-2-3');
  const fetches: number = mock.counters.stable_token;
  mock.fault('hang', { path: '/cgi-bin/stable_token', times: 1 });
  mock.fault('latency', { ms: 100 }).clear();
  const check: { valid: boolean; createTime: number | null } = await client.checkEncryptedData(mock.client.getPhoneNumber('u').encryptedData);
  const keys: UserEncryptKey[] = await client.getUserEncryptKey(openid, session.sessionKey);
  const keyVersion: number = keys[0].version;
  const encryptKey: string = keys[0].encryptKey;
  const checked: number = mock.counters.checkencryptedmsg + mock.counters.getuserencryptkey;
  mock.fault('errcode', { errcode: 48001, errmsg: 'api unauthorized', times: 1 }).clear();
  // The phone's key (the mock's getLatestUserKey) and the server's both serve decryptWithUserKey.
  const onPhone: { encryptKey: string; iv: string; version: number; expireTime: number } = mock.client.getLatestUserKey('u');
  const fromPhone: UserKeyInfo = onPhone;
  const order = decryptWithUserKey<{ orderId: string }>(keys.find((k) => k.version === onPhone.version) ?? fromPhone, 'AAAA');
  const orderId: string = order.orderId;
  const opened: unknown = decryptWithUserKey(keys[0], 'AAAA');
  // @ts-expect-error decryptWithUserKey takes the key object, not its encryptKey string
  decryptWithUserKey(keys[0].encryptKey, 'AAAA');
  void [unionid, country, stamp, token, valid, reset, rid, fetches, check, keyVersion, encryptKey, checked, orderId, opened];

  // A store of one's own.
  const map = new Map<string, string>();
  const store: TokenStore = {
    get: async (k) => map.get(k) ?? null,
    set: async (k, v) => { map.set(k, v); },
    delete: async (k) => { map.delete(k); },
  };
  new WeChatClient({ appId: 'wx', appSecret: 's', store });
  new WeChatClient({ appId: 'wx', appSecret: 's', store: new MemoryStore(), tokenEndpoint: 'token' });
  new WeChatClient({ appId: 'wx', appSecret: 's', baseUrl: 'http://10.0.0.5:8080', allowInsecureHttp: true });
  // A fetch of one's own, answering with text() only; the client asks it for redirect: 'manual'.
  new WeChatClient({ appId: 'wx', appSecret: 's', fetch: async (url, init) => ({ status: init.redirect === 'manual' ? 200 : 0, text: async () => url }) });
  // The lock's compare-and-delete: optional on a store, always on the built-in ones.
  const locking: TokenStore = { ...store, add: async () => true, deleteIf: async (k, v) => map.get(k) === v && map.delete(k) };
  const released: Promise<boolean> = new MemoryStore().deleteIf('k', 'v');
  const redisReleased: Promise<boolean> = createRedisStore({ sendCommand: async () => 1 }).deleteIf('k', 'v');
  const storeDown: WeChatClientErrorCode = 'STORE_UNAVAILABLE';
  void [locking, released, redisReleased, storeDown];
  // node-redis and ioredis shapes.
  createRedisStore({ sendCommand: async (args: string[]) => args.length }, { prefix: 'app:' });
  createRedisStore({ call: async (command: string, ...args: Array<string | number>) => [command, ...args] });

  const fromCloud: PhoneInfo = fromCloudPhoneNumber(await mock.cloud.openapi.phonenumber.getPhoneNumber({ code: 'c' }), { appId: 'wx' });
  const fromCloudId: PhoneInfo = fromCloudOpenData(await mock.cloud.getOpenData({ list: ['id'] }), { maxAgeSeconds: 300 });
  // What the SDK threw, and a wrapper's numeric-string errCode.
  const failed = await mock.cloud.openapi.phonenumber.getPhoneNumber({ code: 'c' }).catch((e: unknown) => e as MockCloudSDKError);
  const fromThrown: PhoneInfo = fromCloudPhoneNumber(failed, { appId: mock.cloud.getWXContext().APPID });
  const fromString: PhoneInfo = fromCloudPhoneNumber({ errCode: '40029', errMsg: 'invalid code' });
  const fromOpenDataError: PhoneInfo = fromCloudOpenData(failed);
  void [fromCloud, fromCloudId, fromThrown, fromString, fromOpenDataError];

  try {
    await client.getPhoneNumber('code');
  } catch (e) {
    const err = e as WeChatCallError;
    const errcode: number | null = err.errcode;
    const requestId: string | null = err.rid;
    const code: WeChatClientErrorCode = 'INVALID_CODE';
    void [errcode, requestId, code];
  }

  // @ts-expect-error appSecret is required
  new WeChatClient({ appId: 'wx' });
  // @ts-expect-error unknown option (a typo must not compile)
  new WeChatClient({ appId: 'wx', appSecret: 's', timeout: 1000 });
  // @ts-expect-error tokenEndpoint is 'stable_token' or 'token'
  new WeChatClient({ appId: 'wx', appSecret: 's', tokenEndpoint: 'stable' });
  // @ts-expect-error allowInsecureHttp is a boolean
  new WeChatClient({ appId: 'wx', appSecret: 's', allowInsecureHttp: 'yes' });
  // @ts-expect-error timeoutMs is a number
  new WeChatClient({ appId: 'wx', appSecret: 's', timeoutMs: '1000' });
  // @ts-expect-error the option is openid
  await client.getPhoneNumber('code', { openId: 'x' });
  // @ts-expect-error forceRefresh is a boolean
  await client.getAccessToken({ forceRefresh: 'yes' });
  // @ts-expect-error the session key is required
  await client.checkSessionKey(openid);
  // @ts-expect-error encryptedData is the base64 string, not bytes
  await client.checkEncryptedData(new Uint8Array(16));
  // @ts-expect-error getUserEncryptKey needs the session key
  await client.getUserEncryptKey(openid);
  // @ts-expect-error createTime may be null (errcode 1)
  const t: number = check.createTime;
  // @ts-expect-error an errcode fault's errcode is a number
  mock.fault('errcode', { errcode: '48001' });
  // @ts-expect-error countryCode is a string, never a number
  const n: number = phone.countryCode;
  // @ts-expect-error a store needs delete
  new WeChatClient({ appId: 'wx', appSecret: 's', store: { get: async () => null, set: async () => {} } });
  // @ts-expect-error not a Redis client
  createRedisStore({ get: async () => null });
  // @ts-expect-error unknown fault kind
  mock.fault('explode');
  // @ts-expect-error code2Session returns no phone number
  const p: string = session.phoneNumber;

  // API security: the mock's keys are the client's option; ready() reports the keys' parse.
  const secure: MockWeChat = await startMockWeChat({ appId: 'wx0123456789abcdef', appSecret: 'secret', apiSecurity: { algorithm: 'SM' } });
  const secureKeys: MockApiSecurity | null = secure.apiSecurity;
  if (secureKeys !== null) {
    const options: ApiSecurityOptions = secureKeys;
    const secured = new WeChatClient({ appId: 'wx0123456789abcdef', appSecret: 'secret', baseUrl: secure.baseUrl, apiSecurity: options });
    await secured.ready();
    const rotated: string = secure.rotatePlatformCertificate().platformCertificateSn;
    secure.fault('tamperReply', { path: '/wxa/business/checkencryptedmsg', times: 1 });
    const refused: WeChatClientErrorCode = 'UNVERIFIED_REPLY';
    void [rotated, refused];
    // @ts-expect-error the algorithm is 'RSA' or 'SM'
    new WeChatClient({ appId: 'wx', appSecret: 's', apiSecurity: { ...options, algorithm: 'AES' } });
    // @ts-expect-error the platform certificate is required
    new WeChatClient({ appId: 'wx', appSecret: 's', apiSecurity: { symmetricKey: 'k', symmetricSn: 'n', privateKey: 'p', privateKeySn: 'n', platformCertificateSn: 'n' } });
  }
  // @ts-expect-error apiSecurity is true or { algorithm }
  await startMockWeChat({ appId: 'wx', appSecret: 's', apiSecurity: 'RSA' });
  await secure.close();
  void [n, p, t];
  await mock.close();
}
void main;
