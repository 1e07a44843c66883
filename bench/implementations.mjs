// Every way of decrypting WeChat open data that the bench compares. Each does
// the same work as the official sample: base64-decode key, iv and data,
// AES-128-CBC with PKCS#7, UTF-8, JSON.parse, and the watermark appid check.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cbc } from '@noble/ciphers/aes.js';
import CryptoJS from 'crypto-js';

const require = createRequire(import.meta.url);
export const pkgDir = fileURLToPath(new URL('../pkg/', import.meta.url));
export const ours = require(pkgDir);
export const OfficialSample = require('../tests/js/support/official-sample.cjs');

// Read from node_modules directly: @noble/ciphers does not export ./package.json.
const version = (name) => JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
const decoder = new TextDecoder('utf-8', { fatal: true });

function checkAppId(data, appId) {
  if (data?.watermark?.appid !== appId) throw new Error('appid mismatch');
  return data;
}

/** name, version, and decrypt(key, data, iv, appId, kind) → object (sync or a Promise). */
export const implementations = [
  {
    name: 'wx-open-data (wasm)',
    version: JSON.parse(readFileSync(new URL('../pkg/package.json', import.meta.url), 'utf8')).version,
    decrypt: (k, d, iv, appId, kind) => kind === 'phone'
      ? ours.decryptPhone(k, d, iv, { appId })
      : ours.decryptData(k, d, iv, { appId }),
  },
  {
    name: 'official sample (node:crypto)',
    version: `node ${process.versions.node}, OpenSSL ${process.versions.openssl}`,
    baseline: true,
    decrypt: (k, d, iv, appId) => new OfficialSample(appId, k).decryptData(d, iv),
  },
  {
    name: '@noble/ciphers (pure JS)',
    version: version('@noble/ciphers'),
    decrypt: (k, d, iv, appId) => checkAppId(JSON.parse(decoder.decode(
      cbc(Buffer.from(k, 'base64'), Buffer.from(iv, 'base64')).decrypt(Buffer.from(d, 'base64')))), appId),
  },
  {
    name: 'crypto-js',
    version: version('crypto-js'),
    decrypt: (k, d, iv, appId) => checkAppId(JSON.parse(CryptoJS.AES.decrypt(
      { ciphertext: CryptoJS.enc.Base64.parse(d) }, CryptoJS.enc.Base64.parse(k),
      { iv: CryptoJS.enc.Base64.parse(iv), mode: CryptoJS.mode.CBC, padding: CryptoJS.pad.Pkcs7 },
    ).toString(CryptoJS.enc.Utf8)), appId),
  },
  {
    name: 'WebCrypto, key imported per call',
    version: `node ${process.versions.node}`,
    async: true,
    decrypt: async (k, d, iv, appId) => {
      const key = await crypto.subtle.importKey('raw', Buffer.from(k, 'base64'), 'AES-CBC', false, ['decrypt']);
      const plain = await crypto.subtle.decrypt({ name: 'AES-CBC', iv: Buffer.from(iv, 'base64') }, key, Buffer.from(d, 'base64'));
      return checkAppId(JSON.parse(decoder.decode(plain)), appId);
    },
  },
  {
    name: 'WebCrypto, key cached',
    version: `node ${process.versions.node}`,
    async: true,
    keys: new Map(),
    async decrypt(k, d, iv, appId) {
      let key = this.keys.get(k);
      if (!key) {
        key = await crypto.subtle.importKey('raw', Buffer.from(k, 'base64'), 'AES-CBC', false, ['decrypt']);
        this.keys.set(k, key);
      }
      const plain = await crypto.subtle.decrypt({ name: 'AES-CBC', iv: Buffer.from(iv, 'base64') }, key, Buffer.from(d, 'base64'));
      return checkAppId(JSON.parse(decoder.decode(plain)), appId);
    },
  },
];
