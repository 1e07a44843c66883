// Standard base64 for the JS surface's own bytes (API security's envelopes,
// signatures and PEM bodies; the user key's iv): one encoder and one strict
// decoder, written out because Node 10 has neither btoa nor
// Uint8Array.fromBase64 and the web entries have no Buffer. Session keys
// and open data are decoded in the engine (src/base64.rs), not here.
// tests/client/api-security.test.mjs "strict base64".

/** Padded standard base64 (the shape; fromBase64 also refuses unused bits set). */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const B64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (with padding) of bytes; no Buffer or btoa needed. */
export function toBase64(bytes) {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64_CHARS[n >> 18] + B64_CHARS[(n >> 12) & 63] + B64_CHARS[(n >> 6) & 63] + B64_CHARS[n & 63];
  }
  if (i < bytes.length) {
    const n = (bytes[i] << 16) | ((i + 1 < bytes.length ? bytes[i + 1] : 0) << 8);
    out += B64_CHARS[n >> 18] + B64_CHARS[(n >> 12) & 63] + (i + 1 < bytes.length ? B64_CHARS[(n >> 6) & 63] : '=') + '=';
  }
  return out;
}

/** Bytes of strict standard base64 (padding required), or null. */
export function fromBase64(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64.test(text)) return null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n = (B64_CHARS.indexOf(text[i]) << 18) | (B64_CHARS.indexOf(text[i + 1]) << 12) | ((B64_CHARS.indexOf(text[i + 2]) & 63) << 6) | (B64_CHARS.indexOf(text[i + 3]) & 63);
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  // A last group whose unused bits are set is not the canonical encoding of
  // any bytes: refused, so one body has one meaning.
  return toBase64(out) === text ? out : null;
}

/** `der` as PEM text of `label`: base64 in lines of 64 characters. */
export const pem = (label, der) => `-----BEGIN ${label}-----\n${toBase64(der).replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
