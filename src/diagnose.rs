//! Why did this open data fail to decrypt? A diagnosis for operators and logs.
//!
//! [`decrypt_phone`](crate::decrypt_phone) answers every failure after
//! decryption with one `DECRYPT_FAILED`, on purpose: telling bad padding from
//! bad UTF-8 or bad JSON would hand an attacker a CBC padding oracle. That
//! leaves the developer whose phone-number flow fails with a single error and
//! no idea which of the usual mistakes they made. [`diagnose`] is the other
//! half: given the same inputs (and, optionally, older session keys and a
//! `rawData` signature), it tries the known ways transport and code damage
//! them and names the most specific cause in one sentence, with what to do.
//!
//! It is **not** for the request path. Run it where a human reads the result
//! (a log line after a failure, the `wx-open-data diagnose` CLI, a support
//! tool), never to decide what to answer a client: its answers are exactly the
//! distinctions decryption refuses to make. Nothing here changes
//! [`decrypt_phone`](crate::decrypt_phone) or
//! [`decrypt_text`](crate::open_data::decrypt_text).
//!
//! Messages never contain the session key, the iv, the ciphertext or the
//! plaintext; the only decrypted facts they state are the kind of data, the
//! watermark appid (an AppID is public) and the watermark's age.

use crate::cipher::{self, BLOCK_LEN};
use crate::error::{EncryptedDataProblem, Error};
use crate::open_data::{self, Checks, DecryptOptions, PhoneInfo, Shape, Watermark};
use crate::{base64, signature, CLOCK_SKEW_SECONDS, MAX_ENCRYPTED_BASE64_LEN};

/// The finding of a [`diagnose`] call. See [`Cause::code`] for the stable identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// Decrypts, is phone data, and passes every requested watermark check.
    Ok,
    /// An argument is not base64 of the right length (the message names it).
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
}

impl Cause {
    /// Every code [`Cause::code`] can return, in declaration order.
    pub const CODES: [&'static str; 10] = [
        "OK",
        "INVALID_INPUT",
        "PLUS_BECAME_SPACE",
        "TRUNCATED",
        "IV_MISMATCH",
        "KEY_IV_SWAPPED",
        "STALE_SESSION_KEY",
        "NOT_PHONE_DATA",
        "APPID_MISMATCH",
        "EXPIRED",
    ];

    /// The stable, machine-readable identifier of this finding.
    pub fn code(self) -> &'static str {
        match self {
            Cause::Ok => "OK",
            Cause::InvalidInput => "INVALID_INPUT",
            Cause::PlusBecameSpace => "PLUS_BECAME_SPACE",
            Cause::Truncated => "TRUNCATED",
            Cause::IvMismatch => "IV_MISMATCH",
            Cause::KeyIvSwapped => "KEY_IV_SWAPPED",
            Cause::StaleSessionKey => "STALE_SESSION_KEY",
            Cause::NotPhoneData => "NOT_PHONE_DATA",
            Cause::AppIdMismatch => "APPID_MISMATCH",
            Cause::Expired => "EXPIRED",
        }
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
    /// `"phone"`, `"userInfo"`, `"weRunData"` or `"other"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::Phone => "phone",
            DataKind::UserInfo => "userInfo",
            DataKind::WeRunData => "weRunData",
            DataKind::Other => "other",
        }
    }

    /// The kind from which top-level fields are present (phone data is
    /// decided by the caller, with the full [`PhoneInfo`] rules).
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

/// What [`diagnose`] needs to know about a decrypted JSON text. The wasm
/// binding gets it from the host's `JSON.parse` (so the .wasm carries no JSON
/// parser); natively [`diagnose`] uses serde_json.
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

/// The result of [`diagnose`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// The most specific cause found.
    pub cause: Cause,
    /// One sentence for a human: what happened and what to do. Never contains
    /// key, iv, ciphertext or plaintext (beyond kind, appid and age).
    pub message: String,
    /// Index into `previous_session_keys` of the key that decrypts the data.
    pub matched_previous_key: Option<usize>,
    /// `"phone"`, `"userInfo"`, `"weRunData"` or `"other"` when some key/iv
    /// combination decrypted the data.
    pub kind: Option<&'static str>,
}

impl Diagnosis {
    fn new(cause: Cause, message: String) -> Diagnosis {
        Diagnosis {
            cause,
            message,
            matched_previous_key: None,
            kind: None,
        }
    }

    fn of_kind(mut self, kind: DataKind) -> Diagnosis {
        self.kind = Some(kind.as_str());
        self
    }
}

/// Diagnoses why `encrypted_data` + `iv` do (not) decrypt with `session_key`,
/// parsing decrypted JSON with serde_json. See the module docs.
pub fn diagnose(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
    options: &DiagnoseOptions<'_>,
) -> Diagnosis {
    diagnose_with(session_key, encrypted_data, iv, options, scanned_facts)
}

/// [`diagnose`] with the caller's JSON parser: `facts` returns `None` when the
/// text is not JSON. The wasm binding passes one built on `JSON.parse`.
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
        return Diagnosis::new(
            Cause::KeyIvSwapped,
            "It decrypts with sessionKey and iv exchanged: the two arguments are swapped in \
             your call; pass (sessionKey, encryptedData, iv) in that order."
                .to_owned(),
        )
        .of_kind(found.kind);
    }
    for (index, previous) in options.previous_session_keys.iter().enumerate() {
        if let Some(found) = decrypts(previous, iv) {
            let mut diagnosis = stale(session_key, Some((index, previous)), options);
            diagnosis.matched_previous_key = Some(index);
            return diagnosis.of_kind(found.kind);
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
        return Diagnosis::new(
            Cause::IvMismatch,
            "Only the first block decrypts to garbage while the rest is readable JSON: the \
             session_key is right but the iv belongs to another request; send the iv that came \
             with this encryptedData in the same callback."
                .to_owned(),
        );
    }
    if json_start(&plain) {
        return Diagnosis::new(
            Cause::Truncated,
            format!(
                "It decrypts to the beginning of a JSON document but the end is missing \
                 ({} bytes arrived): encryptedData was truncated in transit (a length limit on \
                 a URL, form field or database column); send and store it whole.",
                plain.len()
            ),
        );
    }
    let text_len = cipher::pkcs7_unpadded_len(&plain);
    if text_len
        .and_then(|len| printable(plain.get(..len)?, false, false))
        .is_some()
    {
        // Right key and iv (the padding and text are intact), but not JSON.
        return Diagnosis::new(
            Cause::NotPhoneData,
            "It decrypts to text that is not JSON, so not open data WeChat produced: check what \
             the client put into encryptedData."
                .to_owned(),
        )
        .of_kind(DataKind::Other);
    }
    stale(session_key, None, options)
}

/// The request path's own decryption, then the caller's JSON parser.
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
    let invalid = |error: Error| Diagnosis::new(Cause::InvalidInput, sentence(error));
    if encrypted_data.len() > MAX_ENCRYPTED_BASE64_LEN {
        return Err(invalid(Error::InvalidEncryptedData(
            EncryptedDataProblem::TooLarge,
        )));
    }
    base64::decode_16(session_key)
        .map_err(|decoded_len| invalid(Error::InvalidSessionKey { decoded_len }))?;
    base64::decode_16(iv).map_err(|decoded_len| invalid(Error::InvalidIv { decoded_len }))?;
    for (index, key) in options.previous_session_keys.iter().enumerate() {
        if base64::decode_16(key).is_err() {
            return Err(Diagnosis::new(
                Cause::InvalidInput,
                format!(
                    "previousSessionKeys[{index}] is not base64 of 16 bytes: pass older \
                     session_key values exactly as jscode2session returned them."
                ),
            ));
        }
    }
    if options.raw_data.is_some() != options.signature.is_some() {
        return Err(Diagnosis::new(
            Cause::InvalidInput,
            "rawData and signature only mean something together: pass both (from the same \
             getUserInfo callback) or neither."
                .to_owned(),
        ));
    }
    let Some(ciphertext) = base64::decode(encrypted_data) else {
        if cut_base64(encrypted_data) {
            return Err(Diagnosis::new(
                Cause::Truncated,
                "encryptedData ends in the middle of a base64 group (its length is not a \
                 multiple of 4 and it has no '=' padding): it was truncated in transit; send \
                 and store it whole."
                    .to_owned(),
            ));
        }
        return Err(invalid(Error::InvalidEncryptedData(
            EncryptedDataProblem::NotBase64,
        )));
    };
    match open_data::check_ciphertext_len(ciphertext.len()) {
        Ok(()) => Ok(ciphertext),
        Err(error @ Error::InvalidEncryptedData(EncryptedDataProblem::NotBlockAligned(_))) => {
            Err(Diagnosis::new(Cause::Truncated, sentence(error)))
        }
        Err(error) => Err(invalid(error)),
    }
}

/// The verdict for data that decrypts: watermark checks first (they name the
/// most specific problem), then the kind, then transport damage we repaired.
fn decrypted(found: &JsonFacts, inputs: [&str; 3], options: &DiagnoseOptions<'_>) -> Diagnosis {
    // "phone data", "userInfo data", "weRunData", "other open data".
    let kind = match found.kind {
        DataKind::WeRunData => "weRunData",
        DataKind::Other => "other open data",
        DataKind::Phone => "phone data",
        DataKind::UserInfo => "userInfo data",
    };
    let watermark = found.watermark.as_ref();
    if let Some(app_id) = options.app_id {
        let only_app_id = Checks {
            app_id: Some(app_id.as_bytes()),
            age: None,
        };
        if open_data::check_watermark(watermark.map(Into::into), &only_app_id).is_err() {
            let message = match watermark {
                Some(w) => format!(
                    "It decrypts to {kind}, but its watermark appid is {}, not {app_id}: \
                     the data was encrypted for another Mini Program; decrypt it with the \
                     session_key and appId of the Mini Program the user actually opened.",
                    w.appid
                ),
                None => format!(
                    "It decrypts to {kind}, but it carries no watermark, so its appid \
                     cannot be checked against {app_id}; this is not data WeChat produced for \
                     your Mini Program."
                ),
            };
            return Diagnosis::new(Cause::AppIdMismatch, message).of_kind(found.kind);
        }
    }
    if let Some(max_age) = options.max_age_seconds {
        let now = options.now.unwrap_or_else(open_data::unix_now);
        let only_age = Checks {
            app_id: None,
            age: Some((max_age, now)),
        };
        if open_data::check_watermark(watermark.map(Into::into), &only_age).is_err() {
            let message = match watermark.map(|w| w.timestamp) {
                Some(ts) if ts > now => format!(
                    "It decrypts to {kind}, but its watermark lies {} seconds in the \
                     future (more than the {CLOCK_SKEW_SECONDS} s allowed for clock skew): check \
                     this server's clock.",
                    ts - now
                ),
                Some(ts) => format!(
                    "It decrypts to {kind}, but its watermark is {} seconds old, more than \
                     maxAgeSeconds ({max_age}): it was replayed or kept too long; ask the user \
                     to tap again.",
                    now - ts
                ),
                None => format!(
                    "It decrypts to {kind}, but it carries no watermark timestamp, so its \
                     age cannot be checked; this is not data WeChat produced."
                ),
            };
            return Diagnosis::new(Cause::Expired, message).of_kind(found.kind);
        }
    }
    if found.kind != DataKind::Phone {
        return Diagnosis::new(
            Cause::NotPhoneData,
            format!(
                "It decrypts, but it is {kind}, not getPhoneNumber data: use decryptData \
                 for it, and pass decryptPhone only what the getPhoneNumber button returned."
            ),
        )
        .of_kind(found.kind);
    }
    let names = ["sessionKey", "encryptedData", "iv"];
    let spaced: Vec<&str> = names
        .iter()
        .zip(inputs)
        .filter(|(_, input)| input.contains(' '))
        .map(|(name, _)| *name)
        .collect();
    if !spaced.is_empty() {
        return Diagnosis::new(
            Cause::PlusBecameSpace,
            format!(
                "'+' turned into spaces in transit in {} (sent in a URL or form body without \
                 encodeURIComponent): it still decrypts after repair, but encode it or send \
                 JSON, because other decoders will fail or decrypt garbage.",
                spaced.join(" and ")
            ),
        )
        .of_kind(found.kind);
    }
    Diagnosis::new(
        Cause::Ok,
        "It decrypts to phone data and passes every check that was asked for: nothing to fix."
            .to_owned(),
    )
    .of_kind(found.kind)
}

/// The stale-key verdict, with the supporting evidence the options allow.
fn stale(
    session_key: &str,
    matched: Option<(usize, &str)>,
    options: &DiagnoseOptions<'_>,
) -> Diagnosis {
    let mut message = match matched {
        Some((index, _)) => format!(
            "It was encrypted with previousSessionKeys[{index}], not with this session_key, so \
             the key your server used is stale (wx.login ran again between the tap and the \
             decryption)"
        ),
        None => {
            let mut text = "Every block decrypts to garbage, so this session_key is not the one \
                            that encrypted the data: it is most likely stale (wx.login ran again \
                            between the tap and the decryption)"
                .to_owned();
            let tried = options.previous_session_keys.len();
            if tried > 0 {
                text.push_str(&format!(
                    ", and none of the {tried} previous session keys decrypts it either"
                ));
            }
            text
        }
    };
    if let (Some(raw_data), Some(signature)) = (options.raw_data, options.signature) {
        if signature::verify_signature(raw_data, signature, session_key) {
            message.push_str(
                "; but the rawData signature verifies with this session_key, so the key was \
                 current when rawData was signed and the encryptedData probably belongs to \
                 another user or session",
            );
        } else {
            message.push_str("; the rawData signature fails with this session_key too");
            if let Some((index, previous)) = matched {
                if signature::verify_signature(raw_data, signature, previous) {
                    message.push_str(&format!(" and verifies with previousSessionKeys[{index}]"));
                }
            }
        }
    }
    message.push_str(
        "; call wx.login before the tap (on page load), use wx.checkSession in the callback, \
         and keep only the newest session_key per user.",
    );
    Diagnosis::new(Cause::StaleSessionKey, message)
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

/// One of the core's error messages as a diagnosis sentence.
fn sentence(error: Error) -> String {
    let mut text = error.to_string();
    text.push('.');
    text
}

/// [`JsonFacts`] by the same rules as decryption: the phone shape of
/// [`PhoneInfo::from_json`], the watermark of [`crate::OpenData::watermark`],
/// and the kind from the top-level members present.
fn scanned_facts(json: &str) -> Option<JsonFacts> {
    let text = json.as_bytes();
    let [step_info_list, nick_name, open_id, avatar_url] =
        crate::json::scan(text, ["stepInfoList", "nickName", "openId", "avatarUrl"])?;
    let kind = if PhoneInfo::from_json(json).is_some() {
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
