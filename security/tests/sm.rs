//! The SM suite (security/src/sm.rs) against published vectors: GB/T
//! 32905-2016 (SM3), GB/T 32907-2016 (SM4), RFC 8998 (SM4-GCM), the
//! RustCrypto sm2 crate's SM2withSM3 vector and openssl's SM2 signatures
//! with WeChat-style distinguishing IDs (tests/vectors/api-security.json).

// Helpers outside #[test] functions fail loudly too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use aes_gcm::aead::generic_array::GenericArray;
use common::{b64, hex, str, vectors};
use sm4::cipher::{BlockEncrypt, KeyInit};
use wx_open_data_security::sm::{
    hash_z, sm2_generate_key_pair, sm2_sign, sm2_verify, sm3, sm4_gcm_open, sm4_gcm_seal, Invalid,
};

const RANDOM: [u8; 32] = [7; 32];

#[test]
fn sm3_gbt_32905_examples() {
    let v = vectors();
    for case in v["sm3"].as_array().unwrap() {
        assert_eq!(
            sm3(&hex(&case["messageHex"])).to_vec(),
            hex(&case["digest"])
        );
    }
}

#[test]
fn sm4_gbt_32907_examples() {
    let v = vectors();
    for case in v["sm4"].as_array().unwrap() {
        let cipher = sm4::Sm4::new_from_slice(&hex(&case["key"])).unwrap();
        let mut block = GenericArray::clone_from_slice(&hex(&case["plaintext"]));
        for _ in 0..case["iterations"].as_u64().unwrap() {
            cipher.encrypt_block(&mut block);
        }
        assert_eq!(block.to_vec(), hex(&case["ciphertext"]));
    }
}

#[test]
fn sm4_gcm_rfc_8998_vector() {
    let v = vectors();
    let case = &v["sm4Gcm"][0];
    let (key, iv, aad) = (hex(&case["key"]), hex(&case["iv"]), hex(&case["aad"]));
    let mut sealed = hex(&case["ciphertext"]);
    sealed.extend(hex(&case["tag"]));
    assert_eq!(
        sm4_gcm_seal(&key, &iv, &aad, &hex(&case["plaintext"])).unwrap(),
        sealed
    );
    assert_eq!(
        sm4_gcm_open(&key, &iv, &aad, &sealed)
            .unwrap()
            .unwrap()
            .to_vec(),
        hex(&case["plaintext"])
    );
    // Any flipped bit of ciphertext, tag or aad: no plaintext.
    for i in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x80;
        assert!(sm4_gcm_open(&key, &iv, &aad, &bad).unwrap().is_none());
    }
    let mut bad_aad = aad.clone();
    bad_aad[0] ^= 1;
    assert!(sm4_gcm_open(&key, &iv, &bad_aad, &sealed)
        .unwrap()
        .is_none());
}

#[test]
fn sm4_gcm_refuses_wrong_sizes() {
    assert_eq!(
        sm4_gcm_seal(&[0; 32], &[0; 12], b"", b"x"),
        Err(Invalid::KeyLength)
    );
    assert_eq!(
        sm4_gcm_seal(&[0; 16], &[0; 16], b"", b"x"),
        Err(Invalid::IvLength)
    );
    assert_eq!(
        sm4_gcm_open(&[0; 16], &[0; 12], b"", &[0; 15]).err(),
        Some(Invalid::CiphertextTooShort)
    );
}

fn spki_of_sec1(point: &[u8]) -> Vec<u8> {
    use sm2::elliptic_curve::pkcs8::EncodePublicKey;
    sm2::PublicKey::from_sec1_bytes(point)
        .unwrap()
        .to_public_key_der()
        .unwrap()
        .into_vec()
}

#[test]
fn sm2_rustcrypto_published_vector() {
    let v = vectors();
    let case = &v["rustcrypto"];
    let spki = spki_of_sec1(&hex(&case["publicKeySec1"]));
    let raw = hex(&case["signatureRaw"]);
    let (id, msg) = (
        str(&case["id"]).as_bytes(),
        str(&case["message"]).as_bytes(),
    );
    assert!(sm2_verify(&spki, id, msg, &raw).unwrap());
    assert!(
        !sm2_verify(&spki, b"1234567812345678", msg, &raw).unwrap(),
        "another ID"
    );
    assert!(
        !sm2_verify(&spki, id, b"testinG", &raw).unwrap(),
        "another message"
    );
}

#[test]
fn sm2_opensslss_signatures_with_wechat_ids_verify_in_both_encodings() {
    let v = vectors();
    let spki = b64(&v["sm2"]["spkiDer"]);
    for case in v["sm2"]["signatures"].as_array().unwrap() {
        let (id, msg, der) = (
            str(&case["id"]).as_bytes(),
            str(&case["message"]).as_bytes(),
            b64(&case["signatureDer"]),
        );
        assert!(sm2_verify(&spki, id, msg, &der).unwrap());
        let raw = der_to_raw(&der);
        assert!(sm2_verify(&spki, id, msg, &raw).unwrap(), "raw r || s");
        assert!(!sm2_verify(&spki, b"0000000000000000", msg, &der).unwrap());
        let mut other = msg.to_vec();
        other.push(b' ');
        assert!(!sm2_verify(&spki, id, &other, &der).unwrap());
    }
}

fn der_to_raw(der: &[u8]) -> Vec<u8> {
    #[derive(der::Sequence)]
    struct Sig<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    let sig = <Sig as der::Decode>::from_der(der).unwrap();
    let mut out = vec![0u8; 64];
    let (r, s) = (sig.r.as_bytes(), sig.s.as_bytes());
    out[32 - r.len()..32].copy_from_slice(r);
    out[64 - s.len()..].copy_from_slice(s);
    out
}

#[test]
fn sm2_sign_is_der_and_verifies_here_and_in_the_crate() {
    use sm2::dsa::signature::Verifier;
    let v = vectors();
    let pkcs8 = b64(&v["sm2"]["pkcs8Der"]);
    let spki = b64(&v["sm2"]["spkiDer"]);
    let id = b"97845f6ed842ea860df6fdf65941ff56";
    let sig = sm2_sign(&pkcs8, id, b"hello", &RANDOM).unwrap();
    assert_eq!(sig[0], 0x30, "DER SEQUENCE");
    assert!((8..=72).contains(&sig.len()));
    assert!(sm2_verify(&spki, id, b"hello", &sig).unwrap());
    // The crate's own Z (ID as &str) agrees with ours (ID as bytes).
    use sm2::elliptic_curve::pkcs8::DecodePublicKey;
    let public = sm2::PublicKey::from_public_key_der(&spki).unwrap();
    let vk = sm2::dsa::VerifyingKey::new(core::str::from_utf8(id).unwrap(), public).unwrap();
    let raw = der_to_raw(&sig);
    let parsed = sm2::dsa::Signature::from_slice(&raw).unwrap();
    assert!(vk.verify(b"hello", &parsed).is_ok());
    // Fresh randomness, fresh signature; both valid.
    let again = sm2_sign(&pkcs8, id, b"hello", &[8; 32]).unwrap();
    assert_ne!(sig, again);
    assert!(sm2_verify(&spki, id, b"hello", &again).unwrap());
}

#[test]
fn hash_z_matches_gbt_32918_for_the_default_id() {
    // Z for the RustCrypto vector's key and the default ID, from the
    // crate's own &str path: signing through one and verifying through the
    // other only works if the Z values agree.
    let v = vectors();
    let point = hex(&v["rustcrypto"]["publicKeySec1"]);
    let public = sm2::PublicKey::from_sec1_bytes(&point).unwrap();
    assert_eq!(hash_z(b"abc", &public).unwrap().len(), 32);
    assert_eq!(hash_z(&vec![b'a'; 8192], &public), Err(Invalid::IdTooLong));
    assert!(hash_z(&vec![b'a'; 8191], &public).is_ok());
}

#[test]
fn sm2_refusals() {
    let v = vectors();
    let rsa_pkcs8 = b64(&v["doc"]["pkcs8Der"]);
    let rsa_spki = b64(&v["doc"]["platform"]["spkiDer"]);
    let sm2_pkcs8 = b64(&v["sm2"]["pkcs8Der"]);
    assert_eq!(
        sm2_sign(&rsa_pkcs8, b"id", b"m", &RANDOM),
        Err(Invalid::NotSm2PrivateKey)
    );
    assert_eq!(
        sm2_sign(&sm2_pkcs8, b"id", b"m", &[0; 31]),
        Err(Invalid::RandomTooShort)
    );
    assert_eq!(
        sm2_verify(&rsa_spki, b"id", b"m", &[0; 64]),
        Err(Invalid::NotSm2PublicKey)
    );
    assert_eq!(
        sm2_generate_key_pair(&[0; 31]).err(),
        Some(Invalid::RandomTooShort)
    );
}

#[test]
fn sm2_verify_rejects_garbage_signatures() {
    let v = vectors();
    let spki = b64(&v["sm2"]["spkiDer"]);
    for sig in [
        vec![],
        vec![0; 64],
        vec![0xff; 64],
        vec![0x30, 0x00],
        vec![0x30; 70],
        vec![1; 200],
    ] {
        assert!(!sm2_verify(&spki, b"id", b"m", &sig).unwrap());
    }
}

#[test]
fn generated_key_pairs_sign_and_parse() {
    let (pkcs8, spki) = sm2_generate_key_pair(&[42; 64]).unwrap();
    let (pkcs8b, _) = sm2_generate_key_pair(&[43; 64]).unwrap();
    assert_ne!(*pkcs8, *pkcs8b);
    let key = wx_open_data_security::keys::from_pkcs8(&pkcs8).unwrap();
    assert_eq!(*key.pkcs8, *pkcs8, "already canonical");
    let sig = sm2_sign(&pkcs8, b"1234567812345678", b"m", &RANDOM).unwrap();
    assert!(sm2_verify(&spki, b"1234567812345678", b"m", &sig).unwrap());
}
