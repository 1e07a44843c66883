//! The encrypted test vectors of tests/vectors/vectors.json, as Rust values.
//!
//! The JSON is written by tests/vectors/generate.mjs with node:crypto
//! (OpenSSL AES-128-CBC, PKCS#7), independent of the RustCrypto crates under
//! test, and read by every suite that needs real ciphertexts: the Rust tests
//! (tests/core.rs, tests/tamper.rs), the wasm-bindgen tests (src/abi_tests.rs
//! includes this file with `#[path]`), the fuzz seed generator
//! (fuzz/examples/seeds.rs) and the JS suite (tests/js/vectors.test.mjs).
//! `make vectors-check` regenerates the JSON and diffs it with the committed
//! file.
//!
//! Parsed with `serde_json::Value` only (no derive), so the file also builds in
//! the fuzz crate, whose `serde` has no derive feature of its own.
#![allow(clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::sync::LazyLock;

/// The expected result of `decrypt_phone`, where the case is phone data.
pub struct Phone {
    pub phone_number: &'static str,
    pub pure_phone_number: &'static str,
    pub country_code: &'static str,
    pub timestamp: u64,
    pub appid: &'static str,
}

/// One encrypted payload and what it decrypts to.
pub struct Vector {
    pub name: &'static str,
    pub session_key: &'static str,
    pub iv: &'static str,
    pub encrypted_data: &'static str,
    /// The exact plaintext JSON.
    pub plaintext: &'static str,
    /// `None`: not phone data (`decrypt_phone` must say NOT_PHONE_DATA).
    pub phone: Option<Phone>,
}

/// The AppID in every case's watermark (`appId` of the JSON; the loader
/// checks that they agree).
pub const APPID: &str = "wx4f4bc4dec97d474b";

/// Every case, in file order: iterate (`for v in VECTORS`), index
/// (`VECTORS[0]`) or use any slice method (`VECTORS.iter()`). A `Copy` handle
/// to a lazily parsed list, so that all of those work on a `static` and yield
/// `&'static Vector`.
#[derive(Clone, Copy)]
pub struct Vectors;

/// The cases of tests/vectors/vectors.json.
pub static VECTORS: Vectors = Vectors;

static PARSED: LazyLock<Vec<Vector>> =
    LazyLock::new(|| parse(include_str!("../vectors/vectors.json")));

/// The text of a string member, kept for the life of the test process.
fn text(value: &serde_json::Value, what: &str) -> &'static str {
    let s = value
        .as_str()
        .unwrap_or_else(|| panic!("vectors.json: {what} is not a string"));
    Box::leak(s.to_owned().into_boxed_str())
}

fn parse(json: &str) -> Vec<Vector> {
    let file: serde_json::Value = serde_json::from_str(json).expect("vectors.json is JSON");
    assert_eq!(file["appId"], APPID, "vectors.json: appId");
    let cases = file["cases"].as_array().expect("vectors.json: cases");
    assert!(!cases.is_empty(), "vectors.json: no cases");
    cases
        .iter()
        .map(|case| {
            let name = text(&case["name"], "name");
            let phone = match &case["phone"] {
                serde_json::Value::Null => None,
                phone => Some(Phone {
                    phone_number: text(&phone["phoneNumber"], "phone.phoneNumber"),
                    pure_phone_number: text(&phone["purePhoneNumber"], "phone.purePhoneNumber"),
                    country_code: text(&phone["countryCode"], "phone.countryCode"),
                    timestamp: phone["watermark"]["timestamp"]
                        .as_u64()
                        .unwrap_or_else(|| panic!("vectors.json: {name}: timestamp")),
                    appid: text(&phone["watermark"]["appid"], "phone.watermark.appid"),
                }),
            };
            Vector {
                name,
                session_key: text(&case["sessionKey"], "sessionKey"),
                iv: text(&case["iv"], "iv"),
                encrypted_data: text(&case["encryptedData"], "encryptedData"),
                plaintext: text(&case["plaintext"], "plaintext"),
                phone,
            }
        })
        .collect()
}

impl core::ops::Deref for Vectors {
    type Target = [Vector];

    fn deref(&self) -> &[Vector] {
        all()
    }
}

impl IntoIterator for Vectors {
    type Item = &'static Vector;
    type IntoIter = core::slice::Iter<'static, Vector>;

    fn into_iter(self) -> Self::IntoIter {
        all().iter()
    }
}

fn all() -> &'static [Vector] {
    PARSED.as_slice()
}
