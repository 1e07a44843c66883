//! The base64 oracle shared by the property tests (tests/properties.rs) and
//! the fuzz targets (fuzz/src/lib.rs): the documented transport repairs,
//! written independently of src/base64.rs, then the strict decoder of the
//! `base64` crate (canonical padding when present). One copy, so the two
//! checks cannot drift apart.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;

/// `text` repaired as the README documents (' ' and '-' to '+', '_' to '/',
/// ASCII whitespace dropped), then decoded strictly.
pub fn strict_after_repair(text: &str) -> Option<Vec<u8>> {
    let repaired: String = text
        .chars()
        .filter_map(|c| match c {
            ' ' | '-' => Some('+'),
            '_' => Some('/'),
            '\t' | '\n' | '\r' | '\x0c' => None,
            c => Some(c),
        })
        .collect();
    if repaired.ends_with('=') {
        STANDARD.decode(repaired).ok()
    } else {
        STANDARD_NO_PAD.decode(repaired).ok()
    }
}
