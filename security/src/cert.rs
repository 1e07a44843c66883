//! Self-signed certificates for the mock WeChat server (wx-open-data/mock),
//! which needs a platform certificate whose key it holds. Two steps, so the
//! signature can come from the host (node:crypto signs RSA ones): [`tbs`]
//! builds the TBSCertificate, [`assemble`] wraps it with the signature into
//! a PEM "CERTIFICATE". RSA certificates are sha256WithRSAEncryption, SM2
//! ones SM2-with-SM3 (the signer uses ID 1234567812345678, the default for
//! certificates, GM/T 0015). security/tests/cert.rs parses them back.

use core::time::Duration;

use der::asn1::{AnyRef, BitStringRef, GeneralizedTime, IntRef, ObjectIdentifier, UtcTime};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

use crate::keys::{spki_algorithm, Algorithm};
use crate::pem;
use crate::x509::{Certificate, TbsCertificate, Time, Validity};

/// sha256WithRSAEncryption (RFC 8017).
pub const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// SM2-with-SM3 (GM/T 0006).
pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");

/// The subject and issuer of the mock's certificates, DER:
/// `O=wx-open-data, CN=wx-open-data mock WeChat platform` (RFC 4514 writes it
/// `CN=wx-open-data mock WeChat platform,O=wx-open-data`; security/tests/cert.rs
/// reads it back with x509-cert).
#[rustfmt::skip]
pub const SUBJECT: [u8; 69] = [
    0x30, 0x43, 0x31, 0x15, 0x30, 0x13, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x0c, 0x77, 0x78, 0x2d,
    0x6f, 0x70, 0x65, 0x6e, 0x2d, 0x64, 0x61, 0x74, 0x61, 0x31, 0x2a, 0x30, 0x28, 0x06, 0x03, 0x55,
    0x04, 0x03, 0x0c, 0x21, 0x77, 0x78, 0x2d, 0x6f, 0x70, 0x65, 0x6e, 0x2d, 0x64, 0x61, 0x74, 0x61,
    0x20, 0x6d, 0x6f, 0x63, 0x6b, 0x20, 0x57, 0x65, 0x43, 0x68, 0x61, 0x74, 0x20, 0x70, 0x6c, 0x61,
    0x74, 0x66, 0x6f, 0x72, 0x6d,
];

/// Why a certificate could not be built (the numbers are the ABI's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertProblem {
    /// The SPKI does not parse or is not of the algorithm named.
    KeyMismatch = 48,
    /// notBefore/notAfter not within 1950..9999 or notAfter before notBefore.
    BadValidity = 49,
    /// The TBS bytes do not parse, or the signature is empty or over 1024 bytes.
    BadSignature = 50,
    /// Fewer than 16 random bytes for the serial number.
    RandomTooShort = 51,
}

fn signature_algorithm(algorithm: Algorithm) -> AlgorithmIdentifierRef<'static> {
    match algorithm {
        Algorithm::Rsa => AlgorithmIdentifierRef {
            oid: SHA256_WITH_RSA,
            parameters: Some(AnyRef::NULL),
        },
        Algorithm::Sm2 => AlgorithmIdentifierRef {
            oid: SM2_WITH_SM3,
            parameters: None,
        },
    }
}

/// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
fn time(ms: f64) -> Result<Time, CertProblem> {
    const Y2050: f64 = 2_524_608_000_000.0;
    // NaN is outside every range.
    if !(0.0..253_402_300_800_000.0).contains(&ms) {
        return Err(CertProblem::BadValidity);
    }
    let d = Duration::from_secs((ms / 1000.0).floor() as u64);
    if ms < Y2050 {
        UtcTime::from_unix_duration(d)
            .map(Time::Utc)
            .map_err(|_| CertProblem::BadValidity)
    } else {
        GeneralizedTime::from_unix_duration(d)
            .map(Time::General)
            .map_err(|_| CertProblem::BadValidity)
    }
}

/// The DER TBSCertificate of a self-signed v3 certificate for `spki`.
pub fn tbs(
    algorithm: Algorithm,
    spki: &[u8],
    not_before_ms: f64,
    not_after_ms: f64,
    random: &[u8],
) -> Result<Vec<u8>, CertProblem> {
    let key = SubjectPublicKeyInfoRef::try_from(spki).map_err(|_| CertProblem::KeyMismatch)?;
    if spki_algorithm(&key) != Ok(algorithm) {
        return Err(CertProblem::KeyMismatch);
    }
    if not_before_ms.partial_cmp(&not_after_ms) == Some(core::cmp::Ordering::Greater) {
        return Err(CertProblem::BadValidity);
    }
    let validity = Validity {
        not_before: time(not_before_ms)?,
        not_after: time(not_after_ms)?,
    };
    // A positive 16-byte serial: top bit clear, next bit set (never zero,
    // never a leading zero byte).
    let mut serial = [0u8; 16];
    serial.copy_from_slice(random.get(..16).ok_or(CertProblem::RandomTooShort)?);
    if let Some(first) = serial.first_mut() {
        *first = (*first & 0x7f) | 0x40;
    }
    let name = AnyRef::from_der(&SUBJECT).map_err(|_| CertProblem::BadSignature)?;
    let tbs = TbsCertificate {
        version: 2,
        serial_number: IntRef::new(&serial).map_err(|_| CertProblem::RandomTooShort)?,
        signature: signature_algorithm(algorithm),
        issuer: name,
        validity,
        subject: name,
        subject_public_key_info: key,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: None,
    };
    tbs.to_der().map_err(|_| CertProblem::BadSignature)
}

/// The PEM "CERTIFICATE" of `tbs_der` signed with `signature`.
pub fn assemble(
    algorithm: Algorithm,
    tbs_der: &[u8],
    signature: &[u8],
) -> Result<String, CertProblem> {
    if signature.is_empty() || signature.len() > 1024 {
        return Err(CertProblem::BadSignature);
    }
    let tbs_certificate =
        TbsCertificate::from_der(tbs_der).map_err(|_| CertProblem::BadSignature)?;
    if tbs_certificate.signature != signature_algorithm(algorithm) {
        return Err(CertProblem::KeyMismatch);
    }
    let cert = Certificate {
        tbs_certificate,
        signature_algorithm: signature_algorithm(algorithm),
        signature: BitStringRef::from_bytes(signature).map_err(|_| CertProblem::BadSignature)?,
    };
    let der = cert.to_der().map_err(|_| CertProblem::BadSignature)?;
    Ok(pem::encode("CERTIFICATE", &der))
}
