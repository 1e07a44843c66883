//! The shared vectors file, tests/vectors/api-security.json (also read by
//! tests/js/security-engine.test.mjs).
#![allow(dead_code)]
// Test support: a broken vectors file should stop the tests loudly.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use base64::Engine;
use serde_json::Value;

pub fn vectors() -> Value {
    let text = include_str!("../../../tests/vectors/api-security.json");
    serde_json::from_str(text).expect("api-security.json parses")
}

pub fn b64(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().expect("a string"))
        .expect("base64")
}

pub fn hex(v: &Value) -> Vec<u8> {
    let s = v.as_str().expect("a string");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

pub fn str(v: &Value) -> &str {
    v.as_str().expect("a string")
}
