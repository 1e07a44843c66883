//! The error model shared by the property tests (tests/properties.rs) and the
//! fuzz targets (fuzz/src/lib.rs), written from the documentation rather than
//! from src/error.rs: the documented codes and their official WeChat numbers
//! are src/vocabulary.json's engine rows (the source the README's error table
//! is checked against, tests/js/readme.test.mjs), and which code the input
//! checks must give is written out below from the README's rules. Include it
//! next to `base64_oracle`.
#![allow(clippy::expect_used)]

use std::sync::LazyLock;

use super::base64_oracle::strict_after_repair;

/// The engine rows of src/vocabulary.json: (code, wxErrCode).
static ENGINE_ERRORS: LazyLock<Vec<(&'static str, Option<i32>)>> = LazyLock::new(|| {
    let vocabulary: serde_json::Value =
        serde_json::from_str(include_str!("../../src/vocabulary.json")).expect("vocabulary.json");
    vocabulary["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter(|row| row["source"] == "engine")
        .map(|row| {
            let code = row["code"].as_str().expect("code").to_owned();
            let wx = row["wxErrCode"]
                .as_i64()
                .map(|n| i32::try_from(n).expect("i32"));
            (&*Box::leak(code.into_boxed_str()), wx)
        })
        .collect()
});

/// The codes the engine may return, from the vocabulary (not `Error::CODES`),
/// so a code added or renamed in src/ without the vocabulary fails the checks.
pub static DOCUMENTED_CODES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| ENGINE_ERRORS.iter().map(|(code, _)| *code).collect());

/// The official WXBizDataCrypt number of a code, where one exists.
pub fn documented_wx_err_code(code: &str) -> Option<i32> {
    ENGINE_ERRORS
        .iter()
        .find(|(c, _)| *c == code)
        .and_then(|(_, wx)| *wx)
}

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
