//! The pure Rust core against the node:crypto vectors and the error table.
//! Runs natively (`cargo test`, also with the soft AES backend) and, compiled
//! to wasm, under `wasm-pack test --node` and `--headless --chrome`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::vectors::{Vector, APPID, VECTORS};
use wx_open_data::{
    decrypt_data, decrypt_phone, encrypt_data, encrypt_data_with_iv, sign, verify_signature,
    DecryptOptions, Error, MAX_ENCRYPTED_BASE64_LEN,
};

fn vector(name: &str) -> &'static Vector {
    VECTORS
        .iter()
        .find(|v| v.name == name)
        .expect("vector exists")
}

fn decode_iv(iv: &str) -> [u8; 16] {
    let bytes = wx_open_data::base64::decode(iv).unwrap();
    bytes.as_slice().try_into().unwrap()
}

const NOW: u64 = 1477314187 + 10;

/// One row of the error table: what is passed and the code that must come back.
struct Bad {
    name: &'static str,
    session_key: String,
    encrypted_data: String,
    iv: String,
    app_id: Option<&'static str>,
    max_age: Option<u64>,
    now: Option<u64>,
    phone: bool,
    code: &'static str,
}

fn bad_table() -> Vec<Bad> {
    let phone = vector("phone_cn");
    let other = vector("user_info_unicode_emoji");
    let no_wm = vector("exactly_one_block_full_padding");
    let ts = 1477314187;
    let row = |name, key: &str, data: &str, iv: &str, code| Bad {
        name,
        session_key: key.to_owned(),
        encrypted_data: data.to_owned(),
        iv: iv.to_owned(),
        app_id: None,
        max_age: None,
        now: Some(NOW),
        phone: true,
        code,
    };
    let (k, d, i) = (phone.session_key, phone.encrypted_data, phone.iv);
    let not_json = encrypt_data_with_iv(k, b"hello, not json", &[7; 16]).unwrap();
    let not_utf8 = encrypt_data_with_iv(k, b"{\"a\":\"\xff\xfe\"}", &[7; 16]).unwrap();
    vec![
        row(
            "key not base64",
            "!!!!!!!!!!!!!!!!!!!!!!!!",
            d,
            i,
            "INVALID_SESSION_KEY",
        ),
        row("key empty", "", d, i, "INVALID_SESSION_KEY"),
        row(
            "key 12 bytes",
            "AAAAAAAAAAAAAAAA",
            d,
            i,
            "INVALID_SESSION_KEY",
        ),
        row(
            "key 32 bytes (AES-256)",
            &"A".repeat(43),
            d,
            i,
            "INVALID_SESSION_KEY",
        ),
        row(
            "iv not base64",
            k,
            d,
            "r7BXXKkLb8qrSNn05n0qi*==",
            "INVALID_IV",
        ),
        row("iv 15 bytes", k, d, "AAAAAAAAAAAAAAAAAAAA", "INVALID_IV"),
        row("iv empty", k, d, "", "INVALID_IV"),
        row("data empty", k, "", i, "INVALID_ENCRYPTED_DATA"),
        row("data not base64", k, "%%%%", i, "INVALID_ENCRYPTED_DATA"),
        row(
            "data truncated mid-block",
            k,
            &d[..d.len() - 8],
            i,
            "INVALID_ENCRYPTED_DATA",
        ),
        row(
            "data oversize",
            k,
            &"A".repeat(MAX_ENCRYPTED_BASE64_LEN + 1),
            i,
            "INVALID_ENCRYPTED_DATA",
        ),
        row(
            "data one block short",
            k,
            &wx_open_data::base64::encode(&wx_open_data::base64::decode(d).unwrap()[..144]),
            i,
            "DECRYPT_FAILED",
        ),
        row(
            "key of another user (stale session_key)",
            other.session_key,
            d,
            i,
            "DECRYPT_FAILED",
        ),
        row("iv of another request", k, d, other.iv, "DECRYPT_FAILED"),
        row(
            "plaintext not JSON",
            k,
            &not_json.encrypted_data,
            &not_json.iv,
            "DECRYPT_FAILED",
        ),
        row(
            "plaintext not UTF-8",
            k,
            &not_utf8.encrypted_data,
            &not_utf8.iv,
            "DECRYPT_FAILED",
        ),
        row(
            "userInfo passed to decryptPhone",
            other.session_key,
            other.encrypted_data,
            other.iv,
            "NOT_PHONE_DATA",
        ),
        Bad {
            app_id: Some("wx0000000000000000"),
            ..row("appid of another Mini Program", k, d, i, "APPID_MISMATCH")
        },
        Bad {
            max_age: Some(9),
            ..row("older than maxAgeSeconds", k, d, i, "EXPIRED")
        },
        Bad {
            max_age: Some(300),
            now: Some(ts - 61),
            ..row("from the future beyond the skew", k, d, i, "EXPIRED")
        },
        Bad {
            phone: false,
            app_id: Some(APPID),
            ..row(
                "decryptData, appId check, no watermark",
                no_wm.session_key,
                no_wm.encrypted_data,
                no_wm.iv,
                "APPID_MISMATCH",
            )
        },
        Bad {
            phone: false,
            max_age: Some(300),
            ..row(
                "decryptData, age check, no watermark",
                no_wm.session_key,
                no_wm.encrypted_data,
                no_wm.iv,
                "EXPIRED",
            )
        },
        Bad {
            phone: false,
            ..row(
                "decryptData, plaintext not JSON",
                k,
                &not_json.encrypted_data,
                &not_json.iv,
                "DECRYPT_FAILED",
            )
        },
    ]
}

everywhere! {
    fn every_vector_decrypts_to_its_plaintext() {
        for v in VECTORS {
            let data = decrypt_data(v.session_key, v.encrypted_data, v.iv, &DecryptOptions::default())
                .unwrap_or_else(|e| panic!("{}: {e}", v.name));
            assert_eq!(data.json(), v.plaintext, "{}", v.name);
        }
    }

    fn phone_vectors_give_typed_phone_info() {
        let options = DecryptOptions { app_id: Some(APPID), now: Some(NOW), ..Default::default() };
        for v in VECTORS {
            let got = decrypt_phone(v.session_key, v.encrypted_data, v.iv, &options);
            match (&v.phone, got) {
                (Some(want), Ok(phone)) => {
                    assert_eq!(phone.phone_number, want.phone_number, "{}", v.name);
                    assert_eq!(phone.pure_phone_number, want.pure_phone_number, "{}", v.name);
                    assert_eq!(phone.country_code, want.country_code, "{}", v.name);
                    assert_eq!(phone.watermark.timestamp, want.timestamp, "{}", v.name);
                    assert_eq!(phone.watermark.appid, want.appid, "{}", v.name);
                }
                (None, Err(e)) => assert_eq!(e, Error::NotPhoneData, "{}", v.name),
                (want, got) => panic!("{}: expected phone {}, got {got:?}", v.name, want.is_some()),
            }
        }
    }

    fn encrypt_with_iv_matches_node_crypto() {
        for v in VECTORS {
            let sealed = encrypt_data_with_iv(v.session_key, v.plaintext.as_bytes(), &decode_iv(v.iv)).unwrap();
            assert_eq!(sealed.encrypted_data, v.encrypted_data, "{}", v.name);
            assert_eq!(sealed.iv, v.iv, "{}", v.name);
        }
    }

    fn encrypt_uses_a_fresh_iv_and_round_trips() {
        let v = vector("phone_cn");
        let a = encrypt_data(v.session_key, v.plaintext.as_bytes()).unwrap();
        let b = encrypt_data(v.session_key, v.plaintext.as_bytes()).unwrap();
        assert_ne!(a.iv, b.iv);
        assert_ne!(a.encrypted_data, b.encrypted_data);
        for sealed in [a, b] {
            let data = decrypt_data(v.session_key, &sealed.encrypted_data, &sealed.iv, &DecryptOptions::default()).unwrap();
            assert_eq!(data.json(), v.plaintext);
        }
    }

    fn transport_damage_is_repaired() {
        // Every vector whose base64 contains '+': as a URL/form body would deliver it.
        let mut repaired = 0;
        for v in VECTORS.iter().filter(|v| v.encrypted_data.contains('+')) {
            let spaced = v.encrypted_data.replace('+', " ");
            let wrapped: String = v.encrypted_data.as_bytes().chunks(64)
                .map(|c| core::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join("\r\n");
            let url_safe = v.encrypted_data.replace('+', "-").replace('/', "_").trim_end_matches('=').to_owned();
            for data in [spaced, wrapped, url_safe] {
                let got = decrypt_data(v.session_key, &data, &v.iv.replace('+', " "), &DecryptOptions::default()).unwrap();
                assert_eq!(got.json(), v.plaintext, "{}", v.name);
            }
            repaired += 1;
        }
        assert!(repaired >= 3, "only {repaired} vectors exercised the '+' repair");
    }

    fn error_table() {
        let table = bad_table();
        assert!(table.len() >= 20);
        for bad in &table {
            let options = DecryptOptions { app_id: bad.app_id, max_age_seconds: bad.max_age, now: bad.now };
            let err = if bad.phone {
                decrypt_phone(&bad.session_key, &bad.encrypted_data, &bad.iv, &options).map(|_| ())
            } else {
                decrypt_data(&bad.session_key, &bad.encrypted_data, &bad.iv, &options).map(|_| ())
            }
            .expect_err(bad.name);
            assert_eq!(err.code(), bad.code, "{}: {err}", bad.name);
            // Messages go to logs: never any of the inputs.
            let message = err.to_string();
            for secret in [&bad.session_key, &bad.iv, &bad.encrypted_data] {
                if secret.len() >= 4 {
                    assert!(!message.contains(secret.as_str()), "{}: message leaks input", bad.name);
                }
            }
        }
        let codes: std::collections::BTreeSet<_> = table.iter().map(|b| b.code).collect();
        for code in ["INVALID_SESSION_KEY", "INVALID_IV", "INVALID_ENCRYPTED_DATA", "DECRYPT_FAILED",
                     "NOT_PHONE_DATA", "APPID_MISMATCH", "EXPIRED"] {
            assert!(codes.contains(code), "no row reaches {code}");
        }
    }

    fn watermark_age_boundaries() {
        let v = vector("phone_cn");
        let ts = 1477314187;
        // (max_age, now, accepted)
        let cases = [(300, ts + 300, true), (300, ts + 301, false), (0, ts, true), (300, ts - 60, true), (300, ts - 61, false)];
        for (max_age, now, accepted) in cases {
            let options = DecryptOptions { max_age_seconds: Some(max_age), now: Some(now), ..Default::default() };
            let got = decrypt_phone(v.session_key, v.encrypted_data, v.iv, &options);
            assert_eq!(got.is_ok(), accepted, "max_age {max_age}, now - ts = {}", now as i64 - ts as i64);
        }
    }

    fn decrypt_failed_is_one_message() {
        let messages: std::collections::BTreeSet<String> = bad_table().iter()
            .filter(|b| b.code == "DECRYPT_FAILED")
            .map(|b| decrypt_data(&b.session_key, &b.encrypted_data, &b.iv, &DecryptOptions::default()).unwrap_err().to_string())
            .collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(messages.iter().all(|m| m.contains("session_key")));
    }

    // The UTF-8 verdict is the text's, though the check runs over the whole
    // buffer, padding included (so that its length does not depend on whether
    // the padding is valid): texts whose validity hinges on their last bytes,
    // next to every padding length from 1 to 16.
    fn utf8_verdict_is_the_texts_whatever_the_padding() {
        const TEXTS: &[(&str, &[u8], bool)] = &[
            ("ASCII", b"plain text", true),
            ("complete 3-byte sequence", "\u{4e2d}".as_bytes(), true),
            ("3-byte sequence cut after 2 bytes", b"ab\xe4\xb8", false),
            ("3-byte sequence cut after 1 byte", b"ab\xe4", false),
            ("2-byte sequence cut", b"ab\xc3", false),
            ("4-byte sequence cut after 3 bytes", b"\xf0\x9f\x98", false),
            ("lone continuation byte", b"ab\x80", false),
            ("complete emoji", "\u{1f600}".as_bytes(), true),
        ];
        let key = vector("phone_cn").session_key;
        for (name, text, valid) in TEXTS {
            // Prefixes of 0..=15 bytes put the text's end next to each padding length.
            for prefix in 0..16 {
                let mut plaintext = vec![b'x'; prefix];
                plaintext.extend_from_slice(text);
                let sealed = encrypt_data_with_iv(key, &plaintext, &[9; 16]).unwrap();
                let got = wx_open_data::decrypt_text(key, &sealed.encrypted_data, &sealed.iv);
                assert_eq!(got.is_ok(), *valid, "{name}, {prefix}-byte prefix");
                if let Ok(text) = got {
                    assert_eq!(text.as_bytes(), plaintext.as_slice(), "{name}, {prefix}-byte prefix");
                } else {
                    assert_eq!(got.unwrap_err(), Error::DecryptFailed, "{name}, {prefix}-byte prefix");
                }
            }
        }
    }

    fn signatures() {
        let v = vector("user_info_unicode_emoji");
        let signature = sign(v.plaintext, v.session_key);
        assert!(verify_signature(v.plaintext, &signature, v.session_key));
        assert!(verify_signature(v.plaintext, &signature.to_uppercase(), v.session_key));
        assert!(!verify_signature(v.plaintext, &signature, vector("phone_cn").session_key));
        assert!(!verify_signature(&v.plaintext.replace("zh_CN", "en"), &signature, v.session_key));
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn system_clock_is_used_when_now_is_absent() {
    // The watermark of phone_cn is from 2016: any real clock says it is old.
    let v = vector("phone_cn");
    let options = DecryptOptions {
        max_age_seconds: Some(300),
        ..Default::default()
    };
    assert_eq!(
        decrypt_phone(v.session_key, v.encrypted_data, v.iv, &options).unwrap_err(),
        Error::Expired
    );
}
