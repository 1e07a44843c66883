//! The JS binding (src/wasm.rs) as JavaScript sees it, run by wasm-bindgen-test
//! in Node (`wasm-pack test --node`) and in headless Chromium
//! (`WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome`).
//! The core's own table (tests/core.rs) runs in both places too.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::vectors::{APPID, VECTORS};
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use wx_open_data::wasm;

fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &s(key)).unwrap()
}

fn options(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

/// The error a call threw: a real Error named WxOpenDataError; returns its code.
fn code_of(result: Result<JsValue, JsValue>) -> String {
    let error = result.expect_err("the call must fail");
    assert!(
        error.is_instance_of::<js_sys::Error>(),
        "not an Error: {error:?}"
    );
    assert_eq!(
        get(&error, "name").as_string().as_deref(),
        Some("WxOpenDataError")
    );
    assert!(wasm::is_wx_open_data_error(&error));
    get(&error, "code").as_string().unwrap()
}

/// A known-good call: after any error the instance must still give this.
fn still_works() {
    let v = &VECTORS[0];
    let phone = wasm::decrypt_phone(
        &s(v.session_key),
        &s(v.encrypted_data),
        &s(v.iv),
        &JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(
        get(&phone, "phoneNumber").as_string().as_deref(),
        v.phone.as_ref().map(|p| p.phone_number)
    );
}

#[wasm_bindgen_test]
fn decrypt_phone_returns_plain_objects() {
    let opts = options(&format!(
        r#"{{"appId":"{APPID}","maxAgeSeconds":315360000,"now":1700000100}}"#
    ));
    for v in VECTORS {
        let got = wasm::decrypt_phone(&s(v.session_key), &s(v.encrypted_data), &s(v.iv), &opts);
        match &v.phone {
            Some(want) => {
                let phone = got.unwrap_or_else(|e| panic!("{}: {e:?}", v.name));
                assert_eq!(
                    Object::get_prototype_of(&phone),
                    Object::get_prototype_of(&Object::new().into())
                );
                assert_eq!(
                    get(&phone, "phoneNumber").as_string().as_deref(),
                    Some(want.phone_number)
                );
                assert_eq!(
                    get(&phone, "purePhoneNumber").as_string().as_deref(),
                    Some(want.pure_phone_number)
                );
                assert_eq!(
                    get(&phone, "countryCode").as_string().as_deref(),
                    Some(want.country_code)
                );
                let watermark = get(&phone, "watermark");
                assert_eq!(
                    get(&watermark, "timestamp").as_f64(),
                    Some(want.timestamp as f64)
                );
                assert_eq!(
                    get(&watermark, "appid").as_string().as_deref(),
                    Some(want.appid)
                );
            }
            None => {
                let code = code_of(got);
                assert!(
                    code == "NOT_PHONE_DATA" || code == "EXPIRED",
                    "{}: {code}",
                    v.name
                );
            }
        }
    }
}

#[wasm_bindgen_test]
fn decrypt_data_equals_json_parse_of_the_plaintext() {
    for v in VECTORS {
        let data = wasm::decrypt_data(
            &s(v.session_key),
            &s(v.encrypted_data),
            &s(v.iv),
            &JsValue::NULL,
        )
        .unwrap();
        // Same JSON text after a round trip through JSON.stringify on both sides.
        let want = JSON::stringify(&JSON::parse(v.plaintext).unwrap()).unwrap();
        assert_eq!(JSON::stringify(&data).unwrap(), want, "{}", v.name);
    }
}

#[wasm_bindgen_test]
fn bad_arguments_get_typed_errors_and_the_instance_keeps_working() {
    let v = &VECTORS[0];
    let (k, d, i) = (s(v.session_key), s(v.encrypted_data), s(v.iv));
    let none = JsValue::UNDEFINED;
    let rows: Vec<(&str, Result<JsValue, JsValue>, &str)> = vec![
        (
            "key is a number",
            wasm::decrypt_phone(&JsValue::from_f64(1.0), &d, &i, &none),
            "INVALID_ARGUMENT",
        ),
        (
            "data is undefined",
            wasm::decrypt_phone(&k, &none, &i, &none),
            "INVALID_ARGUMENT",
        ),
        (
            "iv is an object",
            wasm::decrypt_phone(&k, &d, &Object::new(), &none),
            "INVALID_ARGUMENT",
        ),
        (
            "options is a string",
            wasm::decrypt_phone(&k, &d, &i, &s("wx")),
            "INVALID_ARGUMENT",
        ),
        (
            "options is an array",
            wasm::decrypt_phone(&k, &d, &i, &js_sys::Array::new()),
            "INVALID_ARGUMENT",
        ),
        (
            "options has a typo",
            wasm::decrypt_phone(&k, &d, &i, &options(r#"{"appid":"wx"}"#)),
            "INVALID_ARGUMENT",
        ),
        (
            "appId is a number",
            wasm::decrypt_phone(&k, &d, &i, &options(r#"{"appId":1}"#)),
            "INVALID_ARGUMENT",
        ),
        (
            "maxAgeSeconds negative",
            wasm::decrypt_phone(&k, &d, &i, &options(r#"{"maxAgeSeconds":-1}"#)),
            "INVALID_ARGUMENT",
        ),
        (
            "maxAgeSeconds fractional",
            wasm::decrypt_phone(&k, &d, &i, &options(r#"{"maxAgeSeconds":1.5}"#)),
            "INVALID_ARGUMENT",
        ),
        (
            "key too short",
            wasm::decrypt_phone(&s("AAAA"), &d, &i, &none),
            "INVALID_SESSION_KEY",
        ),
        (
            "iv not base64",
            wasm::decrypt_phone(&k, &d, &s("????????????????????????"), &none),
            "INVALID_IV",
        ),
        (
            "data oversize",
            wasm::decrypt_phone(&k, &s(&"A".repeat(2 << 20)), &i, &none),
            "INVALID_ENCRYPTED_DATA",
        ),
        (
            "stale key",
            wasm::decrypt_phone(&s(VECTORS[1].session_key), &d, &i, &none),
            "DECRYPT_FAILED",
        ),
        (
            "wrong appid",
            wasm::decrypt_phone(&k, &d, &i, &options(r#"{"appId":"wx0"}"#)),
            "APPID_MISMATCH",
        ),
        (
            "expired",
            wasm::decrypt_phone(
                &k,
                &d,
                &i,
                &options(r#"{"maxAgeSeconds":60,"now":1700000000}"#),
            ),
            "EXPIRED",
        ),
        (
            "encrypt non-object",
            wasm::encrypt_data(&k, &JsValue::from_f64(3.0)),
            "INVALID_ARGUMENT",
        ),
    ];
    for (name, result, want) in rows {
        assert_eq!(code_of(result), want, "{name}");
        still_works();
    }
}

#[wasm_bindgen_test]
fn a_throwing_getter_is_an_error_not_a_trap() {
    let v = &VECTORS[0];
    let throwing = js_sys::Function::new_no_args("throw new Error('boom')");
    let opts = Object::new();
    let descriptor = Object::new();
    Reflect::set(&descriptor, &s("get"), &throwing).unwrap();
    Reflect::set(&descriptor, &s("enumerable"), &JsValue::TRUE).unwrap();
    Object::define_property(&opts, &s("appId"), &descriptor);
    let result = wasm::decrypt_phone(&s(v.session_key), &s(v.encrypted_data), &s(v.iv), &opts);
    assert_eq!(code_of(result), "INVALID_ARGUMENT");
    still_works();
}

#[wasm_bindgen_test]
fn error_fields() {
    let v = &VECTORS[0];
    let error = wasm::decrypt_phone(
        &s(VECTORS[1].session_key),
        &s(v.encrypted_data),
        &s(v.iv),
        &JsValue::UNDEFINED,
    )
    .unwrap_err();
    assert_eq!(get(&error, "wxErrCode").as_f64(), Some(-41003.0));
    let message = get(&error, "message").as_string().unwrap();
    assert!(message.contains("session_key"), "{message}");
    for secret in [VECTORS[1].session_key, v.encrypted_data, v.iv] {
        assert!(!message.contains(secret));
    }
    let not_ours = js_sys::Error::new("x");
    assert!(!wasm::is_wx_open_data_error(&not_ours.into()));
    assert!(!wasm::is_wx_open_data_error(&s("WxOpenDataError")));
}

#[wasm_bindgen_test]
fn encrypt_round_trip_with_getrandom() {
    let v = &VECTORS[0];
    let a = wasm::encrypt_data(&s(v.session_key), &JSON::parse(v.plaintext).unwrap()).unwrap();
    let b = wasm::encrypt_data(&s(v.session_key), &s(v.plaintext)).unwrap();
    assert_ne!(get(&a, "iv").as_string(), get(&b, "iv").as_string());
    for sealed in [a, b] {
        let data = wasm::decrypt_data(
            &s(v.session_key),
            &get(&sealed, "encryptedData"),
            &get(&sealed, "iv"),
            &JsValue::UNDEFINED,
        )
        .unwrap();
        assert_eq!(
            get(&data, "phoneNumber").as_string().as_deref(),
            Some("13580006666")
        );
    }
}

#[wasm_bindgen_test]
fn verify_signature_and_drop_in_class() {
    let v = &VECTORS[0];
    let signature = wx_open_data::sign(v.plaintext, v.session_key);
    assert_eq!(
        wasm::verify_signature(&s(v.plaintext), &s(&signature), &s(v.session_key)),
        Ok(true)
    );
    assert_eq!(
        wasm::verify_signature(&s(v.plaintext), &s(&signature), &s(VECTORS[1].session_key)),
        Ok(false)
    );
    assert!(wasm::verify_signature(&JsValue::NULL, &s(&signature), &s(v.session_key)).is_err());

    let crypt = wasm::WxBizDataCrypt::new(&s(APPID), &s(v.session_key)).unwrap();
    let data = crypt.decrypt_data(&s(v.encrypted_data), &s(v.iv)).unwrap();
    assert_eq!(
        get(&data, "purePhoneNumber").as_string().as_deref(),
        Some("13580006666")
    );
    let other = wasm::WxBizDataCrypt::new(&s("wx0"), &s(v.session_key)).unwrap();
    assert_eq!(
        code_of(other.decrypt_data(&s(v.encrypted_data), &s(v.iv))),
        "APPID_MISMATCH"
    );
    assert!(wasm::WxBizDataCrypt::new(&s(APPID), &s("short")).is_err());
    let _ = JsValue::UNDEFINED.dyn_ref::<js_sys::Error>();
}
