//! Private keys and certificates from PEM text: the application private key
//! (RSA or SM2) that signs requests, and the platform certificate whose key
//! verifies WeChat's replies. Out come DER forms every runtime imports:
//! PKCS#8 for private keys (node:crypto's createPrivateKey, WebCrypto's
//! importKey('pkcs8')) and SubjectPublicKeyInfo for certificates' keys.
//! Every refusal is a [`Refusal`], which carries nothing of the input.
//! Tested in security/tests/keys.rs against openssl's own conversions.

use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Encode};
use pkcs8::{AlgorithmIdentifierRef, PrivateKeyInfo};
use sm2::elliptic_curve::pkcs8::EncodePrivateKey;
use zeroize::Zeroizing;

use crate::pem;

/// rsaEncryption (PKCS#1).
pub const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey (RFC 5480).
pub const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// The SM2 curve, sm2p256v1 (GM/T 0006).
pub const SM2_CURVE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: u32 = 2048;

/// A key's algorithm (the number is the ABI's, src/abi.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// RSA (signatures: RSASSA-PSS with SHA-256, done by the runtime).
    Rsa = 1,
    /// SM2 (signatures: SM2withSM3, done here).
    Sm2 = 2,
}

/// Why a key or certificate was refused. The numbers are the ABI's status
/// words (src/abi.rs) and pkg-template/src/security-engine.mjs words each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No PEM block of the expected kind (or the text is not PEM at all).
    NotPem = 16,
    /// More than one private key block: which one is meant is a guess.
    MultipleKeys = 17,
    /// An encrypted private key (PKCS#8 "ENCRYPTED PRIVATE KEY" or a legacy
    /// `Proc-Type: 4,ENCRYPTED` header): there is no passphrase to give.
    Encrypted = 18,
    /// A public key where a private key or a certificate belongs.
    PublicKeyGiven = 19,
    /// A certificate where a private key belongs.
    CertificateGiven = 20,
    /// A private key where a certificate belongs.
    PrivateKeyGiven = 21,
    /// An RSA key under [`MIN_RSA_BITS`].
    RsaTooShort = 22,
    /// An EC key on a curve other than SM2's (or naming none).
    UnsupportedCurve = 23,
    /// A key of another type (Ed25519, DSA, ...).
    UnsupportedKeyType = 24,
    /// The block's base64 or DER does not parse.
    Malformed = 25,
    /// More than one certificate block: which one is meant is a guess.
    MultipleCertificates = 26,
}

/// A parsed private key.
pub struct PrivateKey {
    /// RSA or SM2.
    pub algorithm: Algorithm,
    /// PKCS#8 PrivateKeyInfo DER (wiped on drop).
    pub pkcs8: Zeroizing<Vec<u8>>,
    /// The modulus size for RSA, 256 for SM2.
    pub bits: u32,
}

/// A parsed certificate: its subject key and validity.
pub struct Certificate {
    /// RSA or SM2.
    pub algorithm: Algorithm,
    /// SubjectPublicKeyInfo DER.
    pub spki: Vec<u8>,
    /// notBefore, ms since the Unix epoch.
    pub not_before_ms: i64,
    /// notAfter, ms since the Unix epoch.
    pub not_after_ms: i64,
}

/// "SM2 PRIVATE KEY" is OpenSSL 3's label for a SEC1 SM2 key.
const PRIVATE_LABELS: [&str; 5] = [
    "RSA PRIVATE KEY",
    "PRIVATE KEY",
    "EC PRIVATE KEY",
    "SM2 PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
];
const PUBLIC_LABELS: [&str; 2] = ["PUBLIC KEY", "RSA PUBLIC KEY"];
const CERTIFICATE_LABELS: [&str; 3] = ["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"];

/// Parses a private key: "RSA PRIVATE KEY" (PKCS#1), "PRIVATE KEY"
/// (PKCS#8, RSA or SM2) or "EC PRIVATE KEY" / "SM2 PRIVATE KEY" (SEC1, SM2
/// curve).
pub fn parse_private_key(text: &str) -> Result<PrivateKey, Refusal> {
    let blocks = pem::blocks(text);
    let mut keys = blocks.iter().filter(|b| PRIVATE_LABELS.contains(&b.label));
    let Some(block) = keys.next() else {
        return Err(if blocks.iter().any(|b| PUBLIC_LABELS.contains(&b.label)) {
            Refusal::PublicKeyGiven
        } else if blocks.iter().any(|b| CERTIFICATE_LABELS.contains(&b.label)) {
            Refusal::CertificateGiven
        } else {
            Refusal::NotPem
        });
    };
    if keys.next().is_some() {
        return Err(Refusal::MultipleKeys);
    }
    if block.label == "ENCRYPTED PRIVATE KEY" || block.encrypted {
        return Err(Refusal::Encrypted);
    }
    let der = block.der().ok_or(Refusal::Malformed)?;
    match block.label {
        "RSA PRIVATE KEY" => rsa_pkcs8(&der),
        "EC PRIVATE KEY" | "SM2 PRIVATE KEY" => sm2_from_sec1(&der),
        _ => from_pkcs8(&der),
    }
}

/// Parses a PKCS#8 PrivateKeyInfo DER (RSA or SM2).
pub fn from_pkcs8(der: &[u8]) -> Result<PrivateKey, Refusal> {
    let info = PrivateKeyInfo::try_from(der).map_err(|_| Refusal::Malformed)?;
    let oid = info.algorithm.oid;
    if oid == RSA_ENCRYPTION {
        // Parameters: NULL, as RFC 8017 says (absent tolerated).
        match info.algorithm.parameters {
            None => {}
            Some(p) if p == AnyRef::NULL => {}
            Some(_) => return Err(Refusal::Malformed),
        }
        rsa_pkcs8(info.private_key)
    } else if oid == EC_PUBLIC_KEY {
        let curve = info
            .algorithm
            .parameters_oid()
            .map_err(|_| Refusal::UnsupportedCurve)?;
        if curve != SM2_CURVE {
            return Err(Refusal::UnsupportedCurve);
        }
        sm2_from_sec1(info.private_key)
    } else {
        Err(Refusal::UnsupportedKeyType)
    }
}

/// The modulus size in bits of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> u32 {
    let bytes = match bytes.iter().position(|&b| b != 0) {
        Some(first) => bytes.get(first..).unwrap_or_default(),
        None => return 0,
    };
    let top = bytes.first().map_or(0, |b| 8 - b.leading_zeros());
    (bytes.len() as u32 - 1) * 8 + top
}

/// Whether n = p * q, for moduli up to 4096 bits (larger ones are not
/// checked). A key whose PEM lost or changed a character mostly still
/// parses as DER; this catches it (tests/js/security-engine.test.mjs'
/// mutations, security/tests/keys.rs).
fn modulus_is_product(n: &[u8], p: &[u8], q: &[u8]) -> bool {
    use crypto_bigint::{U2048, U4096};
    fn padded<const N: usize>(v: &[u8]) -> Option<[u8; N]> {
        let mut out = [0u8; N];
        out.get_mut(N.checked_sub(v.len())?..)?.copy_from_slice(v);
        Some(out)
    }
    let (Some(n), Some(p), Some(q)) = (padded::<512>(n), padded::<256>(p), padded::<256>(q)) else {
        // Beyond 4096 bits: not checked (the runtime's import still is).
        return n.len() > 512;
    };
    let (lo, hi) = U2048::from_be_slice(&p).mul_wide(&U2048::from_be_slice(&q));
    let product = U4096::from((lo, hi));
    bool::from(crypto_bigint::subtle::ConstantTimeEq::ct_eq(
        &product,
        &U4096::from_be_slice(&n),
    ))
}

/// A PKCS#1 RSAPrivateKey DER, checked and wrapped in PKCS#8.
fn rsa_pkcs8(pkcs1_der: &[u8]) -> Result<PrivateKey, Refusal> {
    let key = pkcs1::RsaPrivateKey::try_from(pkcs1_der).map_err(|_| Refusal::Malformed)?;
    let bits = bit_length(key.modulus.as_bytes());
    if bits < MIN_RSA_BITS {
        return Err(Refusal::RsaTooShort);
    }
    if !modulus_is_product(
        key.modulus.as_bytes(),
        key.prime1.as_bytes(),
        key.prime2.as_bytes(),
    ) {
        return Err(Refusal::Malformed);
    }
    let info = PrivateKeyInfo {
        algorithm: AlgorithmIdentifierRef {
            oid: RSA_ENCRYPTION,
            parameters: Some(AnyRef::NULL),
        },
        private_key: pkcs1_der,
        public_key: None,
    };
    let pkcs8 = info.to_der().map_err(|_| Refusal::Malformed)?;
    Ok(PrivateKey {
        algorithm: Algorithm::Rsa,
        pkcs8: Zeroizing::new(pkcs8),
        bits,
    })
}

/// A SEC1 ECPrivateKey DER on the SM2 curve, as PKCS#8 (with its public key).
fn sm2_from_sec1(sec1_der: &[u8]) -> Result<PrivateKey, Refusal> {
    let key = sec1::EcPrivateKey::try_from(sec1_der).map_err(|_| Refusal::Malformed)?;
    if let Some(params) = key.parameters {
        if params.named_curve() != Some(SM2_CURVE) {
            return Err(Refusal::UnsupportedCurve);
        }
    }
    let secret = sm2::SecretKey::from_slice(key.private_key).map_err(|_| Refusal::Malformed)?;
    if let Some(public) = key.public_key {
        // A stored public key that is not this secret's: a corrupt file.
        if secret.public_key().to_sec1_bytes().as_ref() != public {
            return Err(Refusal::Malformed);
        }
    }
    let doc = secret.to_pkcs8_der().map_err(|_| Refusal::Malformed)?;
    Ok(PrivateKey {
        algorithm: Algorithm::Sm2,
        pkcs8: Zeroizing::new(doc.as_bytes().to_vec()),
        bits: 256,
    })
}

/// The algorithm of a SubjectPublicKeyInfo, checked: an RSA key parses, an
/// SM2 key is a point on the curve.
pub fn spki_algorithm(spki: &spki::SubjectPublicKeyInfoRef<'_>) -> Result<Algorithm, Refusal> {
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or(Refusal::Malformed)?;
    if spki.algorithm.oid == RSA_ENCRYPTION {
        pkcs1::RsaPublicKey::try_from(key).map_err(|_| Refusal::Malformed)?;
        Ok(Algorithm::Rsa)
    } else if spki.algorithm.oid == EC_PUBLIC_KEY {
        if spki
            .algorithm
            .parameters_oid()
            .map_err(|_| Refusal::UnsupportedCurve)?
            != SM2_CURVE
        {
            return Err(Refusal::UnsupportedCurve);
        }
        sm2::PublicKey::from_sec1_bytes(key).map_err(|_| Refusal::Malformed)?;
        Ok(Algorithm::Sm2)
    } else {
        Err(Refusal::UnsupportedKeyType)
    }
}

/// Parses an X.509 "CERTIFICATE": its subject key and validity.
pub fn parse_certificate(text: &str) -> Result<Certificate, Refusal> {
    let blocks = pem::blocks(text);
    let mut certs = blocks
        .iter()
        .filter(|b| CERTIFICATE_LABELS.contains(&b.label));
    let Some(block) = certs.next() else {
        return Err(
            if blocks.iter().any(|b| PRIVATE_LABELS.contains(&b.label)) {
                Refusal::PrivateKeyGiven
            } else if blocks.iter().any(|b| PUBLIC_LABELS.contains(&b.label)) {
                Refusal::PublicKeyGiven
            } else {
                Refusal::NotPem
            },
        );
    };
    if certs.next().is_some() {
        return Err(Refusal::MultipleCertificates);
    }
    if block.label != "CERTIFICATE" {
        // "TRUSTED CERTIFICATE" carries OpenSSL trust data after the DER.
        return Err(Refusal::Malformed);
    }
    let der = block.der().ok_or(Refusal::Malformed)?;
    from_certificate_der(&der)
}

/// Parses an X.509 certificate DER.
pub fn from_certificate_der(der: &[u8]) -> Result<Certificate, Refusal> {
    let cert = crate::x509::Certificate::from_der(der).map_err(|_| Refusal::Malformed)?;
    let tbs = &cert.tbs_certificate;
    let algorithm = spki_algorithm(&tbs.subject_public_key_info)?;
    let spki = tbs
        .subject_public_key_info
        .to_der()
        .map_err(|_| Refusal::Malformed)?;
    Ok(Certificate {
        algorithm,
        spki,
        not_before_ms: tbs.validity.not_before.unix_ms(),
        not_after_ms: tbs.validity.not_after.unix_ms(),
    })
}
