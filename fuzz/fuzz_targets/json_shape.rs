//! Arbitrary plaintext bytes, sealed under a fixed key and iv, then
//! `decrypt_data`, `decrypt_phone` and `PhoneInfo::from_json`: never a panic,
//! and each verdict exactly the model's (fuzz/src/lib.rs `model`, serde_json's
//! view): the plaintext is accepted exactly when it is UTF-8 JSON within the
//! nesting limit and comes back byte for byte; it is phone data exactly when
//! it is an object with the phone shape, read as the model reads it; the
//! watermark checks pass exactly when the model's appid and age do.
//!
//! Phone data is a JSON object, read by member name (src/json.rs): an array
//! of the same values in field order, such as
//! `["1","1","86",[1477314187,"wx…"]]` (seed `phone-as-array`), is not phone
//! data, and the model says so, so a regression to positional reading is a
//! crash here (and fails `phone_data_must_be_a_json_object` in
//! tests/properties.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wx_open_data::{
    decrypt_data, decrypt_phone, encrypt_data_with_iv, DecryptOptions, PhoneInfo,
    CLOCK_SKEW_SECONDS,
};
use wx_open_data_fuzz::{assert_same_phone, check_typed, model, Model};

const KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
const IV: [u8; 16] = *b"wx-open-data-fuz";
const APPID: &str = "wx4f4bc4dec97d474b";
const NOW: u64 = 1_477_314_187;
const MAX_AGE: u64 = 300;

fuzz_target!(|plain: &[u8]| {
    let Ok(sealed) = encrypt_data_with_iv(KEY, plain, &IV) else {
        // Only refused above the 1 MiB limit, which libFuzzer never reaches.
        panic!("encrypt refused {} bytes", plain.len());
    };
    let (enc, iv) = (sealed.encrypted_data.as_str(), sealed.iv.as_str());
    let model = model(plain);

    let all = decrypt_data(KEY, enc, iv, &DecryptOptions::default());
    match (model.is_json(), &all) {
        (true, Ok(data)) => assert_eq!(data.json().as_bytes(), plain),
        (false, Err(e)) => assert_eq!(e.code(), "DECRYPT_FAILED"),
        (is_json, got) => panic!(
            "model: JSON {is_json}; decrypt_data: {:?}",
            got.as_ref().map(|d| d.json())
        ),
    }

    // The same rules on the text itself (the code route's phone_info).
    let from_json = core::str::from_utf8(plain)
        .ok()
        .and_then(PhoneInfo::from_json);
    let expected = match &model {
        Model::Json(phone) => phone.as_ref(),
        Model::NotJson => {
            assert_eq!(from_json, None, "from_json accepted what is not JSON");
            None
        }
        // Not modelled: only that an acceptance is phone data the engine agrees on.
        Model::Opaque => None,
    };
    if let Model::Json(_) = model {
        assert_eq!(
            from_json.is_some(),
            expected.is_some(),
            "from_json vs the phone shape"
        );
    }
    if let (Some(info), Some(phone)) = (&from_json, expected) {
        assert_same_phone(info, phone);
    }

    for options in [
        DecryptOptions::default(),
        DecryptOptions {
            app_id: Some(APPID),
            max_age_seconds: Some(MAX_AGE),
            now: Some(NOW),
        },
    ] {
        let result = decrypt_phone(KEY, enc, iv, &options);
        if let Err(e) = &result {
            check_typed(e);
        }
        // Same text, same rules: decrypt_phone is decryption, then what
        // from_json does, then the watermark checks.
        match (&result, &from_json) {
            (Ok(info), Some(same)) => assert_eq!(info, same),
            (Ok(_), None) => panic!("decrypt_phone accepted what from_json refuses"),
            (Err(e), Some(_)) if !options.checks_watermark() => {
                panic!(
                    "decrypt_phone refused ({}) what from_json accepts",
                    e.code()
                )
            }
            _ => {}
        }
        let verdict = match (&model, expected) {
            (Model::NotJson, _) => Err("DECRYPT_FAILED"),
            (Model::Opaque, _) => match &result {
                // Accepted: the checks asked for must hold on what came back.
                Ok(info) => {
                    if options.app_id.is_some() {
                        assert_eq!(info.watermark.appid, APPID);
                        let ts = info.watermark.timestamp;
                        assert!(ts + MAX_AGE >= NOW && ts <= NOW + CLOCK_SKEW_SECONDS);
                    }
                    continue;
                }
                Err(e) => {
                    let allowed = ["NOT_PHONE_DATA", "APPID_MISMATCH", "EXPIRED"];
                    assert!(allowed.contains(&e.code()), "{}", e.code());
                    continue;
                }
            },
            (Model::Json(_), None) => Err("NOT_PHONE_DATA"),
            (Model::Json(_), Some(phone)) => {
                if options.app_id.is_some_and(|a| a != phone.appid) {
                    Err("APPID_MISMATCH")
                } else if options.max_age_seconds.is_some()
                    && (phone.timestamp > NOW + CLOCK_SKEW_SECONDS
                        || NOW.saturating_sub(phone.timestamp) > MAX_AGE)
                {
                    Err("EXPIRED")
                } else {
                    Ok(phone)
                }
            }
        };
        match (verdict, &result) {
            (Ok(phone), Ok(info)) => assert_same_phone(info, phone),
            (Err(code), Err(e)) => assert_eq!(e.code(), code),
            (verdict, result) => panic!(
                "model {verdict:?}, decrypt_phone {:?}",
                result.as_ref().map_err(|e| e.code())
            ),
        }
    }
});
