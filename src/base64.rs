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

use zeroize::Zeroizing;

/// Strict standard base64 (RFC 4648 §4) of `text` into `out`: `None` unless
/// every character is in the standard alphabet, the length is possible, the
/// `=` padding (when the text ends in `=`) is exactly right, and the unused
/// bits of the last character are zero. The text may be a session_key: each
/// character is decoded by arithmetic on its value, with no table indexed by
/// it and no branch on it (the validity of all characters is combined and
/// decided once at the end), 16 characters at a time with SIMD128. Only the
/// length and the trailing `=`, which the length of valid input fixes, steer
/// the code. tests/properties.rs compares this with the `base64` crate's
/// strict decoder on arbitrary text (`lenient_base64_is_strict_after_repair`);
/// `decode_table` and `simd_and_scalar_decoding_agree` below.
fn decode_repaired(text: &[u8], out: &mut [u8]) -> Option<usize> {
    let n = text.len();
    let pads = match text {
        [.., b'=', b'='] => 2,
        [.., b'='] => 1,
        _ => 0,
    };
    if pads > 0 && n % 4 != 0 {
        return None;
    }
    let body = text.get(..n - pads)?;
    let tail = body.len() % 4;
    if tail == 1 {
        return None;
    }
    let out_len = body.len() / 4 * 3 + tail.saturating_sub(1);
    let out = out.get_mut(..out_len)?;
    let whole = body.len() - tail;
    let (quads, rest) = body.split_at(whole);
    let (out_quads, out_rest) = out.split_at_mut(whole / 4 * 3);
    let mut bad = decode_quads(quads, out_quads);
    // The last 2 or 3 characters: 1 or 2 bytes, and the bits left over must
    // be zero (canonical).
    let [a, b, c] = [0, 1, 2].map(|i| rest.get(i).map_or(0, |&ch| symbol(ch)));
    let (bytes, unused) = match tail {
        2 => ([(a << 2 | b >> 4) as u8, 0], b & 0x0f),
        3 => ([(a << 2 | b >> 4) as u8, (b << 4 | c >> 2) as u8], c & 0x03),
        _ => ([0, 0], 0),
    };
    bad |= a | b | c | (unused | -unused) >> 15;
    for (slot, byte) in out_rest.iter_mut().zip(bytes) {
        *slot = byte;
    }
    (bad >= 0).then_some(out_len)
}

/// The 6-bit value of a standard base64 character, or -1: range tests by
/// arithmetic (each `-1` or `0`), no lookup and no branch (as in RustCrypto's
/// base64ct).
#[inline(always)]
fn symbol(c: u8) -> i16 {
    let c = i16::from(c);
    // -1 when lo <= c <= hi, else 0 (both operands lie in -256..=255).
    let within = |lo: i16, hi: i16| ((lo - 1 - c) & (c - hi - 1)) >> 8;
    -1 + (within(65, 90) & (c - 64)) // A-Z: 0-25
        + (within(97, 122) & (c - 70)) // a-z: 26-51
        + (within(48, 57) & (c + 5)) // 0-9: 52-61
        + (within(43, 43) & 63) // '+': 62
        + (within(47, 47) & 64) // '/': 63
}

/// Decodes whole groups of 4 characters into 3 bytes each; returns a
/// negative number when any character is not in the alphabet.
#[inline(always)]
fn decode_quads_scalar(text: &[u8], out: &mut [u8]) -> i16 {
    let mut bad = 0;
    for (quad, bytes) in text.chunks_exact(4).zip(out.chunks_exact_mut(3)) {
        let [a, b, c, d] = [0, 1, 2, 3].map(|i| quad.get(i).map_or(-1, |&ch| symbol(ch)));
        bad |= a | b | c | d;
        for (slot, byte) in bytes
            .iter_mut()
            .zip([a << 2 | b >> 4, b << 4 | c >> 2, c << 6 | d])
        {
            *slot = byte as u8;
        }
    }
    bad
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn decode_quads(text: &[u8], out: &mut [u8]) -> i16 {
    decode_quads_scalar(text, out)
}

/// 16 characters into 12 bytes per step with SIMD128, the rest as above.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn decode_quads(text: &[u8], out: &mut [u8]) -> i16 {
    use core::arch::wasm32::v128_any_true;
    let mut invalid = core::arch::wasm32::u8x16_splat(0);
    let mut chunks = text.chunks_exact(16);
    let mut outs = out.chunks_exact_mut(12);
    for (chunk, bytes) in (&mut chunks).zip(&mut outs) {
        let (decoded, not_base64) = simd::decode16(chunk);
        invalid = core::arch::wasm32::v128_or(invalid, not_base64);
        if let Some(decoded) = decoded.get(..12) {
            bytes.copy_from_slice(decoded);
        }
    }
    let done = text.len() - chunks.remainder().len();
    let rest_out = out.get_mut(done / 4 * 3..).unwrap_or_default();
    let bad = decode_quads_scalar(chunks.remainder(), rest_out);
    bad | -i16::from(v128_any_true(invalid))
}

/// SIMD128 decoding of 16 characters: range compares give lane masks, the
/// masks select each range's offset, and shifts and one constant shuffle
/// pack the 6-bit values into 12 bytes.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{
        u16x8_shl, u16x8_shr, u16x8_splat, u32x4_shl, u32x4_shr, u32x4_splat, u64x2,
        u64x2_extract_lane, u8x16_add, u8x16_eq, u8x16_ge, u8x16_le, u8x16_shuffle, u8x16_splat,
        v128, v128_and, v128_not, v128_or,
    };

    /// The 12 bytes of 16 characters (at the start of the result) and a
    /// mask with all bits set in the lanes of characters outside the alphabet.
    #[inline(always)]
    pub(super) fn decode16(chunk: &[u8]) -> ([u8; 16], v128) {
        let x = u128::from_le_bytes(<[u8; 16]>::try_from(chunk).unwrap_or([b'='; 16]));
        let c = u64x2(x as u64, (x >> 64) as u64);
        let range =
            |lo: u8, hi: u8| v128_and(u8x16_ge(c, u8x16_splat(lo)), u8x16_le(c, u8x16_splat(hi)));
        let upper = range(b'A', b'Z');
        let lower = range(b'a', b'z');
        let digit = range(b'0', b'9');
        let plus = u8x16_eq(c, u8x16_splat(b'+'));
        let slash = u8x16_eq(c, u8x16_splat(b'/'));
        let valid = v128_or(v128_or(upper, lower), v128_or(digit, v128_or(plus, slash)));
        // Added modulo 256: 'A' - 65 = 0, 'a' - 71 = 26, '0' + 4 = 52, '+' + 19 = 62, '/' + 16 = 63.
        let offset = v128_or(
            v128_or(
                v128_and(upper, u8x16_splat(65u8.wrapping_neg())),
                v128_and(lower, u8x16_splat(71u8.wrapping_neg())),
            ),
            v128_or(
                v128_and(digit, u8x16_splat(4)),
                v128_or(
                    v128_and(plus, u8x16_splat(19)),
                    v128_and(slash, u8x16_splat(16)),
                ),
            ),
        );
        let v = u8x16_add(c, offset);
        // Pairs of 6-bit values into 12 bits (v[2i] << 6 | v[2i+1]), then
        // pairs of those into 24 bits, each in a 32-bit lane, little-endian.
        let a = v128_or(
            u16x8_shl(v128_and(v, u16x8_splat(0x00ff)), 6),
            u16x8_shr(v, 8),
        );
        let b = v128_or(
            u32x4_shl(v128_and(a, u32x4_splat(0xffff)), 12),
            u32x4_shr(a, 16),
        );
        // Each lane's three bytes, most significant first.
        let packed = u8x16_shuffle::<2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 3, 7, 11, 15>(b, b);
        let lo = u64x2_extract_lane::<0>(packed);
        let hi = u64x2_extract_lane::<1>(packed);
        (
            (u128::from(hi) << 64 | u128::from(lo)).to_le_bytes(),
            v128_not(valid),
        )
    }
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
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .encode_slice(bytes, out)
        .ok()
}

/// Standard base64 with padding: what WeChat sends and what we produce.
pub fn encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
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

    /// The SIMD128 decoding of whole groups (16 characters per step) and the
    /// scalar one agree on bytes and verdict: every byte value at every
    /// position of texts of 0 to 71 characters. Natively both sides are the
    /// scalar code; scripts/test-wasm.sh runs it under SIMD128 in Node and
    /// Chromium.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn simd_and_scalar_decoding_agree() {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for quads in 0..18usize {
            let len = quads * 4;
            let base: Vec<u8> = (0..len).map(|i| ALPHABET[(i * 37 + quads) % 64]).collect();
            let mut texts = vec![base.clone()];
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut text = base.clone();
                    text[at] = byte;
                    texts.push(text);
                }
            }
            for text in texts {
                let (mut simd, mut scalar) = (vec![0u8; len / 4 * 3], vec![0u8; len / 4 * 3]);
                let a = decode_quads(&text, &mut simd);
                let b = decode_quads_scalar(&text, &mut scalar);
                assert_eq!(a < 0, b < 0, "{text:?}");
                if b >= 0 {
                    assert_eq!(simd, scalar, "{text:?}");
                }
            }
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
