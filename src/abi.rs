//! The WebAssembly ABI: numbers in, numbers out, bytes in linear memory.
//!
//! The npm package's JS surface (pkg-template/src/engine.mjs) writes the
//! arguments as UTF-8 into one scratch buffer (`TextEncoder.encodeInto`),
//! makes one numeric call, and reads the result from the buffer's header. No
//! `JsValue` crosses, no JS function is imported, so no JS exception can ever
//! enter wasm and the module loads on engines without reference types
//! (Node 10-16, see scripts/build-wasm.sh).
//!
//! Every rule is decided here, in the core modules: base64, AES-CBC, padding,
//! UTF-8, JSON syntax, the phone shape and the watermark checks. JS checks
//! argument types and option keys, builds objects and errors.
//!
//! Scratch layout: a [`HEADER`]-byte header of little-endian `u32` results,
//! then the inputs, packed in the order each export names, then the output
//! region. A status word is `code | sub << 8`: `code` is the error's `status`
//! in src/vocabulary.json (0: success), `sub` selects a detail message and
//! header word [`DETAIL`] carries a number for it. The header words, flags
//! and detail numbers are src/abi.json's, as constants build.rs generates
//! (the JS side imports pkg-template/src/abi-constants.mjs, generated from
//! the same file); tests/js/vocabulary.test.mjs checks every message the JS
//! builds.
//!
//! Secrets: every export wipes what it copied in and what it computed, and
//! scrubs the stack it used (`scrubbed`); only a successful decryption leaves
//! its plaintext in the output region, for JS to read, and JS then calls
//! [`wx_wipe`]. tests/js/secrets.test.mjs scans the whole memory after calls.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use crate::error::{ArgumentProblem, EncryptedDataProblem, Error};
#[cfg(feature = "tools")]
use crate::generated::words::sealed_iv::{IV_LEN, IV_PTR};
use crate::generated::words::{
    failure::DETAIL,
    opened::{FLAGS, SPANS},
    output::{OUT_LEN, OUT_PTR},
};
use crate::generated::{detail, flags, ABSENT, HEADER, STATUS_SUB_SHIFT};
use crate::open_data::{self, Checks, Shape};
use crate::{base64, MAX_ENCRYPTED_BASE64_LEN};

/// The most UTF-16 code units all inputs of one call may have together
/// (each unit is at most 3 UTF-8 bytes): room for the largest accepted
/// `encryptedData` and generous other arguments, and a bound on the memory
/// one call can make the instance grow to.
const MAX_UNITS: usize = MAX_ENCRYPTED_BASE64_LEN + (1 << 20);

/// The scratch buffer's size: what a call with [`MAX_UNITS`] units needs.
const SCRATCH_LEN: usize = scratch_need(MAX_UNITS);

/// The scratch a call with `units` UTF-16 units of input needs: the inputs
/// (3 bytes per unit, and a block for encryption's padding), then the output
/// region: base64 of the padded inputs, or their decoding.
const fn scratch_need(units: usize) -> usize {
    let input = 3 * units + 16;
    HEADER + input + base64::encoded_len(input) + 16
}

thread_local! {
    /// The one scratch buffer, a static array rather than a `Vec`, so that
    /// nothing here allocates and its address never changes. Being zero, it
    /// adds nothing to the .wasm file, only to the instance's initial memory.
    static SCRATCH: RefCell<[u8; SCRATCH_LEN]> = const { RefCell::new([0; SCRATCH_LEN]) };
    /// How much of the scratch buffer the last call may have written.
    static USED: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// The status word of an error (see the module docs), and its detail number.
pub(crate) fn status_of(error: Error) -> (u32, u32) {
    use detail::{invalid_encrypted_data as data, invalid_iv as iv, invalid_session_key as key};
    let decoded = |len: Option<usize>, not_base64, decodes_to| match len {
        Some(n) => (decodes_to, n as u32),
        None => (not_base64, 0),
    };
    let (sub, detail) = match error {
        Error::InvalidSessionKey { decoded_len } => {
            decoded(decoded_len, key::NOT_BASE64, key::DECODES_TO)
        }
        Error::InvalidIv { decoded_len } => decoded(decoded_len, iv::NOT_BASE64, iv::DECODES_TO),
        Error::InvalidEncryptedData(problem) => match problem {
            EncryptedDataProblem::NotBase64 => (data::NOT_BASE64, 0),
            EncryptedDataProblem::Empty => (data::EMPTY, 0),
            EncryptedDataProblem::NotBlockAligned(n) => (data::NOT_BLOCK_ALIGNED, n as u32),
            EncryptedDataProblem::TooLarge => (data::TOO_LARGE, 0),
            EncryptedDataProblem::UrlEncoded => (data::URL_ENCODED, 0),
        },
        Error::InvalidArgument(problem) => (problem.detail(), 0),
        _ => (0, 0),
    };
    (error.status() | sub << STATUS_SUB_SHIFT, detail)
}

/// The arguments do not fit (a length from JS past the buffer, or more than
/// one call may reserve).
pub(crate) const TOO_LARGE: Error = Error::InvalidArgument(ArgumentProblem::TooLarge);

/// Whether `units` UTF-16 code units of input (of which `data_units` are
/// `encryptedData`) and their output region fit the scratch buffer (always
/// [`SCRATCH_LEN`] bytes, at [`wx_scratch`]'s address); returns a status word.
#[wasm_bindgen]
pub fn wx_reserve(units: u32, data_units: u32) -> u32 {
    let (units, data_units) = (units as usize, data_units as usize);
    if data_units > MAX_ENCRYPTED_BASE64_LEN {
        return status_of(Error::InvalidEncryptedData(EncryptedDataProblem::TooLarge)).0;
    }
    if units > MAX_UNITS {
        return status_of(TOO_LARGE).0;
    }
    0
}

/// The scratch buffer's address.
#[wasm_bindgen]
pub fn wx_scratch() -> u32 {
    SCRATCH.with(|scratch| scratch.as_ptr() as usize as u32)
}

/// Wipes the part of the scratch buffer the last call used (JS calls it
/// after reading a plaintext).
#[wasm_bindgen]
pub fn wx_wipe() {
    SCRATCH.with(|scratch| {
        let used = USED.with(|used| used.replace(0));
        if let Some(region) = scratch
            .try_borrow_mut()
            .ok()
            .as_deref_mut()
            .and_then(|s| s.get_mut(..used))
        {
            region.zeroize();
        }
    });
}

/// Decryption, the request path: inputs `key`, `iv`, `data`, then `app_id`
/// (`app_id_len` = [`ABSENT`]: no appid check); `max_age` < 0: no age check,
/// else `now` is the time to measure at. `phone` != 0 applies the phone
/// shape. On success the plaintext is at header words `OUT_PTR`/`OUT_LEN`,
/// and `FLAGS` and the spans are as [`set_opened`] writes them (the JS side
/// builds WeChat-form phone data from the spans: tests/js/fast-path.test.mjs
/// counts its `JSON.parse` calls).
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn wx_open(
    phone: u32,
    key_len: u32,
    iv_len: u32,
    data_len: u32,
    app_id_len: u32,
    max_age: f64,
    now: f64,
) -> u32 {
    with_scratch(
        total(&[key_len, iv_len, data_len, app_id_len]),
        |header, rest| {
            let (key, rest) = split(rest, key_len)?;
            let (iv, rest) = split(rest, iv_len)?;
            let (data, rest) = split(rest, data_len)?;
            let (app_id, out) = match app_id_len {
                ABSENT => (None, rest),
                len => {
                    let (app_id, out) = split(rest, len)?;
                    (Some(&*app_id), out)
                }
            };
            let checks = Checks {
                app_id,
                // JS passes only safe integers here; `as` saturates anything else.
                age: (max_age >= 0.0).then_some((max_age as u64, now as u64)),
            };
            let shape = if phone != 0 { Shape::Phone } else { Shape::Any };
            let out_start = out.as_ptr() as usize;
            let opened = open_data::open_in_place(key, iv, data, out, shape, &checks)?;
            set(header, OUT_PTR, out_start as u32);
            set(header, OUT_LEN, opened.text_len as u32);
            set_opened(header, &opened);
            Ok(())
        },
    )
}

/// The rules without decryption, for JSON from elsewhere (the code route's
/// `phone_info`): inputs `text` then `app_id`, as for [`wx_open`]. The text
/// stays where it is; header words `FLAGS` as for [`wx_open`].
#[wasm_bindgen]
pub fn wx_check(phone: u32, text_len: u32, app_id_len: u32, max_age: f64, now: f64) -> u32 {
    with_scratch(total(&[text_len, app_id_len]), |header, rest| {
        let (text, rest) = split(rest, text_len)?;
        let app_id = match app_id_len {
            ABSENT => None,
            len => Some(&*split(rest, len)?.0),
        };
        let checks = Checks {
            app_id,
            age: (max_age >= 0.0).then_some((max_age as u64, now as u64)),
        };
        let shape = if phone != 0 { Shape::Phone } else { Shape::Any };
        let opened = open_data::check_json(text, shape, &checks)?;
        set_opened(header, &opened);
        Ok(())
    })
}

/// Encryption: inputs `key`, then 16 random bytes (the iv, from the host's
/// CSPRNG), then `plain_len` bytes of plaintext. The base64 ciphertext and iv
/// are at header words `OUT_PTR`/`OUT_LEN` and `IV_PTR`/`IV_LEN`.
#[cfg(feature = "tools")]
#[wasm_bindgen]
pub fn wx_seal(key_len: u32, plain_len: u32) -> u32 {
    let room = crate::cipher::padded_len(plain_len as usize);
    with_scratch(total(&[key_len, 16, room as u32]), |header, rest| {
        let (key, rest) = split(rest, key_len)?;
        let (iv, rest) = split(rest, 16)?;
        let iv: [u8; 16] = (&*iv).try_into().map_err(|_| TOO_LARGE)?;
        // The plaintext, with room after it for the padding.
        let (plain, out) = split(rest, room as u32)?;
        let out_start = out.as_ptr() as usize;
        let n = open_data::seal_in_place(key, &iv, plain, plain_len as usize, out)?;
        let (_, iv_out) = out.split_at_mut_checked(n).ok_or(TOO_LARGE)?;
        let iv_n = base64::encode_into(&iv, iv_out).ok_or(TOO_LARGE)?;
        set(header, OUT_PTR, out_start as u32);
        set(header, OUT_LEN, n as u32);
        set(header, IV_PTR, (out_start + n) as u32);
        set(header, IV_LEN, iv_n as u32);
        Ok(())
    })
}

/// `rawData` signature check: inputs `raw`, `signature`, `key` (all as given).
/// Returns 1 when `signature` is `sha1(raw + key)` in hex, else 0.
#[cfg(feature = "tools")]
#[wasm_bindgen]
pub fn wx_verify(raw_len: u32, signature_len: u32, key_len: u32) -> u32 {
    let status = with_scratch(total(&[raw_len, signature_len, key_len]), |_, rest| {
        let (raw, rest) = split(rest, raw_len)?;
        let (sig, rest) = split(rest, signature_len)?;
        let (key, _) = split(rest, key_len)?;
        if crate::signature::verify_signature_bytes(raw, sig, key) {
            Ok(())
        } else {
            Err(Error::DecryptFailed)
        }
    });
    u32::from(status == 0)
}

/// Whether the input `key` is base64 of 16 bytes: a status word.
#[wasm_bindgen]
pub fn wx_check_key(key_len: u32) -> u32 {
    with_scratch(key_len as usize, |_, rest| {
        let (key, out) = split(rest, key_len)?;
        base64::decode_16_into(key, out)
            .map_err(|decoded_len| Error::InvalidSessionKey { decoded_len })?;
        Ok(())
    })
}

/// Header words of a successful [`wx_open`] / [`wx_check`]: `FLAGS` has
/// `NUMERIC_COUNTRY_CODE` when `countryCode` is a number, and `HAS_SPANS`
/// when the text is in WeChat's exact form: then the `SPAN_COUNT` words from
/// `SPANS` hold the spans of its five values, each `start | len << 16`
/// relative to the text (only texts under 64 KiB qualify).
fn set_opened(header: &mut [u8], opened: &open_data::Opened) {
    const _: () = assert!(crate::generated::SPAN_COUNT == 5);
    let spans = opened.canonical.filter(|_| opened.text_len < 1 << 16);
    let mut bits = 0;
    if opened.numeric_country_code {
        bits |= flags::NUMERIC_COUNTRY_CODE;
    }
    if spans.is_some() {
        bits |= flags::HAS_SPANS;
    }
    set(header, FLAGS, bits);
    for (word, (start, len)) in (SPANS..).zip(spans.unwrap_or_default()) {
        set(header, word, start as u32 | (len as u32) << 16);
    }
}

/// Runs an export's work on the scratch buffer (header, then the rest) in a
/// frame below this one, records its status word and detail, wipes the
/// scratch it used on failure (on success up to what it reports as used, for
/// [`wx_wipe`]), and scrubs the stack.
pub(crate) fn with_scratch(
    inputs: usize,
    work: impl FnOnce(&mut [u8], &mut [u8]) -> Result<(), Error>,
) -> u32 {
    scrubbed(|| {
        SCRATCH.with(|scratch| {
            // Never already borrowed (no export calls another); checked
            // rather than `borrow_mut`, so no panic path is compiled in.
            let Ok(mut scratch) = scratch.try_borrow_mut() else {
                return status_of(TOO_LARGE).0;
            };
            let Some((header, rest)) = scratch.split_at_mut_checked(HEADER) else {
                return status_of(TOO_LARGE).0;
            };
            header.fill(0);
            // Every export writes at most this far: its inputs, then an
            // output no longer than 2 bytes per input byte, plus a margin.
            let used = inputs.saturating_mul(3).saturating_add(64).min(rest.len());
            match work(header, rest) {
                Ok(()) => {
                    USED.with(|u| u.set(HEADER + used.max(u.get())));
                    0
                }
                Err(error) => {
                    let (status, detail) = status_of(error);
                    // Nothing of a failed call stays.
                    if let Some(region) = rest.get_mut(..used) {
                        region.zeroize();
                    }
                    set(header, DETAIL, detail);
                    status
                }
            }
        })
    })
}

/// The first `len` bytes of `rest` and what follows; the inputs' lengths come
/// from JS, so a length past the buffer is an error, never a panic.
pub(crate) fn split(rest: &mut [u8], len: u32) -> Result<(&mut [u8], &mut [u8]), Error> {
    rest.split_at_mut_checked(len as usize).ok_or(TOO_LARGE)
}

pub(crate) fn total(lens: &[u32]) -> usize {
    // Saturating: the lengths come from JS and may be anything.
    lens.iter()
        .filter(|&&n| n != ABSENT)
        .fold(0usize, |sum, &n| sum.saturating_add(n as usize))
}

pub(crate) fn set(header: &mut [u8], word: usize, value: u32) {
    if let Some(slot) = header.get_mut(word * 4..word * 4 + 4) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

/// Runs an export's work in a stack frame of its own, then wipes the wasm
/// stack that work used, on every path.
///
/// Zeroizing our own buffers is not enough: the AES key schedule, the last
/// block's pre-XOR output, the SHA-1 block buffer (which holds the
/// session_key text) and stack copies of the decoded key are left in frames
/// that have returned, readable by anyone holding the instance's memory
/// (tests/js/secrets.test.mjs scans it). The work runs below this frame
/// (`run_below` is never inlined), and `scrub_stack` then overwrites that
/// region.
fn scrubbed<T>(work: impl FnOnce() -> T) -> T {
    let result = run_below(work);
    scrub_stack();
    result
}

#[inline(never)]
fn run_below<T>(work: impl FnOnce() -> T) -> T {
    work()
}

/// 4 KiB: deeper than any export's work goes (the secrets scan finds no
/// key-dependent byte after any call).
const SCRUB_WORDS: usize = 512;

#[inline(never)]
fn scrub_stack() {
    let mut scratch = [0u64; SCRUB_WORDS];
    scratch.zeroize();
    core::hint::black_box(&scratch);
}

/// The ABI as the JS surface drives it, run by wasm-bindgen-test
/// (src/abi_tests.rs).
#[cfg(test)]
#[path = "abi_tests.rs"]
mod tests;
