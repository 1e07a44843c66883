//! PEM/DER keys and certificates (security/src/keys.rs) against openssl's
//! conversions in tests/vectors/api-security.json, and every refusal.

// Helpers outside #[test] functions fail loudly too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{b64, str, vectors};
use der::Decode;
use wx_open_data_security::keys::{parse_certificate, parse_private_key, Algorithm, Refusal};

fn refusal_named(name: &str) -> Refusal {
    match name {
        "NotPem" => Refusal::NotPem,
        "MultipleKeys" => Refusal::MultipleKeys,
        "Encrypted" => Refusal::Encrypted,
        "PublicKeyGiven" => Refusal::PublicKeyGiven,
        "CertificateGiven" => Refusal::CertificateGiven,
        "PrivateKeyGiven" => Refusal::PrivateKeyGiven,
        "RsaTooShort" => Refusal::RsaTooShort,
        "UnsupportedCurve" => Refusal::UnsupportedCurve,
        "UnsupportedKeyType" => Refusal::UnsupportedKeyType,
        "Malformed" => Refusal::Malformed,
        "MultipleCertificates" => Refusal::MultipleCertificates,
        other => panic!("unknown refusal {other}"),
    }
}

#[test]
fn the_docs_pkcs1_key_becomes_opensslss_pkcs8() {
    let v = vectors();
    let key = parse_private_key(str(&v["doc"]["privateKey"])).unwrap();
    assert_eq!(key.algorithm, Algorithm::Rsa);
    assert_eq!(key.bits, 2048);
    assert_eq!(*key.pkcs8, b64(&v["doc"]["pkcs8Der"]));
}

#[test]
fn a_pkcs8_rsa_key_comes_out_as_it_went_in() {
    let v = vectors();
    let der = b64(&v["doc"]["pkcs8Der"]);
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &der)
    );
    let key = parse_private_key(&pem).unwrap();
    assert_eq!((key.algorithm, key.bits), (Algorithm::Rsa, 2048));
    assert_eq!(*key.pkcs8, der);
}

#[test]
fn sm2_keys_in_pkcs8_and_sec1_become_opensslss_pkcs8() {
    let v = vectors();
    let expected = b64(&v["sm2"]["pkcs8Der"]);
    for field in ["pkcs8Pem", "sec1Pem", "sec1OpensslPem"] {
        let key =
            parse_private_key(str(&v["sm2"][field])).unwrap_or_else(|e| panic!("{field}: {e:?}"));
        assert_eq!((key.algorithm, key.bits), (Algorithm::Sm2, 256), "{field}");
        assert_eq!(*key.pkcs8, expected, "{field}");
    }
}

#[test]
fn pasted_pem_is_read_leniently() {
    let v = vectors();
    let pem = str(&v["doc"]["privateKey"]);
    let expected = b64(&v["doc"]["pkcs8Der"]);
    let indented: String = pem.lines().map(|l| format!("    {l}\r\n")).collect();
    let one_line = pem.trim_end().replace('\n', "\\n");
    let with_comments = format!("# the application key\n{pem}\ntrailing words\n");
    for (name, text) in [
        ("indented CRLF", indented),
        ("literal \\n", one_line),
        ("comments", with_comments),
    ] {
        let key = parse_private_key(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(*key.pkcs8, expected, "{name}");
    }
}

#[test]
fn the_platform_certificate_gives_opensslss_spki_and_dates() {
    let v = vectors();
    for facts in [&v["doc"]["platform"], &v["sm2"]["self"]] {
        let cert = parse_certificate(str(&facts["certificate"])).unwrap();
        assert_eq!(cert.spki, b64(&facts["spkiDer"]));
        assert_eq!(cert.not_before_ms, facts["notBefore"].as_i64().unwrap());
        assert_eq!(cert.not_after_ms, facts["notAfter"].as_i64().unwrap());
    }
    assert_eq!(
        parse_certificate(str(&v["doc"]["platform"]["certificate"]))
            .unwrap()
            .algorithm,
        Algorithm::Rsa
    );
    assert_eq!(
        parse_certificate(str(&v["sm2"]["self"]["certificate"]))
            .unwrap()
            .algorithm,
        Algorithm::Sm2
    );
}

#[test]
fn the_certificate_model_agrees_with_x509_cert() {
    let v = vectors();
    for facts in [&v["doc"]["platform"], &v["sm2"]["self"]] {
        let pem = str(&facts["certificate"]);
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body).unwrap();
        let theirs = x509_cert::Certificate::from_der(&der).unwrap();
        let ours = wx_open_data_security::x509::Certificate::from_der(&der).unwrap();
        let theirs_spki =
            der::Encode::to_der(&theirs.tbs_certificate.subject_public_key_info).unwrap();
        let ours_spki = der::Encode::to_der(&ours.tbs_certificate.subject_public_key_info).unwrap();
        assert_eq!(ours_spki, theirs_spki);
        assert_eq!(
            der::Encode::to_der(&ours).unwrap(),
            der,
            "re-encodes to the same bytes"
        );
    }
}

#[test]
fn every_refusal_with_its_reason() {
    let v = vectors();
    for (kind, parse) in [
        (
            "privateKey",
            (|t: &str| parse_private_key(t).map(|_| ())) as fn(&str) -> Result<(), Refusal>,
        ),
        ("certificate", |t: &str| parse_certificate(t).map(|_| ())),
    ] {
        let cases = v["refusals"][kind].as_array().unwrap();
        assert!(cases.len() >= 8);
        for case in cases {
            let expected = refusal_named(str(&case["refusal"]));
            assert_eq!(
                parse(str(&case["pem"])),
                Err(expected),
                "{kind}: {}",
                str(&case["name"])
            );
        }
    }
}

#[test]
fn an_sec1_key_on_another_curve_or_naming_none_is_refused() {
    let v = vectors();
    // The SM2 SEC1 key with its curve parameters replaced by P-256's OID.
    let sec1 = parse_sec1(str(&v["sm2"]["sec1Pem"]));
    let sm2_oid = [0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];
    let p256_oid = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let at = sec1.windows(10).position(|w| w == sm2_oid).unwrap();
    let mut other = sec1.clone();
    other[at..at + 10].copy_from_slice(&p256_oid);
    assert_eq!(
        parse_private_key(&pem("EC PRIVATE KEY", &other)).err(),
        Some(Refusal::UnsupportedCurve)
    );
}

fn parse_sec1(pem_text: &str) -> Vec<u8> {
    let body: String = pem_text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body).unwrap()
}

fn pem(label: &str, der: &[u8]) -> String {
    let b = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
    format!("-----BEGIN {label}-----\n{b}\n-----END {label}-----\n")
}

#[test]
fn a_corrupt_sec1_public_key_is_refused() {
    let v = vectors();
    let mut sec1 = parse_sec1(str(&v["sm2"]["sec1Pem"]));
    let last = sec1.len() - 1;
    sec1[last] ^= 1;
    assert_eq!(
        parse_private_key(&pem("EC PRIVATE KEY", &sec1)).err(),
        Some(Refusal::Malformed)
    );
}

#[test]
fn rsa_3072_and_4096_keys_become_opensslss_pkcs8() {
    let v = vectors();
    for case in v["rsaSizes"].as_array().unwrap() {
        let key = parse_private_key(str(&case["privateKey"])).unwrap();
        assert_eq!(
            (key.algorithm, u64::from(key.bits)),
            (Algorithm::Rsa, case["bits"].as_u64().unwrap())
        );
        assert_eq!(*key.pkcs8, b64(&case["pkcs8Der"]));
    }
}

#[test]
fn an_rsa_key_whose_modulus_is_not_its_primes_product_is_refused() {
    let v = vectors();
    let der = parse_sec1(str(&v["doc"]["privateKey"]));
    // 30 82 04 a3 | 02 01 00 | 02 82 01 01 00 | modulus...: byte 40 is inside n.
    for at in [40, 100, 260] {
        let mut bad = der.clone();
        bad[at] ^= 0x10;
        assert_eq!(
            parse_private_key(&pem("RSA PRIVATE KEY", &bad)).err(),
            Some(Refusal::Malformed),
            "byte {at}"
        );
    }
    // A byte of d (not checked against n) still parses: the check is n = p * q.
    let mut other = der.clone();
    other[300] ^= 0x10;
    assert!(parse_private_key(&pem("RSA PRIVATE KEY", &other)).is_ok());
}
