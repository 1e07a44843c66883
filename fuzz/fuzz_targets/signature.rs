//! `verify_signature` never panics and is exactly "hex sha1(rawData +
//! sessionKey), any case" (checked against the sha1 crate directly); `sign`
//! and `verify_signature` agree.
//!
//! Input: `rawData 0xFF signature 0xFF sessionKey`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha1::{Digest, Sha1};
use wx_open_data::{sign, verify_signature};
use wx_open_data_fuzz::fields;

fuzz_target!(|data: &[u8]| {
    let f = fields(data, 3);
    let [raw, signature, key] = [0, 1, 2].map(|i| f[i].clone().unwrap_or_default());
    let expected: String = Sha1::digest(format!("{raw}{key}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sign(&raw, &key), expected);
    assert!(verify_signature(&raw, &expected, &key));
    assert!(verify_signature(&raw, &expected.to_ascii_uppercase(), &key));
    assert_eq!(
        verify_signature(&raw, &signature, &key),
        signature.to_ascii_lowercase() == expected
    );
});
