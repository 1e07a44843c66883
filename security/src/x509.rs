//! The parts of X.509 (RFC 5280) this crate reads and writes: a certificate
//! whose names and extensions stay opaque DER (nothing here judges them),
//! its subject key and validity. Smaller in the .wasm than x509-cert's full
//! model, which the tests use as the independent reader
//! (security/tests/keys.rs, security/tests/cert.rs).

use der::asn1::{AnyRef, BitStringRef, GeneralizedTime, IntRef, UtcTime};
use der::{Choice, Sequence};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

/// `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Choice)]
pub enum Time {
    /// Through 2049.
    #[asn1(type = "UTCTime")]
    Utc(UtcTime),
    /// From 2050.
    #[asn1(type = "GeneralizedTime")]
    General(GeneralizedTime),
}

impl Time {
    /// Milliseconds since the Unix epoch.
    pub fn unix_ms(&self) -> i64 {
        let d = match self {
            Time::Utc(t) => t.to_unix_duration(),
            Time::General(t) => t.to_unix_duration(),
        };
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    }
}

/// `Validity ::= SEQUENCE { notBefore Time, notAfter Time }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
pub struct Validity {
    /// notBefore.
    pub not_before: Time,
    /// notAfter.
    pub not_after: Time,
}

/// TBSCertificate, names and extensions as opaque DER.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TbsCertificate<'a> {
    /// 0 (v1), 1 (v2) or 2 (v3).
    #[asn1(context_specific = "0", default = "Default::default")]
    pub version: u8,
    /// The serial number (signed: some issuers wrote negative ones).
    pub serial_number: IntRef<'a>,
    /// The signature algorithm, repeated.
    pub signature: AlgorithmIdentifierRef<'a>,
    /// The issuer Name.
    pub issuer: AnyRef<'a>,
    /// The validity period.
    pub validity: Validity,
    /// The subject Name.
    pub subject: AnyRef<'a>,
    /// The subject's public key.
    pub subject_public_key_info: SubjectPublicKeyInfoRef<'a>,
    /// issuerUniqueID (v2, v3).
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub issuer_unique_id: Option<BitStringRef<'a>>,
    /// subjectUniqueID (v2, v3).
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT", optional = "true")]
    pub subject_unique_id: Option<BitStringRef<'a>>,
    /// The extensions (v3), opaque.
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    pub extensions: Option<AnyRef<'a>>,
}

/// Certificate.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct Certificate<'a> {
    /// What was signed.
    pub tbs_certificate: TbsCertificate<'a>,
    /// The signature algorithm.
    pub signature_algorithm: AlgorithmIdentifierRef<'a>,
    /// The signature.
    pub signature: BitStringRef<'a>,
}
