// A consumer of the published typings, compiled with `tsc --strict` by
// scripts/test-types.sh (as CommonJS-style node16 resolution and as a bundler
// would resolve it). Each @ts-expect-error line is misuse that must not compile:
// if the typings ever loosen (e.g. to `any`), tsc reports the unused directive.
import {
  decryptPhone,
  decryptData,
  encryptData,
  verifySignature,
  diagnose,
  isWxOpenDataError,
  WXBizDataCrypt,
  init,
  initSync,
  type PhoneInfo,
  type Watermark,
  type DecryptOptions,
  type OpenData,
  type WxOpenDataError,
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
  const legacy: OpenData = new WXBizDataCrypt('wx4f4bc4dec97d474b', sessionKey).decryptData(encryptedData, iv);

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
  }

  // @ts-expect-error: sessionKey must be a string
  decryptPhone(123, encryptedData, iv);
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

  const diagnoseOptions: DiagnoseOptions = { previousSessionKeys: [sessionKey], rawData: '{}', signature: 'ab', appId: 'wx', maxAgeSeconds: 300, now: 1 };
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

  return [country, ts, nick, unknownField, sealed.iv, ok, legacy, n, wrong, maybe, wrongFinding].join();
}
