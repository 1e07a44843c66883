//! WeChat's worked example of the API security mode (the guide's
//! getuserriskrank request and reply, tests/vectors/api-security.json
//! `doc.example`), reproduced with RustCrypto's AES-256-GCM: the request's
//! ciphertext and tag from the guide's key, iv, AAD and plaintext, and the
//! reply opened by this crate's envelope reader and decrypted to the guide's
//! bytes. The JS suite checks the same vectors through node:crypto and
//! WebCrypto, and the signatures (RSA-PSS stays with the runtime:
//! tests/client/api-security.test.mjs).

// Helpers outside #[test] functions fail loudly too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::{engine::general_purpose::STANDARD, Engine};
use common::{str, vectors};
use wx_open_data_security::envelope::open_envelope;

/// `urlpath|appid|timestamp|symmetricSn`, the AAD of both directions.
fn aad(e: &serde_json::Value, timestamp: u64) -> String {
    format!(
        "{}|{}|{}|{}",
        str(&e["urlpath"]),
        str(&e["appId"]),
        timestamp,
        str(&e["symmetricSn"])
    )
}

fn cipher(e: &serde_json::Value) -> Aes256Gcm {
    let key = STANDARD.decode(str(&e["symmetricKey"])).unwrap();
    assert_eq!(key.len(), 32, "AES256_GCM's key is 32 bytes");
    Aes256Gcm::new_from_slice(&key).unwrap()
}

#[test]
fn the_request_ciphertext_and_tag_reproduce() {
    let v = vectors();
    let e = &v["doc"]["example"];
    let request = &e["request"];
    let iv = STANDARD.decode(str(&request["iv"])).unwrap();
    let timestamp = request["timestamp"].as_u64().unwrap();
    let sealed = cipher(e)
        .encrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: str(&request["plaintext"]).as_bytes(),
                aad: aad(e, timestamp).as_bytes(),
            },
        )
        .unwrap();
    // The guide's body carries the same ciphertext and tag, base64.
    let body = open_envelope(str(&v["doc"]["requestBody"]).as_bytes()).unwrap();
    let (data, tag) = sealed.split_at(sealed.len() - 16);
    assert_eq!(data, &body.data[..]);
    assert_eq!(tag, &body.authtag[..]);
    assert_eq!(&body.iv[..], &iv[..]);
}

#[test]
fn the_reply_decrypts_to_the_guides_bytes_and_not_under_another_timestamp() {
    let v = vectors();
    let e = &v["doc"]["example"];
    let response = &e["response"];
    let timestamp = response["timestamp"].as_u64().unwrap();
    let body = open_envelope(str(&v["doc"]["responseBody"]).as_bytes()).unwrap();
    let mut sealed = body.data.clone();
    sealed.extend_from_slice(&body.authtag);
    let open = |ts: u64| {
        cipher(e).decrypt(
            Nonce::from_slice(&body.iv),
            Payload {
                msg: &sealed,
                aad: aad(e, ts).as_bytes(),
            },
        )
    };
    assert_eq!(
        open(timestamp).unwrap(),
        str(&response["plaintext"]).as_bytes()
    );
    // The timestamp is authenticated: the reply does not open under another.
    assert!(open(timestamp + 1).is_err());
}
