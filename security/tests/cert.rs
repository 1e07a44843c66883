//! The mock's self-signed certificates (security/src/cert.rs): built,
//! signed, and read back by x509-cert and by the crate's own parser.

// Helpers outside #[test] functions fail loudly too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{b64, vectors};
use der::{Decode, Encode};
use wx_open_data_security::cert::{assemble, tbs, CertProblem, SM2_WITH_SM3, SUBJECT};
use wx_open_data_security::keys::{parse_certificate, Algorithm};
use wx_open_data_security::sm::{sm2_generate_key_pair, sm2_sign, sm2_verify};

const NOT_BEFORE: f64 = 1_700_000_000_000.0;
const NOT_AFTER: f64 = 2_600_000_000_000.0; // 2052: GeneralizedTime

#[test]
fn an_sm2_certificate_round_trips() {
    let (pkcs8, spki) = sm2_generate_key_pair(&[1; 64]).unwrap();
    let tbs_der = tbs(
        Algorithm::Sm2,
        &spki,
        NOT_BEFORE + 999.0,
        NOT_AFTER,
        &[9; 16],
    )
    .unwrap();
    let sig = sm2_sign(&pkcs8, b"1234567812345678", &tbs_der, &[3; 32]).unwrap();
    let pem = assemble(Algorithm::Sm2, &tbs_der, &sig).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    let parsed = parse_certificate(&pem).unwrap();
    assert_eq!(
        (parsed.algorithm, parsed.spki.as_slice()),
        (Algorithm::Sm2, spki.as_slice())
    );
    assert_eq!(
        (parsed.not_before_ms, parsed.not_after_ms),
        (NOT_BEFORE as i64, NOT_AFTER as i64)
    );
    // x509-cert reads the same certificate; its signature verifies over the TBS.
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body).unwrap();
    let cert = x509_cert::Certificate::from_der(&der).unwrap();
    assert_eq!(cert.signature_algorithm.oid, SM2_WITH_SM3);
    assert_eq!(cert.tbs_certificate.to_der().unwrap(), tbs_der);
    assert_eq!(cert.tbs_certificate.subject.to_der().unwrap(), SUBJECT);
    assert_eq!(
        cert.tbs_certificate.subject.to_string(),
        "CN=wx-open-data mock WeChat platform,O=wx-open-data"
    );
    assert_eq!(
        cert.tbs_certificate.version,
        x509_cert::certificate::Version::V3
    );
    assert!(sm2_verify(
        &spki,
        b"1234567812345678",
        &tbs_der,
        cert.signature.raw_bytes()
    )
    .unwrap());
}

#[test]
fn an_rsa_tbs_names_sha256_with_rsa() {
    let v = vectors();
    let spki = b64(&v["doc"]["platform"]["spkiDer"]);
    let tbs_der = tbs(Algorithm::Rsa, &spki, NOT_BEFORE, NOT_BEFORE, &[0xff; 16]).unwrap();
    let parsed = x509_cert::certificate::TbsCertificate::from_der(&tbs_der).unwrap();
    assert_eq!(parsed.signature.oid.to_string(), "1.2.840.113549.1.1.11");
    assert_eq!(
        parsed.serial_number.as_bytes()[0],
        0x7f,
        "positive, top bit cleared"
    );
    let pem = assemble(Algorithm::Rsa, &tbs_der, &[1; 256]).unwrap();
    assert_eq!(parse_certificate(&pem).unwrap().spki, spki);
}

#[test]
fn refusals() {
    let v = vectors();
    let rsa = b64(&v["doc"]["platform"]["spkiDer"]);
    let (_, sm2) = sm2_generate_key_pair(&[1; 64]).unwrap();
    assert_eq!(
        tbs(Algorithm::Sm2, &rsa, NOT_BEFORE, NOT_AFTER, &[0; 16]),
        Err(CertProblem::KeyMismatch)
    );
    assert_eq!(
        tbs(Algorithm::Rsa, &sm2, NOT_BEFORE, NOT_AFTER, &[0; 16]),
        Err(CertProblem::KeyMismatch)
    );
    assert_eq!(
        tbs(Algorithm::Sm2, b"junk", NOT_BEFORE, NOT_AFTER, &[0; 16]),
        Err(CertProblem::KeyMismatch)
    );
    assert_eq!(
        tbs(Algorithm::Sm2, &sm2, NOT_AFTER, NOT_BEFORE, &[0; 16]),
        Err(CertProblem::BadValidity)
    );
    for bad in [f64::NAN, -1.0, f64::INFINITY, 253_402_300_800_000.0] {
        assert_eq!(
            tbs(Algorithm::Sm2, &sm2, bad, NOT_AFTER, &[0; 16]),
            Err(CertProblem::BadValidity)
        );
    }
    assert_eq!(
        tbs(Algorithm::Sm2, &sm2, NOT_BEFORE, NOT_AFTER, &[0; 15]),
        Err(CertProblem::RandomTooShort)
    );
    let tbs_der = tbs(Algorithm::Sm2, &sm2, NOT_BEFORE, NOT_AFTER, &[0; 16]).unwrap();
    assert_eq!(
        assemble(Algorithm::Sm2, &tbs_der, &[]),
        Err(CertProblem::BadSignature)
    );
    assert_eq!(
        assemble(Algorithm::Sm2, &tbs_der, &[0; 1025]),
        Err(CertProblem::BadSignature)
    );
    assert_eq!(
        assemble(Algorithm::Sm2, b"junk", &[1]),
        Err(CertProblem::BadSignature)
    );
    assert_eq!(
        assemble(Algorithm::Rsa, &tbs_der, &[1]),
        Err(CertProblem::KeyMismatch)
    );
}
