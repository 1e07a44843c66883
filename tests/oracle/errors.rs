//! The error model shared by the property tests (tests/properties.rs) and the
//! fuzz targets (fuzz/src/lib.rs), written from the README rather than from
//! src/: the documented codes, their official WeChat numbers, and which code
//! the input checks must give. Include it next to `base64_oracle`.

use super::base64_oracle::strict_after_repair;

/// The codes the README documents, written out here (not `Error::CODES`) so a
/// code added or renamed in src/ without updating the docs fails the checks.
pub const DOCUMENTED_CODES: [&str; 9] = [
    "INVALID_ARGUMENT",
    "INVALID_SESSION_KEY",
    "INVALID_IV",
    "INVALID_ENCRYPTED_DATA",
    "DECRYPT_FAILED",
    "NOT_PHONE_DATA",
    "APPID_MISMATCH",
    "EXPIRED",
    "RANDOM_UNAVAILABLE",
];

/// The official WXBizDataCrypt number of a code, where one exists.
pub fn documented_wx_err_code(code: &str) -> Option<i32> {
    match code {
        "INVALID_SESSION_KEY" => Some(-41001),
        "INVALID_IV" => Some(-41002),
        "DECRYPT_FAILED" => Some(-41003),
        "INVALID_ENCRYPTED_DATA" => Some(-41004),
        _ => None,
    }
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
