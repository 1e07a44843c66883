//! The strict reply-envelope reader (security/src/envelope.rs) never panics,
//! and whatever it accepts, serde_json (an independent JSON parser) reads as
//! an object of exactly the members iv, data and authtag, strings whose
//! strict base64 decodings are the bytes returned, iv 12 and authtag 16.
#![no_main]

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use wx_open_data_security::envelope::{open_envelope, MAX_BODY};

fuzz_target!(|data: &[u8]| {
    let Some(e) = open_envelope(data) else { return };
    assert!(data.len() <= MAX_BODY);
    let value: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(data).expect("an accepted envelope is a JSON object");
    let mut keys: Vec<&str> = value.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["authtag", "data", "iv"]);
    let decode = |k: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(value[k].as_str().expect("a string member"))
            .expect("strict base64")
    };
    assert_eq!(decode("iv"), e.iv);
    assert_eq!(decode("authtag"), e.authtag);
    assert_eq!(decode("data"), e.data);
});
