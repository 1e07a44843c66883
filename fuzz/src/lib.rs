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
#[path = "../../tests/oracle/errors.rs"]
mod errors_oracle;
pub use errors_oracle::expected_input_error;
use errors_oracle::{documented_wx_err_code, DOCUMENTED_CODES};


/// Every error must be typed: a documented code and the stable numeric code
/// of WeChat's sample where one exists. (Whether a message can repeat an input
/// is settled by the type: `Error` holds only static text and lengths. An
/// earlier "message does not contain the input" assertion here was a false
/// alarm generator: libFuzzer's comparison tracing soon feeds in a piece of
/// the message itself as the key.)
pub fn check_typed(err: &Error) {
    let code = err.code();
    assert!(DOCUMENTED_CODES.contains(&code), "undocumented code {code}");
    assert_eq!(err.wx_err_code(), documented_wx_err_code(code), "{code}");
    assert!(!err.to_string().is_empty());
}
