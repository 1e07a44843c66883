// HMAC-SHA256 for WeChat's session-key signatures (/wxa/checksession,
// /wxa/resetusersessionkey, /wxa/business/getuserencryptkey): hex HMAC with
// the session_key STRING (its UTF-8 bytes, not the base64-decoded key) as the
// key; and SHA-256 for checkEncryptedData's hash.
//
// Both come from the runtime (runtime-crypto.mjs): node:crypto on Node,
// WebCrypto elsewhere. A small pure-JS SHA-256 (FIPS 180-4) stays for the one
// place with neither: an ESM bundle on Node 10-18 (no require, no
// process.getBuiltinModule, no global WebCrypto), where these calls worked
// before and must not start failing; it is a hash of public or per-user data,
// with nothing for a timing side channel to learn that the caller does not
// already hold. The three paths are checked against RFC 4231, FIPS 180-4 and
// WeChat's worked example in tests/client/hmac.test.mjs.
import { nodeCrypto, webCrypto } from './runtime-crypto.mjs';

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, like TextEncoder). */
export function utf8Bytes(text) {
  const out = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** SHA-256 of `bytes` (a Uint8Array) as a 32-byte Uint8Array. */
export function sha256(bytes) {
  const bitLength = bytes.length * 8;
  const padded = new Uint8Array(((bytes.length + 9 + 63) >> 6) << 6);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  // The length as a 64-bit big-endian integer; inputs here are far below 2^32 bits.
  const end = padded.length;
  padded[end - 5] = Math.floor(bitLength / 0x100000000) & 0xff;
  padded[end - 4] = (bitLength >>> 24) & 0xff;
  padded[end - 3] = (bitLength >>> 16) & 0xff;
  padded[end - 2] = (bitLength >>> 8) & 0xff;
  padded[end - 1] = bitLength & 0xff;

  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      w[i] = (padded[j] << 24) | (padded[j + 1] << 16) | (padded[j + 2] << 8) | padded[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15];
      const b = w[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    out[i * 4] = h[i] >>> 24;
    out[i * 4 + 1] = (h[i] >>> 16) & 0xff;
    out[i * 4 + 2] = (h[i] >>> 8) & 0xff;
    out[i * 4 + 3] = h[i] & 0xff;
  }
  return out;
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** HMAC-SHA256 (RFC 2104) in pure JS; key and message are Uint8Arrays. */
export function hmacSha256(key, message) {
  let k = key.length > 64 ? sha256(key) : key;
  const block = new Uint8Array(64);
  block.set(k);
  const inner = new Uint8Array(64);
  const outer = new Uint8Array(64);
  for (let i = 0; i < 64; i++) {
    inner[i] = block[i] ^ 0x36;
    outer[i] = block[i] ^ 0x5c;
  }
  k = null;
  return sha256(concat(outer, sha256(concat(inner, message))));
}

export function toHex(bytes) {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return hex;
}

/**
 * Which implementation hashes here: 'node:crypto', 'WebCrypto' or 'js'
 * (`how.path` forces one, for tests).
 */
export function hashPath(how) {
  if (how && how.path) return how.path;
  if (nodeCrypto() !== null) return 'node:crypto';
  return webCrypto() !== null ? 'WebCrypto' : 'js';
}

/**
 * Hex HMAC-SHA256 of the UTF-8 string `message` under the UTF-8 string `key`.
 * @param {string} key
 * @param {string} message
 * @param {{ path?: 'node:crypto' | 'WebCrypto' | 'js' }} [how] tests: force one implementation
 * @returns {Promise<string>}
 */
export async function hmacSha256Hex(key, message, how) {
  const path = hashPath(how);
  if (path === 'node:crypto') return nodeCrypto().createHmac('sha256', Buffer.from(key, 'utf8')).update(Buffer.from(message, 'utf8')).digest('hex');
  const keyBytes = utf8Bytes(key);
  const messageBytes = utf8Bytes(message);
  try {
    if (path === 'WebCrypto') {
      try {
        const s = webCrypto().subtle;
        const k = await s.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
        return toHex(new Uint8Array(await s.sign('HMAC', k, messageBytes)));
      } catch (_) {
        // A WebCrypto that refuses (a polyfill without HMAC): the JS path gives the same answer.
      }
    }
    return toHex(hmacSha256(keyBytes, messageBytes));
  } finally {
    keyBytes.fill(0);
  }
}

/**
 * Lowercase hex SHA-256 of the UTF-8 bytes of `text` (checkEncryptedData's
 * encrypted_msg_hash), from the runtime as hmacSha256Hex.
 * tests/client/hmac.test.mjs "sha256Hex".
 * @param {string} text
 * @param {{ path?: 'node:crypto' | 'WebCrypto' | 'js' }} [how] tests: force one implementation
 * @returns {Promise<string>}
 */
export async function sha256Hex(text, how) {
  const path = hashPath(how);
  if (path === 'node:crypto') return nodeCrypto().createHash('sha256').update(text, 'utf8').digest('hex');
  const bytes = utf8Bytes(text);
  if (path === 'WebCrypto') {
    try {
      return toHex(new Uint8Array(await webCrypto().subtle.digest('SHA-256', bytes)));
    } catch (_) {
      // a WebCrypto that refuses: the JS path gives the same answer
    }
  }
  return toHex(sha256(bytes));
}
