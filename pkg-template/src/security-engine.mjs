// The security engine: build/security.wasm (the security/ crate) behind the
// functions WeChat's server API security mode (服务端 API 签名加密) needs
// beyond the runtime's own RSA-PSS and AES-256-GCM: PEM/DER keys and
// certificates (both algorithms, every runtime), the strict reply-envelope
// reader, the SM suite (SM4-GCM, SM2withSM3 with a distinguishing ID, SM3)
// and the mock's key and certificate helpers. The WeChat client reaches this
// module only through a dynamic import() when `apiSecurity` is set, so the
// request path never loads it (tests/js/lazy-load.test.mjs).
//
// Where the .wasm comes from is ./security-wasm.mjs: the web entry's embeds
// it as base64 in a chunk of its own (web/wasm-security.mjs, a dynamic
// import); scripts/assemble-pkg.mjs gives the Node builds
// node-security-wasm.mjs instead, which reads wasm/security.wasm from disk.
//
// Every failure is a WxOpenDataError INVALID_ARGUMENT whose message names the
// argument and the problem and never carries any part of the input
// (tests/js/security-engine.test.mjs scans every message for the input's
// bytes, base64 and hex).
import { invalidArgument } from './errors.mjs';
import { compileSecurityWasm, randomBytes } from './security-wasm.mjs';

// Status words of security/src/abi.rs.
const OK = 0;
const NO = 1;
const BAD_LENGTHS = 2;

const ALGORITHMS = ['', 'RSA', 'SM2'];
const ALGORITHM_NUMBER = { RSA: 1, SM2: 2 };

const PRIVATE_KEY_FORMS = '"-----BEGIN PRIVATE KEY-----" (PKCS#8), "-----BEGIN RSA PRIVATE KEY-----" (PKCS#1) or "-----BEGIN EC PRIVATE KEY-----" (SEC1, SM2)';

/** The refusals of security/src/keys.rs (keys::Refusal), as words about a private key. */
const KEY_REFUSALS = {
  16: `is not a PEM private key: expected ${PRIVATE_KEY_FORMS}`,
  17: 'holds more than one private key: give exactly one',
  18: 'is an encrypted private key: decrypt it first (openssl pkcs8 -topk8 -nocrypt), there is no passphrase option',
  19: `is a public key, where the private key belongs: expected ${PRIVATE_KEY_FORMS}`,
  20: `is a certificate, where the private key belongs: expected ${PRIVATE_KEY_FORMS}`,
  22: 'is an RSA key shorter than 2048 bits',
  23: 'is an EC key on a curve other than SM2 (sm2p256v1)',
  24: 'is a key of a type other than RSA or SM2',
  25: 'is not a readable PEM key: its base64 or DER does not parse',
};

/** The same refusals, as words about a certificate. */
const CERTIFICATE_REFUSALS = {
  16: 'is not a PEM certificate: expected "-----BEGIN CERTIFICATE-----"',
  19: 'is a public key, where the certificate belongs: expected "-----BEGIN CERTIFICATE-----" (the platform certificate as downloaded)',
  21: 'is a private key, where the certificate belongs: expected "-----BEGIN CERTIFICATE-----" (the platform certificate as downloaded)',
  23: "is a certificate for an EC key on a curve other than SM2 (sm2p256v1)",
  24: 'is a certificate for a key of a type other than RSA or SM2',
  25: 'is not a readable X.509 certificate: its base64 or DER does not parse',
  26: 'holds more than one certificate: give exactly the platform certificate',
};

/** security/src/sm.rs (sm::Invalid) and cert.rs (cert::CertProblem). */
const PROBLEMS = {
  32: 'the key must be 16 bytes (SM4)',
  33: 'the iv must be 12 bytes',
  34: 'the key is not an SM2 private key (PKCS#8 DER, as parsePrivateKey returns it)',
  35: 'the key is not an SM2 public key (SubjectPublicKeyInfo DER, as parseCertificate returns it)',
  36: 'the distinguishing ID is longer than 8191 bytes',
  37: 'too few random bytes',
  38: 'the ciphertext is shorter than its 16-byte tag',
  48: 'the public key is not a readable key of the algorithm named',
  49: 'notBefore and notAfter must be times from 1970 to 9999, notBefore first',
  50: 'the signature is empty, over 1024 bytes, or the certificate does not assemble',
  51: 'too few random bytes',
};

function nameOf(what, fallback) {
  return typeof what === 'string' && what.length > 0 && what.length <= 200 ? what : fallback;
}

function isBytes(value) {
  return value instanceof Uint8Array;
}

function needBytes(value, label) {
  if (!isBytes(value)) throw invalidArgument(`${label} must be a Uint8Array`);
  return value;
}

/** UTF-8 bytes of a string (Node 10 has no global TextEncoder). */
function utf8(text) {
  if (typeof TextEncoder !== 'undefined') return new TextEncoder().encode(text);
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

function ascii(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096));
  return out;
}

function f64(bytes, at) {
  return new DataView(bytes.buffer, bytes.byteOffset + at, 8).getFloat64(0, true);
}

function u32(bytes, at) {
  return new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
}

/**
 * Wraps an instance of security.wasm: each call writes its byte arguments
 * back to back into the instance's input buffer, makes one numeric call and
 * copies the result out (then wipes it inside the instance).
 */
function createSecurityEngine(instance) {
  const x = instance.exports;

  /**
   * Runs export `name` on `inputs` (Uint8Arrays; their lengths are passed
   * after `before` and before `after`). Returns { status, out }.
   */
  function run(label, name, inputs, before = [], after = []) {
    let total = 0;
    for (const input of inputs) total += input.length;
    const at = x.sx_input(total);
    if (at === 0) throw invalidArgument(`${label}: the input is too large`);
    const memory = new Uint8Array(x.memory.buffer);
    let offset = at;
    for (const input of inputs) {
      memory.set(input, offset);
      offset += input.length;
    }
    const status = x[name](...before, ...inputs.map((input) => input.length), ...after);
    if (status === BAD_LENGTHS) throw invalidArgument(`${label}: the input is too large`);
    if (status !== OK) return { status, out: null };
    const start = x.sx_output_ptr();
    const out = new Uint8Array(x.memory.buffer.slice(start, start + x.sx_output_len()));
    x.sx_wipe();
    return { status, out };
  }

  function problem(label, status) {
    return invalidArgument(`${label}: ${PROBLEMS[status] || 'refused'}`);
  }

  return {
    /** PEM private key → { algorithm: 'RSA' | 'SM2', pkcs8: PKCS#8 DER, bits }; `what` names it in errors. */
    parsePrivateKey(pem, what) {
      const name = nameOf(what, 'privateKey');
      if (typeof pem !== 'string') throw invalidArgument(`${name} must be a PEM string (${PRIVATE_KEY_FORMS})`);
      const { status, out } = run(name, 'sx_parse_private_key', [utf8(pem)]);
      if (out === null) throw invalidArgument(`${name} ${KEY_REFUSALS[status] || 'is not a usable private key'}`);
      return { algorithm: ALGORITHMS[out[0]], pkcs8: out.slice(5), bits: u32(out, 1) };
    },

    /** PEM X.509 certificate → { algorithm, spki: SubjectPublicKeyInfo DER, notBefore, notAfter } (ms since the epoch). */
    parseCertificate(pem, what) {
      const name = nameOf(what, 'certificate');
      if (typeof pem !== 'string') throw invalidArgument(`${name} must be a PEM string ("-----BEGIN CERTIFICATE-----")`);
      const { status, out } = run(name, 'sx_parse_certificate', [utf8(pem)]);
      if (out === null) throw invalidArgument(`${name} ${CERTIFICATE_REFUSALS[status] || 'is not a usable certificate'}`);
      return { algorithm: ALGORITHMS[out[0]], spki: out.slice(17), notBefore: f64(out, 1), notAfter: f64(out, 9) };
    },

    /** WeChat's reply body bytes → { iv, data, authtag }, or null when it is not exactly an envelope. */
    openEnvelope(body) {
      needBytes(body, 'openEnvelope: body');
      const { out } = run('openEnvelope', 'sx_open_envelope', [body]);
      if (out === null) return null;
      return { iv: out.slice(0, 12), authtag: out.slice(12, 28), data: out.slice(28) };
    },

    /** SM4-GCM encryption → ciphertext || 16-byte tag. */
    sm4GcmSeal(key16, iv12, aad, plaintext) {
      const label = 'sm4GcmSeal';
      const args = [needBytes(key16, `${label}: key`), needBytes(iv12, `${label}: iv`), needBytes(aad, `${label}: aad`), needBytes(plaintext, `${label}: plaintext`)];
      const { status, out } = run(label, 'sx_sm4_gcm_seal', args);
      if (out === null) throw problem(label, status);
      return out;
    },

    /** SM4-GCM decryption → plaintext, or null when the tag does not match. */
    sm4GcmOpen(key16, iv12, aad, ciphertextAndTag) {
      const label = 'sm4GcmOpen';
      const args = [needBytes(key16, `${label}: key`), needBytes(iv12, `${label}: iv`), needBytes(aad, `${label}: aad`), needBytes(ciphertextAndTag, `${label}: ciphertext`)];
      const { status, out } = run(label, 'sx_sm4_gcm_open', args);
      if (status === NO) return null;
      if (out === null) throw problem(label, status);
      return out;
    },

    /** SM2withSM3 signature (DER) of `message` with distinguishing ID `id`, by a PKCS#8 SM2 key. */
    sm2Sign(pkcs8, id, message) {
      const label = 'sm2Sign';
      const args = [needBytes(pkcs8, `${label}: key`), needBytes(id, `${label}: id`), needBytes(message, `${label}: message`), randomBytes(32)];
      const { status, out } = run(label, 'sx_sm2_sign', args);
      if (out === null) throw problem(label, status);
      return out;
    },

    /** Whether `signature` (DER or raw r || s) is the SM2withSM3 signature of `message` with ID `id` by the SPKI's key. */
    sm2Verify(spki, id, message, signature) {
      const label = 'sm2Verify';
      const args = [needBytes(spki, `${label}: key`), needBytes(id, `${label}: id`), needBytes(message, `${label}: message`), needBytes(signature, `${label}: signature`)];
      const { status } = run(label, 'sx_sm2_verify', args);
      if (status === OK) return true;
      if (status === NO) return false;
      throw problem(label, status);
    },

    /** SM3 digest, 32 bytes. */
    sm3(message) {
      return run('sm3', 'sx_sm3', [needBytes(message, 'sm3: message')]).out;
    },

    /** A fresh SM2 key pair { pkcs8, spki } (the mock's platform key). */
    sm2GenerateKeyPair() {
      const { status, out } = run('sm2GenerateKeyPair', 'sx_sm2_generate_key_pair', [randomBytes(64)]);
      if (out === null) throw problem('sm2GenerateKeyPair', status);
      const n = u32(out, 0);
      return { pkcs8: out.slice(4, 4 + n), spki: out.slice(4 + n) };
    },

    /** A self-signed PEM certificate for `o.spki`, signed by `o.sign(tbs)` (the mock's platform certificate). */
    selfSignedCertificate(o) {
      const label = 'selfSignedCertificate';
      if (o === null || typeof o !== 'object') throw invalidArgument(`${label} needs { algorithm, spki, notBefore, notAfter, sign }`);
      const alg = ALGORITHM_NUMBER[o.algorithm];
      if (alg === undefined) throw invalidArgument(`${label}: algorithm must be 'RSA' or 'SM2'`);
      needBytes(o.spki, `${label}: spki`);
      if (typeof o.notBefore !== 'number' || typeof o.notAfter !== 'number') throw invalidArgument(`${label}: notBefore and notAfter must be numbers (ms since the epoch)`);
      if (typeof o.sign !== 'function') throw invalidArgument(`${label}: sign must be a function (tbs: Uint8Array) => Uint8Array`);
      const tbs = run(label, 'sx_tbs_certificate', [o.spki, randomBytes(16)], [alg], [o.notBefore, o.notAfter]);
      if (tbs.out === null) throw problem(label, tbs.status);
      const signature = o.sign(tbs.out);
      if (!isBytes(signature)) throw invalidArgument(`${label}: sign must return a Uint8Array`);
      const cert = run(label, 'sx_certificate', [tbs.out, signature], [alg]);
      if (cert.out === null) throw problem(label, cert.status);
      return ascii(cert.out);
    },
  };
}

let loading;

/**
 * Loads and instantiates the security .wasm once; later calls return the
 * same promise (a failed load is retried by the next call). The engine:
 *
 * - `parsePrivateKey(pem, what)` → `{ algorithm: 'RSA' | 'SM2', pkcs8, bits }`:
 *   "RSA PRIVATE KEY" (PKCS#1), "PRIVATE KEY" (PKCS#8, RSA or SM2), "EC PRIVATE
 *   KEY" or OpenSSL 3's "SM2 PRIVATE KEY" (SEC1, SM2 curve). Reads pasted
 *   text leniently (indentation, CRLF, comments around the block, literal
 *   `\n` from a one-line environment variable). Refuses, naming `what`: not
 *   PEM, more than one key, an encrypted key, a public key or a certificate
 *   in its place, RSA under 2048 bits, an EC curve other than SM2, another
 *   key type, unreadable base64/DER.
 * - `parseCertificate(pem, what)` → `{ algorithm, spki, notBefore, notAfter }`
 *   (ms since the epoch; expiry is the caller's to judge): one X.509
 *   "CERTIFICATE"; refuses a private or public key in its place, more than
 *   one certificate, unreadable DER, a key other than RSA / SM2.
 * - `openEnvelope(body)` → `{ iv, data, authtag }` or null: exactly
 *   `{"iv","data","authtag"}` as JSON strings of padded standard base64, no
 *   member twice, none other; iv 12 bytes, authtag 16; body ≤ 64 KiB.
 * - `sm4GcmSeal(key16, iv12, aad, plaintext)` → ciphertext || 16-byte tag;
 *   `sm4GcmOpen(key16, iv12, aad, ciphertextAndTag)` → plaintext, or null when
 *   the tag does not match (RFC 8998's AEAD_SM4_GCM).
 * - `sm2Sign(pkcs8, id, message)` → SM2withSM3 signature with distinguishing
 *   ID `id` (WeChat's: the application key's Sn), DER-encoded
 *   `SEQUENCE { r INTEGER, s INTEGER }` (GM/T 0009): the form WeChat SDKs
 *   send (SKIT.FlurlHttpClient.Wechat's SM2Utility.SignWithSM3 signs with
 *   BouncyCastle's SM3withSM2, asn1Encoding true by default). Nonces are
 *   RFC 6979 hedged with 32 fresh host random bytes.
 * - `sm2Verify(spki, id, message, signature)` → boolean; takes the DER form
 *   and the raw 64-byte `r || s`.
 * - `sm3(message)` → 32 bytes.
 * - `sm2GenerateKeyPair()` → `{ pkcs8, spki }`, for the mock.
 * - `selfSignedCertificate({ algorithm, spki, notBefore, notAfter, sign })` →
 *   PEM "CERTIFICATE" with subject and issuer `CN=wx-open-data mock WeChat
 *   platform,O=wx-open-data`; `sign(tbs)` returns the signature:
 *   sha256WithRSAEncryption for RSA, SM2-with-SM3 for SM2 (sign with
 *   `sm2Sign(pkcs8, ID, tbs)`, ID the bytes of "1234567812345678", the
 *   default ID for certificates, GM/T 0015).
 *
 * Failures throw WxOpenDataError INVALID_ARGUMENT (RANDOM_UNAVAILABLE where
 * the runtime has no secure random source); messages never contain input.
 * @returns {Promise<object>} the engine
 */
export function loadSecurityEngine() {
  if (loading === undefined) {
    loading = (async () => {
      const module = await compileSecurityWasm();
      const instance = await WebAssembly.instantiate(module, {});
      return createSecurityEngine(instance);
    })();
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}
