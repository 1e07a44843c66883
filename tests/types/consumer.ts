// A consumer of the published typings of the Node entry, compiled with
// `tsc --strict` by scripts/test-types.sh against the packed package: as a
// Node ES module (node16: the import condition, index.d.mts) and as a
// bundler project building for Node (bundler resolution with the "node"
// condition). consumer-cjs.cts is the require side, web-consumer.ts the web
// entry. Each @ts-expect-error line is misuse that must not compile: if the
// typings ever loosen (e.g. to `any`), tsc reports the unused directive.
import {
  decryptPhone,
  decryptData,
  phoneInfoFromJson,
  encryptData,
  verifySignature,
  diagnose,
  isWxOpenDataError,
  WxOpenDataError,
  WXBizDataCrypt,
  engineBuild,
  init,
  initSync,
  type PhoneInfo,
  type Watermark,
  type DecryptOptions,
  type OpenData,
  type WxOpenDataErrorCode,
  type EncryptedPayload,
  type Diagnosis,
  type DiagnosisCause,
  type DiagnoseOptions,
} from 'wx-open-data';

interface UserInfo {
  nickName: string;
  watermark: Watermark;
}

export async function usage(sessionKey: string, encryptedData: string, iv: string): Promise<string> {
  await init();
  initSync();
  const options: DecryptOptions = { appId: 'wx4f4bc4dec97d474b', maxAgeSeconds: 300 };
  const phone: PhoneInfo = decryptPhone(sessionKey, encryptedData, iv, options);
  const country: string = phone.countryCode;
  const ts: number = phone.watermark.timestamp;

  const user = decryptData<UserInfo>(sessionKey, encryptedData, iv);
  const nick: string = user.nickName;
  const open: OpenData = decryptData(sessionKey, encryptedData, iv);
  const unknownField: unknown = open.anything;

  const sealed: EncryptedPayload = encryptData(sessionKey, { a: 1 });
  encryptData(sessionKey, 'plain text');
  const ok: boolean = verifySignature('{"a":1}', 'ab', sessionKey);
  const crypt = new WXBizDataCrypt('wx4f4bc4dec97d474b', sessionKey);
  const legacy: OpenData = crypt.decryptData(encryptedData, iv);
  const boundAppId: string = crypt.appId;

  // The code route: phone_info JSON from WeChat's server, by decryptPhone's rules.
  const fromServer: PhoneInfo = phoneInfoFromJson('{"phoneNumber":"1"}', { appId: 'wx4f4bc4dec97d474b', maxAgeSeconds: 300 });
  const build: 'simd' | 'baseline' = engineBuild();

  try {
    decryptPhone(sessionKey, encryptedData, iv);
  } catch (err) {
    if (isWxOpenDataError(err)) {
      const code: WxOpenDataErrorCode = err.code;
      const wx: number | null = err.wxErrCode;
      const e: WxOpenDataError = err;
      if (code === 'DECRYPT_FAILED') return `${e.message} ${wx}`;
      // @ts-expect-error: not one of the codes
      if (code === 'ILLEGAL_BUFFER') return '';
    }
    // A class: instanceof narrows, and WeChat's errcode and rid are typed.
    if (err instanceof WxOpenDataError) {
      const errcode: number | null = err.errcode;
      const rid: string | null = err.rid;
      const name: 'WxOpenDataError' = err.name;
      if (err.code === 'WECHAT_API_ERROR') return `${errcode} ${rid} ${name}`;
    }
  }
  const made: WxOpenDataError = new WxOpenDataError('EXPIRED', 'custom message', { errcode: 40029, rid: 'r' });
  const asError: Error = made;

  // @ts-expect-error: sessionKey must be a string
  decryptPhone(123, encryptedData, iv);
  // @ts-expect-error: appId is a string
  decryptPhone(sessionKey, encryptedData, iv, { appId: 123 });
  // @ts-expect-error: phoneInfoFromJson takes the JSON text, not the object
  phoneInfoFromJson({ phoneNumber: '1' });
  // @ts-expect-error: phoneInfoFromJson options are DecryptOptions
  phoneInfoFromJson('{}', { appid: 'wx' });
  // @ts-expect-error: WXBizDataCrypt is a plain class, nothing to free
  crypt.free();
  // @ts-expect-error: the appid check cannot be switched off
  crypt.appId = 'wx0';
  // @ts-expect-error: not one of the codes
  new WxOpenDataError('ILLEGAL_BUFFER');
  // @ts-expect-error: the Node entry never runs a custom build
  if (engineBuild() === 'custom') return '';
  // @ts-expect-error: options must be DecryptOptions (appid is a typo of appId)
  decryptPhone(sessionKey, encryptedData, iv, { appid: 'wx' });
  // @ts-expect-error: maxAgeSeconds is a number
  decryptPhone(sessionKey, encryptedData, iv, { maxAgeSeconds: '300' });
  // @ts-expect-error: PhoneInfo has no nickName
  phone.nickName;
  // @ts-expect-error: countryCode is always a string
  const n: number = phone.countryCode;
  // @ts-expect-error: encryptData takes an object or a string
  encryptData(sessionKey, 42);
  // @ts-expect-error: the class needs appId and sessionKey
  new WXBizDataCrypt('wx');
  // @ts-expect-error: results are not any
  const wrong: number = decryptPhone(sessionKey, encryptedData, iv);
  // @ts-expect-error: open data may lack a watermark
  const maybe: number = open.watermark.timestamp;

  const diagnoseOptions: DiagnoseOptions = { previousSessionKeys: [sessionKey], rawData: '{}', signature: 'ab', appId: 'wx', maxAgeSeconds: 300, now: Date.now() };
  const finding: Diagnosis = diagnose(sessionKey, encryptedData, iv, diagnoseOptions);
  const cause: DiagnosisCause = finding.cause;
  const sentence: string = finding.message;
  const matched: number | null = finding.matchedPreviousKey;
  const kind: 'phone' | 'userInfo' | 'weRunData' | 'other' | null = finding.kind;
  diagnose(sessionKey, encryptedData, iv);
  if (cause === 'STALE_SESSION_KEY') return `${sentence} ${matched} ${kind}`;
  // @ts-expect-error: not one of the causes
  if (cause === 'DECRYPT_FAILED') return '';
  // @ts-expect-error: previousSessionKeys is a list of strings
  diagnose(sessionKey, encryptedData, iv, { previousSessionKeys: sessionKey });
  // @ts-expect-error: options must be DiagnoseOptions (previousKeys is not a key)
  diagnose(sessionKey, encryptedData, iv, { previousKeys: [sessionKey] });
  // @ts-expect-error: the diagnosis is not any
  const wrongFinding: string = diagnose(sessionKey, encryptedData, iv);

  return [country, ts, nick, unknownField, sealed.iv, ok, legacy, boundAppId, fromServer, build, asError, n, wrong, maybe, wrongFinding].join();
}
