//! `diagnose()` over the numeric wasm ABI of src/abi.rs.
//!
//! The core's [`crate::diagnose`] runs here unchanged; this export writes
//! its finding as numbers and its message as UTF-8 text, rendered once, by
//! [`Diagnosis::message`] (the templates of src/vocabulary.json, which
//! build.rs generates into Rust). The JS surface (pkg-template/src/diagnose.mjs)
//! only reads them. This export is in the `tools` build only, which carries
//! `core::fmt` anyway; the request-path builds have neither.
//!
//! Inputs, packed after the header in this order: `key`, `iv`, `data`,
//! `raw`, `signature`, `app_id` (a length of [`ABSENT`]: absent), the
//! `previous_count` previous session keys (`previous_len` bytes together),
//! then their byte lengths, one little-endian `u32` each.
//!
//! Header words of a successful call (src/abi.json's `diagnosis` table; a
//! failure writes its `failure` table, as for every export):
//! - [`FINDING`]: the cause's index in `causes` | the kind << [`KIND_SHIFT`]
//!   (0: none, else 1 + its index in `kinds`) | the matched previous key <<
//!   [`KEY_SHIFT`] ([`NO_KEY`]: none);
//! - [`MESSAGE_PTR`], [`MESSAGE_LEN`]: the message, in the output region.
//!
//! tests/js/diagnose.test.mjs checks every cause's message through this ABI
//! against the native [`Diagnosis::message`].

use wasm_bindgen::prelude::*;

use crate::abi::{set, split, total, with_scratch};
use crate::diagnose::{self, DiagnoseOptions, Diagnosis};
use crate::error::Error;
use crate::generated::words::diagnosis::{FINDING, MESSAGE_LEN, MESSAGE_PTR};
// MAX_PREVIOUS_KEYS: more older keys than anyone keeps; bounds the work of
// one call (the JS surface refuses more before calling).
use crate::generated::{
    finding::{KEY_SHIFT, KIND_SHIFT},
    ABSENT, MAX_PREVIOUS_KEYS as MAX_PREVIOUS, NO_KEY,
};

/// Bytes a call counts for its message after its inputs, so that the wipe
/// after the call covers the message too.
const MESSAGE_ROOM: usize = 4096;

/// A JS bug (the lengths do not fit the inputs), never the caller's.
const BAD_LAYOUT: Error = crate::abi::TOO_LARGE;

/// Diagnosis: see the module docs for the inputs and the header words.
/// `max_age` < 0: no age check; `now`: unix seconds (JS passes its clock).
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn wx_diagnose(
    key_len: u32,
    iv_len: u32,
    data_len: u32,
    raw_len: u32,
    signature_len: u32,
    app_id_len: u32,
    previous_len: u32,
    previous_count: u32,
    max_age: f64,
    now: f64,
) -> u32 {
    let table_len = previous_count.saturating_mul(4);
    let lens = [
        key_len,
        iv_len,
        data_len,
        raw_len,
        signature_len,
        app_id_len,
        previous_len,
        table_len,
    ];
    // The message follows the inputs: the room counted here makes the wipe
    // after the call cover it too.
    with_scratch(total(&lens).saturating_add(MESSAGE_ROOM), |header, rest| {
        if previous_count > MAX_PREVIOUS {
            return Err(BAD_LAYOUT);
        }
        let (key, rest) = split(rest, key_len)?;
        let (iv, rest) = split(rest, iv_len)?;
        let (data, rest) = split(rest, data_len)?;
        let (raw, rest) = optional(rest, raw_len)?;
        let (signature, rest) = optional(rest, signature_len)?;
        let (app_id, rest) = optional(rest, app_id_len)?;
        let (mut keys, rest) = split(rest, previous_len)?;
        let (table, out) = split(rest, table_len)?;
        let mut previous = Vec::with_capacity(previous_count as usize);
        for len in table.chunks_exact(4) {
            let len = u32::from_le_bytes(len.try_into().map_err(|_| BAD_LAYOUT)?);
            let (one, others) = split(keys, len)?;
            previous.push(text(one)?);
            keys = others;
        }
        let options = DiagnoseOptions {
            raw_data: raw.map(text).transpose()?,
            signature: signature.map(text).transpose()?,
            previous_session_keys: &previous,
            app_id: app_id.map(text).transpose()?,
            // JS passes only safe integers here; `as` saturates anything else.
            max_age_seconds: (max_age >= 0.0).then_some(max_age as u64),
            now: Some(now as u64),
        };
        let found = diagnose::diagnose(text(key)?, text(data)?, text(iv)?, &options);
        write_finding(header, out, &found)
    })
}

/// An input that may be absent ([`ABSENT`]).
fn optional(rest: &mut [u8], len: u32) -> Result<(Option<&mut [u8]>, &mut [u8]), Error> {
    match len {
        ABSENT => Ok((None, rest)),
        len => split(rest, len).map(|(input, rest)| (Some(input), rest)),
    }
}

/// An input as text: `TextEncoder` only writes UTF-8.
fn text(bytes: &mut [u8]) -> Result<&str, Error> {
    core::str::from_utf8(bytes).map_err(|_| BAD_LAYOUT)
}

/// Writes `text` at the start of `out` and its pointer and length into
/// header words `words`; returns the rest of `out`.
fn put<'a>(
    header: &mut [u8],
    (ptr_word, len_word): (usize, usize),
    out: &'a mut [u8],
    text: &str,
) -> Result<&'a mut [u8], Error> {
    // The output region is the rest of the static scratch buffer, far larger
    // than any message.
    let (slot, rest) = split(out, text.len() as u32)?;
    slot.iter_mut()
        .zip(text.bytes())
        .for_each(|(to, from)| *to = from);
    set(header, ptr_word, slot.as_ptr() as usize as u32);
    set(header, len_word, text.len() as u32);
    Ok(rest)
}

/// The header words of the module docs; the message goes to `out`.
fn write_finding(header: &mut [u8], out: &mut [u8], found: &Diagnosis) -> Result<(), Error> {
    let kind = found.kind.map_or(0, |kind| kind as u32 + 1);
    let matched = found
        .matched_previous_key
        .map_or(NO_KEY, |index| index as u32);
    set(
        header,
        FINDING,
        found.cause.index() | kind << KIND_SHIFT | matched << KEY_SHIFT,
    );
    put(header, (MESSAGE_PTR, MESSAGE_LEN), out, &found.message()).map(|_| ())
}
