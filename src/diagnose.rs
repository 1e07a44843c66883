//! Why did this open data fail to decrypt? A diagnosis for operators and logs.
//!
//! [`decrypt_phone`](crate::decrypt_phone) answers every failure after
//! decryption with one `DECRYPT_FAILED`, on purpose: telling bad padding from
//! bad UTF-8 or bad JSON would hand an attacker a CBC padding oracle. That
//! leaves the developer whose phone-number flow fails with a single error and
//! no idea which of the usual mistakes they made. [`diagnose`] is the other
//! half: given the same inputs (and, optionally, older session keys and a
//! `rawData` signature), it tries the known ways transport and code damage
//! them and names the most specific cause, with what to do.
//!
//! It is **not** for the request path. Run it where a human reads the result
//! (a log line after a failure, the `wx-open-data diagnose` CLI, a support
//! tool), never to decide what to answer a client: its answers are exactly the
//! distinctions decryption refuses to make. Nothing here changes
//! [`decrypt_phone`](crate::decrypt_phone) or
//! [`decrypt_text`](crate::open_data::decrypt_text).
//!
//! A [`Diagnosis`] is data: the [`Cause`], the [`DataKind`], and a [`Detail`]
//! holding the numbers its sentence needs. [`Diagnosis::message`] renders
//! the sentence from the templates that src/vocabulary.json keeps under
//! `causes[].messages` (build.rs turns them into Rust strings); the npm
//! package's `diagnose()` returns that text (src/abi_diagnose.rs), so the
//! sentence is rendered in one place.
//!
//! Messages never contain the session key, the iv, the ciphertext or the
//! plaintext; the only decrypted facts they state are the kind of data, the
//! watermark appid (an AppID is public) and the watermark's age.

use core::fmt;

use crate::cipher::{self, BLOCK_LEN};
use crate::error::{EncryptedDataProblem, Error};
use crate::open_data::{self, Checks, DecryptOptions, Shape, Watermark};
use crate::{base64, signature, CLOCK_SKEW_SECONDS, MAX_ENCRYPTED_BASE64_LEN};

/// The finding of a [`diagnose`] call. See [`Cause::code`] for the stable identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// Decrypts, is phone data, and passes every requested watermark check.
    Ok,
    /// An argument is not base64 of the right length (the message names it;
    /// the JS surface also reports a missing session_key as this cause).
    InvalidInput,
    /// `'+'` turned into `' '` in transit; it still decrypts after our repair.
    PlusBecameSpace,
    /// `encryptedData` lost its end in transit.
    Truncated,
    /// Only the first block is garbage: the iv belongs to another request.
    IvMismatch,
    /// Decrypts with the session key and the iv exchanged.
    KeyIvSwapped,
    /// Every block is garbage: the session key is not the one that encrypted it.
    StaleSessionKey,
    /// Decrypts, but it is userInfo, weRunData or other data, not a phone number.
    NotPhoneData,
    /// Decrypts, but the watermark appid is not the expected one (or is missing).
    AppIdMismatch,
    /// Decrypts, but the watermark is older than allowed (or in the future, or missing).
    Expired,
    /// An argument is still URL-encoded (`%2B`, `%2F`, `%3D`): it was encoded
    /// once more than it was decoded.
    UrlEncoded,
}

impl Cause {
    /// Every code [`Cause::code`] can return, in declaration order: the
    /// order of src/vocabulary.json's `causes` (build.rs reads them from
    /// there), whose index the wasm ABI returns.
    pub const CODES: [&'static str; 11] = crate::generated::CAUSE_CODES;

    /// The stable, machine-readable identifier of this finding.
    pub fn code(self) -> &'static str {
        Self::CODES.get(self as usize).copied().unwrap_or_default()
    }

    /// The index of [`Cause::code`] in [`Cause::CODES`].
    #[cfg_attr(
        not(all(target_arch = "wasm32", target_os = "unknown", feature = "tools")),
        allow(dead_code)
    )]
    pub(crate) fn index(self) -> u32 {
        self as u32
    }

    /// The sentence parts of this cause's messages, part 1 first: the
    /// `messages` of its row in src/vocabulary.json, which build.rs makes
    /// into Rust strings. `{name}` is a value of the [`Detail`] (see
    /// [`Diagnosis::message`]).
    fn messages(self) -> &'static [&'static str] {
        crate::generated::CAUSE_MESSAGES
            .get(self as usize)
            .copied()
            .unwrap_or_default()
    }
}

/// What kind of open data a payload is, judged by its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// getPhoneNumber: `phoneNumber`, `purePhoneNumber`, `countryCode`, `watermark`.
    Phone,
    /// getUserInfo: `nickName`, `openId` or `avatarUrl`.
    UserInfo,
    /// getWeRunData: `stepInfoList`.
    WeRunData,
    /// Anything else (share info, group info, unknown).
    Other,
}

impl DataKind {
    /// `"phone"`, `"userInfo"`, `"weRunData"` or `"other"`:
    /// src/vocabulary.json's `kinds[].kind`, in declaration order.
    pub fn as_str(self) -> &'static str {
        crate::generated::KINDS
            .get(self as usize)
            .map_or("", |kind| kind.0)
    }

    /// How a message names this kind (`{kind}`): src/vocabulary.json's
    /// `kinds[].phrase`.
    pub fn phrase(self) -> &'static str {
        crate::generated::KINDS
            .get(self as usize)
            .map_or("", |kind| kind.1)
    }

    /// The kind from which top-level fields are present (phone data is
    /// decided by the caller, with the full [`PhoneInfo`](crate::PhoneInfo) rules).
    pub fn from_fields(has: impl Fn(&str) -> bool) -> DataKind {
        if has("stepInfoList") {
            DataKind::WeRunData
        } else if has("nickName") || has("openId") || has("avatarUrl") {
            DataKind::UserInfo
        } else {
            DataKind::Other
        }
    }
}

/// What [`diagnose_with`] needs to know about a decrypted JSON text.
/// [`diagnose`] (natively and in the .wasm) reads it with the crate's own
/// JSON scanner, by the rules decryption applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonFacts {
    /// What kind of open data it is.
    pub kind: DataKind,
    /// Its watermark, `None` when missing or malformed.
    pub watermark: Option<Watermark>,
}

/// Extra evidence and the checks to apply. All optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiagnoseOptions<'a> {
    /// The `rawData` the Mini Program received with the data (needs `signature`).
    pub raw_data: Option<&'a str>,
    /// Its `signature`: `sha1(rawData + session_key)` (needs `raw_data`).
    pub signature: Option<&'a str>,
    /// Older session keys of the same user, newest first: if one decrypts the
    /// data, the key passed is stale and the result names which one worked.
    pub previous_session_keys: &'a [&'a str],
    /// Your Mini Program's AppID: the watermark appid must equal it.
    pub app_id: Option<&'a str>,
    /// The watermark may be at most this many seconds old.
    pub max_age_seconds: Option<u64>,
    /// Current unix time in seconds; `None` reads the system clock (native only).
    pub now: Option<u64>,
}

/// The result of [`diagnose`]: what was found, as data. [`Diagnosis::message`]
/// (or `Display`) is the sentence for a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Diagnosis {
    /// The most specific cause found.
    pub cause: Cause,
    /// What the data is, when some key/iv combination decrypted it.
    pub kind: Option<DataKind>,
    /// Index into `previous_session_keys` of the key that decrypts the data.
    pub matched_previous_key: Option<usize>,
    /// The facts the message states beyond the cause.
    pub detail: Detail,
}

/// The facts a [`Diagnosis`]'s message states beyond its cause: lengths,
/// positions, ages, appids. None of them is secret (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Detail {
    /// Nothing beyond the cause (`OK`, `IV_MISMATCH`, `KEY_IV_SWAPPED`).
    None,
    /// An argument is malformed, as decryption reports it (`INVALID_INPUT`;
    /// `TRUNCATED` when the ciphertext is not a whole number of blocks). The
    /// message is the error's own.
    Input(Error),
    /// `previous_session_keys[index]` is not base64 of 16 bytes (`INVALID_INPUT`).
    BadPreviousKey {
        /// Its index.
        index: usize,
    },
    /// Only one of `raw_data` and `signature` was given (`INVALID_INPUT`).
    RawDataWithoutSignature,
    /// `encryptedData` ends inside a 4-character base64 group (`TRUNCATED`).
    CutInBase64Group,
    /// It decrypts to the start of a JSON document whose end is missing (`TRUNCATED`).
    EndMissing {
        /// Ciphertext bytes that arrived.
        bytes: usize,
    },
    /// `'+'` became `' '` in these inputs (`PLUS_BECAME_SPACE`).
    Spaces(Spaced),
    /// These inputs are still URL-encoded (`URL_ENCODED`).
    UrlEncoded(Spaced),
    /// `STALE_SESSION_KEY`; the key that decrypts, if any, is
    /// [`Diagnosis::matched_previous_key`].
    Stale {
        /// How many of `previous_session_keys` were tried.
        tried: usize,
        /// What the `rawData` signature says.
        signature: SignatureCheck,
    },
    /// Decrypted JSON of another [`Diagnosis::kind`] (`NOT_PHONE_DATA`).
    OtherKind,
    /// Decrypted text that is not JSON (`NOT_PHONE_DATA`).
    NotJson,
    /// The watermark appid is not the expected one (`APPID_MISMATCH`).
    AppIdMismatch {
        /// The watermark's appid; `None`: the data has no (well-formed) watermark.
        watermark: Option<AppIdText>,
        /// `app_id` as passed.
        expected: AppIdText,
    },
    /// The watermark lies more than [`CLOCK_SKEW_SECONDS`] in the future (`EXPIRED`).
    InFuture {
        /// How far ahead of `now`.
        seconds: u64,
    },
    /// The watermark is older than `max_age_seconds` (`EXPIRED`).
    TooOld {
        /// Its age at `now`.
        age: u64,
        /// `max_age_seconds` as passed.
        max_age: u64,
    },
    /// An age check was asked for, but there is no watermark timestamp (`EXPIRED`).
    NoTimestamp,
}

/// Which inputs arrived with spaces where a `'+'` belongs (or, in
/// [`Detail::UrlEncoded`], still URL-encoded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spaced {
    /// `session_key`.
    pub session_key: bool,
    /// `encrypted_data`.
    pub encrypted_data: bool,
    /// `iv`.
    pub iv: bool,
}

impl Spaced {
    /// The argument names, in call order: `{names}` joins them with " and "
    /// (src/abi.json's `spacedNames`).
    pub const NAMES: [&'static str; 3] = crate::generated::SPACED_NAMES;
}

/// What the `rawData` signature says about a stale session key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureCheck {
    /// No `raw_data` and `signature` were given.
    NotGiven,
    /// It verifies with the session key passed: the key was current when
    /// rawData was signed, so the data belongs to another user or session.
    VerifiesWithKey,
    /// It fails with the session key passed.
    Fails,
    /// It fails with the session key passed and verifies with the previous
    /// key that decrypts the data.
    FailsButVerifiesWithMatched,
}

/// An appid as a message shows it: at most [`AppIdText::CAPACITY`] bytes of
/// UTF-8, without line breaks or other control characters (each becomes
/// U+FFFD, so a forged watermark cannot forge log lines). A longer text is
/// cut at a character boundary and ends in `…`. Real AppIDs are 18 ASCII
/// characters and are shown unchanged.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AppIdText {
    bytes: [u8; AppIdText::CAPACITY],
    len: u8,
}

impl AppIdText {
    /// The most bytes kept.
    pub const CAPACITY: usize = 32;

    /// `text` made fit for a message, as described on the type.
    pub fn new(text: &str) -> AppIdText {
        const ELLIPSIS: &str = "\u{2026}";
        let mut out = AppIdText {
            bytes: [0; AppIdText::CAPACITY],
            len: 0,
        };
        // Where to cut if the text turns out too long: the last character
        // boundary that leaves room for the ellipsis.
        let mut cut = 0;
        for c in text.chars() {
            let c = if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            };
            if !out.push(c.encode_utf8(&mut [0; 4])) {
                // Equal texts must compare equal: clear what is cut off.
                if let Some(cut_off) = out.bytes.get_mut(usize::from(cut)..) {
                    cut_off.fill(0);
                }
                out.len = cut;
                out.push(ELLIPSIS);
                break;
            }
            if usize::from(out.len) + ELLIPSIS.len() <= AppIdText::CAPACITY {
                cut = out.len;
            }
        }
        out
    }

    /// Appends `s` if it fits.
    fn push(&mut self, s: &str) -> bool {
        let start = usize::from(self.len);
        match self.bytes.get_mut(start..start + s.len()) {
            Some(slot) => {
                // Not `copy_from_slice`: its length-mismatch panic would be
                // the only one on this path in the .wasm.
                slot.iter_mut()
                    .zip(s.bytes())
                    .for_each(|(to, from)| *to = from);
                self.len += s.len() as u8;
                true
            }
            None => false,
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        self.bytes
            .get(..usize::from(self.len))
            .and_then(|bytes| core::str::from_utf8(bytes).ok())
            .unwrap_or_default()
    }
}

impl fmt::Debug for AppIdText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Diagnosis {
    fn new(cause: Cause, detail: Detail) -> Diagnosis {
        Diagnosis {
            cause,
            kind: None,
            matched_previous_key: None,
            detail,
        }
    }

    fn of_kind(mut self, kind: DataKind) -> Diagnosis {
        self.kind = Some(kind);
        self
    }

    /// One sentence for a human: what happened and what to do. Never contains
    /// key, iv, ciphertext or plaintext (beyond kind, appid and age).
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// Which of the cause's message parts (1 = the first) make up the
    /// message, in order; 0 ends the list. The one place that composes
    /// messages, for the one renderer below (the wasm ABI passes its output
    /// to JS as text: src/abi_diagnose.rs).
    pub(crate) fn parts(&self) -> [u8; 4] {
        match self.detail {
            Detail::BadPreviousKey { .. }
            | Detail::CutInBase64Group
            | Detail::NotJson
            | Detail::AppIdMismatch {
                watermark: None, ..
            }
            | Detail::TooOld { .. } => [2, 0, 0, 0],
            Detail::RawDataWithoutSignature | Detail::EndMissing { .. } | Detail::NoTimestamp => {
                [3, 0, 0, 0]
            }
            Detail::Stale { tried, signature } => {
                let mut parts = [0; 4];
                let mut n = 0;
                let mut add = |part| {
                    if let Some(slot) = parts.get_mut(n) {
                        *slot = part;
                        n += 1;
                    }
                };
                match self.matched_previous_key {
                    Some(_) => add(1),
                    None if tried > 0 => {
                        add(2);
                        add(3);
                    }
                    None => add(2),
                }
                match signature {
                    SignatureCheck::NotGiven => {}
                    SignatureCheck::VerifiesWithKey => add(4),
                    SignatureCheck::Fails => add(5),
                    SignatureCheck::FailsButVerifiesWithMatched => {
                        add(5);
                        add(6);
                    }
                }
                add(7);
                parts
            }
            _ => [1, 0, 0, 0],
        }
    }

    /// Writes the value of the placeholder `{name}` of this diagnosis's messages.
    fn write_value(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let number = match (name, self.detail) {
            ("kind", _) => return f.write_str(self.kind.map_or("open data", DataKind::phrase)),
            ("error", Detail::Input(error)) => return write!(f, "{error}"),
            ("names", Detail::Spaces(spaced) | Detail::UrlEncoded(spaced)) => {
                let flags = [spaced.session_key, spaced.encrypted_data, spaced.iv];
                let mut names = Spaced::NAMES.iter().zip(flags).filter(|(_, on)| *on);
                if let Some((first, _)) = names.next() {
                    f.write_str(first)?;
                }
                for (name, _) in names {
                    f.write_str(" and ")?;
                    f.write_str(name)?;
                }
                return Ok(());
            }
            ("appid", Detail::AppIdMismatch { watermark, .. }) => {
                return f.write_str(watermark.as_ref().map_or("", AppIdText::as_str))
            }
            ("expected", Detail::AppIdMismatch { expected, .. }) => {
                return f.write_str(expected.as_str())
            }
            ("index", Detail::BadPreviousKey { index }) => index as u64,
            ("index", Detail::Stale { .. }) => self.matched_previous_key.unwrap_or(0) as u64,
            ("tried", Detail::Stale { tried, .. }) => tried as u64,
            ("bytes", Detail::EndMissing { bytes }) => bytes as u64,
            ("seconds", Detail::InFuture { seconds }) => seconds,
            ("skew", _) => CLOCK_SKEW_SECONDS,
            ("age", Detail::TooOld { age, .. }) => age,
            ("maxAge", Detail::TooOld { max_age, .. }) => max_age,
            // Not a placeholder this detail fills: shown as written.
            _ => return write!(f, "{{{name}}}"),
        };
        write!(f, "{number}")
    }
}

/// The message ([`Diagnosis::message`]): the cause's message templates that
/// the diagnosis names, with their placeholders filled; the JS surface's
/// `diagnose()` returns this text (src/abi_diagnose.rs).
impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let templates = self.cause.messages();
        for part in self.parts().into_iter().take_while(|&part| part != 0) {
            let Some(template) = templates.get(usize::from(part) - 1) else {
                continue;
            };
            let mut rest = *template;
            while let Some((literal, tail)) = rest.split_once('{') {
                f.write_str(literal)?;
                let Some((name, tail)) = tail.split_once('}') else {
                    f.write_str("{")?;
                    rest = tail;
                    continue;
                };
                self.write_value(name, f)?;
                rest = tail;
            }
            f.write_str(rest)?;
        }
        Ok(())
    }
}

/// Diagnoses why `encrypted_data` + `iv` do (not) decrypt with `session_key`.
/// See the module docs.
pub fn diagnose(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
    options: &DiagnoseOptions<'_>,
) -> Diagnosis {
    diagnose_with(session_key, encrypted_data, iv, options, scanned_facts)
}

/// [`diagnose`] with the caller's JSON reader: `facts` returns `None` when the
/// text is not JSON.
pub fn diagnose_with(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
    options: &DiagnoseOptions<'_>,
    mut facts: impl FnMut(&str) -> Option<JsonFacts>,
) -> Diagnosis {
    let ciphertext = match check_inputs(session_key, encrypted_data, iv, options) {
        Ok(ciphertext) => ciphertext,
        Err(diagnosis) => return diagnosis,
    };
    let mut decrypts = |key: &str, iv: &str| decrypts(key, encrypted_data, iv, &mut facts);

    // Decrypts as given: only watermark, kind and transport findings remain.
    if let Some(found) = decrypts(session_key, iv) {
        return decrypted(&found, [session_key, encrypted_data, iv], options);
    }
    // Both are base64 of 16 bytes, so an exchanged call type-checks and runs.
    if let Some(found) = decrypts(iv, session_key) {
        return Diagnosis::new(Cause::KeyIvSwapped, Detail::None).of_kind(found.kind);
    }
    for (index, previous) in options.previous_session_keys.iter().enumerate() {
        if let Some(found) = decrypts(previous, iv) {
            return stale(session_key, Some((index, previous)), options).of_kind(found.kind);
        }
    }

    // Nothing decrypts: look at the blocks. In CBC the iv only enters the
    // first block, and a missing tail only breaks the padding.
    let (Ok(key), Ok(iv_bytes)) = (base64::decode_16(session_key), base64::decode_16(iv)) else {
        return stale(session_key, None, options); // unreachable: checked above
    };
    let mut plain = ciphertext;
    if cipher::decrypt_blocks_in_place(&key, &iv_bytes, &mut plain).is_err() {
        return stale(session_key, None, options); // unreachable: length checked above
    }
    if iv_mismatch(&plain) {
        return Diagnosis::new(Cause::IvMismatch, Detail::None);
    }
    if json_start(&plain) {
        let bytes = plain.len();
        return Diagnosis::new(Cause::Truncated, Detail::EndMissing { bytes });
    }
    let text_len = cipher::pkcs7_unpadded_len(&plain);
    if text_len
        .and_then(|len| printable(plain.get(..len)?, false, false))
        .is_some()
    {
        // Right key and iv (the padding and text are intact), but not JSON.
        return Diagnosis::new(Cause::NotPhoneData, Detail::NotJson).of_kind(DataKind::Other);
    }
    stale(session_key, None, options)
}

/// The request path's own decryption, then the caller's JSON reader.
/// `inline(never)`: one copy of the (large, bitsliced) AES code path serves
/// every attempt instead of one per call site in the .wasm.
#[inline(never)]
fn decrypts(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
    facts: &mut dyn FnMut(&str) -> Option<JsonFacts>,
) -> Option<JsonFacts> {
    let (opened, out) = open_data::open_native(
        session_key,
        encrypted_data,
        iv,
        Shape::Any,
        &DecryptOptions::default(),
    )
    .ok()?;
    let text = core::str::from_utf8(out.get(..opened.text_len)?).ok()?;
    facts(text)
}

/// Validates the inputs as decryption does and returns the ciphertext bytes.
fn check_inputs(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
    options: &DiagnoseOptions<'_>,
) -> Result<zeroize::Zeroizing<Vec<u8>>, Diagnosis> {
    let invalid = |error: Error| Diagnosis::new(Cause::InvalidInput, Detail::Input(error));
    if encrypted_data.len() > MAX_ENCRYPTED_BASE64_LEN {
        return Err(invalid(Error::InvalidEncryptedData(
            EncryptedDataProblem::TooLarge,
        )));
    }
    // '%' is in no base64 alphabet, so an input with %2B, %2F or %3D fails
    // below anyway; this names why, for every argument at once.
    let [session_key_encoded, encrypted_data_encoded, iv_encoded] =
        [session_key, encrypted_data, iv].map(|input| base64::is_url_encoded(input.as_bytes()));
    let encoded = Spaced {
        session_key: session_key_encoded,
        encrypted_data: encrypted_data_encoded,
        iv: iv_encoded,
    };
    if encoded != Spaced::default() {
        return Err(Diagnosis::new(
            Cause::UrlEncoded,
            Detail::UrlEncoded(encoded),
        ));
    }
    base64::decode_16(session_key)
        .map_err(|decoded_len| invalid(Error::InvalidSessionKey { decoded_len }))?;
    base64::decode_16(iv).map_err(|decoded_len| invalid(Error::InvalidIv { decoded_len }))?;
    for (index, key) in options.previous_session_keys.iter().enumerate() {
        if base64::decode_16(key).is_err() {
            return Err(Diagnosis::new(
                Cause::InvalidInput,
                Detail::BadPreviousKey { index },
            ));
        }
    }
    if options.raw_data.is_some() != options.signature.is_some() {
        return Err(Diagnosis::new(
            Cause::InvalidInput,
            Detail::RawDataWithoutSignature,
        ));
    }
    let Some(ciphertext) = base64::decode(encrypted_data) else {
        if cut_base64(encrypted_data) {
            return Err(Diagnosis::new(Cause::Truncated, Detail::CutInBase64Group));
        }
        return Err(invalid(Error::InvalidEncryptedData(
            EncryptedDataProblem::NotBase64,
        )));
    };
    match open_data::check_ciphertext_len(ciphertext.len()) {
        Ok(()) => Ok(ciphertext),
        Err(error @ Error::InvalidEncryptedData(EncryptedDataProblem::NotBlockAligned(_))) => {
            Err(Diagnosis::new(Cause::Truncated, Detail::Input(error)))
        }
        Err(error) => Err(invalid(error)),
    }
}

/// The verdict for data that decrypts: watermark checks first (they name the
/// most specific problem), then the kind, then transport damage we repaired.
fn decrypted(found: &JsonFacts, inputs: [&str; 3], options: &DiagnoseOptions<'_>) -> Diagnosis {
    let finding = |cause, detail| Diagnosis::new(cause, detail).of_kind(found.kind);
    let watermark = found.watermark.as_ref();
    if let Some(app_id) = options.app_id {
        let only_app_id = Checks {
            app_id: Some(app_id.as_bytes()),
            age: None,
        };
        if open_data::check_watermark(watermark.map(Into::into), &only_app_id).is_err() {
            let detail = Detail::AppIdMismatch {
                watermark: watermark.map(|w| AppIdText::new(&w.appid)),
                expected: AppIdText::new(app_id),
            };
            return finding(Cause::AppIdMismatch, detail);
        }
    }
    if let Some(max_age) = options.max_age_seconds {
        let now = options.now.unwrap_or_else(open_data::unix_now);
        let only_age = Checks {
            app_id: None,
            age: Some((max_age, now)),
        };
        if open_data::check_watermark(watermark.map(Into::into), &only_age).is_err() {
            let detail = match watermark.map(|w| w.timestamp) {
                Some(ts) if ts > now => Detail::InFuture { seconds: ts - now },
                Some(ts) => Detail::TooOld {
                    age: now - ts,
                    max_age,
                },
                None => Detail::NoTimestamp,
            };
            return finding(Cause::Expired, detail);
        }
    }
    if found.kind != DataKind::Phone {
        return finding(Cause::NotPhoneData, Detail::OtherKind);
    }
    let [session_key, encrypted_data, iv] = inputs.map(|input| input.contains(' '));
    let spaced = Spaced {
        session_key,
        encrypted_data,
        iv,
    };
    if spaced != Spaced::default() {
        return finding(Cause::PlusBecameSpace, Detail::Spaces(spaced));
    }
    finding(Cause::Ok, Detail::None)
}

/// The stale-key verdict, with the supporting evidence the options allow.
fn stale(
    session_key: &str,
    matched: Option<(usize, &str)>,
    options: &DiagnoseOptions<'_>,
) -> Diagnosis {
    let tried = match matched {
        Some((index, _)) => index + 1,
        None => options.previous_session_keys.len(),
    };
    let signature = match (options.raw_data, options.signature) {
        (Some(raw_data), Some(signature)) => {
            if signature::verify_signature(raw_data, signature, session_key) {
                SignatureCheck::VerifiesWithKey
            } else if matched.is_some_and(|(_, previous)| {
                signature::verify_signature(raw_data, signature, previous)
            }) {
                SignatureCheck::FailsButVerifiesWithMatched
            } else {
                SignatureCheck::Fails
            }
        }
        _ => SignatureCheck::NotGiven,
    };
    let mut diagnosis = Diagnosis::new(Cause::StaleSessionKey, Detail::Stale { tried, signature });
    diagnosis.matched_previous_key = matched.map(|(index, _)| index);
    diagnosis
}

/// Whether the first block is garbage while the rest (unpadded) reads as the
/// end of a JSON document: the signature of a wrong iv with the right key.
fn iv_mismatch(plain: &[u8]) -> bool {
    let Some((first, rest)) = plain.split_first_chunk::<BLOCK_LEN>() else {
        return false;
    };
    let Some(tail) =
        cipher::pkcs7_unpadded_len(plain).and_then(|len| rest.get(..len.saturating_sub(BLOCK_LEN)))
    else {
        return false;
    };
    let tail_is_json_end = printable(tail, true, false)
        .is_some_and(|text| text.trim_end().ends_with('}') && text.contains('"'));
    tail_is_json_end && !json_start(first)
}

/// Whether `plain` reads as the start of a JSON object (its end may be cut,
/// even inside a multi-byte character).
fn json_start(plain: &[u8]) -> bool {
    printable(plain, false, true).is_some_and(|text| text.trim_start().starts_with('{'))
}

/// `bytes` as text that could be JSON: valid UTF-8 without the control
/// characters JSON forbids unescaped (U+0000..U+001F other than tab, CR and
/// LF; DEL and C1 controls are legal in JSON strings), or `None`. A block boundary may split a UTF-8 character: `cut_start` skips
/// continuation bytes at the start, `cut_end` ignores an incomplete one at
/// the end.
fn printable(bytes: &[u8], cut_start: bool, cut_end: bool) -> Option<&str> {
    let mut bytes = bytes;
    if cut_start {
        for _ in 0..3 {
            match bytes.split_first() {
                Some((b, rest)) if (0x80..0xc0).contains(b) => bytes = rest,
                _ => break,
            }
        }
    }
    let text = match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) if cut_end && e.error_len().is_none() => {
            core::str::from_utf8(bytes.get(..e.valid_up_to())?).ok()?
        }
        Err(_) => return None,
    };
    let clean = !text.is_empty()
        && text
            .chars()
            .all(|c| c >= ' ' || matches!(c, '\t' | '\n' | '\r'));
    clean.then_some(text)
}

/// Whether undecodable base64 is only cut short: every character is in an
/// alphabet we accept, there is no padding, and the length is not a whole
/// number of 4-character groups.
fn cut_base64(text: &str) -> bool {
    let mut count = 0usize;
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b' ' | b'-' | b'_' => {
                count += 1
            }
            b'\t' | b'\n' | b'\r' | 0x0c => {}
            _ => return false,
        }
    }
    count % 4 != 0
}

/// [`JsonFacts`] by the same rules as decryption: the phone shape of
/// [`PhoneInfo::from_json`](crate::PhoneInfo::from_json), the watermark of
/// [`crate::OpenData::watermark`], and the kind from the top-level members
/// present. Nothing of the text is copied but the watermark appid (public):
/// the .wasm runs this too, and its memory is scanned for plaintext after
/// every call (tests/js/secrets.test.mjs).
fn scanned_facts(json: &str) -> Option<JsonFacts> {
    let text = json.as_bytes();
    let [step_info_list, nick_name, open_id, avatar_url] =
        crate::json::scan(text, ["stepInfoList", "nickName", "openId", "avatarUrl"])?;
    let kind = if open_data::check_json(text, Shape::Phone, &Checks::default()).is_ok() {
        DataKind::Phone
    } else {
        DataKind::from_fields(|name| match name {
            "stepInfoList" => step_info_list.is_some(),
            "nickName" => nick_name.is_some(),
            "openId" => open_id.is_some(),
            "avatarUrl" => avatar_url.is_some(),
            _ => false,
        })
    };
    let [.., watermark] = crate::json::scan(
        text,
        ["phoneNumber", "purePhoneNumber", "countryCode", "watermark"],
    )?;
    let watermark = open_data::watermark_facts(text, watermark).map(|w| Watermark {
        timestamp: w.timestamp,
        appid: crate::json::unescape(w.appid),
    });
    Some(JsonFacts { kind, watermark })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    const ALL: [Cause; 11] = [
        Cause::Ok,
        Cause::InvalidInput,
        Cause::PlusBecameSpace,
        Cause::Truncated,
        Cause::IvMismatch,
        Cause::KeyIvSwapped,
        Cause::StaleSessionKey,
        Cause::NotPhoneData,
        Cause::AppIdMismatch,
        Cause::Expired,
        Cause::UrlEncoded,
    ];

    /// Every placeholder a template uses is one [`Diagnosis::write_value`]
    /// fills: a typo would show `{name}` to users.
    #[test]
    fn every_placeholder_is_known() {
        const KNOWN: [&str; 12] = [
            "kind", "error", "names", "appid", "expected", "index", "tried", "bytes", "seconds",
            "skew", "age", "maxAge",
        ];
        for cause in ALL {
            for text in cause.messages() {
                let mut rest = *text;
                while let Some((_, tail)) = rest.split_once('{') {
                    let (name, tail) = tail.split_once('}').unwrap();
                    assert!(KNOWN.contains(&name), "{}: {{{name}}}", cause.code());
                    rest = tail;
                }
            }
        }
    }

    #[test]
    fn app_id_text_is_one_line_and_bounded() {
        assert_eq!(
            AppIdText::new("wx4f4bc4dec97d474b").as_str(),
            "wx4f4bc4dec97d474b"
        );
        assert_eq!(
            AppIdText::new("wx\n1\u{2028}2\u{7f}").as_str(),
            "wx\u{fffd}1\u{fffd}2\u{fffd}"
        );
        let exact = "a".repeat(AppIdText::CAPACITY);
        assert_eq!(AppIdText::new(&exact).as_str(), exact);
        let long = "\u{4e2d}".repeat(20); // 60 bytes
        let cut = AppIdText::new(&long);
        assert!(cut.as_str().len() <= AppIdText::CAPACITY);
        assert!(cut.as_str().ends_with('\u{2026}'));
        // 29 bytes of room before the ellipsis: 9 whole characters.
        assert_eq!(
            cut.as_str().trim_end_matches('\u{2026}'),
            "\u{4e2d}".repeat(9)
        );
        assert_eq!(
            AppIdText::new(&long),
            AppIdText::new(&"\u{4e2d}".repeat(15))
        );
        assert_eq!(format!("{:?}", AppIdText::new("wx1")), "\"wx1\"");
    }
}
