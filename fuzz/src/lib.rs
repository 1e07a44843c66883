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

/// The deepest nesting of arrays and objects the engine accepts (`MAX_DEPTH`
/// in src/json.rs, private there); deeper JSON is refused like any other
/// text that is not open data.
pub const MAX_DEPTH: usize = 64;

/// A getPhoneNumber payload as the model reads it with serde_json.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPhone {
    pub phone_number: String,
    pub pure_phone_number: String,
    /// The string, or the integer's token exactly as written (`86`).
    pub country_code: String,
    pub timestamp: u64,
    pub appid: String,
}

/// What the model makes of a decrypted (or received) text: serde_json's
/// view, written without src/json.rs, against which the fuzz targets check
/// the engine's scanner and phone rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Model {
    /// Not UTF-8 JSON (serde_json), or nested deeper than [`MAX_DEPTH`]: the
    /// engine must refuse it (DECRYPT_FAILED after decryption, `None` from
    /// `PhoneInfo::from_json`).
    NotJson,
    /// JSON that serde_json cannot build a `Value` of (a lone surrogate
    /// escape, which `JSON.parse` keeps): accepted as JSON, but its shape is
    /// not modelled.
    Opaque,
    /// JSON; `Some` exactly when it has the phone shape.
    Json(Option<ModelPhone>),
}

impl Model {
    /// Whether the engine must accept the text as JSON.
    pub fn is_json(&self) -> bool {
        !matches!(self, Model::NotJson)
    }
}

/// The deepest nesting of arrays and objects in a text serde_json accepted
/// (brackets inside strings do not count).
fn depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A number token that is a JavaScript safe integer: digits only (no sign,
/// fraction or exponent), at most 2^53 - 1. `token` is the text as written
/// (serde_json's `arbitrary_precision` keeps it).
pub fn safe_integer(token: &str) -> Option<u64> {
    if token.is_empty() || token.len() > 16 || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse::<u64>().ok().filter(|n| *n < 1 << 53)
}

/// The phone shape, on serde_json's `Value` (last of duplicate keys, as
/// `JSON.parse` keeps): an object (never an array, whatever its elements)
/// with string `phoneNumber` and `purePhoneNumber`, a `countryCode` string
/// or safe integer, and a `watermark` object with a safe-integer
/// `timestamp` and a string `appid`. Other members are ignored.
pub fn phone_shape(v: &serde_json::Value) -> Option<ModelPhone> {
    use serde_json::Value;
    let object = v.as_object()?;
    let string = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let country_code = match object.get("countryCode")? {
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            let token = n.to_string();
            safe_integer(&token)?;
            token
        }
        _ => return None,
    };
    let watermark = object.get("watermark")?.as_object()?;
    let timestamp = match watermark.get("timestamp")? {
        Value::Number(n) => safe_integer(&n.to_string())?,
        _ => return None,
    };
    Some(ModelPhone {
        phone_number: string(object.get("phoneNumber"))?,
        pure_phone_number: string(object.get("purePhoneNumber"))?,
        country_code,
        timestamp,
        appid: string(watermark.get("appid"))?,
    })
}

/// The model's verdict on `bytes` as decrypted text.
pub fn model(bytes: &[u8]) -> Model {
    let Ok(text) = core::str::from_utf8(bytes) else {
        return Model::NotJson;
    };
    // `IgnoredAny`: syntax only, no depth limit and no number range, like
    // the engine's scanner and `JSON.parse`.
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() || depth(text) > MAX_DEPTH {
        return Model::NotJson;
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => Model::Json(phone_shape(&value)),
        Err(_) => Model::Opaque,
    }
}

/// The engine's `PhoneInfo` against the model's reading of the same text.
pub fn assert_same_phone(info: &wx_open_data::PhoneInfo, model: &ModelPhone) {
    assert_eq!(info.phone_number, model.phone_number);
    assert_eq!(info.pure_phone_number, model.pure_phone_number);
    assert_eq!(info.country_code, model.country_code);
    assert_eq!(info.watermark.timestamp, model.timestamp);
    assert_eq!(info.watermark.appid, model.appid);
}
