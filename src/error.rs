//! The one error type of the crate.
//!
//! Every failure maps to exactly one [`Error`] variant, and every variant has a
//! stable string [`code`](Error::code) that callers can match on (messages may be
//! improved between releases; codes never change). Where WeChat's official
//! sample defines a numeric error code, [`wx_err_code`](Error::wx_err_code)
//! returns it so that existing dashboards keep working.
//!
//! Messages name the likely fix and never contain key material, the IV, the
//! ciphertext or the plaintext: they end up in logs.

use core::fmt;

/// Why an operation failed. See [`Error::code`] for the stable identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// An argument has the wrong type or an option is unknown / malformed.
    /// The `&'static str` names the argument and what was expected.
    InvalidArgument(&'static str),
    /// `session_key` is not base64 of exactly 16 bytes.
    InvalidSessionKey {
        /// Bytes the input decoded to, or `None` when it was not base64 at all.
        decoded_len: Option<usize>,
    },
    /// `iv` is not base64 of exactly 16 bytes.
    InvalidIv {
        /// Bytes the input decoded to, or `None` when it was not base64 at all.
        decoded_len: Option<usize>,
    },
    /// `encryptedData` is not base64, is empty, is not a whole number of AES
    /// blocks, or exceeds [`MAX_ENCRYPTED_LEN`](crate::MAX_ENCRYPTED_LEN).
    InvalidEncryptedData(EncryptedDataProblem),
    /// The ciphertext did not decrypt to valid PKCS#7-padded UTF-8 JSON.
    ///
    /// Deliberately carries no detail: telling bad padding apart from bad
    /// UTF-8 or bad JSON would give an attacker a CBC padding oracle.
    DecryptFailed,
    /// The data decrypted, but it is not a getPhoneNumber payload (for
    /// example userInfo was passed to `decrypt_phone`).
    NotPhoneData,
    /// The watermark's appid is not the expected one, or there is no watermark
    /// to check.
    AppIdMismatch,
    /// The watermark timestamp is older than `max_age_seconds`, lies too far in
    /// the future, or is missing while an age check was asked for.
    Expired,
    /// The platform has no secure random source (encryption needs one for the IV).
    RandomUnavailable,
}

/// What exactly is wrong with `encryptedData` (none of it is secret: it is
/// about the shape of the input, not its content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncryptedDataProblem {
    /// Not base64 even after the transport repairs.
    NotBase64,
    /// Decodes to zero bytes.
    Empty,
    /// Decoded length is not a multiple of the 16-byte AES block.
    NotBlockAligned(usize),
    /// Larger than [`MAX_ENCRYPTED_LEN`](crate::MAX_ENCRYPTED_LEN); rejected before decoding.
    TooLarge,
    /// Not base64 because it is still URL-encoded: it holds `%2B`, `%2F` or
    /// `%3D` where `+`, `/` or `=` belongs (encoded once more than decoded).
    UrlEncoded,
}

impl Error {
    /// Every code [`Error::code`] can return, in declaration order.
    pub const CODES: [&'static str; 9] = [
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

    /// The stable, machine-readable identifier of this failure.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidArgument(_) => "INVALID_ARGUMENT",
            Error::InvalidSessionKey { .. } => "INVALID_SESSION_KEY",
            Error::InvalidIv { .. } => "INVALID_IV",
            Error::InvalidEncryptedData(_) => "INVALID_ENCRYPTED_DATA",
            Error::DecryptFailed => "DECRYPT_FAILED",
            Error::NotPhoneData => "NOT_PHONE_DATA",
            Error::AppIdMismatch => "APPID_MISMATCH",
            Error::Expired => "EXPIRED",
            Error::RandomUnavailable => "RANDOM_UNAVAILABLE",
        }
    }

    /// The engine's numeric status for this error: its `status` in
    /// src/vocabulary.json, what the wasm ABI returns (the unit test
    /// `matches_the_vocabulary` below checks the two against each other).
    #[cfg_attr(
        not(all(target_arch = "wasm32", target_os = "unknown")),
        allow(dead_code)
    )]
    pub(crate) fn status(&self) -> u32 {
        match self {
            Error::InvalidArgument(_) => 1,
            Error::InvalidSessionKey { .. } => 2,
            Error::InvalidIv { .. } => 3,
            Error::InvalidEncryptedData(_) => 4,
            Error::DecryptFailed => 5,
            Error::NotPhoneData => 6,
            Error::AppIdMismatch => 7,
            Error::Expired => 8,
            Error::RandomUnavailable => 9,
        }
    }

    /// The numeric code of WeChat's official `WXBizDataCrypt` samples, where
    /// one exists (`-41001` illegal AES key, `-41002` illegal IV, `-41003` AES
    /// decryption failed, `-41004` illegal buffer).
    pub fn wx_err_code(&self) -> Option<i32> {
        match self {
            Error::InvalidSessionKey { .. } => Some(-41001),
            Error::InvalidIv { .. } => Some(-41002),
            Error::DecryptFailed => Some(-41003),
            Error::InvalidEncryptedData(_) => Some(-41004),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn got(f: &mut fmt::Formatter<'_>, len: Option<usize>) -> fmt::Result {
            match len {
                Some(n) => write!(f, " (it decodes to {n} bytes)"),
                None => f.write_str(" (it is not base64)"),
            }
        }
        match self {
            Error::InvalidArgument(what) => {
                f.write_str("invalid argument: ")?;
                f.write_str(what)
            }
            Error::InvalidSessionKey { decoded_len } => {
                f.write_str(
                    "sessionKey must be the base64 session_key from jscode2session, \
                     16 bytes (24 characters)",
                )?;
                got(f, *decoded_len)
            }
            Error::InvalidIv { decoded_len } => {
                f.write_str(
                    "iv must be the base64 iv WeChat returned with encryptedData, \
                     16 bytes (24 characters)",
                )?;
                got(f, *decoded_len)
            }
            Error::InvalidEncryptedData(problem) => {
                f.write_str("encryptedData ")?;
                match problem {
                    EncryptedDataProblem::NotBase64 => f.write_str(
                        "is not base64; pass the string from the getPhoneNumber / getUserInfo \
                         callback unchanged (send it as JSON, or URL-encode it in transit and \
                         decode it once on arrival)",
                    ),
                    EncryptedDataProblem::UrlEncoded => f.write_str(
                        "is still URL-encoded (it contains %2B, %2F or %3D): decode it once \
                         with decodeURIComponent before passing it",
                    ),
                    EncryptedDataProblem::Empty => f.write_str("is empty"),
                    EncryptedDataProblem::NotBlockAligned(n) => write!(
                        f,
                        "decodes to {n} bytes, not a multiple of 16: it was probably truncated \
                         in transit"
                    ),
                    EncryptedDataProblem::TooLarge => write!(
                        f,
                        "is larger than {} bytes; WeChat open data is a few KB",
                        crate::MAX_ENCRYPTED_LEN
                    ),
                }
            }
            Error::DecryptFailed => f.write_str(
                "decryption failed: the session_key is most likely not the one that encrypted \
                 this data (wx.login was called again after the tap, or before the server \
                 stored the new session_key), or the iv belongs to another request",
            ),
            Error::NotPhoneData => f.write_str(
                "the data decrypted but is not getPhoneNumber data (phoneNumber, \
                 purePhoneNumber, countryCode, watermark); use decryptData for other open data",
            ),
            Error::AppIdMismatch => f.write_str(
                "the watermark appid is not the expected appId: this data was encrypted for \
                 another Mini Program (or carries no watermark)",
            ),
            Error::Expired => f.write_str(
                "the watermark timestamp is outside the allowed age (maxAgeSeconds), \
                 or missing: ask the user to tap again",
            ),
            Error::RandomUnavailable => f.write_str(
                "no secure random source: globalThis.crypto.getRandomValues is missing \
                 (needed for a fresh iv)",
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Shorthand used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant.
    const ALL: [Error; 9] = [
        Error::InvalidArgument("x"),
        Error::InvalidSessionKey { decoded_len: None },
        Error::InvalidIv { decoded_len: None },
        Error::InvalidEncryptedData(EncryptedDataProblem::Empty),
        Error::DecryptFailed,
        Error::NotPhoneData,
        Error::AppIdMismatch,
        Error::Expired,
        Error::RandomUnavailable,
    ];

    /// src/vocabulary.json is the single source of the codes, their engine
    /// status and WXBizDataCrypt number; the enum must say the same, and
    /// `CODES` must list exactly the codes `code()` returns.
    #[test]
    fn matches_the_vocabulary() {
        let vocabulary: serde_json::Value =
            serde_json::from_str(include_str!("vocabulary.json")).expect("vocabulary.json is JSON");
        let rows = vocabulary["errors"].as_array().expect("errors");
        let engine_rows: Vec<_> = rows
            .iter()
            .filter(|row| row["source"] == "engine")
            .collect();
        assert_eq!(engine_rows.len(), ALL.len());
        for (error, row) in ALL.iter().zip(engine_rows) {
            assert_eq!(row["code"], error.code(), "{error:?}");
            assert_eq!(row["status"], error.status(), "{error:?}");
            assert_eq!(
                row["wxErrCode"].as_i64(),
                error.wx_err_code().map(i64::from),
                "{error:?}"
            );
        }
        assert_eq!(Error::CODES.to_vec(), ALL.map(|e| e.code()).to_vec());
    }
}
