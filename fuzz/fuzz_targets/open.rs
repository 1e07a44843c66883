//! The public entry points on arbitrary text: the fuzz input is split into
//! session key, iv, encryptedData and appId, passed to `decrypt_data` and
//! `decrypt_phone` (with the appId check when that field is present), and
//! every field is also read by `PhoneInfo::from_json`. Never a panic; every
//! error typed and as the input model predicts (fuzz/src/lib.rs); and an
//! acceptance is only ever of what the serde_json model accepts: open data
//! that is JSON within the nesting limit, and phone data whose shape
//! (string numbers, a safe-integer timestamp, a string appid, ...) and values
//! are the model's, with the expected appid when one was given.
//!
//! Input: `key 0xFF iv 0xFF encryptedData 0xFF appId` (appId absent or empty:
//! no check). Seeds: the vectors of tests/vectors/vectors.json
//! (`cargo run --example seeds`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wx_open_data::{decrypt_data, decrypt_phone, DecryptOptions, PhoneInfo};
use wx_open_data_fuzz::{
    assert_same_phone, check_typed, expected_input_error, fields, model, Model,
};

fuzz_target!(|data: &[u8]| {
    let f = fields(data, 4);
    let [key, iv, enc, app_id] = [0, 1, 2, 3].map(|i| f[i].clone().unwrap_or_default());
    let options = DecryptOptions {
        app_id: Some(app_id.as_str()).filter(|a| !a.is_empty()),
        // No age check: the clock is not an input here (json_shape and
        // decrypt fuzz the age rule with a fixed `now`).
        max_age_seconds: None,
        now: None,
    };

    // Every field as received JSON (the code route's phone_info).
    for text in [&key, &iv, &enc, &app_id] {
        let got = PhoneInfo::from_json(text);
        match model(text.as_bytes()) {
            Model::Json(Some(phone)) => {
                assert_same_phone(got.as_ref().expect("phone shape refused"), &phone)
            }
            Model::Json(None) | Model::NotJson => {
                assert_eq!(got, None, "from_json accepted {text:?}")
            }
            Model::Opaque => {}
        }
    }

    let all = decrypt_data(&key, &enc, &iv, &options);
    let phone = decrypt_phone(&key, &enc, &iv, &options);
    let expected = expected_input_error(&key, &enc, &iv);
    for err in [all.as_ref().err(), phone.as_ref().err()]
        .into_iter()
        .flatten()
    {
        check_typed(err);
        match expected {
            Some(code) => assert_eq!(err.code(), code),
            None => assert!(!err.code().starts_with("INVALID_"), "{}", err.code()),
        }
    }

    // Accepted open data is JSON to serde_json too, within the nesting limit,
    // and carries the expected appid when one was asked for.
    if let Ok(data) = &all {
        let seen = model(data.json().as_bytes());
        assert!(seen.is_json(), "decrypt_data accepted what is not JSON");
        if let Some(app_id) = options.app_id {
            assert_eq!(
                data.watermark().map(|w| w.appid.clone()).as_deref(),
                Some(app_id)
            );
        }
    }
    // Accepted phone data: decrypt_data accepts the same inputs, and the text
    // has the phone shape with exactly the values returned.
    if let Ok(info) = &phone {
        let data = all
            .as_ref()
            .expect("decrypt_data accepts what decrypt_phone accepts");
        match model(data.json().as_bytes()) {
            Model::Json(Some(shape)) => assert_same_phone(info, &shape),
            Model::Opaque => assert_eq!(PhoneInfo::from_json(data.json()).as_ref(), Some(info)),
            other => panic!("decrypt_phone accepted text the model reads as {other:?}"),
        }
        if let Some(app_id) = options.app_id {
            assert_eq!(info.watermark.appid, app_id);
        }
    }
    // The converse: decrypted text with the phone shape is phone data, unless
    // the appid check refused it.
    if let Ok(data) = &all {
        if let Model::Json(Some(shape)) = model(data.json().as_bytes()) {
            match &phone {
                Ok(info) => assert_same_phone(info, &shape),
                Err(e) => panic!("decrypt_phone refused phone data: {}", e.code()),
            }
        }
    }
    // A decryption failure is a property of key + iv + data, not of the shape.
    let failed =
        |r: Result<(), wx_open_data::Error>| r.is_err_and(|e| e.code() == "DECRYPT_FAILED");
    assert_eq!(failed(all.map(|_| ())), failed(phone.map(|_| ())));
});
