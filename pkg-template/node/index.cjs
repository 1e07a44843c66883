'use strict';
// Node entry (require): wasm-pack's nodejs build, which compiles and
// instantiates the .wasm synchronously when first required. init() and
// initSync() exist so that code written for the web entry runs unchanged.

// encryptData draws its IV from globalThis.crypto.getRandomValues (getrandom's
// wasm_js backend looks it up there). Node 18 has WebCrypto only as
// require('node:crypto').webcrypto, not as a global, so without this every
// encryptData call fails with RANDOM_UNAVAILABLE. Defined only when missing,
// so a newer Node's own global (or a user's polyfill) is left alone; set
// before the glue is loaded in case it looks the global up early.
if (typeof globalThis.crypto === 'undefined') {
  Object.defineProperty(globalThis, 'crypto', {
    value: require('node:crypto').webcrypto,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

const wasm = require('./wx_open_data.js');

module.exports = {
  decryptPhone: wasm.decryptPhone,
  decryptData: wasm.decryptData,
  encryptData: wasm.encryptData,
  verifySignature: wasm.verifySignature,
  diagnose: wasm.diagnose,
  isWxOpenDataError: wasm.isWxOpenDataError,
  WXBizDataCrypt: wasm.WXBizDataCrypt,
  /** Already instantiated on Node: resolves at once. */
  init: async function init() {},
  /** Already instantiated on Node: does nothing. */
  initSync: function initSync() {},
};
