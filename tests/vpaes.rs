//! vpaes (src/vpaes.rs) natively: the shared checks of tests/vpaes_shared
//! (FIPS-197, SP 800-38A, differential against the `aes` crate), plus
//! proptest's random keys, IVs and lengths against the `aes` crate.
//!
//! Native only (proptest does not target wasm32); tests/vpaes_wasm.rs runs
//! the shared checks on wasm. Run it also with
//! `RUSTFLAGS='--cfg aes_backend="soft"'` so the reference is the `aes`
//! crate's software path, the one its wasm build uses.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[macro_use]
mod common;
mod vpaes_shared;

use proptest::prelude::*;
use vpaes_shared::{aes_cbc_decrypt, aes_cbc_encrypt, vpaes_cbc_decrypt, vpaes_cbc_encrypt};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any key, IV and whole number of blocks (0-40, so odd counts with a
    /// trailing single block after the interleaved pairs).
    #[test]
    fn cbc_matches_aes_crate(
        key in any::<[u8; 16]>(),
        iv in any::<[u8; 16]>(),
        blocks in proptest::collection::vec(any::<[u8; 16]>(), 0..=40),
    ) {
        let data = blocks.concat();
        prop_assert_eq!(vpaes_cbc_decrypt(&key, &iv, &data), aes_cbc_decrypt(&key, &iv, &data));
        prop_assert_eq!(vpaes_cbc_encrypt(&key, &iv, &data), aes_cbc_encrypt(&key, &iv, &data));
    }

    /// Decryption undoes encryption for any key and IV.
    #[test]
    fn decrypt_inverts_encrypt(
        key in any::<[u8; 16]>(),
        iv in any::<[u8; 16]>(),
        blocks in proptest::collection::vec(any::<[u8; 16]>(), 1..=9),
    ) {
        let data = blocks.concat();
        let sealed = vpaes_cbc_encrypt(&key, &iv, &data);
        prop_assert_eq!(vpaes_cbc_decrypt(&key, &iv, &sealed), data);
    }
}
