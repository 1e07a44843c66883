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

use crate::generated::{self, detail, status};

/// Why an operation failed. See [`Error::code`] for the stable identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// An argument cannot be used; [`ArgumentProblem`] says why.
    InvalidArgument(ArgumentProblem),
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

/// What is wrong with an argument (none of it is secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArgumentProblem {
    /// The plaintext to encrypt would make a ciphertext larger than
    /// decryption accepts ([`MAX_ENCRYPTED_LEN`](crate::MAX_ENCRYPTED_LEN)).
    TooLargeToSeal,
    /// The data could not be encrypted (its buffers do not fit).
    NotEncrypted,
    /// The arguments of one call into the npm package's wasm engine do not
    /// fit its scratch buffer (never returned by the Rust API).
    TooLarge,
}

impl ArgumentProblem {
    /// Its detail number: the sub of the wasm ABI's status word, and the key
    /// of its sentence in src/vocabulary.json's `INVALID_ARGUMENT` details.
    pub(crate) fn detail(self) -> u32 {
        use detail::invalid_argument::*;
        match self {
            ArgumentProblem::TooLargeToSeal => TOO_LARGE_TO_SEAL,
            ArgumentProblem::NotEncrypted => NOT_ENCRYPTED,
            ArgumentProblem::TooLarge => TOO_LARGE,
        }
    }
}

impl Error {
    /// Every code [`Error::code`] can return, in declaration order (the
    /// engine's codes of src/vocabulary.json, by status).
    pub const CODES: [&'static str; 9] = generated::ERROR_CODES;

    /// The stable, machine-readable identifier of this failure.
    pub fn code(&self) -> &'static str {
        // Status n is CODES[n - 1] (build.rs checks the statuses are 1..n).
        Self::CODES
            .get(self.status() as usize - 1)
            .copied()
            .unwrap_or_default()
    }

    /// The engine's numeric status for this error: its `status` in
    /// src/vocabulary.json, what the wasm ABI returns.
    pub(crate) fn status(&self) -> u32 {
        match self {
            Error::InvalidArgument(_) => status::INVALID_ARGUMENT,
            Error::InvalidSessionKey { .. } => status::INVALID_SESSION_KEY,
            Error::InvalidIv { .. } => status::INVALID_IV,
            Error::InvalidEncryptedData(_) => status::INVALID_ENCRYPTED_DATA,
            Error::DecryptFailed => status::DECRYPT_FAILED,
            Error::NotPhoneData => status::NOT_PHONE_DATA,
            Error::AppIdMismatch => status::APPID_MISMATCH,
            Error::Expired => status::EXPIRED,
            Error::RandomUnavailable => status::RANDOM_UNAVAILABLE,
        }
    }

    /// The numeric code of WeChat's official `WXBizDataCrypt` samples, where
    /// one exists (`-41001` illegal AES key, `-41002` illegal IV, `-41003` AES
    /// decryption failed, `-41004` illegal buffer).
    pub fn wx_err_code(&self) -> Option<i32> {
        generated::wx_err_code(self.status())
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
            Error::InvalidArgument(problem) => {
                f.write_str(generated::INVALID_ARGUMENT_MESSAGE)?;
                f.write_str(generated::invalid_argument_detail(problem.detail()))
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

    /// Each variant names its code and WXBizDataCrypt number (both come
    /// from src/vocabulary.json through its status).
    #[test]
    fn codes_and_numbers() {
        let cases = [
            (
                Error::InvalidArgument(ArgumentProblem::NotEncrypted),
                "INVALID_ARGUMENT",
                None,
            ),
            (
                Error::InvalidSessionKey { decoded_len: None },
                "INVALID_SESSION_KEY",
                Some(-41001),
            ),
            (
                Error::InvalidIv { decoded_len: None },
                "INVALID_IV",
                Some(-41002),
            ),
            (
                Error::InvalidEncryptedData(EncryptedDataProblem::Empty),
                "INVALID_ENCRYPTED_DATA",
                Some(-41004),
            ),
            (Error::DecryptFailed, "DECRYPT_FAILED", Some(-41003)),
            (Error::NotPhoneData, "NOT_PHONE_DATA", None),
            (Error::AppIdMismatch, "APPID_MISMATCH", None),
            (Error::Expired, "EXPIRED", None),
            (Error::RandomUnavailable, "RANDOM_UNAVAILABLE", None),
        ];
        for (error, code, number) in cases {
            assert_eq!((error.code(), error.wx_err_code()), (code, number));
        }
        assert_eq!(Error::CODES.to_vec(), cases.map(|c| c.1).to_vec());
        assert_eq!(
            Error::InvalidArgument(ArgumentProblem::TooLargeToSeal).to_string(),
            "invalid argument: data is larger than decryption accepts (1 MiB of ciphertext)"
        );
    }
}
