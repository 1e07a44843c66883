//! Arbitrary key / encryptedData / iv strings and options through
//! `decrypt_data` and `decrypt_phone`: never a panic, every error typed, the
//! input checks exactly as the strict-decoder model predicts, and the two
//! functions consistent with each other.
//!
//! Input: `key 0xFF data 0xFF iv 0xFF appId 0xFF maxAgeSeconds 0xFF now`
//! (appId absent = no check; the numbers in decimal, absent or unparsable = none).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wx_open_data::{decrypt_data, decrypt_phone, DecryptOptions};
use wx_open_data_fuzz::{check_typed, expected_input_error, fields};

fuzz_target!(|data: &[u8]| {
    let f = fields(data, 6);
    let [key, enc, iv, app_id, max_age, now] = [0, 1, 2, 3, 4, 5].map(|i| f[i].clone());
    let (key, enc, iv) = (
        key.unwrap_or_default(),
        enc.unwrap_or_default(),
        iv.unwrap_or_default(),
    );
    let options = DecryptOptions {
        app_id: app_id.as_deref(),
        max_age_seconds: max_age.and_then(|s| s.trim().parse().ok()),
        // A fixed clock when none is given, so runs are reproducible.
        now: Some(
            now.and_then(|s| s.trim().parse().ok())
                .unwrap_or(1_477_314_187),
        ),
    };
    let expected = expected_input_error(&key, &enc, &iv);

    let all = decrypt_data(&key, &enc, &iv, &options);
    let phone = decrypt_phone(&key, &enc, &iv, &options);
    for err in [all.as_ref().err(), phone.as_ref().err()]
        .into_iter()
        .flatten()
    {
        check_typed(err);
        if let Some(code) = expected {
            assert_eq!(err.code(), code);
        } else {
            assert!(!err.code().starts_with("INVALID_"), "{}", err.code());
        }
    }
    if expected.is_some() {
        assert!(all.is_err() && phone.is_err());
    }
    // Phone data is open data: whatever decrypt_phone accepts, decrypt_data
    // accepts with the same options, and it is the same JSON.
    if let Ok(info) = &phone {
        let all = all
            .as_ref()
            .expect("decrypt_data accepts what decrypt_phone accepts");
        let value: serde_json::Value = serde_json::from_str(all.json()).expect("valid JSON");
        assert_eq!(
            value["phoneNumber"].as_str(),
            Some(info.phone_number.as_str())
        );
        assert_eq!(
            value["watermark"]["appid"].as_str(),
            Some(info.watermark.appid.as_str())
        );
    }
    // A decryption failure is a property of key + iv + data, not of the options.
    let failed =
        |r: Result<(), wx_open_data::Error>| r.is_err_and(|e| e.code() == "DECRYPT_FAILED");
    assert_eq!(failed(all.map(|_| ())), failed(phone.map(|_| ())));
});
