// Generated from src/vocabulary.json by scripts/vocabulary-types.mjs; do not edit.
// tests/js/vocabulary.test.mjs fails when this differs from a fresh
// generation (BLESS=1 rewrites it). index.d.ts re-exports these types.

/** The codes only the WeChat server client throws (it also throws INVALID_ARGUMENT, and for phone data NOT_PHONE_DATA, APPID_MISMATCH, EXPIRED). */
export type WeChatClientErrorCode =
  | 'INVALID_CODE'
  | 'RATE_LIMITED'
  | 'WECHAT_API_ERROR'
  | 'WECHAT_UNAVAILABLE'
  | 'STORE_UNAVAILABLE'
  | 'UNVERIFIED_REPLY';

/** Stable error codes; messages may improve between releases, codes never change. */
export type WxOpenDataErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_SESSION_KEY'
  | 'INVALID_IV'
  | 'INVALID_ENCRYPTED_DATA'
  | 'DECRYPT_FAILED'
  | 'NOT_PHONE_DATA'
  | 'APPID_MISMATCH'
  | 'EXPIRED'
  | 'RANDOM_UNAVAILABLE'
  | WeChatClientErrorCode;

/** Stable codes of diagnose() findings; messages may improve, codes never change. */
export type DiagnosisCause =
  | 'OK'
  | 'INVALID_INPUT'
  | 'PLUS_BECAME_SPACE'
  | 'TRUNCATED'
  | 'IV_MISMATCH'
  | 'KEY_IV_SWAPPED'
  | 'STALE_SESSION_KEY'
  | 'NOT_PHONE_DATA'
  | 'APPID_MISMATCH'
  | 'EXPIRED'
  | 'URL_ENCODED';

/** What decrypted open data is (Diagnosis.kind). */
export type OpenDataKind =
  | 'phone'
  | 'userInfo'
  | 'weRunData'
  | 'other';

/** The keys DecryptOptions has (decryptPhone, decryptData, phoneInfoFromJson). */
export type DecryptOptionKey =
  | 'appId'
  | 'maxAgeSeconds'
  | 'now';

/** The keys DiagnoseOptions has. */
export type DiagnoseOptionKey =
  | 'rawData'
  | 'signature'
  | 'previousSessionKeys'
  | 'appId'
  | 'maxAgeSeconds'
  | 'now';
