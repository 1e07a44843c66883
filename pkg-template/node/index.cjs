'use strict';
// Node entry (require): wasm-pack's nodejs build, which compiles and
// instantiates the .wasm synchronously when first required. init() and
// initSync() exist so that code written for the web entry runs unchanged.
const wasm = require('./wx_open_data.js');

module.exports = {
  decryptPhone: wasm.decryptPhone,
  decryptData: wasm.decryptData,
  encryptData: wasm.encryptData,
  verifySignature: wasm.verifySignature,
  isWxOpenDataError: wasm.isWxOpenDataError,
  WXBizDataCrypt: wasm.WXBizDataCrypt,
  /** Already instantiated on Node: resolves at once. */
  init: async function init() {},
  /** Already instantiated on Node: does nothing. */
  initSync: function initSync() {},
};
