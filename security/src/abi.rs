//! The WebAssembly ABI of build/security.wasm: numbers in, numbers out,
//! bytes in linear memory; no JsValue crosses and nothing is imported (the
//! host passes random bytes in), so the MVP build loads on Node 10.15.
//!
//! The host asks [`sx_input`] for an input buffer of the total length,
//! writes the arguments into it back to back, and calls one operation with
//! their lengths. The operation returns a status: [`OK`], [`NO`] (a null or
//! false result: tag mismatch, not an envelope, signature invalid) or a
//! refusal number (`keys::Refusal`, `sm::Invalid`, `cert::CertProblem`, or
//! [`BAD_LENGTHS`]); a result is in the output buffer at
//! [`sx_output_ptr`]/[`sx_output_len`]. Every operation wipes the input it
//! read; [`sx_wipe`] wipes the output once the host has copied it. No input
//! makes an export panic (which would trap the instance for good):
//! tests/js/security-engine.test.mjs feeds it thousands of mutated keys and
//! keeps using the same instance.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use crate::keys::Algorithm;
use crate::{cert, envelope, keys, sm};

/// Success; the result is in the output buffer.
pub const OK: u32 = 0;
/// The operation's negative answer (null / false), not an error.
pub const NO: u32 = 1;
/// The argument lengths do not fit the input buffer.
pub const BAD_LENGTHS: u32 = 2;

/// The largest input buffer one call may ask for.
const MAX_INPUT: usize = 16 << 20;

thread_local! {
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Makes the input buffer `len` bytes long (wiped) and returns its address,
/// or 0 when `len` is over the limit or memory cannot grow.
#[wasm_bindgen]
pub fn sx_input(len: u32) -> u32 {
    let len = len as usize;
    if len > MAX_INPUT {
        return 0;
    }
    INPUT.with(|input| {
        let mut input = input.borrow_mut();
        input.zeroize();
        input.clear();
        if input.try_reserve_exact(len.max(1)).is_err() {
            return 0;
        }
        input.resize(len, 0);
        input.as_ptr() as usize as u32
    })
}

/// The output buffer's address.
#[wasm_bindgen]
pub fn sx_output_ptr() -> u32 {
    OUTPUT.with(|o| o.borrow().as_ptr() as usize as u32)
}

/// The output buffer's length.
#[wasm_bindgen]
pub fn sx_output_len() -> u32 {
    OUTPUT.with(|o| o.borrow().len() as u32)
}

/// Wipes the output buffer.
#[wasm_bindgen]
pub fn sx_wipe() {
    OUTPUT.with(|o| {
        let mut o = o.borrow_mut();
        o.zeroize();
        o.clear();
    });
}

/// Splits the input buffer into arguments of `lens` and runs `f` on them;
/// stores what `f` returns in the output buffer; wipes the input.
fn with_args<const N: usize>(
    lens: [u32; N],
    f: impl FnOnce([&[u8]; N]) -> Result<Vec<u8>, u32>,
) -> u32 {
    sx_wipe();
    let result = INPUT.with(|input| {
        let mut input = input.borrow_mut();
        let mut args: [&[u8]; N] = [&[]; N];
        let mut at = 0usize;
        for (slot, len) in args.iter_mut().zip(lens) {
            let end = match at.checked_add(len as usize) {
                Some(end) => end,
                None => return Err(BAD_LENGTHS),
            };
            *slot = match input.get(at..end) {
                Some(arg) => arg,
                None => return Err(BAD_LENGTHS),
            };
            at = end;
        }
        let result = f(args);
        input.zeroize();
        result
    });
    match result {
        Ok(out) => {
            OUTPUT.with(|o| *o.borrow_mut() = out);
            OK
        }
        Err(status) => status,
    }
}

fn algorithm(n: u32) -> Result<Algorithm, u32> {
    match n {
        1 => Ok(Algorithm::Rsa),
        2 => Ok(Algorithm::Sm2),
        _ => Err(cert::CertProblem::KeyMismatch as u32),
    }
}

fn text(bytes: &[u8]) -> Result<&str, u32> {
    core::str::from_utf8(bytes).map_err(|_| keys::Refusal::NotPem as u32)
}

/// PEM private key -> `[algorithm u8][bits u32 LE][PKCS#8 DER]`.
#[wasm_bindgen]
pub fn sx_parse_private_key(len: u32) -> u32 {
    with_args([len], |[pem]| {
        let key = keys::parse_private_key(text(pem)?).map_err(|r| r as u32)?;
        let mut out = Vec::with_capacity(5 + key.pkcs8.len());
        out.push(key.algorithm as u8);
        out.extend_from_slice(&key.bits.to_le_bytes());
        out.extend_from_slice(&key.pkcs8);
        Ok(out)
    })
}

/// PEM certificate -> `[algorithm u8][notBefore f64 LE][notAfter f64 LE][SPKI DER]`.
#[wasm_bindgen]
pub fn sx_parse_certificate(len: u32) -> u32 {
    with_args([len], |[pem]| {
        let cert = keys::parse_certificate(text(pem)?).map_err(|r| r as u32)?;
        let mut out = Vec::with_capacity(17 + cert.spki.len());
        out.push(cert.algorithm as u8);
        out.extend_from_slice(&(cert.not_before_ms as f64).to_le_bytes());
        out.extend_from_slice(&(cert.not_after_ms as f64).to_le_bytes());
        out.extend_from_slice(&cert.spki);
        Ok(out)
    })
}

/// Reply body -> `[iv 12][authtag 16][data]`, or [`NO`].
#[wasm_bindgen]
pub fn sx_open_envelope(len: u32) -> u32 {
    with_args([len], |[body]| {
        let e = envelope::open_envelope(body).ok_or(NO)?;
        let mut out = Vec::with_capacity(28 + e.data.len());
        out.extend_from_slice(&e.iv);
        out.extend_from_slice(&e.authtag);
        out.extend_from_slice(&e.data);
        Ok(out)
    })
}

/// key, iv, aad, plaintext -> ciphertext || tag.
#[wasm_bindgen]
pub fn sx_sm4_gcm_seal(key: u32, iv: u32, aad: u32, plaintext: u32) -> u32 {
    with_args([key, iv, aad, plaintext], |[k, i, a, p]| {
        sm::sm4_gcm_seal(k, i, a, p).map_err(|e| e as u32)
    })
}

/// key, iv, aad, ciphertext || tag -> plaintext, or [`NO`] on a tag mismatch.
#[wasm_bindgen]
pub fn sx_sm4_gcm_open(key: u32, iv: u32, aad: u32, sealed: u32) -> u32 {
    with_args([key, iv, aad, sealed], |[k, i, a, c]| {
        let plain = sm::sm4_gcm_open(k, i, a, c)
            .map_err(|e| e as u32)?
            .ok_or(NO)?;
        Ok(plain.to_vec())
    })
}

/// PKCS#8, id, message, 32+ random bytes -> DER signature.
#[wasm_bindgen]
pub fn sx_sm2_sign(pkcs8: u32, id: u32, message: u32, random: u32) -> u32 {
    with_args([pkcs8, id, message, random], |[k, i, m, r]| {
        sm::sm2_sign(k, i, m, r).map_err(|e| e as u32)
    })
}

/// SPKI, id, message, signature -> [`OK`] (valid) or [`NO`].
#[wasm_bindgen]
pub fn sx_sm2_verify(spki: u32, id: u32, message: u32, signature: u32) -> u32 {
    with_args([spki, id, message, signature], |[k, i, m, s]| {
        if sm::sm2_verify(k, i, m, s).map_err(|e| e as u32)? {
            Ok(Vec::new())
        } else {
            Err(NO)
        }
    })
}

/// message -> SM3 digest.
#[wasm_bindgen]
pub fn sx_sm3(len: u32) -> u32 {
    with_args([len], |[m]| Ok(sm::sm3(m).to_vec()))
}

/// 32+ random bytes -> `[PKCS#8 length u32 LE][PKCS#8][SPKI]`.
#[wasm_bindgen]
pub fn sx_sm2_generate_key_pair(len: u32) -> u32 {
    with_args([len], |[r]| {
        let (pkcs8, spki) = sm::sm2_generate_key_pair(r).map_err(|e| e as u32)?;
        let mut out = Vec::with_capacity(4 + pkcs8.len() + spki.len());
        out.extend_from_slice(&(pkcs8.len() as u32).to_le_bytes());
        out.extend_from_slice(&pkcs8);
        out.extend_from_slice(&spki);
        Ok(out)
    })
}

/// algorithm, SPKI, 16+ random bytes, validity (ms) -> TBSCertificate DER.
#[wasm_bindgen]
pub fn sx_tbs_certificate(
    alg: u32,
    spki: u32,
    random: u32,
    not_before_ms: f64,
    not_after_ms: f64,
) -> u32 {
    with_args([spki, random], |[k, r]| {
        cert::tbs(algorithm(alg)?, k, not_before_ms, not_after_ms, r).map_err(|e| e as u32)
    })
}

/// algorithm, TBSCertificate, signature -> PEM "CERTIFICATE" (ASCII).
#[wasm_bindgen]
pub fn sx_certificate(alg: u32, tbs: u32, signature: u32) -> u32 {
    with_args([tbs, signature], |[t, s]| {
        cert::assemble(algorithm(alg)?, t, s)
            .map(String::into_bytes)
            .map_err(|e| e as u32)
    })
}
