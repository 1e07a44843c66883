// decryptWithUserKey: the server half of wx.getUserCryptoManager(). The
// Mini Program gets the user's latest key from getLatestUserKey()
// ({ encryptKey, iv, version, expireTime }), encrypts with it and sends the
// ciphertext with the key's version; the server gets the same keys, by
// version, from WeChatClient.getUserEncryptKey and opens the data here.
//
// WeChat leaves the cipher to the app ("someAESEncryptMethod", with aes-js
// and aes-wasm as suggested libraries). The documented shapes fix one
// reading: encryptKey is base64 of 16 bytes (an AES-128 key) and iv is 16
// characters ("6003f73ec441c386"), which is a 16-byte AES block only as the
// characters' own bytes (as hex it would be 8). So: AES-128-CBC, PKCS#7
// padding, key = base64-decoded encryptKey, iv = the 16 characters as
// ASCII bytes, ciphertext in base64, and the plaintext JSON text (the
// engine's decryptData opens exactly that: AES-128-CBC with constant-time
// unpadding, then UTF-8 and JSON checks). docs/client.md shows both halves;
// tests/client/user-key.test.mjs encrypts as the Mini Program does, with
// node:crypto, and decrypts through the mock's getuserencryptkey.
import { WxOpenDataError, invalidArgument } from './errors.mjs';
import { BASE64, toBase64 } from './base64.mjs';

const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;
const IV = /^[\x21-\x7e]{16}$/;
/** The engine's limit on encryptedData (1 MiB of ciphertext), as base64 characters. */
const MAX_BASE64 = 4 * Math.ceil(1048576 / 3);

const KEY_SHAPE = "getUserEncryptKey's encryptKey: base64 of 16 bytes (24 characters)";
const IV_SHAPE = 'the 16-character iv that getUserEncryptKey returns with the key';
const FAILED = 'decryption with this user key failed: the data was encrypted with another key (use the key whose version the Mini Program sent with the data), '
  + 'or not as this package reads it (AES-128-CBC, PKCS#7 padding, the iv\'s 16 characters as its bytes, the ciphertext in base64, the plaintext JSON text), or it was damaged in transit';

/** Reads `keyInfo.encryptKey` and `keyInfo.iv`, or throws INVALID_ARGUMENT that names what is wrong (never a value). */
function readKey(keyInfo) {
  if (keyInfo === null || typeof keyInfo !== 'object' || Array.isArray(keyInfo)) {
    throw invalidArgument('keyInfo must be one of the keys getUserEncryptKey returns ({ encryptKey, iv, version, ... }): the one whose version the Mini Program sent');
  }
  let encryptKey;
  let iv;
  try {
    encryptKey = keyInfo.encryptKey;
    iv = keyInfo.iv;
  } catch (_) {
    throw invalidArgument('keyInfo could not be read');
  }
  if (typeof encryptKey !== 'string' || !KEY.test(encryptKey)) throw invalidArgument(`keyInfo.encryptKey must be ${KEY_SHAPE}`);
  if (typeof iv !== 'string' || !IV.test(iv)) throw invalidArgument(`keyInfo.iv must be ${IV_SHAPE}`);
  return { encryptKey, iv };
}

/** Checks the ciphertext's shape, or throws INVALID_ARGUMENT that says what is wrong with it (never its text). */
function checkCiphertext(encryptedData) {
  if (typeof encryptedData !== 'string') throw invalidArgument('encryptedData must be a string: the base64 ciphertext the Mini Program sent');
  if (encryptedData === '') throw invalidArgument('encryptedData is empty');
  if (encryptedData.length > MAX_BASE64) throw invalidArgument('encryptedData is larger than decryption accepts (1 MiB of ciphertext)');
  if (!BASE64.test(encryptedData)) {
    const hint = encryptedData.indexOf(' ') >= 0 ? " ('+' became a space in transit: send it as JSON, or encodeURIComponent it)" : '';
    throw invalidArgument(`encryptedData is not standard base64 with padding${hint}`);
  }
  const padding = encryptedData.endsWith('==') ? 2 : encryptedData.endsWith('=') ? 1 : 0;
  const bytes = (encryptedData.length / 4) * 3 - padding;
  if (bytes % 16 !== 0) throw invalidArgument(`encryptedData decodes to ${bytes} bytes, not a multiple of 16 (AES blocks): it was truncated, or not encrypted with AES-CBC`);
}

/** decryptWithUserKey on top of an entry's decryptData. */
export function createDecryptWithUserKey(decryptData) {
  /**
   * Opens what the Mini Program encrypted with the user key `keyInfo` (one
   * element of getUserEncryptKey's list, or getLatestUserKey's result):
   * the JSON value it encrypted.
   */
  return function decryptWithUserKey(keyInfo, encryptedData) {
    const { encryptKey, iv } = readKey(keyInfo);
    checkCiphertext(encryptedData);
    try {
      return decryptData(encryptKey, encryptedData, toBase64(Uint8Array.from(iv, (c) => c.charCodeAt(0))));
    } catch (err) {
      if (err instanceof WxOpenDataError && err.code === 'DECRYPT_FAILED') throw new WxOpenDataError('DECRYPT_FAILED', FAILED);
      throw err;
    }
  };
}
