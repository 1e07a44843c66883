//! The lenient base64 decoder never panics and is exactly "documented repairs,
//! then the strict decoder"; what it decodes re-encodes to the same bytes, and
//! `decode_16` agrees with `decode` on the length.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wx_open_data::base64::{decode, decode_16, encode};
use wx_open_data_fuzz::strict_after_repair;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lenient = decode(&text);
    let strict = strict_after_repair(&text);
    assert_eq!(lenient.as_deref().map(Vec::as_slice), strict.as_deref());
    match (&lenient, decode_16(&text)) {
        (Some(bytes), Ok(key)) => assert_eq!(bytes.as_slice(), key.as_slice()),
        (Some(bytes), Err(Some(n))) => assert!(bytes.len() == n && n != 16),
        (None, Err(None)) => {}
        (lenient, exact) => panic!("decode {lenient:?} vs decode_16 {exact:?}"),
    }
    if let Some(bytes) = lenient {
        let again = decode(&encode(&bytes));
        assert_eq!(again.as_deref(), Some(&*bytes));
    }
});
