//! The vpaes checks shared by tests/vpaes.rs (native: the portable vector
//! code) and tests/vpaes_wasm.rs (wasm32: the SIMD128 code when built with
//! `-C target-feature=+simd128`, else the portable code), so the shipping
//! SIMD path runs exactly the checks the native run does.
#![allow(dead_code)]

use aes::Aes128;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{
    BlockDecrypt, BlockDecryptMut, BlockEncrypt, BlockEncryptMut, KeyInit, KeyIvInit,
};
use wx_open_data::vpaes::{Vpaes128, Vpaes128Dec, Vpaes128Enc};
use zeroize::ZeroizeOnDrop;

// `everywhere!` (one body for `#[test]` and `#[wasm_bindgen_test]`) comes
// from tests/common, which the including test file declares first.

pub fn hex(s: &str) -> Vec<u8> {
    base16ct::mixed::decode_vec(s).unwrap()
}

pub fn hex16(s: &str) -> [u8; 16] {
    hex(s).try_into().unwrap()
}

// FIPS-197 Appendix C.1 (AES-128): key, plaintext, ciphertext.
const FIPS_197_C1: [(&str, &str, &str); 1] = [(
    "000102030405060708090a0b0c0d0e0f",
    "00112233445566778899aabbccddeeff",
    "69c4e0d86a7b0430d8cdb78070b4c55a",
)];

// NIST SP 800-38A F.2.1 CBC-AES128.Encrypt / F.2.2 CBC-AES128.Decrypt:
// one key and IV, four blocks; (plaintext, ciphertext), one row per block.
const SP800_38A_KEY: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const SP800_38A_IV: &str = "000102030405060708090a0b0c0d0e0f";
const SP800_38A_F2: [(&str, &str); 4] = [
    (
        "6bc1bee22e409f96e93d7e117393172a",
        "7649abac8119b246cee98e9b12e9197d",
    ),
    (
        "ae2d8a571e03ac9c9eb76fac45af8e51",
        "5086cb9b507219ee95db113a917678b2",
    ),
    (
        "30c81c46a35ce411e5fbc1191a0a52ef",
        "73bed6b8e3c1743b7116e69e22229516",
    ),
    (
        "f69f2445df4f9b17ad2b417be66c3710",
        "3ff1caa1681fac09120eca307586e1a7",
    ),
];

/// Random cases per differential test. Fewer on wasm without SIMD128: that
/// build runs the portable vector code, which the native run already covers
/// in full, and it is slow unoptimized in a wasm VM.
const CASES: u64 = if cfg!(all(target_arch = "wasm32", not(target_feature = "simd128"))) {
    40
} else {
    200
};

/// CBC decryption with vpaes, as the crate calls it.
pub fn vpaes_cbc_decrypt(key: &[u8; 16], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let mut buf = data.to_vec();
    cbc::Decryptor::<Vpaes128>::new(key.into(), iv.into())
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .unwrap();
    buf
}

pub fn aes_cbc_decrypt(key: &[u8; 16], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let mut buf = data.to_vec();
    cbc::Decryptor::<Aes128>::new(key.into(), iv.into())
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .unwrap();
    buf
}

pub fn vpaes_cbc_encrypt(key: &[u8; 16], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let mut buf = data.to_vec();
    let len = buf.len();
    cbc::Encryptor::<Vpaes128Enc>::new(key.into(), iv.into())
        .encrypt_padded_mut::<NoPadding>(&mut buf, len)
        .unwrap();
    buf
}

pub fn aes_cbc_encrypt(key: &[u8; 16], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let mut buf = data.to_vec();
    let len = buf.len();
    cbc::Encryptor::<Aes128>::new(key.into(), iv.into())
        .encrypt_padded_mut::<NoPadding>(&mut buf, len)
        .unwrap();
    buf
}

/// SplitMix64: reproducible pseudo-random keys, IVs and data on every
/// target (proptest does not build for wasm32).
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    pub fn bytes16(&mut self) -> [u8; 16] {
        let mut b = [0u8; 16];
        self.fill(&mut b);
        b
    }
}

fn sp800_38a() -> ([u8; 16], [u8; 16], Vec<u8>, Vec<u8>) {
    let plain = SP800_38A_F2.iter().flat_map(|(p, _)| hex(p)).collect();
    let cipher = SP800_38A_F2.iter().flat_map(|(_, c)| hex(c)).collect();
    (hex16(SP800_38A_KEY), hex16(SP800_38A_IV), plain, cipher)
}

everywhere! {
    fn fips_197_c1_single_block() {
        for (key, plain, cipher) in FIPS_197_C1 {
            let (key, plain, cipher) = (hex16(key), hex16(plain), hex16(cipher));
            let mut block = cipher.into();
            Vpaes128::new(&key.into()).decrypt_block(&mut block);
            assert_eq!(block.as_slice(), plain);
            let mut block = plain.into();
            Vpaes128Enc::new(&key.into()).encrypt_block(&mut block);
            assert_eq!(block.as_slice(), cipher);
        }
    }

    /// Three copies at once: one interleaved pair and a trailing single block.
    fn fips_197_c1_pair_and_tail() {
        for (key, plain, cipher) in FIPS_197_C1 {
            let (key, plain, cipher) = (hex16(key), hex16(plain), hex16(cipher));
            let mut blocks = [cipher.into(), cipher.into(), cipher.into()];
            Vpaes128::new(&key.into()).decrypt_blocks(&mut blocks);
            for block in &blocks {
                assert_eq!(block.as_slice(), plain);
            }
            let mut blocks = [plain.into(), plain.into(), plain.into()];
            Vpaes128Enc::new(&key.into()).encrypt_blocks(&mut blocks);
            for block in &blocks {
                assert_eq!(block.as_slice(), cipher);
            }
        }
    }

    /// All four blocks (two pairs), and every shorter prefix: 1 and 3 blocks
    /// end on a single block after the pairs.
    fn sp800_38a_f22_cbc_decrypt() {
        let (key, iv, plain, cipher) = sp800_38a();
        for blocks in 0..=4 {
            let n = 16 * blocks;
            assert_eq!(vpaes_cbc_decrypt(&key, &iv, &cipher[..n]), plain[..n], "{blocks} blocks");
        }
    }

    fn sp800_38a_f21_cbc_encrypt() {
        let (key, iv, plain, cipher) = sp800_38a();
        for blocks in 0..=4 {
            let n = 16 * blocks;
            assert_eq!(vpaes_cbc_encrypt(&key, &iv, &plain[..n]), cipher[..n], "{blocks} blocks");
        }
    }

    /// Separate input and output buffers (the `InOut` path that is not in place).
    fn sp800_38a_f22_buffer_to_buffer() {
        let (key, iv, plain, cipher) = sp800_38a();
        let mut out = vec![0u8; cipher.len()];
        let got = cbc::Decryptor::<Vpaes128>::new(&key.into(), &iv.into())
            .decrypt_padded_b2b_mut::<NoPadding>(&cipher, &mut out)
            .unwrap();
        assert_eq!(got, plain.as_slice());
    }

    /// Random keys, IVs and lengths (0-40 blocks, odd and even), against the
    /// `aes` crate, in both directions.
    fn differential_cbc_against_aes_crate() {
        let mut rng = SplitMix(0x7670_6165_7331_3238);
        for case in 0..CASES {
            let (key, iv) = (rng.bytes16(), rng.bytes16());
            let blocks = (rng.next_u64() % 41) as usize;
            let mut data = vec![0u8; 16 * blocks];
            rng.fill(&mut data);
            assert_eq!(
                vpaes_cbc_decrypt(&key, &iv, &data),
                aes_cbc_decrypt(&key, &iv, &data),
                "decrypt case {case}, {blocks} blocks"
            );
            assert_eq!(
                vpaes_cbc_encrypt(&key, &iv, &data),
                aes_cbc_encrypt(&key, &iv, &data),
                "encrypt case {case}, {blocks} blocks"
            );
        }
    }

    /// Single blocks under many keys, including the all-zero and all-0xff
    /// ones, with raw block decryption (no CBC chaining hiding a lane swap).
    fn differential_blocks_against_aes_crate() {
        let mut rng = SplitMix(0x6b65_7973_6368_6564);
        let mut keys = vec![[0u8; 16], [0xff; 16]];
        keys.extend((0..CASES / 4).map(|_| rng.bytes16()));
        for key in keys {
            let mut mine: Vec<_> = (0..5).map(|_| rng.bytes16().into()).collect();
            let mut theirs = mine.clone();
            Vpaes128::new(&key.into()).decrypt_blocks(&mut mine);
            Aes128::new(&key.into()).decrypt_blocks(&mut theirs);
            assert_eq!(mine, theirs, "decrypt, key {key:02x?}");
            Vpaes128Enc::new(&key.into()).encrypt_blocks(&mut mine);
            Aes128::new(&key.into()).encrypt_blocks(&mut theirs);
            assert_eq!(mine, theirs, "encrypt, key {key:02x?}");
        }
    }

    /// The round keys are wiped on drop: both types declare `ZeroizeOnDrop`
    /// (their `Drop` calls `zeroize`), and `Debug` prints no key material.
    fn keys_are_zeroized_on_drop_and_not_printed() {
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<Vpaes128Dec>();
        wiped_on_drop::<Vpaes128Enc>();
        let cipher = Vpaes128::new(&[7u8; 16].into());
        assert_eq!(format!("{cipher:?}"), "Vpaes128Dec { .. }");
    }
}
