//! The ABI as the JS surface drives it, run by wasm-bindgen-test in Node and
//! headless Chromium (scripts/test-wasm.sh), with and without SIMD128: the
//! vectors node:crypto sealed (tests/common/vectors.rs), every status word,
//! and the instance still working after each failure.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::*;
use wasm_bindgen_test::wasm_bindgen_test;

#[path = "../tests/common/vectors.rs"]
#[allow(dead_code)]
mod vectors;
use vectors::{APPID, VECTORS};

/// Writes `inputs` after the header as JS would, returning their lengths.
fn write(inputs: &[&[u8]], data_units: usize) -> Result<Vec<u32>, u32> {
    let units: usize = inputs.iter().map(|i| i.len()).sum();
    match wx_reserve(units as u32, data_units as u32) {
        0 => {}
        status => return Err(status),
    }
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        let mut at = HEADER;
        Ok(inputs
            .iter()
            .map(|input| {
                scratch[at..at + input.len()].copy_from_slice(input);
                at += input.len();
                input.len() as u32
            })
            .collect())
    })
}

fn word(i: usize) -> u32 {
    SCRATCH.with(|s| u32::from_le_bytes(s.borrow()[i * 4..i * 4 + 4].try_into().unwrap()))
}

/// The output region's bytes at header words (ptr, len).
fn output(ptr_word: usize, len_word: usize) -> Vec<u8> {
    let base = wx_scratch() as usize;
    let (ptr, len) = (word(ptr_word) as usize - base, word(len_word) as usize);
    SCRATCH.with(|s| s.borrow()[ptr..ptr + len].to_vec())
}

/// `wx_open` on strings; `Ok(plaintext)` or `Err(status word)` (its detail
/// word is then in the header until the next call).
fn open(
    phone: bool,
    key: &str,
    data: &str,
    iv: &str,
    app_id: Option<&str>,
    age: Option<(u64, u64)>,
) -> Result<String, u32> {
    let mut inputs = vec![key.as_bytes(), iv.as_bytes(), data.as_bytes()];
    inputs.extend(app_id.map(str::as_bytes));
    let lens = write(&inputs, data.len())?;
    let (max_age, now) = age.map_or((-1.0, 0.0), |(m, n)| (m as f64, n as f64));
    let app_id_len = if app_id.is_some() { lens[3] } else { u32::MAX };
    let status = wx_open(
        u32::from(phone),
        lens[0],
        lens[1],
        lens[2],
        app_id_len,
        max_age,
        now,
    );
    if status != 0 {
        return Err(status);
    }
    let text = String::from_utf8(output(OUT_PTR, OUT_LEN)).unwrap();
    wx_wipe();
    Ok(text)
}

fn still_works() {
    let v = &VECTORS[0];
    assert_eq!(
        open(
            true,
            v.session_key,
            v.encrypted_data,
            v.iv,
            Some(APPID),
            None
        )
        .as_deref(),
        Ok(v.plaintext)
    );
}

#[wasm_bindgen_test]
fn every_vector_decrypts() {
    for v in VECTORS {
        assert_eq!(
            open(false, v.session_key, v.encrypted_data, v.iv, None, None).as_deref(),
            Ok(v.plaintext),
            "{}",
            v.name
        );
        let phone = open(true, v.session_key, v.encrypted_data, v.iv, None, None);
        match &v.phone {
            Some(_) => assert_eq!(phone.as_deref(), Ok(v.plaintext), "{}", v.name),
            None => assert_eq!(
                phone.map_err(|s| s & 0xff),
                Err(6),
                "{} is not phone data",
                v.name
            ),
        }
    }
}

#[wasm_bindgen_test]
fn status_words() {
    let v = &VECTORS[0];
    let (k, d, i) = (v.session_key, v.encrypted_data, v.iv);
    let ts = v.phone.as_ref().unwrap().timestamp;
    let aligned_15 = "CQkJCQkJCQkJCQkJCQkJ";
    let with_detail = |result: Result<String, u32>| result.map_err(|status| (status, word(DETAIL)));
    // (case, result, expected status word, expected detail word)
    type Row<'a> = (&'a str, Result<String, (u32, u32)>, u32, u32);
    let rows: Vec<Row> = vec![
        (
            "key of 2 bytes",
            with_detail(open(true, "abc", d, i, None, None)),
            2 | 1 << 8,
            2,
        ),
        (
            "key not base64",
            with_detail(open(true, "%%%%", d, i, None, None)),
            2,
            0,
        ),
        (
            "iv of 15 bytes",
            with_detail(open(true, k, d, aligned_15, None, None)),
            3 | 1 << 8,
            15,
        ),
        (
            "data not base64",
            with_detail(open(true, k, "%%%%", i, None, None)),
            4 | 1 << 8,
            0,
        ),
        (
            "data empty",
            with_detail(open(true, k, "", i, None, None)),
            4 | 2 << 8,
            0,
        ),
        (
            "data 15 bytes",
            with_detail(open(true, k, aligned_15, i, None, None)),
            4 | 3 << 8,
            15,
        ),
        (
            "wrong key",
            with_detail(open(true, VECTORS[1].session_key, d, i, None, None)),
            5,
            0,
        ),
        (
            "other appid",
            with_detail(open(true, k, d, i, Some("wx0000000000000000"), None)),
            7,
            0,
        ),
        (
            "too old",
            with_detail(open(true, k, d, i, None, Some((300, ts + 301)))),
            8,
            0,
        ),
        (
            "too new",
            with_detail(open(true, k, d, i, None, Some((300, ts - 61)))),
            8,
            0,
        ),
    ];
    for (case, result, status, detail) in rows {
        assert_eq!(result, Err((status, detail)), "{case}");
        still_works();
    }
    let huge = "A".repeat(MAX_ENCRYPTED_BASE64_LEN + 1);
    assert_eq!(open(true, k, &huge, i, None, None), Err(4 | 4 << 8));
    assert!(open(true, k, d, i, None, Some((300, ts + 300))).is_ok());
    still_works();
}

#[wasm_bindgen_test]
fn lengths_past_the_buffer_are_errors_not_traps() {
    // INVALID_ARGUMENT with detail 3, "the arguments are too large".
    let too_large = 1 | 3 << 8;
    write(&[b"x"], 0).unwrap();
    assert_eq!(
        wx_open(1, u32::MAX - 1, 1, 1, u32::MAX, -1.0, 0.0),
        too_large
    );
    #[cfg(feature = "tools")]
    assert_eq!(wx_seal(u32::MAX - 1, 1), too_large);
    #[cfg(feature = "tools")]
    assert_eq!(wx_verify(u32::MAX - 1, 1, 1), 0);
    assert_eq!(wx_check(1, u32::MAX - 1, u32::MAX, -1.0, 0.0), too_large);
    still_works();
}

#[wasm_bindgen_test]
fn a_failed_call_leaves_no_plaintext() {
    let v = &VECTORS[0];
    // Valid ciphertext, then an appid check that fails after decryption.
    assert_eq!(
        open(
            true,
            v.session_key,
            v.encrypted_data,
            v.iv,
            Some("wx0"),
            None
        ),
        Err(7)
    );
    let marker = b"13580006666";
    SCRATCH.with(|s| {
        let s = s.borrow();
        assert!(
            !s.windows(marker.len()).any(|w| w == marker),
            "plaintext left in the scratch buffer"
        );
    });
}

#[cfg(feature = "tools")]
#[wasm_bindgen_test]
fn seal_then_open() {
    let key = VECTORS[0].session_key;
    let plain = br#"{"a":"\u00e9","watermark":{"timestamp":1,"appid":"wx1"}}"#;
    let lens = write(&[key.as_bytes(), &[7u8; 16], plain], 0).unwrap();
    assert_eq!(wx_seal(lens[0], plain.len() as u32), 0);
    let data = String::from_utf8(output(OUT_PTR, OUT_LEN)).unwrap();
    let iv = String::from_utf8(output(IV_PTR, IV_LEN)).unwrap();
    wx_wipe();
    assert_eq!(iv, "BwcHBwcHBwcHBwcHBwcHBw==");
    assert_eq!(
        open(false, key, &data, &iv, Some("wx1"), None).as_deref(),
        Ok(&plain.map(char::from).iter().collect::<String>()[..])
    );
}

#[cfg(feature = "tools")]
#[wasm_bindgen_test]
fn verify() {
    // sha1("abc" + "key"), from `printf abckey | sha1sum`.
    let lens = write(
        &[b"abc", b"9D8012E71D1125F5A0F01EA2469B2BF5DF949142", b"key"],
        0,
    )
    .unwrap();
    let good = wx_verify(lens[0], lens[1], lens[2]);
    let lens = write(
        &[b"abd", b"9d8012e71d1125f5a0f01ea2469b2bf5df949142", b"key"],
        0,
    )
    .unwrap();
    assert_eq!((good, wx_verify(lens[0], lens[1], lens[2])), (1, 0));
    still_works();
}

#[wasm_bindgen_test]
fn check_and_check_key() {
    // WeChat's own example reply: a numeric countryCode (FLAGS bit 0), in
    // WeChat's exact form (bit 1), with the spans of its five values.
    let reply = br#"{"phoneNumber":"1","purePhoneNumber":"2","countryCode":86,"watermark":{"timestamp":1,"appid":""}}"#;
    let lens = write(&[reply], 0).unwrap();
    assert_eq!(
        (wx_check(1, lens[0], u32::MAX, -1.0, 0.0), word(FLAGS)),
        (0, 3)
    );
    let spans: Vec<&[u8]> = (3..8)
        .map(|w| {
            let (start, len) = ((word(w) & 0xffff) as usize, (word(w) >> 16) as usize);
            &reply[start..start + len]
        })
        .collect();
    assert_eq!(spans, [&b"1"[..], b"2", b"86", b"1", b""]);
    // Other key order: parsed by the host, not built from spans.
    let reordered = br#"{"purePhoneNumber":"2","phoneNumber":"1","countryCode":"86","watermark":{"timestamp":1,"appid":""}}"#;
    let lens = write(&[reordered], 0).unwrap();
    assert_eq!(
        (wx_check(1, lens[0], u32::MAX, -1.0, 0.0), word(FLAGS)),
        (0, 0)
    );
    let lens = write(&[b"[1]"], 0).unwrap();
    assert_eq!(wx_check(1, lens[0], u32::MAX, -1.0, 0.0), 6);
    let lens = write(&[b"AAAA"], 0).unwrap();
    assert_eq!((wx_check_key(lens[0]), word(DETAIL)), (2 | 1 << 8, 3));
    still_works();
}
