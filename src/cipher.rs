//! AES-128-CBC with PKCS#7 padding, the scheme of WeChat open data.
//!
//! Hazmat note: CBC has no integrity. Anyone who holds the session_key can
//! produce a valid ciphertext, and bit flips in the IV change the first block
//! of plaintext predictably. The watermark checks in [`crate::open_data`]
//! (appid, timestamp) are the only guard WeChat's scheme offers; use them.

use aes::Aes128;
use cbc::cipher::block_padding::Pkcs7;

/// The block cipher of decryption: on wasm with SIMD128, Hamburg's
/// vector-permutation AES (src/vpaes.rs: constant time with `i8x16.swizzle`,
/// about 2.5x the `aes` crate's fixslice there); everywhere else the `aes`
/// crate (AES-NI natively, its constant-time fixslice on the MVP .wasm).
/// Encryption (cold: encryptData, fixtures) stays on the `aes` crate.
/// tests/vpaes_wasm.rs and src/abi_tests.rs run under SIMD128 in
/// scripts/test-wasm.sh.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
type Decrypting = crate::vpaes::Vpaes128;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
type Decrypting = Aes128;
use cbc::cipher::{BlockEncryptMut, KeyIvInit};
use subtle::{ConditionallySelectable, ConstantTimeEq, ConstantTimeGreater};

use crate::error::{Error, Result};

/// The AES block size: IVs and keys are this long, ciphertexts a multiple of it.
pub const BLOCK_LEN: usize = 16;

/// Decrypts `buf` (a non-empty multiple of 16 bytes) in place and returns the
/// length of the plaintext at its start.
///
/// Every failure is [`Error::DecryptFailed`], and the padding check runs in
/// constant time, so neither the error nor its timing tells an attacker how
/// the padding was wrong.
pub fn decrypt_in_place(key: &[u8; 16], iv: &[u8; 16], buf: &mut [u8]) -> Result<usize> {
    decrypt_blocks_in_place(key, iv, buf)?;
    pkcs7_unpadded_len(buf).ok_or(Error::DecryptFailed)
}

/// CBC-decrypts `buf` (a multiple of 16 bytes) in place without looking at
/// the padding. Only for [`crate::diagnose`], which must see every block to
/// tell a wrong iv (first block garbage) from a wrong key (all garbage); the
/// request path uses [`decrypt_in_place`].
pub(crate) fn decrypt_blocks_in_place(key: &[u8; 16], iv: &[u8; 16], buf: &mut [u8]) -> Result<()> {
    match cbc_decrypt(key, iv, buf) {
        true => Ok(()),
        false => Err(Error::DecryptFailed),
    }
}

/// CBC decryption in place; `false` when `buf` is not whole blocks. The SIMD
/// build runs its own loop, four blocks per call of the rounds
/// (src/vpaes.rs `cbc_decrypt_in_place`).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn cbc_decrypt(key: &[u8; 16], iv: &[u8; 16], buf: &mut [u8]) -> bool {
    use cbc::cipher::KeyInit;
    crate::vpaes::cbc_decrypt_in_place(&Decrypting::new(key.into()), iv, buf)
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn cbc_decrypt(key: &[u8; 16], iv: &[u8; 16], buf: &mut [u8]) -> bool {
    use cbc::cipher::{block_padding::NoPadding, BlockDecryptMut};
    cbc::Decryptor::<Decrypting>::new(key.into(), iv.into())
        .decrypt_padded_mut::<NoPadding>(buf)
        .is_ok()
}

/// Encrypts the first `len` bytes of `buf` in place with PKCS#7 padding and
/// returns the ciphertext length; `buf` must have room for the padding
/// ([`padded_len`]`(len)` bytes), else `None`.
pub(crate) fn encrypt_in_place(
    key: &[u8; 16],
    iv: &[u8; 16],
    buf: &mut [u8],
    len: usize,
) -> Option<usize> {
    cbc::Encryptor::<Aes128>::new(key.into(), iv.into())
        .encrypt_padded_mut::<Pkcs7>(buf, len)
        .ok()
        .map(|ciphertext| ciphertext.len())
}

/// The ciphertext length of a `len`-byte plaintext: PKCS#7 always adds 1 to 16 bytes.
pub(crate) const fn padded_len(len: usize) -> usize {
    (len / BLOCK_LEN + 1) * BLOCK_LEN
}

/// Length of `buf` without its PKCS#7 padding, or `None` if the padding is invalid.
///
/// Written here rather than using `block_padding::Pkcs7::unpad` because that
/// implementation returns early on the first bad byte (its timing depends on
/// the padding), which is the side channel of a CBC padding oracle. This
/// version reads all 16 bytes of the last block and combines the checks with
/// `subtle`'s constant-time operations; only the final verdict branches.
pub(crate) fn pkcs7_unpadded_len(buf: &[u8]) -> Option<usize> {
    let last: &[u8; BLOCK_LEN] = buf.last_chunk()?;
    let pad = last[BLOCK_LEN - 1];
    // 1 <= pad <= 16
    let mut valid = !pad.ct_eq(&0) & !pad.ct_gt(&(BLOCK_LEN as u8));
    for (i, &byte) in last.iter().enumerate() {
        // Distance from the end, 16..=1: byte `i` is padding iff distance <= pad.
        let distance = (BLOCK_LEN - i) as u8;
        let is_padding = !distance.ct_gt(&pad);
        valid &= !is_padding | byte.ct_eq(&pad);
    }
    // Select rather than branch on `pad` itself; only `valid` is revealed.
    let pad_len = usize::from(u8::conditional_select(&0, &pad, valid));
    bool::from(valid).then(|| buf.len() - pad_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpad_table() {
        let mut block = [7u8; 16];
        // (last block, expected plaintext length within it)
        let mut cases: Vec<([u8; 16], Option<usize>)> = Vec::new();
        for pad in 1..=16u8 {
            block[16 - pad as usize..].fill(pad);
            cases.push((block, Some(16 - pad as usize)));
            block = [7u8; 16];
        }
        cases.push(([0u8; 16], None)); // pad byte 0
        cases.push(([17u8; 16], None)); // pad byte > 16
        let mut bad = [3u8; 16];
        bad[13] = 4; // one wrong byte inside the padding
        cases.push((bad, None));
        let mut bad_first = [16u8; 16];
        bad_first[0] = 15; // full padding block with its first byte wrong
        cases.push((bad_first, None));
        for (block, expected) in cases {
            assert_eq!(pkcs7_unpadded_len(&block), expected, "block {block:?}");
        }
        assert_eq!(pkcs7_unpadded_len(&[]), None);
    }

    #[test]
    fn encrypt_then_decrypt() {
        let key = [0x11; 16];
        let iv = [0x22; 16];
        for len in [0, 1, 15, 16, 17, 100] {
            let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut buf = plaintext.clone();
            buf.resize(padded_len(len), 0);
            assert_eq!(
                encrypt_in_place(&key, &iv, &mut buf, len),
                Some((len / 16 + 1) * 16)
            );
            let n = decrypt_in_place(&key, &iv, &mut buf).expect("decrypts");
            assert_eq!(&buf[..n], plaintext.as_slice());
        }
    }
}
