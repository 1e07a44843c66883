// Generates tests/vectors/api-security.json, the vectors of the security
// .wasm (security/tests/*.rs and tests/js/security-engine.test.mjs read the
// same file), with the openssl CLI (OpenSSL 3): an implementation of PEM,
// PKCS#8, SM2 and X.509 independent of the RustCrypto crates under test.
// The keys it makes are random, so it ran once and its output is committed;
// run it again only to replace the whole set:
//
//   node tests/vectors/generate-api-security.mjs > tests/vectors/api-security.json
//
// Besides openssl's: WeChat's worked example (its PKCS#1 key and platform
// certificate, the request and reply envelopes, and in doc.example every
// other value the guide prints: keys' numbers, timestamps, iv, plaintexts,
// signatures), the
// SM3/SM4 examples of GB/T 32905-2016 and GB/T 32907-2016, RFC 8998's
// SM4-GCM vector and the RustCrypto sm2 crate's published SM2withSM3 vector.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'api-security-vectors-'));
const f = (name) => join(dir, name);
const ssl = (...args) => execFileSync('openssl', args, { encoding: 'buffer', stdio: ['pipe', 'pipe', 'pipe'] });
const text = (...args) => ssl(...args).toString('latin1');
const b64 = (buf) => Buffer.from(buf).toString('base64');
const dateMs = (s) => Date.parse(s.trim().replace(/^not(Before|After)=/, ''));

const DOC_KEY = `-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEA3FoQOmOl5/CF5hF7ta4EzCy2LaU3Eu2k9DBwQ73J82I53Sx9
LAgM1DH3IsYohRRx/BESfbdDI2powvr6QYKVIC+4Yavwg7gzhZRxWWmT1HruEADC
ZAgkUCu+9Il/9FPuitPSoIpBd07NqdkkRe82NBOfrKTdhge/5zd457fl7J81Q5VT
IxO8vvq7FSw7k6Jtv+eOjR6SZOWbbUO7f9r4UuUkXmvdGv21qiqtaO1EMw4tUCEL
zY73M7NpCH3RorlommYX3P6q0VrkDHrCE0/QMhmHsF+46E+IRcJ3wtEj3p/mO1Vo
CpEhawC1U728ZUTwWNEii8hPEhcNAZTKaQMaTQIDAQABAoIBAQCXv5p/a5KcyYKc
75tfgekh5wTLKIVmDqzT0evuauyCJTouO+4z/ZNAKuzEUO0kwPDCo8s1MpkU8boV
1Ru1M8WZNePnt65aN+ebbaAl8FRzNvltoeg9VXIUmBvYcjzhOVAE4V2jW7M8A9QU
zUpyswuED6OeFKfOHtYk2In2IipAqhfbyc6gn7uZSWTQsoO6hGBRQ7Ejx+vgwrbx
ZKVZ7UXbPHD0lOEPraA3PH/QUeUKpNwK2NXQoBxWcR283/HxFSAjjSSsGSBKsCnw
DN55P2FQ0HNi5YrwUNT9190NIXSeygaRy1b+D+yBfm+yE7/qXwHLZCHsjO+2tMSS
3KGjllTBAoGBAP9FPeYNKZuu5jt9RpZwXCc9E7Iz7bmM7zws6dun6dQH0xVVWFVm
iGIu07eqyB8HNagXseFzoXLV5EQx+3DaB0bAH+ZEpHGJJpAWSLusigssFUFuTvTF
w+rC5hxOfidMa6+93SU5pWeJb0zJF8PRDaJ3UmwlwpYubF17sT4PD6p9AoGBANz7
RlhRSFvggJjhEMpek3OIYWrrlRNO2MVcP7i/fGNTHhrw7OHcNGRof54QZ2Y0baL7
1vHNokbK2mnT+cQXY/gXMmcE/eV4xyRGYiIL9nBdrkLerc43EYPv+evDvgyji6+y
4np5cKqHrS8F+YzATk82Jt9HgdI2MvfbJTkSbmgRAoGAHNPL9rPb1An/VA6Ery6H
KaM7Gy/EE+U3ixsjWbvvqxMrIkieDh7jHftdy2sM6Hwe8hmi6+vr+pTvD0h5tbfZ
hILj11Q/Idc0NKdflVoZyMM0r0vuvLOsuVFDPUUb+AIoUxNk6vREmpmpqQk4ltN/
763779yfyef6MuBqFrEKut0CgYB9FfsuuOv1nfINF7EybDCZAETsiee7ozEPHnWv
dSzK6FytMV1VSBmcEI7UgUKWVu0MifOUsiq+WcsihmvmNLtQzoioSeoSP7ix7ulT
jmP0HQMsNPI7PW67uVZFv2pPqy/Bx8dtPlqpHN3KNV6Z7q0lJ2j/kHGK9UUKidDb
KnS2kQKBgHZ0cYzwh9YnmfXx9mimF57aQQ8aFc9yaeD5/3G2+a/FZcHtYzUdHQ7P
PS35blD17/NnhunHhuqakbgarH/LIFMHITCVuGQT4xS34kFVjFVhiT3cHfWyBbJ6
GbQuzzFxz/UKDDKf3/ON41k8UP20Gdvmv/+c6qQjKPayME81elus
-----END RSA PRIVATE KEY-----
`;
const DOC_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3FoQOmOl5/CF5hF7ta4E
zCy2LaU3Eu2k9DBwQ73J82I53Sx9LAgM1DH3IsYohRRx/BESfbdDI2powvr6QYKV
IC+4Yavwg7gzhZRxWWmT1HruEADCZAgkUCu+9Il/9FPuitPSoIpBd07NqdkkRe82
NBOfrKTdhge/5zd457fl7J81Q5VTIxO8vvq7FSw7k6Jtv+eOjR6SZOWbbUO7f9r4
UuUkXmvdGv21qiqtaO1EMw4tUCELzY73M7NpCH3RorlommYX3P6q0VrkDHrCE0/Q
MhmHsF+46E+IRcJ3wtEj3p/mO1VoCpEhawC1U728ZUTwWNEii8hPEhcNAZTKaQMa
TQIDAQAB
-----END PUBLIC KEY-----
`;
const DOC_CERT = `-----BEGIN CERTIFICATE-----
MIID0jCCArqgAwIBAgIUeE+Yy7vM/o+eHHsfM+1bGJJEZTQwDQYJKoZIhvcNAQEL
BQAwXjELMAkGA1UEBhMCQ04xEzARBgNVBAoTClRlbnBheS5jb20xHTAbBgNVBAsT
FFRlbnBheS5jb20gQ0EgQ2VudGVyMRswGQYDVQQDExJUZW5wYXkuY29tIFJvb3Qg
Q0EwHhcNMjIwOTA1MDgzOTIyWhcNMjcwOTA0MDgzOTIyWjBkMRswGQYDVQQDDBJ3
eGQ5MzBlYTVkNWEyNThmNGYxFTATBgNVBAoMDFRlbmNlbnQgSW5jLjEOMAwGA1UE
CwwFV3hnTXAxCzAJBgNVBAYMAkNOMREwDwYDVQQHDAhTaGVuWmhlbjCCASIwDQYJ
KoZIhvcNAQEBBQADggEPADCCAQoCggEBAM5D9qlkCmk1kr3FpF0e9pc3kGsvz5RA
0/YRny9xPKIyV2UVMDZvRQ+mDHsiQQFE6etg457KFYSxTDKtItbdl6hJQVGeAvg0
mqPYE9SkHRGTfL/AnXRbKBG2GC2OcaPSAprsLOersjay2me+9pF8VHybV8aox78A
NsU75G/OO3V1iEE0s5Pmglqk8DEiw9gB/dGJzsNfXwzvyJyiUP9ZujYexyjsS+/Z
GdSOUkqL/th+16yHj8alcdyga6YGfWEDyWkt/i/B28cwx4nzwk8xgrurifPaLuMk
0+9wJQLCfAn/f7zyHrC8PcD1XvvRt9VBNMBASXs3710ODyyVf2lkMgkCAwEAAaOB
gTB/MAkGA1UdEwQCMAAwCwYDVR0PBAQDAgTwMGUGA1UdHwReMFwwWqBYoFaGVGh0
dHA6Ly9ldmNhLml0cnVzLmNvbS5jbi9wdWJsaWMvaXRydXNjcmw/Q0E9MUJENDIy
MEU1MERCQzA0QjA2QUQzOTc1NDk4NDZDMDFDM0U4RUJEMjANBgkqhkiG9w0BAQsF
AAOCAQEAL2MK9tYu+ljLVBlSbfEeaKyF07TN+G31Ya5NBzeS1ZCx4joUEIyACWmG
fUkKNKiKV+EMzxeEhKRso1Qif3E7Ipl+PQBoQw6OSR/jFHciYurnGR9CLkL03Zo1
qw1Xetv9OipsvlpA0SOWc207e/XpGdm8C7FMXM6bzvVp8I/STTjC1vqjIZu9WavI
RgGM4jyAPz2XogUq0BNijef8BXbbav9fAsXjHSwn5BQv4iLms3fiLm/eoyQ6dZ2R
oTudrlcyr1bG4vwETLmHF+3yfVp9dpvJ+lyfiviwDwyfa8t2WlJm27DuF4vWoxir
mjgj9tDutIFqxLIovLyg3uiAYtSQ/Q==
-----END CERTIFICATE-----
`;

// A certificate's facts as openssl reads them.
function certFacts(pem) {
  writeFileSync(f('c.pem'), pem);
  writeFileSync(f('pub.pem'), text('x509', '-in', f('c.pem'), '-noout', '-pubkey'));
  return {
    certificate: pem,
    spkiDer: b64(ssl('pkey', '-pubin', '-in', f('pub.pem'), '-outform', 'DER')),
    notBefore: dateMs(text('x509', '-in', f('c.pem'), '-noout', '-startdate')),
    notAfter: dateMs(text('x509', '-in', f('c.pem'), '-noout', '-enddate')),
  };
}

function pkcs8Der(pemFile) {
  return b64(ssl('pkcs8', '-topk8', '-nocrypt', '-in', pemFile, '-outform', 'DER'));
}

// The doc's RSA key and platform certificate.
writeFileSync(f('doc.pem'), DOC_KEY);
const doc = {
  privateKey: DOC_KEY,
  publicKey: DOC_PUBLIC_KEY,
  pkcs8Der: pkcs8Der(f('doc.pem')),
  bits: 2048,
  platform: certFacts(DOC_CERT),
  requestBody: '{"iv":"fmW/zNxXlytUZBgj","data":"0IDVdrPtSPF/Oe2CTXCV2vVNPbVJdJlP2WaTMQnoYLh5iCrrSNfQFh25EnStDMf0hLlVNBCZQtf9NaV0m4aRA4AAYIO7oR/Ge+4yY4EmZp5EVPB42xjScgMx5X3D4VdLCfynXIUKUtZHZvk1zmLVE3RauzJgiM1BB1CPmwcENo3MTJ0z8Vfkf5tMv54kOXobDLlV5rfqKdAX7gM/rP82DgZdt9vvZX44ipdbHIjJvw83ZXAFtvftdVw2Qd8=","authtag":"5qeM/2vZv+6KtScN94IpMg=="}',
  responseBody: '{"iv":"r2WDQt56rEAmMuoR","data":"HExs66Ik3el+iM4IpeQ7SMEN934FRLFYOd3EmeaIrpP4EPTHckoco6O+PaoRZRa3lqaPRZT7r52f7LUok6gLxc6cdR8C4vpIIfh4xfLC4L7FNy9GbuMK1hcoi8b7gkWJcwZMkuCFNEDmqn3T49oWzAQOrY4LZnnnykv6oUJotdAsnKvmoJkLK7hRh7M2B1d2UnTnRuoIyarXc5Iojwoghx4BOvnV","authtag":"z2BFD8QctKXTuBlhICGOjQ=="}',
  example: {
    "$comment": "WeChat's worked example (服务端 API 签名加密指南, getuserriskrank), every value as the guide prints it: the request's iv and plaintext encrypt to requestBody's data and authtag, request.signature verifies over urlpath\\nappid\\ntimestamp\\nrequestBody with publicKey, response.signature over the same lines with responseBody with platform, and responseBody decrypts to response.plaintext (AAD urlpath|appid|timestamp|symmetricSn). Read by tests/client/api-security.test.mjs.",
    "appId": "wxba6223c06417af7b",
    "urlpath": "https://api.weixin.qq.com/wxa/getuserriskrank",
    "symmetricKey": "otUpngOjU+nVQaWJIC3D/yMLV17RKaP6t4Ot9tbnzLY=",
    "symmetricSn": "fa05fe1e5bcc79b81ad5ad4b58acf787",
    "privateKeySn": "97845f6ed842ea860df6fdf65941ff56",
    "platformCertificateSn": "79ba700ea147819f640941bceb38b1d1",
    "request": {
      "timestamp": 1635927954,
      "iv": "fmW/zNxXlytUZBgj",
      "plaintext": "{\"_n\":\"o89QaPVsRu1yppIZzvSZc4\",\"_appid\":\"wxba6223c06417af7b\",\"_timestamp\":1635927954,\"appid\":\"wxba6223c06417af7b\",\"openid\":\"oEWzBfmdLqhFS2mTXCo2E4Y9gJAM\",\"scene\":0,\"client_ip\":\"127.0.0.1\"}",
      "signature": "wcSSWHZunjz9VKl9q+If9deiyECXDAELfAJNZ4+5T+NhFr8zfhkwdQtlgQ7nN5xs99R57La9UjBTRBGge2KYyshWtw7HIMPAqWNsnpHvx0b2f7s6Bt7OpfOQLlIfNgepgTVmUwrqW8/7A12szj7tCe/bRFilwnaX6N0w4duHlfL7ic7IIZXouvy9dLRAa5GtEk1eD/LPWRiKh0SvJ3znPY/pSiQW9zSkXVdj9UGGM8qcKLzPGJ7gSmt3ZOPkFapk9wqFmhJwQj//xN5+hUlr2UiNPMNSHve5Y2ADLsNHqk5t7RfAZ8nW9/8lzhVt4t+toy1FeehxCGIC8qgmjIl1hg=="
    },
    "response": {
      "timestamp": 1635927956,
      "serial": "79ba700ea147819f640941bceb38b1d1",
      "signature": "Ht0VfQkkEweJ4hU266C14Aj64H9AXfkwNi5zxUZETCvR2svU1ZYdosDhFX/voLj1TyszqKsVxAlENGt7PPZZ8RQX7jnA4SKhiPUhW4LTbyTenisHJ+ohSfDjYnXavjQsBHspFS+BlPHuSSJ2xyQzw1+HuC6nid09ZL4FnGSYo4OI5MJrSb9xLzIVZMIDuUQchGKi/KaB1KzxECLEZcfjqbAgmxC7qOmuBLyO1WkHYDM95NJrHJWba5xv4wrwPru9yYTJSNRnlM+zrW5w9pOubC4Jtj3szTAEuOz9AcqUmgaAvMLNAIa8hfODLRe3n/cu4SgYlN/ZkNRU4QXVNbPGMg==",
      "plaintext": "{\"_n\":\"ShYZpqdVgY+yQVAxNSWhYg\",\"_appid\":\"wxba6223c06417af7b\",\"_timestamp\":1635927956,\"errcode\":0,\"errmsg\":\"getuserriskrank succ\",\"risk_rank\":0,\"unoin_id\":2258658297}"
    }
  }
};

// RSA keys of the other sizes WeChat's admin page and openssl make.
const rsaSizes = [3072, 4096].map((bits) => {
  ssl('genrsa', '-traditional', '-out', f(`rsa${bits}.pem`), String(bits));
  return { bits, privateKey: readFileSync(f(`rsa${bits}.pem`), 'latin1'), pkcs8Der: pkcs8Der(f(`rsa${bits}.pem`)) };
});

// An SM2 key in PKCS#8 and SEC1, its SPKI, a self-signed SM2 certificate,
// and openssl's SM2withSM3 signatures with two distinguishing IDs.
ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', f('sm2.pem'));
const sm2Pkcs8Pem = readFileSync(f('sm2.pem'), 'latin1');
// OpenSSL 3 labels a SEC1 SM2 key "SM2 PRIVATE KEY"; other tools write
// "EC PRIVATE KEY" (the same DER).
const sm2Sec1OpensslPem = text('ec', '-in', f('sm2.pem'));
const sm2Sec1Pem = sm2Sec1OpensslPem.replace(/SM2 PRIVATE KEY/g, 'EC PRIVATE KEY');
writeFileSync(f('sm2-sec1.pem'), sm2Sec1OpensslPem);
const sm2Cert = text('req', '-new', '-x509', '-key', f('sm2.pem'), '-sm3', '-sigopt', 'distid:1234567812345678',
  '-subj', '/CN=openssl SM2 test', '-days', '3650');
const message = 'https://api.weixin.qq.com/wxa/getuserriskrank\nwxba6223c06417af7b\n1635927954\n{"iv":"x"}';
writeFileSync(f('msg'), message);
const signatures = ['97845f6ed842ea860df6fdf65941ff56', '1234567812345678'].map((id) => ({
  id,
  message,
  signatureDer: b64(ssl('pkeyutl', '-sign', '-in', f('msg'), '-inkey', f('sm2.pem'), '-rawin', '-digest', 'sm3', '-pkeyopt', `distid:${id}`)),
}));
const sm2 = {
  pkcs8Pem: sm2Pkcs8Pem,
  sec1Pem: sm2Sec1Pem,
  sec1OpensslPem: sm2Sec1OpensslPem,
  pkcs8Der: pkcs8Der(f('sm2-sec1.pem')),
  spkiDer: b64(ssl('pkey', '-in', f('sm2.pem'), '-pubout', '-outform', 'DER')),
  self: certFacts(sm2Cert),
  signatures,
};

// Keys and certificates every parser must refuse, each with its reason.
const refusals = { privateKey: [], certificate: [] };
const refuse = (kind, name, pem, refusal) => refusals[kind].push({ name, pem, refusal });
ssl('genrsa', '-traditional', '-out', f('rsa1024.pem'), '1024');
refuse('privateKey', 'RSA 1024 (PKCS#1)', readFileSync(f('rsa1024.pem'), 'latin1'), 'RsaTooShort');
refuse('privateKey', 'RSA 1024 (PKCS#8)', text('pkcs8', '-topk8', '-nocrypt', '-in', f('rsa1024.pem')), 'RsaTooShort');
ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f('p256.pem'));
refuse('privateKey', 'P-256 (PKCS#8)', readFileSync(f('p256.pem'), 'latin1'), 'UnsupportedCurve');
refuse('privateKey', 'P-256 (SEC1)', text('ec', '-in', f('p256.pem')), 'UnsupportedCurve');
ssl('genpkey', '-algorithm', 'ED25519', '-out', f('ed.pem'));
refuse('privateKey', 'Ed25519 (PKCS#8)', readFileSync(f('ed.pem'), 'latin1'), 'UnsupportedKeyType');
refuse('privateKey', 'encrypted PKCS#8', text('pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', f('doc.pem'), '-passout', 'pass:secret'), 'Encrypted');
refuse('privateKey', 'legacy encrypted PKCS#1', text('rsa', '-in', f('doc.pem'), '-aes128', '-traditional', '-passout', 'pass:secret'), 'Encrypted');
refuse('privateKey', 'a public key', DOC_PUBLIC_KEY, 'PublicKeyGiven');
refuse('privateKey', 'PKCS#1 public key', text('rsa', '-in', f('doc.pem'), '-RSAPublicKey_out'), 'PublicKeyGiven');
refuse('privateKey', 'a certificate', DOC_CERT, 'CertificateGiven');
refuse('privateKey', 'two keys', DOC_KEY + sm2Pkcs8Pem, 'MultipleKeys');
refuse('privateKey', 'not PEM', 'MIIEowIBAAKCAQEA3FoQOmOl5/CF5hF7ta4EzCy2LaU3Eu2k9DBwQ73J82I53Sx9', 'NotPem');
refuse('privateKey', 'empty', '', 'NotPem');
refuse('privateKey', 'body not base64', '-----BEGIN PRIVATE KEY-----\nnot*base64\n-----END PRIVATE KEY-----\n', 'Malformed');
refuse('privateKey', 'no END line', DOC_KEY.replace('-----END RSA PRIVATE KEY-----\n', ''), 'Malformed');
refuse('privateKey', 'END label differs', DOC_KEY.replace('END RSA PRIVATE KEY', 'END PRIVATE KEY'), 'Malformed');
refuse('privateKey', 'PKCS#8 label on PKCS#1 DER', DOC_KEY.replace(/RSA PRIVATE KEY/g, 'PRIVATE KEY'), 'Malformed');
refuse('privateKey', 'truncated DER', DOC_KEY.replace(/\n[^\n]*\n-----END/, '\n-----END'), 'Malformed');
refuse('certificate', 'a private key', DOC_KEY, 'PrivateKeyGiven');
refuse('certificate', 'a public key', DOC_PUBLIC_KEY, 'PublicKeyGiven');
refuse('certificate', 'not PEM', 'hello', 'NotPem');
refuse('certificate', 'two certificates', DOC_CERT + sm2Cert, 'MultipleCertificates');
refuse('certificate', 'body not base64', '-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n', 'Malformed');
refuse('certificate', 'truncated DER', DOC_CERT.replace(/\n[^\n]*\n-----END/, '\n-----END'), 'Malformed');
refuse('certificate', 'P-256 certificate', text('req', '-new', '-x509', '-key', f('p256.pem'), '-subj', '/CN=p256', '-days', '30'), 'UnsupportedCurve');
refuse('certificate', 'Ed25519 certificate', text('req', '-new', '-x509', '-key', f('ed.pem'), '-subj', '/CN=ed', '-days', '30'), 'UnsupportedKeyType');

const out = {
  $comment: 'Generated by tests/vectors/generate-api-security.mjs (openssl CLI); read by security/tests/*.rs and tests/js/security-engine.test.mjs. Not secret: test keys only.',
  doc,
  rsaSizes,
  sm2,
  rustcrypto: {
    $comment: "The RustCrypto sm2 crate's published SM2withSM3 vector (sm2 0.13 tests/sm2dsa.rs, made with openssl pkeyutl; raw r || s).",
    publicKeySec1: '0408D77AE04C01CC4C1104360DD8AF6B6F7DF334283D7C1A6AFD5652407B87BEE5014E2A57C36C150D16324DC664E31E6432359609C4E79847A5B161C8C7364C8A',
    id: 'example@rustcrypto.org',
    message: 'testing',
    signatureRaw: 'd1dcccedd9fb785e0f67c16b7c52901625c0b69de9bca2144acc7be713cad2fcf7d1eae6e3a157b36c65f672f738ca8b46298bf149a6510072c431b49cd88b1c',
  },
  sm3: [
    { $comment: 'GB/T 32905-2016 Annex A.1', messageHex: '616263', digest: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0' },
    { $comment: 'GB/T 32905-2016 Annex A.2', messageHex: '61626364'.repeat(16), digest: 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732' },
  ],
  sm4: [
    { $comment: 'GB/T 32907-2016 Annex A.1 (one encryption)', key: '0123456789abcdeffedcba9876543210', plaintext: '0123456789abcdeffedcba9876543210', ciphertext: '681edf34d206965e86b3e94f536e4246', iterations: 1 },
    { $comment: 'GB/T 32907-2016 Annex A.2 (1,000,000 encryptions)', key: '0123456789abcdeffedcba9876543210', plaintext: '0123456789abcdeffedcba9876543210', ciphertext: '595298c7c6fd271f0402f804c33d3f66', iterations: 1000000 },
  ],
  sm4Gcm: [
    {
      $comment: 'RFC 8998 Appendix A.1 (AEAD_SM4_GCM)',
      key: '0123456789abcdeffedcba9876543210',
      iv: '00001234567800000000abcd',
      aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
      plaintext: 'aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccddddddddddddddddeeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa',
      ciphertext: '17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d',
      tag: '83de3541e4c2b58177e065a9bf7b62ec',
    },
  ],
  refusals,
};
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
