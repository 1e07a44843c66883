//! Arbitrary plaintext bytes, sealed under a fixed key and iv, then
//! `decrypt_data` and `decrypt_phone`: never a panic; the plaintext is
//! accepted exactly when it is UTF-8 JSON (serde_json's view), comes back
//! byte for byte, and an accepted phone payload says what the JSON says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;
use serde_json::Value;
use wx_open_data::{decrypt_data, decrypt_phone, encrypt_data_with_iv, DecryptOptions};
use wx_open_data_fuzz::check_typed;

const KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
const IV: [u8; 16] = *b"wx-open-data-fuz";
const APPID: &str = "wx4f4bc4dec97d474b";
const NOW: u64 = 1_477_314_187;

/// A field of a JSON struct. Natively, serde's derived `Deserialize` also
/// accepts a struct as an array of its fields in declaration order, so
/// `["1","1","86",[1477314187,"wx…"]]` passes `decrypt_phone` (reported: the
/// wasm binding reads the fields by name and rejects it; see the ignored test
/// `phone_data_must_be_a_json_object` in tests/properties.rs). The model
/// accepts both forms so that the fuzzer keeps looking for other bugs.
fn field<'v>(v: &'v Value, name: &str, index: usize) -> &'v Value {
    if v.is_array() {
        &v[index]
    } else {
        &v[name]
    }
}

fuzz_target!(|plain: &[u8]| {
    let Ok(sealed) = encrypt_data_with_iv(KEY, plain, &IV) else {
        // Only refused above the 1 MiB limit, which libFuzzer never reaches.
        panic!("encrypt refused {} bytes", plain.len());
    };
    let (enc, iv) = (sealed.encrypted_data.as_str(), sealed.iv.as_str());
    let text = core::str::from_utf8(plain).ok();
    // JSON validity as serde_json sees it, without a depth limit (the crate
    // checks syntax only; `Value` would stop at 128 levels of nesting).
    let is_json = text.is_some_and(|t| serde_json::from_str::<IgnoredAny>(t).is_ok());
    let serde_view: Option<Value> = text.and_then(|t| serde_json::from_str(t).ok());

    let all = decrypt_data(KEY, enc, iv, &DecryptOptions::default());
    match (is_json, &all) {
        (true, Ok(data)) => assert_eq!(data.json().as_bytes(), plain),
        (false, Err(e)) => assert_eq!(e.code(), "DECRYPT_FAILED"),
        (is_json, got) => panic!(
            "serde_json: JSON {is_json}; decrypt_data: {:?}",
            got.as_ref().map(|d| d.json())
        ),
    }

    for options in [
        DecryptOptions::default(),
        DecryptOptions {
            app_id: Some(APPID),
            max_age_seconds: Some(300),
            now: Some(NOW),
        },
    ] {
        match decrypt_phone(KEY, enc, iv, &options) {
            Ok(info) => {
                assert!(is_json, "decrypt_phone accepted what is not JSON");
                // Too deep for `Value` (an ignored extra field): nothing to compare.
                let Some(v) = serde_view.as_ref() else {
                    continue;
                };
                assert_eq!(
                    field(v, "phoneNumber", 0).as_str(),
                    Some(info.phone_number.as_str())
                );
                assert_eq!(
                    field(v, "purePhoneNumber", 1).as_str(),
                    Some(info.pure_phone_number.as_str())
                );
                let country = match field(v, "countryCode", 2) {
                    Value::String(s) => s.clone(),
                    Value::Number(n) if n.is_u64() => n.to_string(),
                    other => panic!("countryCode {other} accepted"),
                };
                assert_eq!(country, info.country_code);
                let wm = field(v, "watermark", 3);
                assert_eq!(
                    field(wm, "timestamp", 0).as_u64(),
                    Some(info.watermark.timestamp)
                );
                assert_eq!(
                    field(wm, "appid", 1).as_str(),
                    Some(info.watermark.appid.as_str())
                );
                if let Some(app_id) = options.app_id {
                    assert_eq!(info.watermark.appid, app_id);
                    assert!(
                        info.watermark.timestamp + 300 >= NOW
                            && info.watermark.timestamp <= NOW + 60
                    );
                }
            }
            Err(e) => {
                check_typed(&e);
                let allowed: &[&str] = if is_json {
                    &["NOT_PHONE_DATA", "APPID_MISMATCH", "EXPIRED"]
                } else {
                    &["DECRYPT_FAILED"]
                };
                assert!(allowed.contains(&e.code()), "{}", e.code());
            }
        }
    }
});
