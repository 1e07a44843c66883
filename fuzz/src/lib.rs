//! Shared by the fuzz targets: the input format, the independent models
//! and the typed-error check.
//!
//! Inputs with several fields are the fields joined by the byte 0xFF, which is
//! never part of UTF-8, so each field can still be any string (a field with
//! other invalid UTF-8 is read lossily). Seeds in `seeds/<target>/` use this
//! format; `cargo run --example seeds` regenerates them.

use wx_open_data::Error;

/// The field separator of multi-field inputs.
pub const SEP: u8 = 0xff;

/// Splits a fuzz input into at most `n` fields (missing ones are `None`).
pub fn fields(data: &[u8], n: usize) -> Vec<Option<String>> {
    let mut parts = data.splitn(n, |&b| b == SEP);
    (0..n)
        .map(|_| {
            parts
                .next()
                .map(|p| String::from_utf8_lossy(p).into_owned())
        })
        .collect()
}

/// Joins fields into a fuzz input (for the seed generator).
pub fn join(fields: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(SEP);
        }
        out.extend_from_slice(f.as_bytes());
    }
    out
}

#[path = "../../tests/oracle/base64.rs"]
mod base64_oracle;
pub use base64_oracle::strict_after_repair;

/// The code the input checks must give, if any (`None`: inputs are well-formed
/// and the verdict is up to decryption).
pub fn expected_input_error(key: &str, data: &str, iv: &str) -> Option<&'static str> {
    if data.len() > wx_open_data::MAX_ENCRYPTED_BASE64_LEN {
        return Some("INVALID_ENCRYPTED_DATA");
    }
    if strict_after_repair(key).map(|k| k.len()) != Some(16) {
        return Some("INVALID_SESSION_KEY");
    }
    if strict_after_repair(iv).map(|k| k.len()) != Some(16) {
        return Some("INVALID_IV");
    }
    match strict_after_repair(data) {
        Some(d)
            if !d.is_empty() && d.len() % 16 == 0 && d.len() <= wx_open_data::MAX_ENCRYPTED_LEN =>
        {
            None
        }
        _ => Some("INVALID_ENCRYPTED_DATA"),
    }
}

/// Every error must be typed: a documented code and the stable numeric code
/// of WeChat's sample where one exists. (Whether a message can repeat an input
/// is settled by the type: `Error` holds only static text and lengths. An
/// earlier "message does not contain the input" assertion here was a false
/// alarm generator: libFuzzer's comparison tracing soon feeds in a piece of
/// the message itself as the key.)
pub fn check_typed(err: &Error) {
    let code = err.code();
    assert!(Error::CODES.contains(&code), "undocumented code {code}");
    let wx = match code {
        "INVALID_SESSION_KEY" => Some(-41001),
        "INVALID_IV" => Some(-41002),
        "DECRYPT_FAILED" => Some(-41003),
        "INVALID_ENCRYPTED_DATA" => Some(-41004),
        _ => None,
    };
    assert_eq!(err.wx_err_code(), wx, "{code}");
    assert!(!err.to_string().is_empty());
}
