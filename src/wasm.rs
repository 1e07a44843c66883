//! The JavaScript binding: the only module that knows about wasm-bindgen.
//!
//! Each export converts its JS arguments into Rust values (strictly: a wrong
//! type is `INVALID_ARGUMENT`, never a trap), calls the core, and converts the
//! result or the [`Error`] back. No decryption logic lives here.
//!
//! Arguments are taken as `&JsValue` rather than `&str` so that a number,
//! `undefined` or an object gets our typed error instead of wasm-bindgen's
//! untyped one, and so that an oversize string is rejected by its length
//! before it is copied into wasm memory. Every call into JS that can throw
//! (getters, proxies, `JSON.parse`, `JSON.stringify`) runs behind a JS
//! try/catch that reports failure as a value (see `parse_json`, `get`): an
//! exception unwinding through wasm frames would skip destructors and leave
//! the instance in a bad state, and one caught by a wasm-bindgen `catch`
//! import leaks a table slot. Only the getters on parsed JSON keep `catch`
//! (they throw only if `Object.prototype` itself was given throwing getters).

use js_sys::{JsString, Reflect};
use wasm_bindgen::prelude::*;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{EncryptedDataProblem, Error};
use crate::open_data::{self, DecryptOptions, Watermark};
use crate::{base64, signature, MAX_ENCRYPTED_BASE64_LEN};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Where and when WeChat produced the data. */
export interface Watermark {
  /** Unix seconds. */
  timestamp: number;
  /** AppID of the Mini Program the data was encrypted for. */
  appid: string;
}

/** A getPhoneNumber payload. */
export interface PhoneInfo {
  /** The number as bound to WeChat; foreign numbers include the country code. */
  phoneNumber: string;
  /** The number without the country code. */
  purePhoneNumber: string;
  /** The country code, always a string (payloads carrying a number are normalised). */
  countryCode: string;
  watermark: Watermark;
}

/** Checks on the watermark. Unknown keys are rejected (a typo must not disable a check). */
export interface DecryptOptions {
  /** The watermark appid must equal this (your Mini Program's AppID). */
  appId?: string;
  /** The watermark timestamp may be at most this many seconds old (and at most 60 s in the future). */
  maxAgeSeconds?: number;
  /** Current unix time in seconds, for tests. Defaults to Date.now() / 1000. */
  now?: number;
}

/** Decrypted open data of any kind: the JSON object WeChat encrypted. */
export interface OpenData {
  [key: string]: unknown;
  watermark?: Watermark;
}

/** What encryptData returns: what the WeChat client would send to your server. */
export interface EncryptedPayload {
  encryptedData: string;
  iv: string;
}

/** Stable error codes; messages may improve between releases, codes never change. */
export type WxOpenDataErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_SESSION_KEY'
  | 'INVALID_IV'
  | 'INVALID_ENCRYPTED_DATA'
  | 'DECRYPT_FAILED'
  | 'NOT_PHONE_DATA'
  | 'APPID_MISMATCH'
  | 'EXPIRED'
  | 'RANDOM_UNAVAILABLE';

/** Every error this package throws. */
export interface WxOpenDataError extends Error {
  name: 'WxOpenDataError';
  code: WxOpenDataErrorCode;
  /** The official WXBizDataCrypt code (-41001 … -41004) where one exists, else null. */
  wxErrCode: number | null;
}

/**
 * Decrypts getPhoneNumber data and checks its shape and, with options, the watermark.
 * @throws {WxOpenDataError}
 */
export function decryptPhone(sessionKey: string, encryptedData: string, iv: string, options?: DecryptOptions): PhoneInfo;

/**
 * Decrypts any open data (userInfo, weRunData, share info) into the object WeChat encrypted.
 * Pass your own interface as T to type the result.
 * @throws {WxOpenDataError}
 */
export function decryptData<T = OpenData>(sessionKey: string, encryptedData: string, iv: string, options?: DecryptOptions): T;
"#;

/// `decryptPhone(sessionKey, encryptedData, iv, options?)`.
#[wasm_bindgen(js_name = decryptPhone, skip_typescript)]
pub fn decrypt_phone(
    session_key: &JsValue,
    encrypted_data: &JsValue,
    iv: &JsValue,
    options: &JsValue,
) -> Result<JsValue, JsValue> {
    scrubbed(|| {
        let inputs = Inputs::read(session_key, encrypted_data, iv)?;
        let options = Options::read(options)?;
        let data = inputs.decrypt()?;
        // The core's typed shape, read from the very object the caller gets back.
        let phone = phone_shape(&data).ok_or_else(|| to_js_error(Error::NotPhoneData))?;
        open_data::check_watermark(Some(&phone.watermark), &options.get()).map_err(to_js_error)?;
        if let Some(code) = phone.numeric_country_code {
            // A numeric countryCode (some payloads carry 86) becomes "86".
            set(&data, "countryCode", &JsValue::from_str(&code.to_string()));
        }
        Ok(data)
    })
}

/// `decryptData(sessionKey, encryptedData, iv, options?)`.
#[wasm_bindgen(js_name = decryptData, skip_typescript)]
pub fn decrypt_data(
    session_key: &JsValue,
    encrypted_data: &JsValue,
    iv: &JsValue,
    options: &JsValue,
) -> Result<JsValue, JsValue> {
    scrubbed(|| {
        let inputs = Inputs::read(session_key, encrypted_data, iv)?;
        let options = Options::read(options)?;
        let data = inputs.decrypt()?;
        check_open_data(&data, &options.get())?;
        Ok(data)
    })
}

/// `verifySignature(rawData, signature, sessionKey)`: whether
/// `sha1(rawData + sessionKey)` equals `signature` (hex, any case), compared in
/// constant time.
#[wasm_bindgen(js_name = verifySignature)]
pub fn verify_signature(
    #[wasm_bindgen(js_name = rawData, unchecked_param_type = "string")] raw_data: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] signature: &JsValue,
    #[wasm_bindgen(js_name = sessionKey, unchecked_param_type = "string")] session_key: &JsValue,
) -> Result<bool, JsValue> {
    scrubbed(|| {
        let raw_data = text_arg(raw_data, "rawData must be a string")?;
        let signature = string_arg(signature, "signature must be a string")?;
        let session_key = string_arg(session_key, "sessionKey must be a string")?;
        Ok(signature::verify_signature(
            &raw_data,
            &signature,
            &session_key,
        ))
    })
}

/// `encryptData(sessionKey, data)`: encrypts `data` (an object, serialised
/// with `JSON.stringify`, or a string used as is) with a fresh random IV.
#[wasm_bindgen(js_name = encryptData, unchecked_return_type = "EncryptedPayload")]
pub fn encrypt_data(
    #[wasm_bindgen(js_name = sessionKey, unchecked_param_type = "string")] session_key: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "object | string")] data: &JsValue,
) -> Result<JsValue, JsValue> {
    scrubbed(|| {
        let session_key = string_arg(session_key, "sessionKey must be a string")?;
        let plaintext = if data.is_string() {
            text_arg(data, "data must be an object or a string")?
        } else if data.is_object() {
            const WHAT: &str = "data could not be serialised with JSON.stringify";
            text_arg(&stringify_json(data).ok_or_else(|| invalid(WHAT))?, WHAT)?
        } else {
            return Err(invalid("data must be an object or a string"));
        };
        let sealed =
            open_data::encrypt_data(&session_key, plaintext.as_bytes()).map_err(to_js_error)?;
        serde_wasm_bindgen::to_value(&sealed).map_err(|_| invalid("data could not be encrypted"))
    })
}

/// `isWxOpenDataError(value)`: whether `value` is an error thrown by this package.
#[wasm_bindgen(js_name = isWxOpenDataError, unchecked_return_type = "value is WxOpenDataError")]
pub fn is_wx_open_data_error(
    #[wasm_bindgen(unchecked_param_type = "unknown")] value: &JsValue,
) -> bool {
    value.is_instance_of::<js_sys::Error>()
        && get(value, &JsValue::from_str("name"))
            .and_then(|n| n.as_string().map(Zeroizing::new))
            .is_some_and(|n| n.as_str() == ERROR_NAME)
        && get(value, &JsValue::from_str("code"))
            .and_then(|c| c.as_string().map(Zeroizing::new))
            .is_some_and(|c| Error::CODES.contains(&c.as_str()))
}

/// A drop-in for the `WXBizDataCrypt` class of WeChat's official Node sample:
/// `new WXBizDataCrypt(appId, sessionKey).decryptData(encryptedData, iv)`,
/// with the appid check on, throwing `WxOpenDataError` instead of
/// `Error('Illegal Buffer')`.
#[wasm_bindgen(js_name = WXBizDataCrypt)]
pub struct WxBizDataCrypt {
    app_id: Zeroizing<String>,
    session_key: Zeroizing<String>,
}

#[wasm_bindgen(js_class = WXBizDataCrypt)]
impl WxBizDataCrypt {
    /// Keeps `appId` and `sessionKey`; the key is validated here so a bad one
    /// fails at construction, as early as possible.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = appId, unchecked_param_type = "string")] app_id: &JsValue,
        #[wasm_bindgen(js_name = sessionKey, unchecked_param_type = "string")]
        session_key: &JsValue,
    ) -> Result<WxBizDataCrypt, JsValue> {
        scrubbed(|| {
            let app_id = string_arg(app_id, "appId must be a string")?;
            let session_key = string_arg(session_key, "sessionKey must be a string")?;
            base64::decode_16(&session_key)
                .map_err(|decoded_len| to_js_error(Error::InvalidSessionKey { decoded_len }))?;
            Ok(WxBizDataCrypt {
                app_id,
                session_key,
            })
        })
    }

    /// Decrypts open data of any kind; the watermark appid must be this
    /// instance's `appId`.
    #[wasm_bindgen(js_name = decryptData, unchecked_return_type = "OpenData")]
    pub fn decrypt_data(
        &self,
        #[wasm_bindgen(js_name = encryptedData, unchecked_param_type = "string")]
        encrypted_data: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] iv: &JsValue,
    ) -> Result<JsValue, JsValue> {
        scrubbed(|| {
            let encrypted_data = encrypted_data_arg(encrypted_data)?;
            let iv = string_arg(iv, "iv must be a string")?;
            let options = DecryptOptions {
                app_id: Some(&self.app_id),
                ..Default::default()
            };
            let data = decrypt_to_js(&self.session_key, &encrypted_data, &iv)?;
            check_open_data(&data, &options)?;
            Ok(data)
        })
    }
}

/// Decrypts with the core, which checks padding, UTF-8 and JSON syntax with
/// the same work whatever fails (see [`open_data::decrypt_json`]), then
/// builds the object with the host's `JSON.parse`: own `__proto__` keys, JS
/// number rules, faster and smaller than an object builder in Rust. A parse
/// failure (only where serde_json and `JSON.parse` disagree on an edge case)
/// is `DECRYPT_FAILED` too.
///
/// Every failure leaves through the one `to_js_error` call at the end. An
/// error's `stack` records the wasm code offset of each frame: two call sites
/// (one for bad padding or UTF-8, one for bad JSON) would give anyone who sees
/// a stack the padding oracle that the single message withholds.
/// tests/security/padding-oracle.test.mjs compares the stacks.
fn decrypt_to_js(session_key: &str, encrypted_data: &str, iv: &str) -> Result<JsValue, JsValue> {
    let parsed = open_data::decrypt_json(session_key, encrypted_data, iv)
        .and_then(|text| parse_json(&text).ok_or(Error::DecryptFailed));
    parsed.map_err(to_js_error)
}

// Calls into JS that can throw, each behind a JS try/catch. Through a
// wasm-bindgen `catch` import, every throw would cost an externref table slot
// that is never freed (0.2.130 allocates one for the discarded return value):
// a client that flips bits in its ciphertext until the plaintext is valid
// UTF-8 but not JSON could grow the table by one slot per request, and a
// caller's throwing getter, proxy or cyclic object by one per call. Here no
// exception enters wasm at all; a failure comes back as `undefined` (never
// the result of parsing JSON) or as the `failed` sentinel passed in.
// tests/soak/soak.test.mjs counts the table's slots.
#[wasm_bindgen(inline_js = r#"
export function parseJsonOrUndefined(text) {
  try { return JSON.parse(text); } catch { return undefined; }
}
export function stringifyJsonOr(value, failed) {
  try { return JSON.stringify(value); } catch { return failed; }
}
export function ownKeysOr(object, failed) {
  try { return Reflect.ownKeys(object); } catch { return failed; }
}
export function getOr(object, key, failed) {
  try { return Reflect.get(object, key); } catch { return failed; }
}
const ENCODER = new TextEncoder();
export function utf8Bytes(text) {
  return ENCODER.encode(text);
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = parseJsonOrUndefined)]
    fn parse_json_or_undefined(text: &str) -> JsValue;
    #[wasm_bindgen(js_name = stringifyJsonOr)]
    fn stringify_json_or(value: &JsValue, failed: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = ownKeysOr)]
    fn own_keys_or(object: &JsValue, failed: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = getOr)]
    fn get_or(object: &JsValue, key: &JsValue, failed: &JsValue) -> JsValue;
    /// Only ever called with a string (see `text_arg`), so it cannot throw.
    #[wasm_bindgen(js_name = utf8Bytes)]
    fn utf8_bytes(text: &JsValue) -> js_sys::Uint8Array;
}

thread_local! {
    /// What the helpers above return when the JS they run throws: an object
    /// of ours that no caller can hold, so `===` against it is unambiguous.
    static FAILED: JsValue = js_sys::Object::new().into();
}

/// `f(failed)`, or `None` when it returned the sentinel (the JS threw).
fn unless_failed(f: impl FnOnce(&JsValue) -> JsValue) -> Option<JsValue> {
    FAILED.with(|failed| {
        let value = f(failed);
        (value != *failed).then_some(value)
    })
}

/// The parsed JSON, or `None` when `text` is not JSON (JSON text never parses
/// to `undefined`).
fn parse_json(text: &str) -> Option<JsValue> {
    let value = parse_json_or_undefined(text);
    (!value.is_undefined()).then_some(value)
}

/// `JSON.stringify(value)`, still in JS (read it with `text_arg`, which also
/// rejects the `undefined` it gives for a function); `None` if it threw (a
/// cycle, a throwing `toJSON`).
fn stringify_json(value: &JsValue) -> Option<JsValue> {
    unless_failed(|failed| stringify_json_or(value, failed))
}

/// `Reflect.ownKeys(object)`; `None` if a proxy trap threw.
fn own_keys(object: &JsValue) -> Option<js_sys::Array> {
    unless_failed(|failed| own_keys_or(object, failed)).map(JsCast::unchecked_into)
}

/// `object[key]`; `None` if a getter or proxy trap threw.
fn get(object: &JsValue, key: &JsValue) -> Option<JsValue> {
    unless_failed(|failed| get_or(object, key, failed))
}

/// The core's watermark rules, applied to parsed open data of any kind.
fn check_open_data(data: &JsValue, options: &DecryptOptions<'_>) -> Result<(), JsValue> {
    if !options.checks_watermark() {
        return Ok(());
    }
    open_data::check_watermark(watermark_of(data).as_ref(), options).map_err(to_js_error)
}

// Parsed open data as JS sees it. Structural getters compile to a plain
// `obj.phoneNumber` in the JS glue: no property-name string is built or copied
// per call, which measured several times faster than serde-wasm-bindgen's
// `from_value` for these few fields, and leaves out the float formatting its
// error messages pull in (about 20 KB of the .wasm). `catch`: a getter on a
// polluted `Object.prototype` may throw, and an exception must never unwind
// through wasm frames.
#[wasm_bindgen]
extern "C" {
    type OpenDataJs;
    #[wasm_bindgen(method, getter, catch, js_name = phoneNumber)]
    fn phone_number(this: &OpenDataJs) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch, js_name = purePhoneNumber)]
    fn pure_phone_number(this: &OpenDataJs) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch, js_name = countryCode)]
    fn country_code(this: &OpenDataJs) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn watermark(this: &OpenDataJs) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn timestamp(this: &OpenDataJs) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn appid(this: &OpenDataJs) -> Result<JsValue, JsValue>;
}

/// `value` as an object whose properties can be read (not null, not a primitive).
fn object(value: &JsValue) -> Option<&OpenDataJs> {
    value
        .is_object()
        .then(|| value.unchecked_ref::<OpenDataJs>())
}

/// What `decryptPhone` needs to know about parsed JSON.
struct PhoneShape {
    watermark: Watermark,
    /// `Some` when `countryCode` is a number (some payloads carry `86`); the
    /// caller gets it back as a string.
    numeric_country_code: Option<u64>,
}

/// Checks parsed JSON with the rules of the core's [`PhoneInfo`](crate::PhoneInfo) serde
/// derive: `phoneNumber` and `purePhoneNumber` strings, `countryCode` a string
/// or a non-negative integer, and a [`Watermark`]. Only the watermark is
/// copied into wasm (the checks need its appid); the number strings are
/// checked by type where they are, which measured about 0.4 µs cheaper per
/// call than converting them. `None`: not phone data.
fn phone_shape(data: &JsValue) -> Option<PhoneShape> {
    let data = object(data)?;
    let is_string = |value: Result<JsValue, JsValue>| value.is_ok_and(|v| v.is_string());
    if !is_string(data.phone_number()) || !is_string(data.pure_phone_number()) {
        return None;
    }
    let country_code = data.country_code().ok()?;
    let numeric_country_code = match country_code.is_string() {
        true => None,
        false => Some(seconds(&country_code)?),
    };
    Some(PhoneShape {
        watermark: watermark_from_js(&data.watermark().ok()?)?,
        numeric_country_code,
    })
}

/// The `watermark` of parsed open data of any kind, as the core's
/// [`Watermark`]; `None` when the data is no object or its watermark is
/// missing or malformed (which the core's rules treat alike).
fn watermark_of(data: &JsValue) -> Option<Watermark> {
    watermark_from_js(&object(data)?.watermark().ok()?)
}

/// Converts a parsed `watermark` into the core's [`Watermark`]: a safe-integer
/// `timestamp` and a string `appid`. `None`: missing or malformed, which the
/// core's rules treat alike.
fn watermark_from_js(value: &JsValue) -> Option<Watermark> {
    let value = object(value)?;
    Some(Watermark {
        timestamp: seconds(&value.timestamp().ok()?)?,
        appid: value.appid().ok()?.as_string()?,
    })
}

/// Runs an export's work in a stack frame of its own, then wipes the wasm
/// stack that work used, on every path (results and errors alike).
///
/// Zeroizing our own buffers is not enough: the `aes` crate's constant-time
/// key schedule (352 bytes, fixsliced), the last block's pre-XOR output, the
/// SHA-1 block buffer (which holds the session_key text) and stack copies of
/// the decoded key are left in frames that have returned, readable by anyone
/// holding the instance's memory (tests/js/secrets.test.mjs scans it). The
/// work runs below the export's frame (`run_below` is never inlined), and
/// `scrub_stack` then overwrites that region with volatile stores.
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

/// Sets an own data property. Used only on fresh objects (our Error, a
/// `JSON.parse` result), where it cannot throw, so the Result is ignored.
fn set(object: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

const ERROR_NAME: &str = "WxOpenDataError";

/// The one conversion from the core's [`Error`] to a JS `Error` with `name`,
/// `code` and `wxErrCode`. The message is the core's, which never contains
/// inputs. `inline(never)`: one copy, so every error of a kind is created
/// from the same code offsets (see [`decrypt_to_js`]).
#[inline(never)]
fn to_js_error(error: Error) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    js.set_name(ERROR_NAME);
    let wx_err_code = error
        .wx_err_code()
        .map_or(JsValue::NULL, |n| JsValue::from_f64(f64::from(n)));
    // Setting own data properties on a fresh Error cannot throw; ignore the Result.
    let _ = Reflect::set(
        &js,
        &JsValue::from_str("code"),
        &JsValue::from_str(error.code()),
    );
    let _ = Reflect::set(&js, &JsValue::from_str("wxErrCode"), &wx_err_code);
    js.into()
}

fn invalid(what: &'static str) -> JsValue {
    to_js_error(Error::InvalidArgument(what))
}

/// A JS string copied into wasm memory, wiped on drop like every string an
/// export copies in (public ones too: then nothing a caller passes stays
/// behind). For text that is often non-ASCII, see `text_arg`.
fn string_arg(value: &JsValue, what: &'static str) -> Result<Zeroizing<String>, JsValue> {
    value
        .as_string()
        .map(Zeroizing::new)
        .ok_or_else(|| invalid(what))
}

/// A string that may hold personal data in any script (`rawData`, the
/// plaintext of `encryptData`), copied into wasm memory so that it can be
/// wiped: the result is wiped on drop, and no other copy is left behind.
/// `string_arg` would not do for these: wasm-bindgen's copy allocates for the
/// string's ASCII length and, at the first non-ASCII character (a Chinese
/// nickname), reallocates; when that moves the buffer, the ASCII prefix before
/// it stays in freed memory, unwiped. `TextEncoder` gives the exact UTF-8
/// bytes first (lone surrogates become U+FFFD, as with `string_arg`), and they
/// are copied once into a buffer of exactly that size.
fn text_arg(value: &JsValue, what: &'static str) -> Result<Zeroizing<String>, JsValue> {
    if !value.is_string() {
        return Err(invalid(what));
    }
    let encoded = utf8_bytes(value);
    let mut bytes = Zeroizing::new(vec![0u8; encoded.length() as usize]);
    encoded.copy_to(&mut bytes);
    // Always UTF-8 (TextEncoder's output); the buffer moves, no copy.
    match String::from_utf8(core::mem::take(&mut *bytes)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(err) => {
            err.into_bytes().zeroize();
            Err(invalid(what))
        }
    }
}

/// `encryptedData` is checked for size by its JS length before it is copied
/// into wasm memory (UTF-16 units >= UTF-8 bytes for the ASCII that base64 is).
fn encrypted_data_arg(value: &JsValue) -> Result<Zeroizing<String>, JsValue> {
    let text = value
        .dyn_ref::<JsString>()
        .ok_or_else(|| invalid("encryptedData must be a string"))?;
    if text.length() as usize > MAX_ENCRYPTED_BASE64_LEN {
        return Err(to_js_error(Error::InvalidEncryptedData(
            EncryptedDataProblem::TooLarge,
        )));
    }
    string_arg(value, "encryptedData must be a string")
}

/// The three inputs of a decryption, copied out of JS; all wiped on drop
/// (the ciphertext is public, but then nothing a caller passes stays behind).
struct Inputs {
    session_key: Zeroizing<String>,
    encrypted_data: Zeroizing<String>,
    iv: Zeroizing<String>,
}

impl Inputs {
    fn read(
        session_key: &JsValue,
        encrypted_data: &JsValue,
        iv: &JsValue,
    ) -> Result<Inputs, JsValue> {
        Ok(Inputs {
            session_key: string_arg(session_key, "sessionKey must be a string")?,
            encrypted_data: encrypted_data_arg(encrypted_data)?,
            iv: string_arg(iv, "iv must be a string")?,
        })
    }

    fn decrypt(&self) -> Result<JsValue, JsValue> {
        decrypt_to_js(&self.session_key, &self.encrypted_data, &self.iv)
    }
}

/// `DecryptOptions` read from a JS object, strictly.
struct Options {
    app_id: Option<Zeroizing<String>>,
    max_age_seconds: Option<u64>,
    /// `options.now`; the clock is read only when an age check needs it.
    now: Option<u64>,
}

/// Reads a strict options argument into `present`: the values of `names`
/// (`None` where `undefined`; all `None` when the argument is absent, that is
/// `undefined` or `null`). Anything but a plain object is `INVALID_ARGUMENT`
/// with `shape`'s message, an own key not in `names` with `unknown`'s (a typo such as
/// `appid` must not silently turn a check off), a throwing proxy or getter
/// with "options could not be read". Unknown keys are found by `===` against
/// the cached key strings, and the known keys are read with them, inherited
/// values too (a check must not be skipped because of how the object was
/// built): no key string is copied between JS and wasm per call. One copy of
/// this code serves both options readers.
fn read_options(
    value: &JsValue,
    names: &[JsValue],
    present: &mut [Option<JsValue>],
    shape: &'static str,
    unknown: &'static str,
) -> Result<(), JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(());
    }
    if !value.is_object() || js_sys::Array::is_array(value) || value.is_function() {
        return Err(invalid(shape));
    }
    let unreadable = || invalid("options could not be read");
    let keys = own_keys(value).ok_or_else(unreadable)?;
    if keys.iter().any(|key| !names.contains(&key)) {
        return Err(invalid(unknown));
    }
    for (slot, name) in present.iter_mut().zip(names) {
        let value = get(value, name).ok_or_else(unreadable)?;
        *slot = (!value.is_undefined()).then_some(value);
    }
    Ok(())
}

thread_local! {
    /// The option names as JS strings, made once per instance (see `read_options`).
    static OPTION_KEYS: [JsValue; 3] = ["appId", "maxAgeSeconds", "now"].map(JsValue::from_str);
}

impl Options {
    fn read(value: &JsValue) -> Result<Options, JsValue> {
        let mut present: [Option<JsValue>; 3] = Default::default();
        OPTION_KEYS.with(|names| {
            read_options(
                value,
                names,
                &mut present,
                "options must be an object like { appId, maxAgeSeconds }",
                "options has an unknown key; the known keys are appId, maxAgeSeconds and now",
            )
        })?;
        let [app_id, max_age, now] = present;
        Ok(Options {
            app_id: app_id
                .map(|v| string_arg(&v, "options.appId must be a string"))
                .transpose()?,
            max_age_seconds: max_age.map(|v| max_age_arg(&v)).transpose()?,
            now: now.map(|v| now_arg(&v)).transpose()?,
        })
    }

    fn get(&self) -> DecryptOptions<'_> {
        DecryptOptions {
            app_id: self.app_id.as_ref().map(|id| id.as_str()),
            max_age_seconds: self.max_age_seconds,
            // The core never reads the system clock here (wasm32 has none):
            // `Date.now()` whenever an age check needs a time, and only then.
            now: self
                .now
                .or_else(|| self.max_age_seconds.map(|_| now_seconds())),
        }
    }
}

/// `options.maxAgeSeconds`, the same rule for `decryptPhone`/`decryptData` and `diagnose`.
fn max_age_arg(value: &JsValue) -> Result<u64, JsValue> {
    seconds(value).ok_or_else(|| invalid("options.maxAgeSeconds must be a non-negative integer"))
}

/// `options.now`, the same rule for `decryptPhone`/`decryptData` and `diagnose`.
fn now_arg(value: &JsValue) -> Result<u64, JsValue> {
    seconds(value)
        .ok_or_else(|| invalid("options.now must be a non-negative integer (unix seconds)"))
}

/// A non-negative safe integer number of seconds.
fn seconds(value: &JsValue) -> Option<u64> {
    let n = value.as_f64()?;
    let in_range = (0.0..=9_007_199_254_740_991.0).contains(&n) && n.fract() == 0.0;
    // The range check makes the cast exact.
    in_range.then_some(n as u64)
}

fn now_seconds() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

// ---- diagnose(): for operators and logs, never the request path -------------

#[wasm_bindgen(typescript_custom_section)]
const DIAGNOSE_TYPES: &'static str = r#"
/** Stable codes of diagnose() findings; messages may improve, codes never change. */
export type DiagnosisCause =
  | 'OK'
  | 'INVALID_INPUT'
  | 'PLUS_BECAME_SPACE'
  | 'TRUNCATED'
  | 'IV_MISMATCH'
  | 'KEY_IV_SWAPPED'
  | 'STALE_SESSION_KEY'
  | 'NOT_PHONE_DATA'
  | 'APPID_MISMATCH'
  | 'EXPIRED';

/** Extra evidence and checks for diagnose(). Unknown keys are rejected. */
export interface DiagnoseOptions {
  /** rawData from the same callback (needs signature). */
  rawData?: string;
  /** Its signature, sha1(rawData + session_key) in hex (needs rawData). */
  signature?: string;
  /** Older session keys of the same user: the one that decrypts is named by index. */
  previousSessionKeys?: string[];
  /** Your Mini Program's AppID: the watermark appid must equal it. */
  appId?: string;
  /** The watermark may be at most this many seconds old. */
  maxAgeSeconds?: number;
  /** Current unix time in seconds, for tests. Defaults to Date.now() / 1000. */
  now?: number;
}

/** What diagnose() found. */
export interface Diagnosis {
  cause: DiagnosisCause;
  /** One sentence for a human: what happened and what to do. Never contains key, iv, ciphertext or plaintext (beyond kind, appid and age). */
  message: string;
  /** What the data is, when some key/iv combination decrypted it. */
  kind: 'phone' | 'userInfo' | 'weRunData' | 'other' | null;
  /** Index into options.previousSessionKeys of the key that decrypts the data. */
  matchedPreviousKey: number | null;
}

/**
 * Explains why open data does not decrypt (stale session_key, iv of another
 * request, key and iv swapped, '+' turned into spaces, truncation, wrong kind,
 * appid, age). For operators and logs, never the request path: decryptPhone
 * keeps its single DECRYPT_FAILED. Throws only INVALID_ARGUMENT (wrong types).
 * @throws {WxOpenDataError}
 */
export function diagnose(sessionKey: string, encryptedData: string, iv: string, options?: DiagnoseOptions): Diagnosis;
"#;

/// `diagnose(sessionKey, encryptedData, iv, options?)`: the core's
/// [`crate::diagnose`] with the host's `JSON.parse` as its JSON parser (the
/// .wasm carries none), returned as a plain object.
#[wasm_bindgen(js_name = diagnose, skip_typescript)]
pub fn diagnose(
    session_key: &JsValue,
    encrypted_data: &JsValue,
    iv: &JsValue,
    options: &JsValue,
) -> Result<JsValue, JsValue> {
    scrubbed(|| {
        let inputs = Inputs::read(session_key, encrypted_data, iv)?;
        let options = DiagnoseOptionsJs::read(options)?;
        let previous: Vec<&str> = options.previous.iter().map(|key| key.as_str()).collect();
        let core_options = crate::diagnose::DiagnoseOptions {
            raw_data: options.raw_data.as_ref().map(|text| text.as_str()),
            signature: options.signature.as_ref().map(|text| text.as_str()),
            previous_session_keys: &previous,
            app_id: options.app_id.as_ref().map(|id| id.as_str()),
            max_age_seconds: options.max_age_seconds,
            now: Some(options.now),
        };
        let found = crate::diagnose::diagnose_with(
            &inputs.session_key,
            &inputs.encrypted_data,
            &inputs.iv,
            &core_options,
            json_facts,
        );
        let result: JsValue = js_sys::Object::new().into();
        set(&result, "cause", &JsValue::from_str(found.cause.code()));
        set(&result, "message", &JsValue::from_str(&found.message));
        set(
            &result,
            "kind",
            &found.kind.map_or(JsValue::NULL, JsValue::from_str),
        );
        set(
            &result,
            "matchedPreviousKey",
            &found
                .matched_previous_key
                .map_or(JsValue::NULL, |i| JsValue::from_f64(i as f64)),
        );
        Ok(result)
    })
}

/// What the core's diagnosis needs from decrypted JSON, read with `JSON.parse`
/// and the same typed getters as `decryptPhone` (so "phone" means exactly what
/// `decryptPhone` accepts).
fn json_facts(text: &str) -> Option<crate::diagnose::JsonFacts> {
    use crate::diagnose::DataKind;
    let data = parse_json(text)?;
    let watermark = watermark_of(&data);
    let kind = if phone_shape(&data).is_some() {
        DataKind::Phone
    } else if data.is_object() {
        let target = data.unchecked_ref::<js_sys::Object>();
        // Own properties only (a polluted prototype must not change the
        // verdict); the `catch` import turns a throwing proxy into "absent".
        DataKind::from_fields(|name| {
            Reflect::get_own_property_descriptor(target, &JsValue::from_str(name))
                .is_ok_and(|descriptor| !descriptor.is_undefined())
        })
    } else {
        DataKind::Other
    };
    Some(crate::diagnose::JsonFacts { kind, watermark })
}

/// `DiagnoseOptions` read from a JS object, strictly (like [`Options`]).
struct DiagnoseOptionsJs {
    raw_data: Option<Zeroizing<String>>,
    signature: Option<Zeroizing<String>>,
    previous: Vec<Zeroizing<String>>,
    app_id: Option<Zeroizing<String>>,
    max_age_seconds: Option<u64>,
    now: u64,
}

thread_local! {
    /// The diagnose option names as JS strings (see `read_options`).
    static DIAGNOSE_OPTION_KEYS: [JsValue; 6] = [
        "rawData",
        "signature",
        "previousSessionKeys",
        "appId",
        "maxAgeSeconds",
        "now",
    ]
    .map(JsValue::from_str);
}

impl DiagnoseOptionsJs {
    /// More older keys than anyone keeps; bounds the work of one call.
    const MAX_PREVIOUS: u32 = 64;

    fn read(value: &JsValue) -> Result<DiagnoseOptionsJs, JsValue> {
        let mut present: [Option<JsValue>; 6] = Default::default();
        DIAGNOSE_OPTION_KEYS.with(|names| {
            read_options(
                value,
                names,
                &mut present,
                "options must be an object like { previousSessionKeys, appId }",
                "options has an unknown key; the known keys are rawData, signature, \
                 previousSessionKeys, appId, maxAgeSeconds and now",
            )
        })?;
        let [raw_data, signature, previous, app_id, max_age, now] = present;
        Ok(DiagnoseOptionsJs {
            raw_data: raw_data
                .map(|v| text_arg(&v, "options.rawData must be a string"))
                .transpose()?,
            signature: signature
                .map(|v| string_arg(&v, "options.signature must be a string"))
                .transpose()?,
            previous: previous
                .map(|list| Self::previous_session_keys(&list))
                .transpose()?
                .unwrap_or_default(),
            app_id: app_id
                .map(|v| string_arg(&v, "options.appId must be a string"))
                .transpose()?,
            max_age_seconds: max_age.map(|v| max_age_arg(&v)).transpose()?,
            // The core's diagnosis always compares the watermark with a time.
            now: match now {
                Some(now) => now_arg(&now)?,
                None => now_seconds(),
            },
        })
    }

    /// `options.previousSessionKeys`: an array of at most `MAX_PREVIOUS`
    /// strings, each copied in and wiped on drop.
    fn previous_session_keys(list: &JsValue) -> Result<Vec<Zeroizing<String>>, JsValue> {
        const WHAT: &str = "options.previousSessionKeys must be an array of at most 64 strings";
        if !js_sys::Array::is_array(list) {
            return Err(invalid(WHAT));
        }
        let element =
            |key: JsValue| get(list, &key).ok_or_else(|| invalid("options could not be read"));
        let length = element(JsValue::from_str("length"))?;
        let length = seconds(&length)
            .filter(|n| *n <= u64::from(Self::MAX_PREVIOUS))
            .ok_or_else(|| invalid(WHAT))?;
        let mut keys = Vec::new();
        for index in 0..length {
            keys.push(string_arg(
                &element(JsValue::from_f64(index as f64))?,
                WHAT,
            )?);
        }
        Ok(keys)
    }
}
