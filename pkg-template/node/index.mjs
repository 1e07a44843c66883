// Node entry (import): the same module instance, engine and WxOpenDataError
// class as require('wx-open-data').
import api from './index.cjs';

export const {
  decryptPhone,
  decryptData,
  decryptWithUserKey,
  phoneInfoFromJson,
  encryptData,
  verifySignature,
  diagnose,
  isWxOpenDataError,
  WxOpenDataError,
  WXBizDataCrypt,
  WeChatClient,
  MemoryStore,
  createRedisStore,
  fromCloudPhoneNumber,
  fromCloudOpenData,
  ridOf,
  engineBuild,
  init,
  initSync,
} = api;
