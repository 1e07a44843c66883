//! WeChat open data: decrypting `encryptedData` into JSON, checking the shape
//! of phone-number payloads and the watermark, and the reverse (for mocks and
//! fixtures).

use serde::Serialize;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::cipher::{self, BLOCK_LEN};
use crate::error::{ArgumentProblem, EncryptedDataProblem, Error, Result};
use crate::{base64, json, MAX_ENCRYPTED_BASE64_LEN, MAX_ENCRYPTED_LEN};

/// How far (seconds) a watermark timestamp may lie in the future of `now`
/// before it is rejected as [`Error::Expired`]: room for clock skew between
/// WeChat's servers and yours, no more.
pub const CLOCK_SKEW_SECONDS: u64 = 60;

/// Checks applied to the watermark after decryption. All default to off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecryptOptions<'a> {
    /// The watermark `appid` must equal this (your Mini Program's AppID).
    pub app_id: Option<&'a str>,
    /// The watermark `timestamp` must be at most this many seconds before `now`
    /// (and at most [`CLOCK_SKEW_SECONDS`] after it).
    pub max_age_seconds: Option<u64>,
    /// Current time in unix seconds. `None` reads the system clock, which
    /// exists natively; the wasm binding always passes `Date.now()`.
    pub now: Option<u64>,
}

impl DecryptOptions<'_> {
    /// Whether any check needs the watermark (so it must be read at all).
    pub fn checks_watermark(&self) -> bool {
        self.app_id.is_some() || self.max_age_seconds.is_some()
    }
}

/// The watermark WeChat adds to every piece of open data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Zeroize, ZeroizeOnDrop)]
pub struct Watermark {
    /// Unix seconds when WeChat produced the data.
    pub timestamp: u64,
    /// AppID of the Mini Program the data was encrypted for.
    pub appid: String,
}

/// A getPhoneNumber payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Zeroize, ZeroizeOnDrop)]
#[serde(rename_all = "camelCase")]
pub struct PhoneInfo {
    /// The number as the user entered it; for foreign numbers it includes the
    /// country code.
    pub phone_number: String,
    /// The number without the country code.
    pub pure_phone_number: String,
    /// The country code, always as a string (some payloads carry a number).
    pub country_code: String,
    /// Where and when WeChat produced the data.
    pub watermark: Watermark,
}

impl PhoneInfo {
    /// Reads getPhoneNumber JSON with the same rules as [`decrypt_phone`]
    /// (and the npm package): an object with string `phoneNumber` and
    /// `purePhoneNumber`, a `countryCode` string or non-negative integer, and a
    /// `watermark` object with a safe-integer `timestamp` and a string `appid`;
    /// other members are ignored. `None`: not phone data (or not JSON).
    pub fn from_json(json: &str) -> Option<PhoneInfo> {
        let text = json.as_bytes();
        let members = json::scan(text, PHONE_MEMBERS)?;
        let facts = phone_facts(text, &members)?;
        let string = |value: Option<json::Value>| match value? {
            json::Value::String { start, end, .. } => Some(json::unescape(text.get(start..end)?)),
            _ => None,
        };
        let [phone_number, pure_phone_number, country_code, _] = members;
        let country_code = match country_code? {
            json::Value::Number { start, end } => {
                core::str::from_utf8(text.get(start..end)?).ok()?.to_owned()
            }
            other => string(Some(other))?,
        };
        Some(PhoneInfo {
            phone_number: string(phone_number)?,
            pure_phone_number: string(pure_phone_number)?,
            country_code,
            watermark: Watermark {
                timestamp: facts.watermark.timestamp,
                appid: json::unescape(facts.watermark.appid),
            },
        })
    }
}

/// Decrypted open data of any kind: the JSON text exactly as WeChat encrypted
/// it, already checked to be valid JSON. Wiped from memory on drop.
#[derive(Debug)]
pub struct OpenData {
    json: Zeroizing<String>,
}

impl OpenData {
    /// The decrypted JSON text.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// Parses the JSON into any type, e.g. `serde_json::Value` or your own struct.
    pub fn parse<'de, T: serde::Deserialize<'de>>(&'de self) -> serde_json::Result<T> {
        serde_json::from_str(&self.json)
    }

    /// The watermark, by the rules the watermark checks use: `None` when the
    /// data is not an object or its watermark is missing or malformed.
    pub fn watermark(&self) -> Option<Watermark> {
        let text = self.json.as_bytes();
        let [.., watermark] = json::scan(text, PHONE_MEMBERS)?;
        let found = watermark_facts(text, watermark)?;
        Some(Watermark {
            timestamp: found.timestamp,
            appid: json::unescape(found.appid),
        })
    }
}

/// A ciphertext and its IV, both base64, as the WeChat client would send them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptedData {
    /// Base64 ciphertext.
    pub encrypted_data: String,
    /// Base64 IV.
    pub iv: String,
}

/// Which rules [`open_in_place`] applies to the decrypted JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// getPhoneNumber data ([`PhoneInfo::from_json`]'s rules).
    Phone,
    /// Any open data: only the requested watermark checks.
    Any,
}

/// The watermark checks, on bytes: the expected appid as UTF-8 and the age
/// limit with the time to measure it at (the caller reads the clock; the
/// core never does, so no build can reach a clock it lacks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Checks<'a> {
    pub app_id: Option<&'a [u8]>,
    /// `(max_age_seconds, now)`.
    pub age: Option<(u64, u64)>,
}

impl Checks<'_> {
    fn any(&self) -> bool {
        self.app_id.is_some() || self.age.is_some()
    }
}

/// What [`open_in_place`] found: the plaintext is `out[..text_len]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Opened {
    pub text_len: usize,
    /// `countryCode` is a JSON number: the host turns it into a string.
    pub numeric_country_code: bool,
    /// Phone data in WeChat's exact form: the spans of its five values
    /// ([`json::canonical_phone`]), so the host can build the object
    /// without parsing.
    pub canonical: Option<[(usize, usize); 5]>,
}

/// The members of the top-level object the rules read, in this order.
const PHONE_MEMBERS: [&str; 4] = ["phoneNumber", "purePhoneNumber", "countryCode", "watermark"];

/// A watermark as found in the text: `appid` is its raw JSON string text
/// (escapes not yet decoded).
#[derive(Debug, Clone, Copy)]
pub(crate) struct WatermarkRef<'t> {
    pub timestamp: u64,
    pub appid: &'t [u8],
    /// `appid` is already decoded (from a [`Watermark`]), not JSON text.
    pub decoded: bool,
}

impl<'t> From<&'t Watermark> for WatermarkRef<'t> {
    fn from(watermark: &'t Watermark) -> Self {
        WatermarkRef {
            timestamp: watermark.timestamp,
            appid: watermark.appid.as_bytes(),
            decoded: true,
        }
    }
}

struct PhoneFacts<'t> {
    numeric_country_code: bool,
    watermark: WatermarkRef<'t>,
}

/// The phone shape rule: string numbers, a string or integer country code,
/// a well-formed watermark.
fn phone_facts<'t>(text: &'t [u8], members: &[Option<json::Value>; 4]) -> Option<PhoneFacts<'t>> {
    let is_string = |value: &Option<json::Value>| matches!(value, Some(json::Value::String { .. }));
    let [phone_number, pure_phone_number, country_code, watermark] = members;
    if !is_string(phone_number) || !is_string(pure_phone_number) {
        return None;
    }
    let numeric_country_code = match country_code {
        Some(json::Value::String { .. }) => false,
        Some(json::Value::Number { start, end }) => {
            json::safe_integer(text.get(*start..*end)?)?;
            true
        }
        _ => return None,
    };
    Some(PhoneFacts {
        numeric_country_code,
        watermark: watermark_facts(text, *watermark)?,
    })
}

/// A `watermark` member's value as the checks read it: an object with a
/// safe-integer `timestamp` and a string `appid` (the last of duplicates, as
/// `JSON.parse` keeps). `None`: missing or malformed, which the checks treat
/// alike.
pub(crate) fn watermark_facts(
    text: &[u8],
    watermark: Option<json::Value>,
) -> Option<WatermarkRef<'_>> {
    let [timestamp, appid] = json::members(text, watermark?, ["timestamp", "appid"]);
    let timestamp = match timestamp? {
        json::Value::Number { start, end } => json::safe_integer(text.get(start..end)?)?,
        _ => return None,
    };
    let appid = match appid? {
        json::Value::String { start, end, .. } => text.get(start..end)?,
        _ => return None,
    };
    Some(WatermarkRef {
        timestamp,
        appid,
        decoded: false,
    })
}

/// Applies `checks` to a watermark (`None`: the data has none).
pub(crate) fn check_watermark(
    watermark: Option<WatermarkRef<'_>>,
    checks: &Checks<'_>,
) -> Result<()> {
    if let Some(app_id) = checks.app_id {
        let matches = |w: WatermarkRef<'_>| match w.decoded {
            true => w.appid == app_id,
            false => json::string_eq(w.appid, app_id),
        };
        if !watermark.is_some_and(matches) {
            return Err(Error::AppIdMismatch);
        }
    }
    if let Some((max_age, now)) = checks.age {
        let timestamp = watermark.ok_or(Error::Expired)?.timestamp;
        let too_new = timestamp > now.saturating_add(CLOCK_SKEW_SECONDS);
        let too_old = now.saturating_sub(timestamp) > max_age;
        if too_new || too_old {
            return Err(Error::Expired);
        }
    }
    Ok(())
}

/// The whole request path, on bytes, with every rule: the three inputs as
/// base64 text (repaired in place), decrypted into `out` (at least
/// [`base64::max_decoded_len`] of the longest input), padding, UTF-8 and
/// JSON checked, then the shape and the watermark.
///
/// Padding, UTF-8 and JSON syntax are checked on every call, whatever the
/// other verdicts, and combined only at the end: a caller that parsed
/// afterwards and failed there would take longer exactly when the padding was
/// valid (a host's JSON parser builds an exception), the padding oracle again
/// by timing (tests/security/timing.mjs). UTF-8 is checked over the whole
/// decrypted buffer, padding included, so its length (and the time it takes)
/// does not depend on the padding either; valid padding bytes are ASCII and
/// cannot complete or break a character before them.
pub(crate) fn open_in_place(
    key: &mut [u8],
    iv: &mut [u8],
    data: &mut [u8],
    out: &mut [u8],
    shape: Shape,
    checks: &Checks<'_>,
) -> Result<Opened> {
    let (text_len, members) = decrypt_checked(key, iv, data, out, true)?;
    let text = out.get(..text_len).ok_or(Error::DecryptFailed)?;
    let members = members.ok_or(Error::DecryptFailed)?;
    apply_rules(text, members, shape, checks)
}

/// The rules after decryption, for JSON from elsewhere (the code route's
/// `phone_info`): JSON syntax, then [`apply_rules`]. A text that is not JSON
/// is `NotPhoneData` here: there is no padding oracle to hide.
#[cfg_attr(
    not(all(target_arch = "wasm32", target_os = "unknown")),
    allow(dead_code)
)]
pub(crate) fn check_json(text: &[u8], shape: Shape, checks: &Checks<'_>) -> Result<Opened> {
    let valid = core::str::from_utf8(text).is_ok();
    let members = json::scan(text, PHONE_MEMBERS)
        .filter(|_| valid)
        .ok_or(Error::NotPhoneData)?;
    apply_rules(text, members, shape, checks)
}

/// The shape and watermark rules on decrypted (or received) JSON text.
fn apply_rules(
    text: &[u8],
    members: [Option<json::Value>; 4],
    shape: Shape,
    checks: &Checks<'_>,
) -> Result<Opened> {
    let text_len = text.len();
    let mut opened = Opened {
        text_len,
        numeric_country_code: false,
        canonical: None,
    };
    let watermark = match shape {
        Shape::Phone => {
            let facts = phone_facts(text, &members).ok_or(Error::NotPhoneData)?;
            opened.numeric_country_code = facts.numeric_country_code;
            opened.canonical = json::canonical_phone(text);
            Some(facts.watermark)
        }
        Shape::Any if checks.any() => {
            let [.., watermark] = members;
            watermark_facts(text, watermark)
        }
        Shape::Any => None,
    };
    check_watermark(watermark, checks)?;
    Ok(opened)
}

/// Decodes the inputs, decrypts into `out`, and checks padding, UTF-8 and
/// (with `json`) JSON syntax, all on every call and combined at the end (see
/// [`open_in_place`]). Returns the text length and, with `json`, the
/// top-level members the rules read.
#[allow(clippy::type_complexity)]
fn decrypt_checked(
    key: &mut [u8],
    iv: &mut [u8],
    data: &mut [u8],
    out: &mut [u8],
    json: bool,
) -> Result<(usize, Option<[Option<json::Value>; 4]>)> {
    // Size first: an oversize input is rejected before any decoding.
    if data.len() > MAX_ENCRYPTED_BASE64_LEN {
        return Err(Error::InvalidEncryptedData(EncryptedDataProblem::TooLarge));
    }
    let key = Zeroizing::new(
        base64::decode_16_into(key, out)
            .map_err(|decoded_len| Error::InvalidSessionKey { decoded_len })?,
    );
    let iv =
        base64::decode_16_into(iv, out).map_err(|decoded_len| Error::InvalidIv { decoded_len })?;
    let Some(len) = base64::decode_into(data, out) else {
        return Err(Error::InvalidEncryptedData(base64::not_base64(data)));
    };
    check_ciphertext_len(len)?;
    let buf = out.get_mut(..len).ok_or(Error::DecryptFailed)?;

    let padding = cipher::decrypt_in_place(&key, &iv, buf);
    let text_len = *padding.as_ref().unwrap_or(&len);
    let utf8_ok = core::str::from_utf8(buf).is_ok();
    let text = buf.get(..text_len).ok_or(Error::DecryptFailed)?;
    let members = if json {
        json::scan(text, PHONE_MEMBERS)
    } else {
        None
    };
    if padding.is_err() || !utf8_ok || (json && members.is_none()) {
        return Err(Error::DecryptFailed);
    }
    Ok((text_len, members))
}

/// The `&str` inputs of the native API as the byte buffers the request path
/// works in (wiped on drop): key, iv and data copied, and an output region
/// large enough for the longest one's decoding. The size limit comes first,
/// before anything is copied.
fn native_buffers(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
) -> Result<[Zeroizing<Vec<u8>>; 4]> {
    if encrypted_data.len() > MAX_ENCRYPTED_BASE64_LEN {
        return Err(Error::InvalidEncryptedData(EncryptedDataProblem::TooLarge));
    }
    let copy = |text: &str| Zeroizing::new(text.as_bytes().to_vec());
    let longest = session_key.len().max(iv.len()).max(encrypted_data.len());
    let out = Zeroizing::new(vec![0u8; base64::max_decoded_len(longest)]);
    Ok([copy(session_key), copy(iv), copy(encrypted_data), out])
}

/// Decrypts and checks padding and UTF-8, not JSON: the text as WeChat
/// encrypted it (for diagnosis and tests; the request path is
/// [`decrypt_data`], which also requires JSON).
pub fn decrypt_text(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
) -> Result<Zeroizing<String>> {
    let [mut key, mut iv, mut data, mut out] = native_buffers(session_key, encrypted_data, iv)?;
    let (text_len, _) = decrypt_checked(&mut key, &mut iv, &mut data, &mut out, false)?;
    out.truncate(text_len);
    String::from_utf8(core::mem::take(&mut *out))
        .map(Zeroizing::new)
        .map_err(|err| {
            err.into_bytes().zeroize();
            Error::DecryptFailed
        })
}

/// Encrypts `plaintext` (the first `len` bytes of `buf`) in place under the
/// base64 `key` text (repaired in place) with `iv`, then writes the base64
/// ciphertext into `out` (at least `4 * padded_len / 3 + 4` bytes) and
/// returns its length. `buf` must have room for the padding.
pub(crate) fn seal_in_place(
    key: &mut [u8],
    iv: &[u8; BLOCK_LEN],
    buf: &mut [u8],
    len: usize,
    out: &mut [u8],
) -> Result<usize> {
    if len >= MAX_ENCRYPTED_LEN {
        return Err(Error::InvalidArgument(ArgumentProblem::TooLargeToSeal));
    }
    let key = Zeroizing::new(
        base64::decode_16_into(key, out)
            .map_err(|decoded_len| Error::InvalidSessionKey { decoded_len })?,
    );
    let sealed = cipher::encrypt_in_place(&key, iv, buf, len)
        .ok_or(Error::InvalidArgument(ArgumentProblem::NotEncrypted))?;
    base64::encode_into(
        buf.get(..sealed)
            .ok_or(Error::InvalidArgument(ArgumentProblem::NotEncrypted))?,
        out,
    )
    .ok_or(Error::InvalidArgument(ArgumentProblem::NotEncrypted))
}

/// Decrypts any open data (userInfo, weRunData, share info, phone number) and
/// applies the watermark checks in `options`.
pub fn decrypt_data(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
    options: &DecryptOptions<'_>,
) -> Result<OpenData> {
    let (opened, mut out) = open_native(session_key, encrypted_data, iv, Shape::Any, options)?;
    out.truncate(opened.text_len);
    // `open_in_place` checked UTF-8; `from_utf8` moves the buffer, no copy.
    let json = String::from_utf8(core::mem::take(&mut *out)).map_err(|err| {
        err.into_bytes().zeroize();
        Error::DecryptFailed
    })?;
    Ok(OpenData {
        json: Zeroizing::new(json),
    })
}

/// Decrypts getPhoneNumber data, checks its shape and the watermark.
pub fn decrypt_phone(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
    options: &DecryptOptions<'_>,
) -> Result<PhoneInfo> {
    let (opened, out) = open_native(session_key, encrypted_data, iv, Shape::Phone, options)?;
    let text = out
        .get(..opened.text_len)
        .and_then(|text| core::str::from_utf8(text).ok());
    text.and_then(PhoneInfo::from_json)
        .ok_or(Error::NotPhoneData)
}

/// [`open_in_place`] for `&str` inputs: copies them (wiped on drop) and reads
/// the system clock when an age check has no `now`.
pub(crate) fn open_native(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
    shape: Shape,
    options: &DecryptOptions<'_>,
) -> Result<(Opened, Zeroizing<Vec<u8>>)> {
    let [mut key, mut iv, mut data, mut out] = native_buffers(session_key, encrypted_data, iv)?;
    let checks = Checks {
        app_id: options.app_id.map(str::as_bytes),
        age: options
            .max_age_seconds
            .map(|max| (max, options.now.unwrap_or_else(unix_now))),
    };
    let opened = open_in_place(&mut key, &mut iv, &mut data, &mut out, shape, &checks)?;
    Ok((opened, out))
}

/// Encrypts `plaintext` under `session_key` with a fresh random IV (from the
/// operating system, or WebCrypto on wasm32).
pub fn encrypt_data(session_key: &str, plaintext: &[u8]) -> Result<EncryptedData> {
    let mut iv = [0u8; BLOCK_LEN];
    getrandom::fill(&mut iv).map_err(|_| Error::RandomUnavailable)?;
    encrypt_data_with_iv(session_key, plaintext, &iv)
}

/// Encrypts `plaintext` under `session_key` with the given IV (deterministic:
/// for test vectors; never reuse an IV in production, use [`encrypt_data`]).
pub fn encrypt_data_with_iv(
    session_key: &str,
    plaintext: &[u8],
    iv: &[u8; BLOCK_LEN],
) -> Result<EncryptedData> {
    let mut key = Zeroizing::new(session_key.as_bytes().to_vec());
    let mut buf = Zeroizing::new(plaintext.to_vec());
    buf.resize(cipher::padded_len(plaintext.len()), 0);
    let mut out = vec![0u8; base64::encoded_len(buf.len()).max(base64::max_decoded_len(key.len()))];
    let n = seal_in_place(&mut key, iv, &mut buf, plaintext.len(), &mut out)?;
    out.truncate(n);
    Ok(EncryptedData {
        encrypted_data: String::from_utf8(out)
            .map_err(|_| Error::InvalidArgument(ArgumentProblem::NotEncrypted))?,
        iv: base64::encode(iv),
    })
}

pub(crate) fn check_ciphertext_len(len: usize) -> Result<()> {
    let problem = if len == 0 {
        EncryptedDataProblem::Empty
    } else if len > MAX_ENCRYPTED_LEN {
        EncryptedDataProblem::TooLarge
    } else if len % BLOCK_LEN != 0 {
        EncryptedDataProblem::NotBlockAligned(len)
    } else {
        return Ok(());
    };
    Err(Error::InvalidEncryptedData(problem))
}

/// The system clock in unix seconds. Native builds only: the wasm build has
/// no clock of its own, and its callers always pass `now`.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// On wasm32-unknown-unknown `SystemTime::now()` traps; the binding always
/// passes `now`, and this keeps a missing one from trapping.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub(crate) fn unix_now() -> u64 {
    0
}
