// Node entry (import): the same instance as require('wx-open-data').
import api from './index.cjs';

export const {
  decryptPhone,
  decryptData,
  encryptData,
  verifySignature,
  diagnose,
  isWxOpenDataError,
  WXBizDataCrypt,
  init,
  initSync,
} = api;
