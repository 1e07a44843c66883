//! `diagnose`: one row per cause. Every row starts from a real encryption
//! (the core's `encrypt_data_with_iv`) and damages it the way transport or
//! calling code does; nothing here is hand-written ciphertext or garbage.
//! Also checks that `decrypt_phone` still answers the damaged inputs with its
//! single `DECRYPT_FAILED` (the diagnosis never leaks into the request path)
//! and that no message repeats a secret. Runs natively and on wasm.
//!
//! A diagnosis is data (cause, kind, detail); the rows check the detail
//! where it carries numbers, and the message rendered from it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use wx_open_data::base64;
use wx_open_data::{
    decrypt_phone, diagnose, encrypt_data, encrypt_data_with_iv, sign, Cause, DataKind,
    DecryptOptions, DiagnoseOptions, Diagnosis, EncryptedDataProblem, Error,
};
use wx_open_data::{AppIdText, Detail, SignatureCheck, Spaced};

const APPID: &str = "wx4f4bc4dec97d474b";
const OTHER_APPID: &str = "wx1111111111111111";
const TS: u64 = 1_700_000_000;
const NOW: u64 = TS + 30;
const PHONE_NUMBER: &str = "13580006666";

fn key(n: u8) -> String {
    base64::encode(&[n.wrapping_mul(31).wrapping_add(7); 16])
}

fn phone_json(appid: &str, timestamp: u64) -> String {
    format!(
        r#"{{"phoneNumber":"{PHONE_NUMBER}","purePhoneNumber":"{PHONE_NUMBER}","countryCode":"86","watermark":{{"timestamp":{timestamp},"appid":"{appid}"}}}}"#
    )
}

fn user_info_json() -> String {
    format!(
        r#"{{"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0","watermark":{{"timestamp":{TS},"appid":"{APPID}"}}}}"#
    )
}

fn we_run_json() -> String {
    format!(
        r#"{{"stepInfoList":[{{"timestamp":1445866601,"step":100}},{{"timestamp":1445876777,"step":120}}],"watermark":{{"timestamp":{TS},"appid":"{APPID}"}}}}"#
    )
}

/// A real encryption under `key` with a deterministic iv derived from `seed`.
fn seal(key: &str, plaintext: &str, seed: u8) -> (String, String) {
    let iv: [u8; 16] = core::array::from_fn(|i| {
        seed.wrapping_mul(17)
            .wrapping_add((i as u8).wrapping_mul(29))
    });
    let sealed = encrypt_data_with_iv(key, plaintext.as_bytes(), &iv).unwrap();
    (sealed.encrypted_data, sealed.iv)
}

/// A real encryption whose base64 ciphertext contains a '+', so that transit
/// can turn it into a space: tries ivs until one does.
fn seal_with_plus(key: &str, plaintext: &str) -> (String, String) {
    (0..=255u8)
        .map(|seed| seal(key, plaintext, seed))
        .find(|(data, _)| data.contains('+'))
        .expect("some iv gives a '+'")
}

/// `text` as encodeURIComponent leaves base64: '+', '/' and '=' percent-encoded.
fn url_encode(text: &str) -> String {
    text.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

/// Base64 of the decoded ciphertext with `drop` bytes removed from its end.
fn drop_tail_bytes(data: &str, drop: usize) -> String {
    let bytes = base64::decode(data).unwrap();
    base64::encode(&bytes[..bytes.len() - drop])
}

/// One row: inputs, options, and what the diagnosis must say.
struct Case {
    name: &'static str,
    session_key: String,
    encrypted_data: String,
    iv: String,
    previous: Vec<String>,
    raw_data: Option<(String, String)>,
    app_id: Option<&'static str>,
    max_age: Option<u64>,
    cause: Cause,
    kind: Option<&'static str>,
    matched: Option<usize>,
    /// The detail, where the row pins it.
    detail: Option<Detail>,
    /// Substrings the message must contain (argument names, appid, age).
    mentions: &'static [&'static str],
    /// What decrypt_phone (same key/iv/data, same checks) must return.
    decrypt: Result<(), Error>,
    /// Plaintext values the message must not repeat.
    plaintext: String,
}

impl Case {
    fn new(name: &'static str, session_key: &str, data_iv: (String, String)) -> Case {
        Case {
            name,
            session_key: session_key.to_owned(),
            encrypted_data: data_iv.0,
            iv: data_iv.1,
            previous: Vec::new(),
            raw_data: None,
            app_id: Some(APPID),
            max_age: Some(300),
            cause: Cause::Ok,
            kind: Some("phone"),
            matched: None,
            detail: None,
            mentions: &[],
            decrypt: Err(Error::DecryptFailed),
            plaintext: String::new(),
        }
    }

    fn run(&self) -> Diagnosis {
        let previous: Vec<&str> = self.previous.iter().map(String::as_str).collect();
        let options = DiagnoseOptions {
            raw_data: self.raw_data.as_ref().map(|(raw, _)| raw.as_str()),
            signature: self.raw_data.as_ref().map(|(_, sig)| sig.as_str()),
            previous_session_keys: &previous,
            app_id: self.app_id,
            max_age_seconds: self.max_age,
            now: Some(NOW),
        };
        diagnose(&self.session_key, &self.encrypted_data, &self.iv, &options)
    }
}

/// Every string and number in a JSON value.
fn values(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Number(n) => out.push(n.to_string()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| values(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| values(v, out)),
        _ => {}
    }
}

/// Every 8-character window of `secret`.
fn windows(secret: &str) -> Vec<String> {
    let chars: Vec<char> = secret.chars().collect();
    chars.windows(8).map(|w| w.iter().collect()).collect()
}

fn cases() -> Vec<Case> {
    let k1 = key(1); // the key WeChat encrypted with
    let k2 = key(2); // the key after wx.login ran again
    let k3 = key(3); // an unrelated older key
    let phone = phone_json(APPID, TS);
    let sealed = seal(&k1, &phone, 1);
    let other_request = seal(&k1, &phone_json(APPID, TS + 5), 2);
    let plus = seal_with_plus(&k1, &phone);
    let raw = r#"{"nickName":"Band","gender":1}"#.to_owned();

    let mut rows = Vec::new();

    let mut c = Case::new("untouched", &k1, sealed.clone());
    c.decrypt = Ok(());
    rows.push(c);

    let mut c = Case::new(
        "'+' became ' ' in encryptedData",
        &k1,
        (plus.0.replace('+', " "), plus.1.clone()),
    );
    c.cause = Cause::PlusBecameSpace;
    c.detail = Some(Detail::Spaces(Spaced {
        encrypted_data: true,
        ..Spaced::default()
    }));
    c.mentions = &["encryptedData", "encodeURIComponent"];
    c.decrypt = Ok(()); // repaired: still decrypts
    rows.push(c);

    let cut = sealed.0.len() / 2 / 4 * 4; // whole base64 groups, 3 bytes each
    let cut = if (cut / 4 * 3) % 16 == 0 {
        cut - 4
    } else {
        cut
    };
    let mut c = Case::new(
        "truncated inside a block",
        &k1,
        (sealed.0[..cut].to_owned(), sealed.1.clone()),
    );
    c.cause = Cause::Truncated;
    c.kind = None;
    c.detail = Some(Detail::Input(Error::InvalidEncryptedData(
        EncryptedDataProblem::NotBlockAligned(cut / 4 * 3),
    )));
    c.mentions = &["truncated"];
    c.decrypt = Err(Error::InvalidEncryptedData(
        EncryptedDataProblem::NotBlockAligned(cut / 4 * 3),
    ));
    rows.push(c);

    let mut c = Case::new(
        "truncated inside a base64 group",
        &k1,
        (sealed.0[..41].to_owned(), sealed.1.clone()),
    );
    c.cause = Cause::Truncated;
    c.kind = None;
    c.detail = Some(Detail::CutInBase64Group);
    c.mentions = &["truncated"];
    c.decrypt = Err(Error::InvalidEncryptedData(EncryptedDataProblem::NotBase64));
    rows.push(c);

    let mut c = Case::new(
        "truncated at a block boundary",
        &k1,
        (drop_tail_bytes(&sealed.0, 32), sealed.1.clone()),
    );
    c.cause = Cause::Truncated;
    c.kind = None;
    c.detail = Some(Detail::EndMissing {
        bytes: base64::decode(&sealed.0).unwrap().len() - 32,
    });
    c.mentions = &["truncated"];
    rows.push(c);

    let mut c = Case::new(
        "iv of another request",
        &k1,
        (sealed.0.clone(), other_request.1.clone()),
    );
    c.cause = Cause::IvMismatch;
    c.kind = None;
    c.mentions = &["iv"];
    rows.push(c);

    let mut c = Case::new(
        "key and iv swapped",
        &sealed.1,
        (sealed.0.clone(), k1.clone()),
    );
    c.cause = Cause::KeyIvSwapped;
    c.mentions = &["swapped"];
    rows.push(c);

    let mut c = Case::new("rotated key, old one passed", &k2, sealed.clone());
    c.previous = vec![k3.clone(), k1.clone()];
    c.raw_data = Some((raw.clone(), sign(&raw, &k1)));
    c.cause = Cause::StaleSessionKey;
    c.matched = Some(1);
    c.detail = Some(Detail::Stale {
        tried: 2,
        signature: SignatureCheck::FailsButVerifiesWithMatched,
    });
    c.mentions = &[
        "previousSessionKeys[1]",
        "signature fails",
        "verifies with previousSessionKeys[1]",
    ];
    rows.push(c);

    let mut c = Case::new("rotated key, no old keys", &k2, sealed.clone());
    c.cause = Cause::StaleSessionKey;
    c.kind = None;
    c.mentions = &["stale", "wx.login"];
    rows.push(c);

    let mut c = Case::new("rotated key, old keys do not match", &k2, sealed.clone());
    c.previous = vec![k3.clone()];
    c.raw_data = Some((raw.clone(), sign(&raw, &k1)));
    c.cause = Cause::StaleSessionKey;
    c.kind = None;
    c.detail = Some(Detail::Stale {
        tried: 1,
        signature: SignatureCheck::Fails,
    });
    c.mentions = &["none of the 1 previous", "signature fails"];
    rows.push(c);

    let mut c = Case::new("data of another session, key current", &k2, sealed.clone());
    c.raw_data = Some((raw.clone(), sign(&raw, &k2)));
    c.cause = Cause::StaleSessionKey;
    c.kind = None;
    c.detail = Some(Detail::Stale {
        tried: 0,
        signature: SignatureCheck::VerifiesWithKey,
    });
    c.mentions = &["signature verifies", "another user or session"];
    rows.push(c);

    for (name, json, kind) in [
        ("userInfo", user_info_json(), "userInfo"),
        ("weRunData", we_run_json(), "weRunData"),
        (
            "share info",
            format!(r#"{{"openGId":"tG1234","watermark":{{"timestamp":{TS},"appid":"{APPID}"}}}}"#),
            "other",
        ),
    ] {
        let mut c = Case::new(name, &k1, seal(&k1, &json, 3));
        c.cause = Cause::NotPhoneData;
        c.kind = Some(kind);
        c.mentions = &["decryptData"];
        c.decrypt = Err(Error::NotPhoneData);
        c.plaintext = json;
        rows.push(c);
    }

    let mut c = Case::new(
        "text that is not JSON",
        &k1,
        seal(&k1, "phone number: 13580006666, not JSON", 8),
    );
    c.cause = Cause::NotPhoneData;
    c.kind = Some("other");
    c.mentions = &["not JSON"];
    c.plaintext = format!("[\"{PHONE_NUMBER}\"]");
    rows.push(c);

    let json = phone_json(OTHER_APPID, TS);
    let mut c = Case::new("another Mini Program", &k1, seal(&k1, &json, 4));
    c.cause = Cause::AppIdMismatch;
    c.detail = Some(Detail::AppIdMismatch {
        watermark: Some(AppIdText::new(OTHER_APPID)),
        expected: AppIdText::new(APPID),
    });
    c.mentions = &[OTHER_APPID, APPID];
    c.decrypt = Err(Error::AppIdMismatch);
    rows.push(c);

    let json = phone_json(APPID, NOW - 3600);
    let mut c = Case::new("an hour old", &k1, seal(&k1, &json, 5));
    c.cause = Cause::Expired;
    c.detail = Some(Detail::TooOld {
        age: 3600,
        max_age: 300,
    });
    c.mentions = &["3600 seconds old", "300"];
    c.decrypt = Err(Error::Expired);
    rows.push(c);

    let json = phone_json(APPID, NOW + 600);
    let mut c = Case::new("from the future", &k1, seal(&k1, &json, 6));
    c.cause = Cause::Expired;
    c.detail = Some(Detail::InFuture { seconds: 600 });
    c.mentions = &["600 seconds in the future", "clock"];
    c.decrypt = Err(Error::Expired);
    rows.push(c);

    let short_key = base64::encode(&[1u8; 15]);
    let mut c = Case::new("15-byte session key", &short_key, sealed.clone());
    c.cause = Cause::InvalidInput;
    c.kind = None;
    c.detail = Some(Detail::Input(Error::InvalidSessionKey {
        decoded_len: Some(15),
    }));
    c.mentions = &["sessionKey", "15 bytes"];
    c.decrypt = Err(Error::InvalidSessionKey {
        decoded_len: Some(15),
    });
    rows.push(c);

    let mut c = Case::new(
        "iv not base64",
        &k1,
        (sealed.0.clone(), "not*base64".into()),
    );
    c.cause = Cause::InvalidInput;
    c.kind = None;
    c.mentions = &["iv", "not base64"];
    c.decrypt = Err(Error::InvalidIv { decoded_len: None });
    rows.push(c);

    let mut c = Case::new(
        "data not base64",
        &k1,
        ("{\"a\":1}".into(), sealed.1.clone()),
    );
    c.cause = Cause::InvalidInput;
    c.kind = None;
    c.mentions = &["encryptedData", "not base64"];
    c.decrypt = Err(Error::InvalidEncryptedData(EncryptedDataProblem::NotBase64));
    rows.push(c);

    let mut c = Case::new(
        "encryptedData still URL-encoded",
        &k1,
        (url_encode(&plus.0), plus.1.clone()),
    );
    c.cause = Cause::UrlEncoded;
    c.kind = None;
    c.detail = Some(Detail::UrlEncoded(Spaced {
        encrypted_data: true,
        ..Spaced::default()
    }));
    c.mentions = &["encryptedData: still URL-encoded", "decodeURIComponent"];
    c.decrypt = Err(Error::InvalidEncryptedData(
        EncryptedDataProblem::UrlEncoded,
    ));
    rows.push(c);

    let mut c = Case::new(
        "encryptedData and iv still URL-encoded",
        &k1,
        (url_encode(&plus.0), url_encode(&plus.1)),
    );
    c.cause = Cause::UrlEncoded;
    c.kind = None;
    c.detail = Some(Detail::UrlEncoded(Spaced {
        encrypted_data: true,
        iv: true,
        ..Spaced::default()
    }));
    c.mentions = &["encryptedData and iv: still URL-encoded"];
    c.decrypt = Err(Error::InvalidIv { decoded_len: None });
    rows.push(c);

    let mut c = Case::new("bad previous key", &k2, sealed.clone());
    c.previous = vec![k1.clone(), "short".into()];
    c.cause = Cause::InvalidInput;
    c.kind = None;
    c.detail = Some(Detail::BadPreviousKey { index: 1 });
    c.mentions = &["previousSessionKeys[1]"];
    rows.push(c);

    for row in &mut rows {
        if row.plaintext.is_empty() {
            row.plaintext = phone.clone();
        }
    }
    rows
}

everywhere! {
    fn every_cause_from_a_real_encryption() {
        for case in cases() {
            let mut case = case;
            let got = case.run();
            let name = case.name;
            let message = got.message();
            assert_eq!(got.cause.code(), case.cause.code(), "{name}: {message}");
            assert_eq!(got.kind.map(DataKind::as_str), case.kind, "{name}: kind");
            assert_eq!(got.matched_previous_key, case.matched, "{name}: matched key");
            if let Some(detail) = case.detail {
                assert_eq!(got.detail, detail, "{name}: detail");
            }
            for needle in case.mentions {
                assert!(message.contains(needle), "{name}: message lacks {needle:?}: {message}");
            }
            assert!(message.ends_with('.'), "{name}: one sentence: {message}");
            assert!(!message.contains(['{', '}', '\n']), "{name}: a placeholder left or a line break: {message}");
            assert_eq!(got.to_string(), message, "{name}: Display is the message");

            // The request path is unchanged: same inputs, same single error.
            let options = DecryptOptions { app_id: case.app_id, max_age_seconds: case.max_age, now: Some(NOW) };
            let decrypted = decrypt_phone(&case.session_key, &case.encrypted_data, &case.iv, &options).map(|_| ());
            assert_eq!(decrypted, case.decrypt, "{name}: decrypt_phone");

            // No secret in the message: keys, iv, ciphertext, and every value
            // in the plaintext (its field names are WeChat's public schema;
            // the appid is public and named on purpose).
            let mut secrets = vec![case.session_key.clone(), case.encrypted_data.clone(), case.iv.clone()];
            secrets.append(&mut case.previous);
            if let Some((raw, signature)) = case.raw_data.take() {
                secrets.extend([raw, signature]);
            }
            let plaintext: serde_json::Value = serde_json::from_str(&case.plaintext).unwrap();
            values(&plaintext, &mut secrets);
            for secret in secrets.iter().filter(|s| *s != APPID && *s != OTHER_APPID) {
                for window in windows(secret) {
                    assert!(!message.contains(&window), "{name}: message repeats {window:?}: {message}");
                }
            }
        }
    }

    fn raw_data_and_signature_go_together() {
        let k1 = key(1);
        let (data, iv) = seal(&k1, &phone_json(APPID, TS), 1);
        for (raw_data, signature) in [(Some("{}"), None), (None, Some("00"))] {
            let options = DiagnoseOptions { raw_data, signature, now: Some(NOW), ..Default::default() };
            let got = diagnose(&k1, &data, &iv, &options);
            assert_eq!(got.cause, Cause::InvalidInput, "{got}");
            assert_eq!(got.detail, Detail::RawDataWithoutSignature);
            assert!(got.message().contains("rawData and signature"));
        }
    }

    fn plus_in_iv_and_key_is_reported_too() {
        // Keys and ivs with a '+' are common; transit damages them the same way.
        let k = (0..=255u8)
            .map(|n| base64::encode(&[n; 16]))
            .find(|k| k.contains('+'))
            .unwrap();
        let (data, iv_text) = seal(&k, &phone_json(APPID, TS), 7);
        let got = diagnose(&k.replace('+', " "), &data, &iv_text, &DiagnoseOptions { now: Some(NOW), ..Default::default() });
        assert_eq!(got.cause, Cause::PlusBecameSpace, "{got}");
        assert!(got.message().contains("sessionKey"), "{got}");
    }

    fn random_iv_round_trip_is_ok() {
        // encrypt_data's fresh random iv: the OK verdict is not an artefact of fixed ivs.
        let k1 = key(9);
        let sealed = encrypt_data(&k1, phone_json(APPID, TS).as_bytes()).unwrap();
        let options = DiagnoseOptions { app_id: Some(APPID), max_age_seconds: Some(60), now: Some(NOW), ..Default::default() };
        let got = diagnose(&k1, &sealed.encrypted_data, &sealed.iv, &options);
        assert_eq!((got.cause, got.kind), (Cause::Ok, Some(DataKind::Phone)), "{got}");
    }

    fn every_detail_renders_its_whole_sentence() {
        // Every sentence, word for word, rendered from the structured
        // finding (the same templates the npm package renders).
        let d = |cause, kind, matched_previous_key, detail| Diagnosis { cause, kind, matched_previous_key, detail };
        let advice = "; call wx.login before the tap (on page load), use wx.checkSession in the callback, and keep only the newest session_key per user.";
        let rows = [
            (d(Cause::Ok, Some(DataKind::Phone), None, Detail::None),
             "It decrypts to phone data and passes every check that was asked for: nothing to fix.".to_owned()),
            (d(Cause::InvalidInput, None, None, Detail::Input(Error::InvalidIv { decoded_len: None })),
             "iv must be the base64 iv WeChat returned with encryptedData, 16 bytes (24 characters) (it is not base64).".to_owned()),
            (d(Cause::InvalidInput, None, None, Detail::Input(Error::InvalidEncryptedData(EncryptedDataProblem::TooLarge))),
             "encryptedData is larger than 1048576 bytes; WeChat open data is a few KB.".to_owned()),
            (d(Cause::PlusBecameSpace, Some(DataKind::Phone), None, Detail::Spaces(Spaced { session_key: true, encrypted_data: false, iv: true })),
             "'+' turned into spaces in transit in sessionKey and iv (sent in a URL or form body without encodeURIComponent): it still decrypts after repair, but encode it or send JSON, because other decoders will fail or decrypt garbage.".to_owned()),
            (d(Cause::Truncated, None, None, Detail::EndMissing { bytes: 96 }),
             "It decrypts to the beginning of a JSON document but the end is missing (96 bytes arrived): encryptedData was truncated in transit (a length limit on a URL, form field or database column); send and store it whole.".to_owned()),
            (d(Cause::StaleSessionKey, Some(DataKind::Phone), Some(1), Detail::Stale { tried: 2, signature: SignatureCheck::FailsButVerifiesWithMatched }),
             format!("It was encrypted with previousSessionKeys[1], not with this session_key, so the key your server used is stale (wx.login ran again between the tap and the decryption); the rawData signature fails with this session_key too and verifies with previousSessionKeys[1]{advice}")),
            (d(Cause::StaleSessionKey, None, None, Detail::Stale { tried: 3, signature: SignatureCheck::NotGiven }),
             format!("Every block decrypts to garbage, so this session_key is not the one that encrypted the data: it is most likely stale (wx.login ran again between the tap and the decryption), and none of the 3 previous session keys decrypts it either{advice}")),
            (d(Cause::StaleSessionKey, None, None, Detail::Stale { tried: 0, signature: SignatureCheck::VerifiesWithKey }),
             format!("Every block decrypts to garbage, so this session_key is not the one that encrypted the data: it is most likely stale (wx.login ran again between the tap and the decryption); but the rawData signature verifies with this session_key, so the key was current when rawData was signed and the encryptedData probably belongs to another user or session{advice}")),
            (d(Cause::NotPhoneData, Some(DataKind::WeRunData), None, Detail::OtherKind),
             "It decrypts, but it is weRunData, not getPhoneNumber data: use decryptData for it, and pass decryptPhone only what the getPhoneNumber button returned.".to_owned()),
            (d(Cause::AppIdMismatch, Some(DataKind::UserInfo), None, Detail::AppIdMismatch { watermark: Some(AppIdText::new(OTHER_APPID)), expected: AppIdText::new(APPID) }),
             format!("It decrypts to userInfo data, but its watermark appid is {OTHER_APPID}, not {APPID}: the data was encrypted for another Mini Program; decrypt it with the session_key and appId of the Mini Program the user actually opened.")),
            (d(Cause::AppIdMismatch, Some(DataKind::Other), None, Detail::AppIdMismatch { watermark: None, expected: AppIdText::new(APPID) }),
             format!("It decrypts to other open data, but it carries no watermark, so its appid cannot be checked against {APPID}; this is not data WeChat produced for your Mini Program.")),
            (d(Cause::Expired, Some(DataKind::Phone), None, Detail::InFuture { seconds: 9_007_199_254_740_991 }),
             "It decrypts to phone data, but its watermark lies 9007199254740991 seconds in the future (more than the 60 s allowed for clock skew): check this server's clock.".to_owned()),
            (d(Cause::Expired, Some(DataKind::Phone), None, Detail::NoTimestamp),
             "It decrypts to phone data, but it carries no watermark timestamp, so its age cannot be checked; this is not data WeChat produced.".to_owned()),
        ];
        for (diagnosis, sentence) in rows {
            assert_eq!(diagnosis.message(), sentence);
        }
    }

    fn a_forged_watermark_appid_cannot_break_the_log_line() {
        // The watermark appid is the one decrypted text a message repeats:
        // control characters become U+FFFD and its length is bounded.
        let k1 = key(1);
        // JSON text: an escaped line break, decoded by the scanner.
        let forged = format!("wx\\n{}", "x".repeat(200));
        let (data, iv) = seal(&k1, &phone_json(&forged, TS), 1);
        let options = DiagnoseOptions { app_id: Some(APPID), now: Some(NOW), ..Default::default() };
        let got = diagnose(&k1, &data, &iv, &options);
        assert_eq!(got.cause, Cause::AppIdMismatch, "{got}");
        let message = got.message();
        assert!(!message.contains('\n'), "{message}");
        assert!(message.contains("wx\u{fffd}xxx"), "{message}");
        assert!(message.contains("x\u{2026}, not wx4f4bc4dec97d474b"), "{message}");
        assert!(message.len() < 300, "{message}");
    }

    /// `Cause::CODES` is src/vocabulary.json's causes (build.rs generates
    /// it), and a row of `cases()` reaches each one.
    fn cause_codes_match_the_vocabulary() {
        let causes = Cause::CODES;
        let reached: Vec<&str> = cases().iter().map(|case| case.cause.code()).collect();
        for code in causes {
            assert!(reached.contains(&code), "no row of cases() reaches {code}");
        }
    }

    fn codes_are_distinct_and_listed() {
        let mut codes = Cause::CODES.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Cause::CODES.len());
        for case in cases() {
            assert!(Cause::CODES.contains(&case.cause.code()));
        }
    }
}
