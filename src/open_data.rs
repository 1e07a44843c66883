//! WeChat open data: decrypting `encryptedData` into JSON, checking the shape
//! of phone-number payloads and the watermark, and the reverse (for mocks and
//! fixtures).

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::cipher::{self, BLOCK_LEN};
use crate::error::{EncryptedDataProblem, Error, Result};
use crate::{base64, MAX_ENCRYPTED_BASE64_LEN, MAX_ENCRYPTED_LEN};

/// How far (seconds) a watermark timestamp may lie in the future of `now`
/// before it is rejected as [`Error::Expired`]: room for clock skew between
/// WeChat's servers and yours, no more.
pub const CLOCK_SKEW_SECONDS: u64 = 60;

/// The largest integer a JavaScript number holds exactly; timestamps above it
/// are not real watermarks and could not round-trip through JS.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct Watermark {
    /// Unix seconds when WeChat produced the data.
    #[serde(deserialize_with = "safe_integer")]
    pub timestamp: u64,
    /// AppID of the Mini Program the data was encrypted for.
    pub appid: String,
}

/// A getPhoneNumber payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(rename_all = "camelCase")]
pub struct PhoneInfo {
    /// The number as the user entered it; for foreign numbers it includes the
    /// country code.
    pub phone_number: String,
    /// The number without the country code.
    pub pure_phone_number: String,
    /// The country code, always as a string (some payloads carry a number).
    #[serde(deserialize_with = "string_or_integer")]
    pub country_code: String,
    /// Where and when WeChat produced the data.
    #[serde(deserialize_with = "object_only")]
    pub watermark: Watermark,
}

impl PhoneInfo {
    /// Parses getPhoneNumber JSON: an object with the fields above (others
    /// ignored). Use this rather than `serde_json::from_str::<PhoneInfo>`:
    /// serde's derived `Deserialize` also reads a struct from an array of its
    /// field values, which is not phone data (and which the wasm build, reading
    /// fields by name, rejects). `None`: not phone data.
    pub fn from_json(json: &str) -> Option<PhoneInfo> {
        object_only(&mut serde_json::Deserializer::from_str(json)).ok()
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
    pub fn parse<'de, T: Deserialize<'de>>(&'de self) -> serde_json::Result<T> {
        serde_json::from_str(&self.json)
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

/// Decrypts any open data (userInfo, weRunData, share info, phone number) and
/// applies the watermark checks in `options`.
pub fn decrypt_data(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
    options: &DecryptOptions<'_>,
) -> Result<OpenData> {
    let json = decrypt_json(session_key, encrypted_data, iv)?;
    if options.checks_watermark() {
        check_watermark(WatermarkOnly::from_json(&json).as_ref(), options)?;
    }
    Ok(OpenData { json })
}

/// Decrypts getPhoneNumber data, checks its shape and the watermark.
pub fn decrypt_phone(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
    options: &DecryptOptions<'_>,
) -> Result<PhoneInfo> {
    let json = decrypt_json(session_key, encrypted_data, iv)?;
    let phone = PhoneInfo::from_json(&json).ok_or(Error::NotPhoneData)?;
    check_watermark(Some(&phone.watermark), options)?;
    Ok(phone)
}

/// Only the watermark of some open data (see [`WatermarkOnly::from_json`]):
/// data whose watermark is malformed (so that this fails to deserialize)
/// counts as having none, the rule the wasm binding applies to `JSON.parse`
/// results too.
#[derive(Debug, Deserialize)]
pub struct WatermarkOnly {
    /// The watermark, if the data has one.
    #[serde(default, deserialize_with = "optional_object")]
    pub watermark: Option<Watermark>,
}

impl WatermarkOnly {
    /// The watermark of open data given as JSON text: `None` when the data is
    /// not an object, or its watermark is missing or malformed (which the
    /// checks treat alike).
    pub fn from_json(json: &str) -> Option<Watermark> {
        object_only::<_, WatermarkOnly>(&mut serde_json::Deserializer::from_str(json))
            .ok()
            .and_then(|only| only.watermark)
    }
}

/// Deserializes `T` from a JSON object only. serde's derived `Deserialize`
/// for a struct also accepts an array of the field values; open data is
/// always an object, and the wasm build reads fields by name, so both
/// builds must reject the array form alike (found by fuzz/json_shape).
pub(crate) fn object_only<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> core::result::Result<T, D::Error> {
    struct ObjectVisitor<T>(core::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for ObjectVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            map: A,
        ) -> core::result::Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    deserializer.deserialize_map(ObjectVisitor(core::marker::PhantomData))
}

/// [`object_only`] for an optional field: `null` is `None`.
fn optional_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> core::result::Result<Option<T>, D::Error> {
    struct Object<T>(T);
    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
            object_only(d).map(Object)
        }
    }
    Option::<Object<T>>::deserialize(deserializer).map(|found| found.map(|Object(value)| value))
}

/// Encrypts `plaintext` under `session_key` with a fresh random IV.
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
    let key = session_key_bytes(session_key)?;
    if plaintext.len() >= MAX_ENCRYPTED_LEN {
        return Err(Error::InvalidArgument(
            "data is larger than decryption accepts (1 MiB of ciphertext)",
        ));
    }
    let ciphertext = cipher::encrypt(&key, iv, plaintext);
    Ok(EncryptedData {
        encrypted_data: base64::encode(&ciphertext),
        iv: base64::encode(iv),
    })
}

/// Like [`decrypt_text`], and the text is also valid JSON: the request path.
///
/// The JSON syntax check (serde_json, ignoring the values) runs on every
/// call, on whatever bytes the decryption gave, like the padding and UTF-8
/// checks, and the three verdicts are combined only at the end. A caller that
/// parsed afterwards and failed there would take microseconds longer exactly
/// when the padding was valid (a host's JSON parser builds an exception): the
/// padding oracle again, by timing (tests/security/timing.mjs measured 6 µs
/// and a working attack before this check moved here). With it, the host's
/// parser only ever sees valid JSON.
pub fn decrypt_json(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
) -> Result<Zeroizing<String>> {
    decrypt_checked(session_key, encrypted_data, iv, true)
}

/// Validates and decodes the three inputs, decrypts, and checks padding and
/// UTF-8; the caller parses the JSON with whatever parser its host has best
/// (serde_json natively, `JSON.parse` in the wasm binding) and maps a parse
/// failure to [`Error::DecryptFailed`] too.
///
/// Padding and UTF-8 are checked on every call, whatever the other verdict
/// (UTF-8 over the whole decrypted buffer, padding included, so over the same
/// length either way), and combined only at the end, so valid and invalid
/// padding take the same path:
/// in a padding-oracle attack the forged block decrypts to garbage, so both
/// outcomes fail the UTF-8 check, with one error and the same work.
pub fn decrypt_text(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
) -> Result<Zeroizing<String>> {
    decrypt_checked(session_key, encrypted_data, iv, false)
}

/// [`decrypt_text`], and with `json` also [`decrypt_json`]'s syntax check.
fn decrypt_checked(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
    json: bool,
) -> Result<Zeroizing<String>> {
    // Size first: an oversize input is rejected before any decoding.
    if encrypted_data.len() > MAX_ENCRYPTED_BASE64_LEN {
        return Err(Error::InvalidEncryptedData(EncryptedDataProblem::TooLarge));
    }
    let key = session_key_bytes(session_key)?;
    let iv = base64::decode_16(iv).map_err(|decoded_len| Error::InvalidIv { decoded_len })?;
    let mut buf = base64::decode(encrypted_data)
        .ok_or(Error::InvalidEncryptedData(EncryptedDataProblem::NotBase64))?;
    check_ciphertext_len(buf.len())?;

    let padding = cipher::decrypt_in_place(&key, &iv, &mut buf);
    let text_len = *padding.as_ref().unwrap_or(&buf.len());
    // UTF-8 is checked over the whole buffer, padding included, so that its
    // length (and with it the time the check takes) does not depend on whether
    // the padding was valid: dudect measured 4-16 ns between 159 bytes
    // (valid padding, a bytewise tail) and 160 (invalid, whole chunks). The
    // verdict is the text's: valid padding bytes are 0x01..=0x10, ASCII, which
    // neither complete nor break a multi-byte sequence before them.
    let utf8_ok = core::str::from_utf8(&buf).is_ok();
    buf.truncate(text_len);
    let json_ok = !json || serde_json::from_slice::<IgnoredAny>(&buf).is_ok();
    if padding.is_err() || !utf8_ok || !json_ok {
        return Err(Error::DecryptFailed);
    }
    // Checked above: UTF-8. `String::from_utf8` moves the buffer, no copy.
    let bytes = core::mem::take(&mut *buf);
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(err) => {
            err.into_bytes().zeroize();
            Err(Error::DecryptFailed)
        }
    }
}

pub(crate) fn session_key_bytes(session_key: &str) -> Result<Zeroizing<[u8; 16]>> {
    base64::decode_16(session_key).map_err(|decoded_len| Error::InvalidSessionKey { decoded_len })
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

/// Applies `options` to the watermark of decrypted data (`None`: it has none).
pub fn check_watermark(watermark: Option<&Watermark>, options: &DecryptOptions<'_>) -> Result<()> {
    if let Some(app_id) = options.app_id {
        if watermark.is_none_or(|w| w.appid != app_id) {
            return Err(Error::AppIdMismatch);
        }
    }
    if let Some(max_age) = options.max_age_seconds {
        let timestamp = watermark.ok_or(Error::Expired)?.timestamp;
        let now = options.now.unwrap_or_else(unix_now);
        let too_new = timestamp > now.saturating_add(CLOCK_SKEW_SECONDS);
        let too_old = now.saturating_sub(timestamp) > max_age;
        if too_new || too_old {
            return Err(Error::Expired);
        }
    }
    Ok(())
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `countryCode` is documented as a string, but some payloads carry `86`.
fn string_or_integer<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> core::result::Result<String, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = String;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a string or a non-negative integer")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> core::result::Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> core::result::Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> core::result::Result<String, E> {
            u64::try_from(v)
                .map(|v| v.to_string())
                .map_err(|_| E::custom("negative country code"))
        }
    }
    deserializer.deserialize_any(Visitor)
}

fn safe_integer<'de, D: Deserializer<'de>>(deserializer: D) -> core::result::Result<u64, D::Error> {
    let value = u64::deserialize(deserializer)?;
    if value > MAX_SAFE_INTEGER {
        return Err(serde::de::Error::custom("timestamp out of range"));
    }
    Ok(value)
}
