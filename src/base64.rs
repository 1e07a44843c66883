//! Base64 as WeChat open data arrives at a server: standard alphabet, with the
//! damage that transport does to it repaired where the repair is unambiguous.
//!
//! Repairs (all documented in the README):
//! - `' '` becomes `'+'`. A `+` sent unencoded in a URL query or a form body is
//!   decoded by the server as a space; base64 never contains spaces, so a
//!   space can only ever have been a `+`.
//! - URL-safe `-` and `_` become `+` and `/` (some proxies re-encode).
//! - ASCII tab, CR, LF and form feed are ignored (line-wrapped base64).
//! - Missing `=` padding is accepted; padding that is present must be right.
//!
//! Anything else that is not base64 (other characters, wrong padding,
//! non-canonical trailing bits) is an error: we never guess.

use base64::alphabet::STANDARD;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use zeroize::Zeroizing;

/// Standard alphabet, canonical trailing bits, for input that has padding: it
/// must be exactly right (`DecodePaddingMode::Indifferent` would accept a
/// partial `=`).
const PADDED: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);
/// The same for input without any padding.
const UNPADDED: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

fn decode_repaired(text: &[u8], out: &mut [u8]) -> Option<usize> {
    let engine = if text.last() == Some(&b'=') {
        &PADDED
    } else {
        &UNPADDED
    };
    engine.decode_slice(text, out).ok()
}

/// The transport repairs, in place: returns the length of the repaired text
/// at the start of `text` (spaces and URL-safe characters mapped, line
/// breaks dropped). Repairing never lengthens the text.
fn repair_in_place(text: &mut [u8]) -> usize {
    let mut len = 0;
    for i in 0..text.len() {
        let mapped = match text.get(i).copied() {
            Some(b' ' | b'-') => b'+',
            Some(b'_') => b'/',
            Some(b'\t' | b'\n' | b'\r' | 0x0c) | None => continue,
            Some(other) => other,
        };
        if let Some(slot) = text.get_mut(len) {
            *slot = mapped;
        }
        len += 1;
    }
    len
}

/// The most bytes base64 text of `len` characters can decode to (rounded up
/// to whole groups, as the decoder wants room for).
pub(crate) const fn max_decoded_len(len: usize) -> usize {
    len.div_ceil(4) * 3
}

/// Decodes `text` after the transport repairs (made in place, in `text`)
/// into `out`, which must hold [`max_decoded_len`]`(text.len())` bytes.
/// Returns the decoded length, or `None` when it is not base64.
pub(crate) fn decode_into(text: &mut [u8], out: &mut [u8]) -> Option<usize> {
    // Most input needs no repair, so decode it as it is first. That is
    // exactly as strict: every byte a repair touches (space, '-', '_', tab,
    // CR, LF, form feed) is invalid in the standard alphabet, so text that
    // decodes as it is would not have been changed by the repairs.
    // src/base64.rs `decode_table` and tests/properties.rs cover both paths.
    if let Some(n) = decode_repaired(text, out) {
        return Some(n);
    }
    let len = repair_in_place(text);
    decode_repaired(text.get(..len)?, out)
}

/// Whether `text` holds a percent-encoded `+`, `/` or `=` (`%2B`, `%2F`,
/// `%3D`, either case): base64 that was URL-encoded once more than it was
/// decoded. Only asked about input that did not decode (an input-shape
/// check before any decryption, so it reveals nothing secret).
pub(crate) fn is_url_encoded(text: &[u8]) -> bool {
    text.windows(3).any(|w| {
        matches!(
            w,
            [b'%', b'2', b'B' | b'b' | b'F' | b'f'] | [b'%', b'3', b'D' | b'd']
        )
    })
}

/// Why `text`, which did not decode, is not base64: still URL-encoded, or
/// otherwise damaged. `text` may be the repaired buffer [`decode_into`]
/// left: the repairs never touch `%` or hex digits.
pub(crate) fn not_base64(text: &[u8]) -> crate::error::EncryptedDataProblem {
    if is_url_encoded(text) {
        crate::error::EncryptedDataProblem::UrlEncoded
    } else {
        crate::error::EncryptedDataProblem::NotBase64
    }
}

/// Decodes `text` into exactly 16 bytes, using `scratch` (at least
/// [`max_decoded_len`]`(text.len())` bytes, wiped by the caller) for the
/// decoding. `Err(Some(n))` when it is base64 of `n` bytes, `Err(None)` when
/// it is not base64.
pub(crate) fn decode_16_into(
    text: &mut [u8],
    scratch: &mut [u8],
) -> Result<[u8; 16], Option<usize>> {
    let n = decode_into(text, scratch).ok_or(None)?;
    let decoded = scratch.get(..n).ok_or(None)?;
    <[u8; 16]>::try_from(decoded).map_err(|_| Some(n))
}

/// Decodes `input` after the transport repairs, or returns `None` when it is
/// not base64. The result is wiped on drop: it may be a key.
pub fn decode(input: &str) -> Option<Zeroizing<Vec<u8>>> {
    let mut text = Zeroizing::new(input.as_bytes().to_vec());
    let mut out = Zeroizing::new(vec![0u8; max_decoded_len(text.len())]);
    let n = decode_into(&mut text, &mut out)?;
    out.truncate(n);
    Some(out)
}

/// Decodes `input` into exactly 16 bytes. `Err(Some(n))` when it is base64 of
/// `n` bytes, `Err(None)` when it is not base64.
pub fn decode_16(input: &str) -> Result<Zeroizing<[u8; 16]>, Option<usize>> {
    let mut text = Zeroizing::new(input.as_bytes().to_vec());
    let mut scratch = Zeroizing::new(vec![0u8; max_decoded_len(text.len())]);
    decode_16_into(&mut text, &mut scratch).map(Zeroizing::new)
}

/// The length of the padded base64 text of `len` bytes.
pub(crate) const fn encoded_len(len: usize) -> usize {
    len.div_ceil(3) * 4
}

/// Standard padded base64 of `bytes` into `out` (at least
/// [`encoded_len`]`(bytes.len())` bytes); returns its length.
pub(crate) fn encode_into(bytes: &[u8], out: &mut [u8]) -> Option<usize> {
    base64::engine::general_purpose::STANDARD
        .encode_slice(bytes, out)
        .ok()
}

/// Standard base64 with padding: what WeChat sends and what we produce.
pub fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (input, expected bytes or None for "not base64")
    const CASES: &[(&str, Option<&[u8]>)] = &[
        ("", Some(b"")),
        ("Zm9vYmFy", Some(b"foobar")),
        ("Zm9vYg==", Some(b"foob")),
        ("Zm9vYg", Some(b"foob")),           // missing padding
        ("Zm9v\nYmFy\r\n", Some(b"foobar")), // line-wrapped
        ("+/+/", Some(&[0xfb, 0xff, 0xbf])), // standard alphabet
        ("-_-_", Some(&[0xfb, 0xff, 0xbf])), // URL-safe alphabet
        (" / /", Some(&[0xfb, 0xff, 0xbf])), // '+' turned into ' ' in transit
        ("Zm9vYg=", None),                   // wrong padding
        ("Zm9vYh==", None),                  // non-canonical trailing bits
        ("Zm9v*mFy", None),                  // not in any alphabet
        ("Zm9vY", None),                     // impossible length
        ("=Zm9v", None),                     // padding first
        ("Zm9v\u{00e9}mFy", None),           // non-ASCII
        ("Zm9v\0mFy", None),                 // NUL
    ];

    #[test]
    fn decode_table() {
        for (input, expected) in CASES {
            let got = decode(input);
            assert_eq!(
                got.as_deref().map(|v| v.as_slice()),
                *expected,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn url_encoding_is_recognised() {
        for text in ["ab%2Bcd", "ab%2fcd", "abcd%3D%3D", "%3d"] {
            assert!(is_url_encoded(text.as_bytes()), "{text}");
        }
        for text in ["ab+cd", "%2", "%41", "ab%2Ccd", "2B3D", ""] {
            assert!(!is_url_encoded(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn decode_16_reports_length() {
        assert_eq!(
            decode_16("AAAAAAAAAAAAAAAAAAAAAA==").map(|k| *k),
            Ok([0u8; 16])
        );
        assert_eq!(decode_16("AAAA").map(|k| *k), Err(Some(3)));
        assert_eq!(decode_16("!!!!").map(|k| *k), Err(None));
    }

    #[test]
    fn encode_round_trips() {
        for len in 0..40u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(
                decode(&encode(&bytes)).as_deref().map(|v| v.as_slice()),
                Some(bytes.as_slice())
            );
        }
    }
}
