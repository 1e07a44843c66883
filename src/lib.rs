//! Decrypt WeChat Mini Program open data: the phone number from
//! `getPhoneNumber`, `getUserInfo`, `getWeRunData`, share and group info.
//!
//! WeChat encrypts open data with AES-128-CBC and PKCS#7 padding; the key is
//! the user's `session_key` (from `jscode2session`), and the client receives
//! `encryptedData` and `iv`. All three are base64.
//!
//! ```
//! use wx_open_data::{decrypt_phone, encrypt_data, DecryptOptions};
//!
//! # let session_key = "tiihtNczf5v6AKRyjwEUhQ==";
//! # let sealed = encrypt_data(session_key, br#"{"phoneNumber":"13580006666","purePhoneNumber":"13580006666","countryCode":"86","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}"#).unwrap();
//! # let (encrypted_data, iv) = (sealed.encrypted_data.as_str(), sealed.iv.as_str());
//! let options = DecryptOptions { app_id: Some("wx4f4bc4dec97d474b"), ..Default::default() };
//! let phone = decrypt_phone(session_key, encrypted_data, iv, &options)?;
//! assert_eq!(phone.pure_phone_number, "13580006666");
//! # Ok::<(), wx_open_data::Error>(())
//! ```
//!
//! Every rule lives here, on bytes: the base64 repairs, AES-128-CBC with
//! constant-time unpadding, UTF-8, JSON syntax, the phone shape and the
//! watermark checks. The npm package `wx-open-data` is this crate compiled
//! to WebAssembly: its numeric ABI (`src/abi.rs`, wasm32 only) calls the same
//! functions Rust callers do.
//!
//! The public API is what this page lists: the functions and types at the
//! crate root and the [`base64`] decoder with WeChat's transport repairs.

pub mod base64;
mod cipher;
mod diagnose;
mod error;
/// Constants that build.rs generates from src/abi.json and
/// src/vocabulary.json (the ABI's numbers are used only on wasm32).
#[allow(dead_code)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}
mod json;
mod open_data;
mod signature;
// AES-128 by vector permutation for wasm SIMD128 (the request path's AES in
// the SIMD build, see src/cipher.rs). Public only so that tests/vpaes*.rs can
// reach it; hidden, not a stable API.
#[doc(hidden)]
pub mod vpaes;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod abi;
#[cfg(all(target_arch = "wasm32", target_os = "unknown", feature = "tools"))]
mod abi_diagnose;

pub use diagnose::{
    diagnose, AppIdText, Cause, DataKind, Detail, DiagnoseOptions, Diagnosis, SignatureCheck,
    Spaced,
};
pub use error::{ArgumentProblem, EncryptedDataProblem, Error, Result};
pub use open_data::{
    decrypt_data, decrypt_phone, decrypt_text, encrypt_data, encrypt_data_with_iv, DecryptOptions,
    EncryptedData, OpenData, PhoneInfo, Watermark, CLOCK_SKEW_SECONDS,
};
pub use signature::{sign, verify_signature};

/// Largest accepted ciphertext, in bytes (1 MiB). Real open data is a few KB;
/// anything bigger is rejected before it is decoded or decrypted.
pub const MAX_ENCRYPTED_LEN: usize = 1 << 20;

/// Largest accepted `encryptedData` text, in characters: the base64 of
/// [`MAX_ENCRYPTED_LEN`] bytes (1,398,104 characters) with room for line breaks.
pub const MAX_ENCRYPTED_BASE64_LEN: usize = MAX_ENCRYPTED_LEN * 3 / 2;
