// The mock's side of WeChat's API security mode (服务端 API 签名加密), for
// startMockWeChat({ apiSecurity }): the keys a Mini Program admin would
// download from API安全 (a symmetric key, an application key pair, a
// platform certificate, each with its number), the checks WeChat makes on a
// request (answered with its plain errcodes 40231-40240), and replies
// encrypted and signed as WeChat sends them, with switches that break one
// check each (the mock's faults: tamperReply, tamperSignature,
// unknownCertificate, staleTimestamp, futureTimestamp, wrongAppid,
// timestampMismatch, plainSuccess, badEnvelope, plaintextNotJson) and a
// certificate rotation.
// Node only: node:crypto for AES-256-GCM and RSA-PSS, the security .wasm
// for SM2/SM4 and for the certificates.
import { createCipheriv, createDecipheriv, createSign, createVerify, generateKeyPairSync, constants, randomBytes } from 'node:crypto';
import { pem } from '../base64.mjs';

export const SECURITY_FAULTS = ['tamperReply', 'tamperSignature', 'unknownCertificate', 'staleTimestamp', 'futureTimestamp', 'wrongAppid', 'timestampMismatch', 'plainSuccess', 'badEnvelope', 'plaintextNotJson'];

/** The APIs the mock serves in the mode (those of WeChatClient marked 支持加密请求). */
export const SECURED = ['/wxa/business/getuserphonenumber', '/wxa/business/checkencryptedmsg', '/wxa/business/getuserencryptkey'];

const ORIGIN = 'https://api.weixin.qq.com';
/** The mock's window for a request's Wechatmp-TimeStamp (WeChat does not document its own). */
const REQUEST_WINDOW_S = 300;
const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
/** The SM2 ID of certificates (GB/T 35276's default), for the self-signed SM2 certificate only. */
const CERT_SM2_ID = Buffer.from('1234567812345678');
const DAY_MS = 86400 * 1000;

const sn = () => randomBytes(16).toString('hex');

/**
 * @param {{ algorithm: 'RSA' | 'SM', appId: string, nowS: () => number, nowMs: () => number, engine: object, remember: (s: string) => string }} o
 */
export function createMockSecurity({ algorithm, appId, nowS, nowMs, engine, remember }) {
  const rsa = algorithm === 'RSA';

  /** A key pair: { sign(message), verify(message, signature), spki, pkcs8, pemPrivate }. */
  function keyPair() {
    if (rsa) {
      // Strings and Buffers, not KeyObjects: the mock runs on Node 10.15
      // (cloud functions' tests), which has no KeyObject.
      const { privateKey, publicKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'der' },
        // PKCS#1, as the admin page hands it out (the client takes PKCS#8 too).
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      });
      const publicPem = pem('PUBLIC KEY', publicKey);
      return {
        sign: (m) => createSign('sha256').update(m).sign({ key: privateKey, ...PSS }),
        verify: (m, sig) => createVerify('sha256').update(m).verify({ key: publicPem, ...PSS }, sig),
        spki: publicKey,
        pemPrivate: privateKey,
        signCertificate: (tbs) => createSign('sha256').update(Buffer.from(tbs)).sign(privateKey),
      };
    }
    const { pkcs8, spki } = engine.sm2GenerateKeyPair();
    return {
      pkcs8,
      sign: (m, id) => Buffer.from(engine.sm2Sign(pkcs8, id, m)),
      verify: (m, sig, id) => engine.sm2Verify(spki, id, m, sig),
      spki: Buffer.from(spki),
      pemPrivate: pem('PRIVATE KEY', pkcs8),
      signCertificate: (tbs) => engine.sm2Sign(pkcs8, CERT_SM2_ID, tbs),
    };
  }

  /** A platform key pair with its certificate (valid from a day ago for a year) and its number. */
  function platform() {
    const k = keyPair();
    const certificate = engine.selfSignedCertificate({
      algorithm: rsa ? 'RSA' : 'SM2',
      spki: new Uint8Array(k.spki),
      notBefore: nowMs() - DAY_MS,
      notAfter: nowMs() + 365 * DAY_MS,
      sign: (tbs) => new Uint8Array(k.signCertificate(tbs)),
    });
    return { ...k, certificate, sn: sn() };
  }

  const symmetricKey = remember(randomBytes(rsa ? 32 : 16).toString('base64'));
  const symmetricSn = sn();
  const app = keyPair();
  const appSn = sn();
  remember(app.pemPrivate);
  const body = app.pemPrivate.split('\n').filter((line) => line && !line.startsWith('-----'));
  remember(body.join(''));
  for (const line of body) if (line.length >= 32) remember(line);
  let current = platform();
  let deprecated = null;

  const key = () => Buffer.from(symmetricKey, 'base64');
  const aad = (path, ts) => Buffer.from(`${ORIGIN}${path}|${appId}|${ts}|${symmetricSn}`);
  const signed = (path, appid, ts, body) => Buffer.from(`${ORIGIN}${path}\n${appid}\n${ts}\n${body}`);

  function seal(iv, ad, plaintext) {
    if (!rsa) {
      const out = Buffer.from(engine.sm4GcmSeal(new Uint8Array(key()), iv, ad, plaintext));
      return { data: out.subarray(0, out.length - 16), authtag: out.subarray(out.length - 16) };
    }
    const c = createCipheriv('aes-256-gcm', key(), iv);
    c.setAAD(ad);
    const data = Buffer.concat([c.update(plaintext), c.final()]);
    return { data, authtag: c.getAuthTag() };
  }

  function open(iv, ad, data, authtag) {
    if (!rsa) {
      const out = engine.sm4GcmOpen(new Uint8Array(key()), iv, ad, Buffer.concat([data, authtag]));
      return out === null ? null : Buffer.from(out);
    }
    try {
      const d = createDecipheriv('aes-256-gcm', key(), iv);
      d.setAAD(ad);
      d.setAuthTag(authtag);
      return Buffer.concat([d.update(data), d.final()]);
    } catch (_) {
      return null;
    }
  }

  // SM2withSM3 IDs, per WeChat's guide: the application key's number for
  // requests, the platform certificate's number for replies.
  const verifyRequest = (m, sig) => (rsa ? app.verify(m, sig) : app.verify(m, sig, Buffer.from(appSn)));
  const signWith = (p, m) => (rsa ? p.sign(m) : p.sign(m, Buffer.from(p.sn)));

  return {
    /** The options WeChatClient needs: apiSecurity. */
    clientOptions: () => ({
      symmetricKey,
      symmetricSn,
      privateKey: app.pemPrivate,
      privateKeySn: appSn,
      platformCertificate: current.certificate,
      platformCertificateSn: current.sn,
      algorithm,
    }),

    /**
     * WeChat's checks of a request in the mode: the request's fields (query
     * parameters and body merged, without _n, _appid, _timestamp), or
     * { error } with WeChat's plain errcode.
     */
    openRequest(path, headers, raw) {
      const appid = headers['wechatmp-appid'];
      const ts = headers['wechatmp-timestamp'];
      const signature = headers['wechatmp-signature'];
      if (!appid) return { errcode: 40233, errmsg: 'missing Wechatmp-Appid' };
      if (!ts) return { errcode: 40231, errmsg: 'missing Wechatmp-TimeStamp' };
      if (!signature) return { errcode: 40232, errmsg: 'missing Wechatmp-Signature' };
      if (appid !== appId) return { errcode: 40236, errmsg: 'invalid Wechatmp-Appid' };
      if (!/^\d{1,12}$/.test(ts) || Math.abs(nowS() - Number(ts)) > REQUEST_WINDOW_S) return { errcode: 40240, errmsg: 'expired Wechatmp-TimeStamp' };
      if (!verifyRequest(signed(path, appid, ts, raw), Buffer.from(signature, 'base64'))) return { errcode: 40234, errmsg: 'invalid signature' };
      let fields = null;
      try {
        const env = JSON.parse(raw);
        const plain = open(Buffer.from(env.iv, 'base64'), aad(path, ts), Buffer.from(env.data, 'base64'), Buffer.from(env.authtag, 'base64'));
        fields = plain === null ? null : JSON.parse(plain.toString('utf8'));
      } catch (_) {
        fields = null;
      }
      if (!fields || typeof fields !== 'object' || fields._appid !== appid || fields._timestamp !== Number(ts) || typeof fields._n !== 'string') {
        return { errcode: 40235, errmsg: 'invalid encryption' };
      }
      const out = { ...fields };
      delete out._n;
      delete out._appid;
      delete out._timestamp;
      return { fields: out };
    },

    /**
     * A reply as WeChat sends it in the mode: { headers, body }; `fault` (one
     * of SECURITY_FAULTS) breaks one check. plainSuccess: the result as plain
     * JSON without headers.
     */
    sealReply(path, result, fault) {
      if (fault === 'plainSuccess') return { headers: {}, body: JSON.stringify(result) };
      let ts = nowS();
      if (fault === 'staleTimestamp') ts -= REQUEST_WINDOW_S + 1;
      if (fault === 'futureTimestamp') ts += REQUEST_WINDOW_S + 1;
      const fields = {
        _n: randomBytes(16).toString('base64').replace(/=+$/, ''),
        _appid: fault === 'wrongAppid' ? 'wx00000000000000aa' : appId,
        _timestamp: fault === 'timestampMismatch' ? ts - 1 : ts,
        ...result,
      };
      const iv = randomBytes(12);
      const plaintext = fault === 'plaintextNotJson' ? JSON.stringify(fields).slice(0, -1) : JSON.stringify(fields);
      const { data, authtag } = seal(iv, aad(path, ts), Buffer.from(plaintext));
      const envelope = { iv: iv.toString('base64'), data: data.toString('base64'), authtag: authtag.toString('base64') };
      if (fault === 'badEnvelope') envelope.extra = 'member';
      let body = JSON.stringify(envelope);
      const signer = fault === 'unknownCertificate' ? platform() : current;
      const headers = {
        'Wechatmp-Appid': appId,
        'Wechatmp-TimeStamp': String(ts),
        'Wechatmp-Serial': signer.sn,
        'Wechatmp-Signature': signWith(signer, signed(path, appId, ts, body)).toString('base64'),
      };
      if (deprecated !== null && fault !== 'unknownCertificate') {
        headers['Wechatmp-Serial-Deprecated'] = deprecated.sn;
        headers['Wechatmp-Signature-Deprecated'] = signWith(deprecated, signed(path, appId, ts, body)).toString('base64');
      }
      if (fault === 'tamperReply') {
        // One character of the ciphertext changed after signing.
        const at = body.indexOf('"data":"') + 10;
        body = body.slice(0, at) + (body[at] === 'A' ? 'B' : 'A') + body.slice(at + 1);
      }
      if (fault === 'tamperSignature') {
        const sig = Buffer.from(headers['Wechatmp-Signature'], 'base64');
        sig[sig.length >> 1] ^= 1;
        headers['Wechatmp-Signature'] = sig.toString('base64');
        if (headers['Wechatmp-Signature-Deprecated']) headers['Wechatmp-Signature-Deprecated'] = headers['Wechatmp-Signature'];
      }
      return { headers, body };
    },

    /**
     * WeChat rotates the platform certificate: replies are signed by a new
     * one (Wechatmp-Serial, Wechatmp-Signature) and still by the old one
     * (Wechatmp-Serial-Deprecated, Wechatmp-Signature-Deprecated).
     */
    rotate() {
      deprecated = current;
      current = platform();
      return { platformCertificate: current.certificate, platformCertificateSn: current.sn };
    },
  };
}
