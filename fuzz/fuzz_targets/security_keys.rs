//! The security .wasm's key and certificate parsers (security/src/keys.rs,
//! pem.rs, x509.rs) never panic on any text or DER, and what they accept is
//! consistent: a PKCS#8 they return parses again to the same bytes and
//! algorithm, a certificate's SPKI is one the SM2 verifier either takes or
//! refuses as not SM2, never anything worse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wx_open_data_security::keys::{
    from_certificate_der, from_pkcs8, parse_certificate, parse_private_key, Algorithm,
};
use wx_open_data_security::sm::sm2_verify;

fn check_key(key: &wx_open_data_security::keys::PrivateKey) {
    let again = from_pkcs8(&key.pkcs8).expect("a returned PKCS#8 parses again");
    assert_eq!(again.algorithm, key.algorithm);
    assert_eq!(*again.pkcs8, *key.pkcs8, "returned PKCS#8 is canonical");
    assert!(key.algorithm != Algorithm::Rsa || key.bits >= 2048);
}

fn check_cert(cert: &wx_open_data_security::keys::Certificate) {
    let verdict = sm2_verify(&cert.spki, b"1234567812345678", b"m", &[0; 64]);
    assert_eq!(verdict.is_ok(), cert.algorithm == Algorithm::Sm2);
    assert_eq!(
        verdict.ok(),
        if cert.algorithm == Algorithm::Sm2 {
            Some(false)
        } else {
            None
        }
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(key) = parse_private_key(&text) {
        check_key(&key);
    }
    if let Ok(cert) = parse_certificate(&text) {
        check_cert(&cert);
    }
    // The same bytes as DER.
    if let Ok(key) = from_pkcs8(data) {
        check_key(&key);
    }
    if let Ok(cert) = from_certificate_der(data) {
        check_cert(&cert);
    }
    let _ = sm2_verify(data, b"id", b"m", data);
});
