//! `rawData` signatures: WeChat signs the plaintext `rawData` it hands the
//! Mini Program as `sha1(rawData + session_key)` in hex, where `session_key`
//! is the base64 string itself (not its decoded bytes).

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// `sha1(raw_data + session_key)`, the bytes behind the hex signature.
fn digest(raw_data: &[u8], session_key: &[u8]) -> [u8; 20] {
    let mut hasher = Sha1::new();
    hasher.update(raw_data);
    hasher.update(session_key);
    hasher.finalize().into()
}

/// The hex signature WeChat would compute for `raw_data` (for mocks and tests).
pub fn sign(raw_data: &str, session_key: &str) -> String {
    base16ct::lower::encode_string(&digest(raw_data.as_bytes(), session_key.as_bytes()))
}

/// Whether `signature` (hex, any case) is the signature of `raw_data` under
/// `session_key`. Decoding and comparison are constant-time: a timing
/// difference would let an attacker forge a signature byte by byte. Anything
/// that is not exactly 40 hex digits is simply not a match.
pub fn verify_signature(raw_data: &str, signature: &str, session_key: &str) -> bool {
    verify_signature_bytes(
        raw_data.as_bytes(),
        signature.as_bytes(),
        session_key.as_bytes(),
    )
}

/// [`verify_signature`] on the UTF-8 bytes of the three strings.
pub(crate) fn verify_signature_bytes(
    raw_data: &[u8],
    signature: &[u8],
    session_key: &[u8],
) -> bool {
    let mut given = [0u8; 20];
    match base16ct::mixed::decode(signature, &mut given) {
        // The length is public (always 20 bytes); `ct_eq` compares in constant time.
        Ok(bytes) if bytes.len() == 20 => bool::from(bytes.ct_eq(&digest(raw_data, session_key))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_table() {
        // sha1("abc" + "key"), computed independently with `printf abckey | sha1sum`.
        let sig = "9d8012e71d1125f5a0f01ea2469b2bf5df949142".to_owned();
        assert_eq!(sign("abc", "key"), sig);
        let cases = [
            (sig.clone(), true),
            (sig.to_ascii_uppercase(), true),
            (sig[..39].to_owned(), false),
            (format!("{sig}0"), false),
            (String::new(), false),
            (format!("{}g", &sig[..39]), false),
            (format!(" {}", &sig[..39]), false),
            (format!("{sig}{sig}"), false),
        ];
        for (candidate, expected) in cases {
            assert_eq!(
                verify_signature("abc", &candidate, "key"),
                expected,
                "{candidate}"
            );
        }
        assert!(!verify_signature("abd", &sig, "key"));
        assert!(!verify_signature("abc", &sig, "kez"));
    }
}
