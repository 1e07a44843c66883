// WeChat's server API security mode (服务端 API 签名加密) for WeChatClient:
// each request to an API that supports it is encrypted (AES256_GCM, or
// SM4_GCM) and signed (RSAwithSHA256 = RSASSA-PSS, or SM2withSM3), and each
// reply is verified and decrypted before anything in it is used. client.mjs
// calls seal() where a request is sent and open() where a reply is read;
// everything else of the mode lives here. docs/client.md "API security"
// lists every check open() makes; tests/client/api-security.test.mjs holds
// each of them, and WeChat's worked example as fixed vectors
// (tests/vectors/api-security.json).
//
// Why each primitive comes from where it does: AES-256-GCM and RSA-PSS from
// the runtime (node:crypto on Node, which has both from 10.15 and is
// constant-time native code; WebCrypto elsewhere), since a hand-written RSA
// or GCM in JS would be slow and hard to keep free of timing leaks; the SM
// suite (SM4-GCM, SM2withSM3), the PEM/DER parsers and the strict envelope
// parser from the security .wasm (security-engine.mjs), since no runtime
// offers SM2/SM4 and the parsers must behave the same everywhere.
//
// Keys never leave this module's closures: not on the client, not in an
// error (messages name the option and the problem, never a key, a byte of
// one or its length beyond what the option's own rule states).
import { ERRORS, WxOpenDataError, invalidArgument } from './errors.mjs';
import { strictOptions } from './options.mjs';
import { nodeCrypto, webCrypto } from './runtime-crypto.mjs';
import { toBase64, fromBase64, pem } from './base64.mjs';

export { toBase64, fromBase64 };

export const API_SECURITY_KEYS = ['symmetricKey', 'symmetricSn', 'privateKey', 'privateKeySn', 'platformCertificate', 'platformCertificateSn', 'algorithm', 'origin'];
const REQUIRED = ['symmetricKey', 'symmetricSn', 'privateKey', 'privateKeySn', 'platformCertificate', 'platformCertificateSn'];
const WHAT = 'options.apiSecurity';

/**
 * The APIs sent in the mode: those of the client whose pages in WeChat's
 * documentation say 支持加密请求. jscode2session and the token endpoints do
 * not support it; checksession and resetusersessionkey are not marked so
 * and stay plain.
 */
export const SECURED_PATHS = ['/wxa/business/getuserphonenumber', '/wxa/business/checkencryptedmsg', '/wxa/business/getuserencryptkey'];

/** The origin WeChat signs and authenticates with (never baseUrl: a relay or the mock serves the same urlpath). */
export const DEFAULT_ORIGIN = 'https://api.weixin.qq.com';

/**
 * How far a reply's Wechatmp-TimeStamp may be from this client's clock,
 * either way: WeChat's official samples refuse replies over 300 s old; a
 * timestamp as far in the future is as suspect (a replay prepared ahead, or
 * a clock that is wrong). tests/client/api-security.test.mjs "stale", "future".
 */
export const REPLY_WINDOW_S = 300;

const SN = /^[0-9a-fA-F]{32}$/;

// --- bytes -------------------------------------------------------------------

export function utf8(text) {
  if (typeof TextEncoder === 'function') return new TextEncoder().encode(text);
  return Uint8Array.from(Buffer.from(text, 'utf8'));
}

function fromUtf8(bytes) {
  if (typeof TextDecoder === 'function') {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (_) {
      return null;
    }
  }
  const text = Buffer.from(bytes).toString('utf8');
  return Buffer.from(text, 'utf8').equals(Buffer.from(bytes)) ? text : null;
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}


// --- primitives of the runtime -------------------------------------------------

const NO_CRYPTO = 'this runtime offers neither node:crypto nor WebCrypto (crypto.subtle), which the API security mode needs for AES-256-GCM and RSA-PSS';

/**
 * AES-256-GCM and RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) and random
 * bytes, from node:crypto on Node and WebCrypto elsewhere (`how.webCrypto`:
 * true forces WebCrypto, for tests). Keys come in as DER (PKCS#8, SPKI) and
 * raw bytes; every function is async, as WebCrypto's are.
 */
export function runtimePrimitives(how) {
  const forceWeb = how && how.webCrypto === true;
  const found = forceWeb ? null : nodeCrypto();
  const node = found && found.constants && typeof found.constants.RSA_PKCS1_PSS_PADDING === 'number' ? found : null;
  if (node) {
    const P = { padding: node.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    const buf = (b) => Buffer.from(b.buffer, b.byteOffset, b.length);
    return {
      source: 'node:crypto',
      random: (n) => Uint8Array.from(node.randomBytes(n)),
      async aesGcmSeal(key, iv, aad, plaintext) {
        const c = node.createCipheriv('aes-256-gcm', buf(key), buf(iv));
        c.setAAD(buf(aad));
        const data = Buffer.concat([c.update(buf(plaintext)), c.final()]);
        return { data: Uint8Array.from(data), authtag: Uint8Array.from(c.getAuthTag()) };
      },
      async aesGcmOpen(key, iv, aad, data, authtag) {
        try {
          const d = node.createDecipheriv('aes-256-gcm', buf(key), buf(iv));
          d.setAAD(buf(aad));
          d.setAuthTag(buf(authtag));
          return Uint8Array.from(Buffer.concat([d.update(buf(data)), d.final()]));
        } catch (_) {
          return null;
        }
      },
      // PEM strings, not KeyObjects: Node 10 signs and verifies with PEM only.
      signingKey: (pkcs8) => pem('PRIVATE KEY', pkcs8),
      verifyingKey: (spki) => pem('PUBLIC KEY', spki),
      async pssSign(key, message) {
        return Uint8Array.from(node.createSign('sha256').update(buf(message)).sign({ key, ...P }));
      },
      async pssVerify(key, message, signature) {
        try {
          return node.createVerify('sha256').update(buf(message)).verify({ key, ...P }, buf(signature));
        } catch (_) {
          return false;
        }
      },
    };
  }
  const web = webCrypto();
  if (!web) return null;
  const s = web.subtle;
  const PSS = { name: 'RSA-PSS', hash: 'SHA-256' };
  return {
    source: 'WebCrypto',
    random: (n) => web.getRandomValues(new Uint8Array(n)),
    async aesGcmSeal(key, iv, aad, plaintext) {
      const k = await s.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
      const out = new Uint8Array(await s.encrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, k, plaintext));
      return { data: out.slice(0, out.length - 16), authtag: out.slice(out.length - 16) };
    },
    async aesGcmOpen(key, iv, aad, data, authtag) {
      try {
        const k = await s.importKey('raw', key, 'AES-GCM', false, ['decrypt']);
        return new Uint8Array(await s.decrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, k, concat(data, authtag)));
      } catch (_) {
        return null;
      }
    },
    signingKey: (pkcs8) => s.importKey('pkcs8', pkcs8, PSS, false, ['sign']),
    verifyingKey: (spki) => s.importKey('spki', spki, PSS, false, ['verify']),
    async pssSign(key, message) {
      return new Uint8Array(await s.sign({ name: 'RSA-PSS', saltLength: 32 }, await key, message));
    },
    async pssVerify(key, message, signature) {
      try {
        return await s.verify({ name: 'RSA-PSS', saltLength: 32 }, await key, signature, message);
      } catch (_) {
        return false;
      }
    },
  };
}

// --- the security engine (.wasm) -----------------------------------------------

let engineLoad = null;

/** The security .wasm, loaded once, only by a client with apiSecurity (a dynamic import: the decrypt path never loads it). */
function securityEngine() {
  if (engineLoad === null) {
    engineLoad = import('./security-engine.mjs').then((m) => m.loadSecurityEngine());
    // A failed load is tried again by the next client: on workerd, once
    // initSync has the security build (tests/client/web-entry.test.mjs).
    engineLoad.catch(() => {
      engineLoad = null;
    });
  }
  return engineLoad;
}

// --- errors ------------------------------------------------------------------

/** UNVERIFIED_REPLY: a reply that failed a check; `why` says which, and what to look at. */
export function unverified(path, why) {
  return new WxOpenDataError('UNVERIFIED_REPLY', `${ERRORS.UNVERIFIED_REPLY.message}: ${path}: ${why}`);
}

/** A serial WeChat sent, for a message: shown only if it looks like one (32 hex), so a reply cannot write into a log line. */
const shownSerial = (v) => (v === null ? 'none' : SN.test(v) ? v : 'not a serial number');

// --- options -----------------------------------------------------------------

/**
 * The checks of options.apiSecurity that need no engine (types, base64 and
 * length of the symmetric key, each Sn 32 hex digits, the algorithm, the
 * origin, and which kind of PEM each key is), all at construction; the
 * parse of the PEMs follows in the engine (ready()).
 */
function checkOptions(options) {
  const o = strictOptions(options, API_SECURITY_KEYS, '{ symmetricKey, symmetricSn, privateKey, privateKeySn, platformCertificate, platformCertificateSn }', WHAT, REQUIRED);
  for (const key of REQUIRED) if (o[key] === undefined) throw invalidArgument(`${WHAT}.${key} is required (from 开发管理 → 开发设置 → API安全)`);
  const algorithm = o.algorithm === undefined ? 'RSA' : o.algorithm;
  if (algorithm !== 'RSA' && algorithm !== 'SM') throw invalidArgument(`${WHAT}.algorithm must be 'RSA' (AES256_GCM with RSAwithSHA256) or 'SM' (SM4_GCM with SM2withSM3), as chosen in API安全`);
  const origin = o.origin === undefined ? DEFAULT_ORIGIN : o.origin;
  if (typeof origin !== 'string' || !/^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)) {
    throw invalidArgument(`${WHAT}.origin must be an https:// origin without a path (default ${DEFAULT_ORIGIN}, the one WeChat signs with)`);
  }
  for (const key of ['symmetricSn', 'privateKeySn', 'platformCertificateSn']) {
    if (typeof o[key] !== 'string' || !SN.test(o[key])) throw invalidArgument(`${WHAT}.${key} must be the key's number from API安全: 32 hex digits`);
  }
  const size = algorithm === 'RSA' ? 32 : 16;
  const cipher = algorithm === 'RSA' ? 'AES256_GCM' : 'SM4_GCM';
  if (typeof o.symmetricKey !== 'string') throw invalidArgument(`${WHAT}.symmetricKey must be a string: the base64 symmetric key from API安全`);
  const key = fromBase64(o.symmetricKey.trim());
  if (key === null) throw invalidArgument(`${WHAT}.symmetricKey must be the base64 symmetric key from API安全 (it is not base64)`);
  if (key.length !== size) {
    const other = key.length === 48 - size ? ` (a key of the other algorithm's size: is algorithm '${algorithm === 'RSA' ? 'SM' : 'RSA'}' chosen in API安全?)` : '';
    key.fill(0);
    throw invalidArgument(`${WHAT}.symmetricKey must be base64 of ${size} bytes for ${cipher} (algorithm '${algorithm}'); it is not${other}`);
  }
  checkPem(o.privateKey, 'privateKey', /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/, 'the application private key (PEM "PRIVATE KEY" or "RSA PRIVATE KEY")');
  checkPem(o.platformCertificate, 'platformCertificate', /-----BEGIN CERTIFICATE-----/, 'the platform certificate downloaded from API安全 (PEM "CERTIFICATE")');
  return { ...o, algorithm, origin, key };
}

/** A PEM of the expected kind, else INVALID_ARGUMENT naming what it is instead (a public key where the private one belongs, ...). */
function checkPem(value, key, wanted, what) {
  if (typeof value !== 'string' || value.length > 16384) throw invalidArgument(`${WHAT}.${key} must be ${what}`);
  if (wanted.test(value)) return;
  const labels = /-----BEGIN ([A-Z0-9 ]{1,40})-----/.exec(value);
  const found = labels === null ? 'no PEM block' : `a PEM "${labels[1]}"`;
  throw invalidArgument(`${WHAT}.${key} must be ${what}; it holds ${found}`);
}

// --- the mode ----------------------------------------------------------------

/**
 * The mode for one client: options checked now (synchronously, throwing
 * INVALID_ARGUMENT), keys parsed by the engine at once in the background.
 * `ready()` resolves when they are usable, or rejects with the
 * INVALID_ARGUMENT every call of the mode rethrows before it sends anything.
 * @param {object} options  options.apiSecurity
 * @param {string} appId
 * @param {() => number} now  the client's clock (ms)
 * @param {{ webCrypto?: boolean }} [how] tests: force WebCrypto
 */
export function createApiSecurity(options, appId, now, how) {
  const o = checkOptions(options);
  const { algorithm, origin, key: symmetricKey, symmetricSn, privateKeySn, platformCertificateSn } = o;
  const privateKeyPem = o.privateKey;
  const certificatePem = o.platformCertificate;
  const prim = runtimePrimitives(how);
  let keys = null; // { engine, signer, verifier, notAfter }

  const load = async () => {
    if (prim === null) throw invalidArgument(`${WHAT}: ${NO_CRYPTO}`);
    const engine = await securityEngine();
    const priv = engine.parsePrivateKey(privateKeyPem, `${WHAT}.privateKey`);
    const cert = engine.parseCertificate(certificatePem, `${WHAT}.platformCertificate`);
    const suite = algorithm === 'RSA' ? 'RSA' : 'SM2';
    if (priv.algorithm !== suite) throw invalidArgument(`${WHAT}.privateKey is an ${priv.algorithm} key, but algorithm '${algorithm}' signs with ${suite}: set algorithm as chosen in API安全`);
    if (cert.algorithm !== suite) throw invalidArgument(`${WHAT}.platformCertificate holds an ${cert.algorithm} key, but algorithm '${algorithm}' verifies with ${suite}: download the certificate of the algorithm chosen in API安全`);
    keys = {
      engine,
      notAfter: cert.notAfter,
      signer: algorithm === 'RSA' ? await prim.signingKey(priv.pkcs8) : priv.pkcs8,
      verifier: algorithm === 'RSA' ? await prim.verifyingKey(cert.spki) : cert.spki,
    };
    checkValidity();
  };

  /**
   * The platform certificate must not have expired by the client's clock (a
   * reply signed under an expired one is not trusted). Its notBefore is not
   * judged: WeChat's own worked example signs a reply dated before its
   * certificate's notBefore.
   */
  function checkValidity() {
    const t = now();
    if (t > keys.notAfter) {
      throw invalidArgument(`${WHAT}.platformCertificate expired on ${new Date(keys.notAfter).toISOString()}: download the current one from API安全 and set platformCertificate and platformCertificateSn`);
    }
  }

  let loading = null;
  const ready = () => {
    if (loading === null) {
      loading = load().catch((e) => {
        // A failure other than ours (a .wasm that cannot load) is named, never chained.
        if (e instanceof WxOpenDataError) throw e;
        throw invalidArgument(`${WHAT}: the security engine could not be loaded (${e && typeof e.name === 'string' ? e.name.slice(0, 40) : 'error'})`);
      });
    }
    return loading.then(() => checkValidity());
  };
  // Started now, so a bad key shows on the first call; a rejection nobody
  // awaits yet is not an unhandled one.
  ready().catch(() => {});

  const aad = (path, timestamp) => utf8(`${origin}${path}|${appId}|${timestamp}|${symmetricSn}`);
  const signed = (path, timestamp, body) => utf8(`${origin}${path}\n${appId}\n${timestamp}\n${body}`);
  const random = (n) => prim.random(n);

  async function encrypt(iv, ad, plaintext) {
    if (algorithm === 'RSA') return prim.aesGcmSeal(symmetricKey, iv, ad, plaintext);
    const out = keys.engine.sm4GcmSeal(symmetricKey, iv, ad, plaintext);
    return { data: out.slice(0, out.length - 16), authtag: out.slice(out.length - 16) };
  }

  async function decrypt(iv, ad, data, authtag) {
    if (algorithm === 'RSA') return prim.aesGcmOpen(symmetricKey, iv, ad, data, authtag);
    return keys.engine.sm4GcmOpen(symmetricKey, iv, ad, concat(data, authtag));
  }

  // SM2withSM3's distinguishing ID is a key's number, per WeChat's guide
  // (服务端 API 签名加密指南): the application key's Sn for a request (3.2.1,
  // "SM2withSM3签名需要用到的ID为开发者非对称密钥编号"), the platform
  // certificate's Sn for a reply (4.1.1, "SM2withSM3验签需要用到的ID为平台证书编号").
  // The guide gives no SM example to check them against.
  const sign = (message) => (algorithm === 'RSA' ? prim.pssSign(keys.signer, message) : keys.engine.sm2Sign(keys.signer, utf8(privateKeySn), message));
  const verify = (message, signature) => (algorithm === 'RSA' ? prim.pssVerify(keys.verifier, message, signature) : keys.engine.sm2Verify(keys.verifier, utf8(platformCertificateSn), message, signature));

  return {
    algorithm,
    ready,
    covers: (path) => SECURED_PATHS.indexOf(path) >= 0,

    /**
     * The request for `path` in the mode: always a POST; the URL keeps only
     * access_token; the plaintext holds _n, _appid, _timestamp, every other
     * query parameter and the body's fields. getuserencryptkey, a GET in
     * plain mode, is sent so too: WeChat's guide puts every query parameter
     * but access_token into the encrypted plaintext, and WxJava
     * (WxMaInternetServiceImpl.getUserEncryptKey) POSTs it.
     * @returns {Promise<{ query: object, body: string, headers: object }>}
     */
    async seal(path, query, body) {
      await ready();
      const timestamp = Math.floor(now() / 1000);
      const fields = { _n: toBase64(random(16)).replace(/=+$/, ''), _appid: appId, _timestamp: timestamp };
      const url = {};
      for (const k of Object.keys(query)) {
        if (k === 'access_token') url[k] = query[k];
        else fields[k] = query[k];
      }
      if (body !== undefined) for (const k of Object.keys(body)) fields[k] = body[k];
      const iv = random(12);
      const sealed = await encrypt(iv, aad(path, timestamp), utf8(JSON.stringify(fields)));
      const text = JSON.stringify({ iv: toBase64(iv), data: toBase64(sealed.data), authtag: toBase64(sealed.authtag) });
      // The signed text never holds a key number: WeChat signs exactly these
      // four lines (with the key's Sn in them every call is 40234).
      const signature = toBase64(await sign(signed(path, timestamp, text)));
      return {
        query: url,
        body: text,
        headers: { 'Wechatmp-Appid': appId, 'Wechatmp-TimeStamp': String(timestamp), 'Wechatmp-Signature': signature },
      };
    },

    /** Whether a reply carries the mode's headers (else it is read as a plain reply: accepted only as an error). */
    isSigned: (header) => header('wechatmp-signature') !== null || header('wechatmp-serial') !== null || header('wechatmp-timestamp') !== null,

    /** A plain reply to a request sent in the mode: returned if it is an error (nonzero errcode), else UNVERIFIED_REPLY. */
    plain(path, reply) {
      if (typeof reply.errcode === 'number' && reply.errcode !== 0) return reply;
      throw unverified(path, 'the reply is plain JSON without Wechatmp-Signature and not an error; a plain reply is accepted only as an error (API security off for this API in API安全, or a relay (baseUrl) that drops the Wechatmp-* headers?)');
    },

    /**
     * A signed reply: verified, decrypted and checked, each check in the
     * order of docs/client.md "API security"; its API fields (without _n,
     * _appid, _timestamp), or UNVERIFIED_REPLY naming the check that failed.
     */
    async open(path, text, header) {
      await ready();
      const appid = header('wechatmp-appid');
      if (appid !== appId) throw unverified(path, `its Wechatmp-Appid is ${appid === null ? 'missing' : 'not options.appId'}`);
      const stamp = header('wechatmp-timestamp');
      if (stamp === null || !/^\d{1,12}$/.test(stamp)) throw unverified(path, 'its Wechatmp-TimeStamp is missing or not a number of seconds');
      const serial = header('wechatmp-serial');
      const old = header('wechatmp-serial-deprecated');
      const mine = platformCertificateSn.toLowerCase();
      let signature = null;
      if (serial !== null && serial.toLowerCase() === mine) signature = header('wechatmp-signature');
      else if (old !== null && old.toLowerCase() === mine) signature = header('wechatmp-signature-deprecated');
      else {
        throw unverified(path, `it is signed under platform certificate ${shownSerial(serial)}${old !== null ? ` (and ${shownSerial(old)}, deprecated)` : ''}, not apiSecurity.platformCertificateSn ${platformCertificateSn}: download the current platform certificate from API安全 and set platformCertificate and platformCertificateSn`);
      }
      const sig = signature === null ? null : fromBase64(signature);
      if (sig === null || sig.length === 0) throw unverified(path, 'its signature header is missing or not base64');
      const raw = utf8(text);
      if (!(await verify(signed(path, stamp, text), sig))) {
        throw unverified(path, 'its signature does not verify with apiSecurity.platformCertificate: the body or headers changed in transit (a relay (baseUrl) that rewrites them?), or the reply is not WeChat\'s');
      }
      const age = Math.floor(now() / 1000) - Number(stamp);
      if (age > REPLY_WINDOW_S) throw unverified(path, `its Wechatmp-TimeStamp is ${age} s old (more than ${REPLY_WINDOW_S}): a replayed reply, or this server's clock (options.now) is wrong`);
      if (-age > REPLY_WINDOW_S) throw unverified(path, `its Wechatmp-TimeStamp is ${-age} s in the future (more than ${REPLY_WINDOW_S}): this server's clock (options.now) is wrong`);
      const envelope = keys.engine.openEnvelope(raw);
      if (envelope === null) throw unverified(path, 'its body is not the {"iv","data","authtag"} envelope of API security');
      const plaintext = await decrypt(envelope.iv, aad(path, stamp), envelope.data, envelope.authtag);
      if (plaintext === null) throw unverified(path, 'it does not decrypt with apiSecurity.symmetricKey (is symmetricSn the number of that key in API安全?)');
      const json = fromUtf8(plaintext);
      plaintext.fill(0);
      let reply;
      try {
        reply = json === null ? null : JSON.parse(json);
      } catch (_) {
        reply = null;
      }
      if (reply === null || typeof reply !== 'object' || Array.isArray(reply)) throw unverified(path, 'it decrypts to something other than a JSON object');
      if (reply._appid !== appId) throw unverified(path, 'its decrypted _appid is not options.appId');
      if (reply._timestamp !== Number(stamp)) throw unverified(path, 'its decrypted _timestamp is not its Wechatmp-TimeStamp');
      delete reply._n;
      delete reply._appid;
      delete reply._timestamp;
      return reply;
    },
  };
}
