//! AES-128 by vector permutation ("vpaes"): Mike Hamburg's constant-time
//! SIMD AES ("Accelerating AES with Vector Permute Instructions", CHES 2009,
//! public domain), the algorithm behind OpenSSL's and BoringSSL's
//! `vpaes-x86_64`, written here for WebAssembly SIMD128.
//!
//! [`Vpaes128Dec`] (alias [`Vpaes128`]) decrypts and [`Vpaes128Enc`]
//! encrypts, behind RustCrypto's `cipher` 0.4 traits like the `aes` crate's
//! types, so `cbc` drives them:
//!
//! ```
//! use cbc::cipher::{block_padding::NoPadding, BlockDecryptMut, KeyIvInit};
//! use wx_open_data::vpaes::Vpaes128;
//!
//! # let (key, iv) = ([0u8; 16], [0u8; 16]);
//! # let mut buf = [0u8; 32];
//! let plain = cbc::Decryptor::<Vpaes128>::new(&key.into(), &iv.into())
//!     .decrypt_padded_mut::<NoPadding>(&mut buf)
//!     .map_err(|_| "not a multiple of 16 bytes")?;
//! # assert_eq!(plain.len(), 32);
//! # Ok::<(), &str>(())
//! ```
//!
//! # How it works
//!
//! Every byte is split into its two 4-bit halves, and every byte-wise map AES
//! needs (the S-box's GF(2^8) inversion done through GF(2^4), the affine and
//! basis changes, the S-box output multiplied by the MixColumns coefficients)
//! becomes a lookup of a nibble in a 16-entry table held in one vector
//! register: a byte shuffle. On wasm32 that shuffle is `i8x16.swizzle`, which
//! V8 lowers to `pshufb` (x86) or `tbl` (ARM). Rows are rotated with
//! constant shuffles too. The state is kept in a transformed basis between
//! rounds, so the round keys are stored transformed as well; see
//! `dec_key_schedule` and `enc_key_schedule`.
//!
//! # Why it is constant time
//!
//! - Every table lookup is a swizzle whose *table* is a compile-time constant
//!   and whose *indices* are the secret nibbles: the lookup is one register
//!   instruction, with no memory address formed from secret data, so there is
//!   no cache-timing channel. The other swizzles move secret bytes by
//!   constant indices (MixColumns' rotations, ShiftRows, RotWord), also in
//!   registers. The only memory loads read round keys, blocks and constants
//!   at addresses fixed by the round number.
//! - There are no branches on data: every loop runs a fixed number of times
//!   (10 rounds; decryption always computes four blocks, a shorter run
//!   filling the other lanes with zero blocks or copies; encryption one),
//!   and the key schedule's round constants and word rotations are public
//!   constants.
//! - A swizzle index of 16 or more gives 0 (wasm's and `pshufb`'s rule alike),
//!   which is how the inversion tables represent 1/0; the algorithm relies on
//!   it instead of branching on zero. The portable fallback keeps that rule
//!   (tests: `vpaes::tests::portable_swizzle_zeroes_out_of_range_indices` and
//!   the FIPS-197 vectors, which pass only if it holds).
//! - The portable fallback (every target except wasm32 with `simd128`, so
//!   `cargo test` natively checks exactly the tables and rounds that ship)
//!   does not index by secret data either: it reads all 16 table entries for
//!   every output byte and keeps the matching one with an arithmetic mask. It
//!   is slow; on wasm without SIMD the `aes` crate's fixslice code is faster.
//!
//! The round keys are wiped when a cipher is dropped (`zeroize`); temporaries
//! on the stack and in registers are not, as with the `aes` crate.
//!
//! CBC itself has no integrity; that hazmat note lives with the CBC code in
//! `src/cipher.rs`.
//!
//! Tests: the unit tests below (FIPS-197 C.1, A.1 key expansion, the derived
//! shuffle tables) and `tests/vpaes.rs` / `tests/vpaes_wasm.rs` (SP 800-38A
//! F.2, differential against the `aes` crate) with one shared body.

use aes::cipher::{
    consts::{U1, U16, U4},
    generic_array::GenericArray,
    inout::InOut,
    AlgorithmName, Block, BlockBackend, BlockCipher, BlockClosure, BlockDecrypt, BlockEncrypt,
    BlockSizeUser, Key, KeyInit, KeySizeUser, ParBlocks, ParBlocksSizeUser,
};
use core::fmt;
use core::ops::BitXor;
use zeroize::{Zeroize, ZeroizeOnDrop};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use simd128::V;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use portable::V;

/// 16 bytes in one wasm SIMD register. Only the operations vpaes needs, each
/// one or two wasm SIMD instructions; none branches or indexes memory.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use core::arch::wasm32::{
        i8x16_swizzle, u16x8_shr, u64x2, u64x2_extract_lane, u8x16, u8x16_splat, v128, v128_and,
        v128_xor,
    };

    #[derive(Clone, Copy)]
    pub(super) struct V(v128);

    impl V {
        /// A constant (a `v128.const` once compiled).
        pub(super) const fn new(b: [u8; 16]) -> Self {
            let [b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15] = b;
            Self(u8x16(
                b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15,
            ))
        }

        /// Loads 16 bytes. LLVM turns this into one `v128.load`, without the
        /// `unsafe` of `v128_load`'s raw pointer.
        #[inline(always)]
        pub(super) fn load(b: &[u8; 16]) -> Self {
            let x = u128::from_le_bytes(*b);
            Self(u64x2(x as u64, (x >> 64) as u64))
        }

        /// Stores 16 bytes (one `v128.store` once compiled).
        #[inline(always)]
        pub(super) fn to_bytes(self) -> [u8; 16] {
            let lo = u64x2_extract_lane::<0>(self.0);
            let hi = u64x2_extract_lane::<1>(self.0);
            (u128::from(hi) << 64 | u128::from(lo)).to_le_bytes()
        }

        #[inline(always)]
        pub(super) fn xor(self, other: Self) -> Self {
            Self(v128_xor(self.0, other.0))
        }

        /// `out[i] = self[idx[i]]`, or 0 where `idx[i] >= 16`.
        #[inline(always)]
        pub(super) fn swizzle(self, idx: Self) -> Self {
            Self(i8x16_swizzle(self.0, idx.0))
        }

        /// Each byte's low nibble.
        #[inline(always)]
        pub(super) fn low_nibbles(self) -> Self {
            Self(v128_and(self.0, u8x16_splat(0x0f)))
        }

        /// Each byte's high nibble, shifted down. A 16-bit shift and a mask
        /// rather than `u8x16_shr`: V8 builds a fresh mask for every
        /// `i8x16.shr_u` (5 x86 instructions), while this mask is the one
        /// `low_nibbles` keeps in a register (2 instructions).
        #[inline(always)]
        pub(super) fn high_nibbles(self) -> Self {
            Self(v128_and(u16x8_shr(self.0, 4), u8x16_splat(0x0f)))
        }
    }
}

/// The same vector as a byte array, with the same semantics, for native
/// tests and for wasm builds without SIMD.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod portable {
    #[derive(Clone, Copy)]
    pub(super) struct V([u8; 16]);

    impl V {
        pub(super) const fn new(b: [u8; 16]) -> Self {
            Self(b)
        }

        #[inline(always)]
        pub(super) fn load(b: &[u8; 16]) -> Self {
            Self(*b)
        }

        #[inline(always)]
        pub(super) fn to_bytes(self) -> [u8; 16] {
            self.0
        }

        #[inline(always)]
        fn map(self, f: impl Fn(u8) -> u8) -> Self {
            Self(self.0.map(f))
        }

        #[inline(always)]
        pub(super) fn xor(mut self, other: Self) -> Self {
            for (a, b) in self.0.iter_mut().zip(other.0) {
                *a ^= b;
            }
            self
        }

        /// `out[i] = self[idx[i]]`, or 0 where `idx[i] >= 16`, like wasm's
        /// `i8x16.swizzle`. Visits every table entry in a fixed order and
        /// keeps it, through a mask, in the output bytes whose index equals
        /// its position, all 16 bytes at once in a `u128`: no memory address
        /// or branch depends on `idx`, which is secret in vpaes.
        #[inline(always)]
        pub(super) fn swizzle(self, idx: Self) -> Self {
            const ONES: u128 = u128::MAX / 0xff; // 0x01 in every byte
            const LOW7: u128 = ONES * 0x7f;
            let idx = u128::from_le_bytes(idx.0);
            let mut out = 0u128;
            for (position, entry) in (0u8..).zip(self.0) {
                let diff = idx ^ (ONES * u128::from(position));
                // Bit 7 of each byte of `nonzero` is set iff that byte of
                // `diff` is nonzero; no carry crosses a byte (0x7f + 0x7f).
                let nonzero = ((diff & LOW7) + LOW7) | diff;
                let equal = (!nonzero >> 7) & ONES; // 1 where idx == position
                out |= equal * u128::from(entry);
            }
            Self(out.to_le_bytes())
        }

        #[inline(always)]
        pub(super) fn low_nibbles(self) -> Self {
            self.map(|b| b & 0x0f)
        }

        #[inline(always)]
        pub(super) fn high_nibbles(self) -> Self {
            self.map(|b| b >> 4)
        }
    }
}

impl BitXor for V {
    type Output = V;

    #[inline(always)]
    fn bitxor(self, other: V) -> V {
        self.xor(other)
    }
}

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

/// A 16-byte table given as two little-endian 64-bit words, the way Hamburg's
/// reference code and the vpaes assembly print them.
const fn q(lo: u64, hi: u64) -> V {
    V::new(((hi as u128) << 64 | lo as u128).to_le_bytes())
}

/// Two 16-entry tables looked up with two index vectors and added (XOR).
/// With the two nibbles of a byte as indices this is any GF(2)-linear map of
/// bytes; with the inversion outputs `io`, `jo` it is an S-box output times
/// a constant.
#[derive(Clone, Copy)]
struct Tables {
    lo: V,
    hi: V,
}

impl Tables {
    const fn new(lo: (u64, u64), hi: (u64, u64)) -> Self {
        Self {
            lo: q(lo.0, lo.1),
            hi: q(hi.0, hi.1),
        }
    }

    #[inline(always)]
    fn at(&self, lo_idx: V, hi_idx: V) -> V {
        self.lo.swizzle(lo_idx) ^ self.hi.swizzle(hi_idx)
    }

    /// The linear map of each byte of `x` the tables describe.
    #[inline(always)]
    fn transform(&self, x: V) -> V {
        self.at(x.low_nibbles(), x.high_nibbles())
    }
}

// The table values below are those of Hamburg's public-domain vpaes
// (constants `k_inv`, `k_ipt`, `k_sb1`, ... in his code and in OpenSSL's
// crypto/aes/asm/vpaes-x86_64.pl). Each is guarded by the FIPS-197 and
// SP 800-38A vectors: a wrong byte breaks every block.

/// GF(2^4) inversion (`k_inv`: 1/x, with 1/0 = 0x80, a "zero" index) and
/// the companion table `k_inva` (a/k) of the tower-field S-box.
const INV: V = q(0x0E05060F0D080180, 0x040703090A0B0C02);
const INV_A: V = q(0x01040A060F0B0780, 0x030D0E0C02050809);

/// Input transform for encryption and the key schedule (`k_ipt`): from the
/// AES basis into vpaes's.
const IPT: Tables = Tables::new(
    (0xC2B2E8985A2A7000, 0xCABAE09052227808),
    (0x4C01307D317C4D00, 0xCD80B1FCB0FDCC81),
);

/// Encryption S-box outputs (`k_sb1` = S, `k_sb2` = 2·S) and the last
/// round's (`k_sbo`, back in the AES basis).
const SB1: Tables = Tables::new(
    (0xB19BE18FCB503E00, 0xA5DF7A6E142AF544),
    (0x3618D415FAE22300, 0x3BF7CCC10D2ED9EF),
);
const SB2: Tables = Tables::new(
    (0xE27A93C60B712400, 0x5EB7E955BC982FCD),
    (0x69EB88400AE12900, 0xC2A163C8AB82234A),
);
const SBO: Tables = Tables::new(
    (0xD0D26D176FBDC700, 0x15AABF7AC502A878),
    (0xCFE474A55FBB6A00, 0x8E1E90D1412B35FA),
);

/// 0x63 (the S-box's affine constant) in vpaes's basis (`k_s63`).
const S63: V = q(0x5B5B5B5B5B5B5B5B, 0x5B5B5B5B5B5B5B5B);

/// Output transform of the encryption key schedule's last key (`k_opt`).
const OPT: Tables = Tables::new(
    (0xFF9F4929D6B66000, 0xF7974121DEBE6808),
    (0x01EDBD5150BCEC00, 0xE10D5DB1B05C0CE0),
);

/// Output transform of the decryption key schedule's last key (`k_deskew`):
/// undoes the S-box's skew, into the decryption input basis.
const DESKEW: Tables = Tables::new(
    (0x07E4A34047A4E300, 0x1DFEB95A5DBEF91A),
    (0x5F36B5DC83EA6900, 0x2841C2ABF49D1E77),
);

/// Decryption key schedule: the key bytes times the InvMixColumns
/// coefficients D, B, E (plus 0x63) and 9, with the skew removed
/// (`k_dksd`, `k_dksb`, `k_dkse`, `k_dks9`).
const DKSD: Tables = Tables::new(
    (0xFEB91A5DA3E44700, 0x0740E3A45A1DBEF9),
    (0x41C277F4B5368300, 0x5FDC69EAAB289D1E),
);
const DKSB: Tables = Tables::new(
    (0x9A4FCA1F8550D500, 0x03D653861CC94C99),
    (0x115BEDA7B6FC4A00, 0xD993256F7E3482C8),
);
const DKSE: Tables = Tables::new(
    (0xD5031CCA1FC9D600, 0x53859A4C994F5086),
    (0xA23196054FDC7BE8, 0xCD5EF96A20B31487),
);
const DKS9: Tables = Tables::new(
    (0xB6116FC87ED9A700, 0x4AED933482255BFC),
    (0x4576516227143300, 0x8BB89FACE9DAFDCE),
);

/// Decryption input transform (`k_dipt`).
const DIPT: Tables = Tables::new(
    (0x0F505B040B545F00, 0x154A411E114E451A),
    (0x86E383E660056500, 0x12771772F491F194),
);

/// Inverse S-box outputs times 9, D, B, E (`k_dsb9`, `k_dsbd`, `k_dsbb`,
/// `k_dsbe`), and the last round's plain inverse S-box (`k_dsbo`).
const DSB9: Tables = Tables::new(
    (0x851C03539A86D600, 0xCAD51F504F994CC9),
    (0xC03B1789ECD74900, 0x725E2C9EB2FBA565),
);
const DSBD: Tables = Tables::new(
    (0x7D57CCDFE6B1A200, 0xF56E9B13882A4439),
    (0x3CE2FAF724C6CB00, 0x2931180D15DEEFD3),
);
const DSBB: Tables = Tables::new(
    (0xD022649296B44200, 0x602646F6B0F2D404),
    (0xC19498A6CD596700, 0xF3FF0C3E3255AA6B),
);
const DSBE: Tables = Tables::new(
    (0x46F2929626D4D000, 0x2242600464B4F6B0),
    (0x0C55A6CDFFAAC100, 0x9467F36B98593E32),
);
const DSBO: Tables = Tables::new(
    (0x1387EA537EF94000, 0xC7AA6DB9D4943E2D),
    (0x12D7560F93441D00, 0xCA4B8159D8C58E9C),
);

/// The key schedule's round constants 01, 02, 04, ..., 36 (FIPS-197 §5.2),
/// each already in vpaes's basis (the input transform of Rcon; `k_rcon`),
/// in byte 0 of an otherwise zero vector. Test:
/// `vpaes::tests::rcon_is_the_transformed_fips_rcon`.
const RCON: [V; 10] = [
    in_byte_0(0x70),
    in_byte_0(0x2A),
    in_byte_0(0x98),
    in_byte_0(0x08),
    in_byte_0(0x4D),
    in_byte_0(0x7C),
    in_byte_0(0x7D),
    in_byte_0(0x81),
    in_byte_0(0x1F),
    in_byte_0(0x83),
];

const fn in_byte_0(b: u8) -> V {
    V::new([b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
}

// Byte shuffles. Computed from their definition rather than typed in; test
// `vpaes::tests::shuffles_match_the_published_tables` compares them with
// vpaes's `k_mc_forward`, `k_mc_backward` and `k_sr`.

/// The constant byte shuffles vpaes uses (`out[i] = in[index]`).
#[derive(Clone, Copy)]
enum Shuffle {
    /// MixColumns' rotation of each column by one byte, with the columns
    /// themselves rotated by k (`k_mc_forward[k]`).
    McForward,
    /// The same the other way round (`k_mc_backward[k]`).
    McBackward,
    /// ShiftRows applied k times (`k_sr[k]`).
    ShiftRows,
    /// RotWord of the last column, in every column (key schedule).
    RotLastWord,
    /// Shift towards higher byte positions by k, zero filled (index 0x80
    /// selects zero).
    ShiftBytes,
}

#[allow(clippy::indexing_slicing)] // const-evaluated: a bad index fails the build
const fn shuffle(kind: Shuffle, k: usize) -> V {
    let mut idx = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        let (c, r) = (i / 4, i % 4);
        idx[i] = match kind {
            Shuffle::McForward => 4 * ((c + k) % 4) + (r + 1) % 4,
            Shuffle::McBackward => 4 * ((c + 4 - k) % 4) + (r + 3) % 4,
            Shuffle::ShiftRows => 4 * ((c + k * r) % 4) + r,
            Shuffle::RotLastWord => 12 + (r + 1) % 4,
            Shuffle::ShiftBytes if i < k => 0x80,
            Shuffle::ShiftBytes => i - k,
        } as u8;
        i += 1;
    }
    V::new(idx)
}

const MC_FWD: [V; 4] = [
    shuffle(Shuffle::McForward, 0),
    shuffle(Shuffle::McForward, 1),
    shuffle(Shuffle::McForward, 2),
    shuffle(Shuffle::McForward, 3),
];
const MC_BWD: [V; 4] = [
    shuffle(Shuffle::McBackward, 0),
    shuffle(Shuffle::McBackward, 1),
    shuffle(Shuffle::McBackward, 2),
    shuffle(Shuffle::McBackward, 3),
];
const SR: [V; 4] = [
    shuffle(Shuffle::ShiftRows, 0),
    shuffle(Shuffle::ShiftRows, 1),
    shuffle(Shuffle::ShiftRows, 2),
    shuffle(Shuffle::ShiftRows, 3),
];
const ROT_WORD: V = shuffle(Shuffle::RotLastWord, 0);
const SHL4: V = shuffle(Shuffle::ShiftBytes, 4);
const SHL8: V = shuffle(Shuffle::ShiftBytes, 8);

// vpaes never performs ShiftRows on the state: each round's MixColumns uses
// a rotated column order instead, and the rotation left over after the last
// round is undone by one shuffle (SR[2] after 9 middle rounds for AES-128).
// Round keys are permuted to match. These are the per-round choices.

/// Column order of the 9 middle encryption rounds: (forward, backward).
const ENC_MC: [(V, V); 9] = [
    (MC_FWD[1], MC_BWD[1]),
    (MC_FWD[2], MC_BWD[2]),
    (MC_FWD[3], MC_BWD[3]),
    (MC_FWD[0], MC_BWD[0]),
    (MC_FWD[1], MC_BWD[1]),
    (MC_FWD[2], MC_BWD[2]),
    (MC_FWD[3], MC_BWD[3]),
    (MC_FWD[0], MC_BWD[0]),
    (MC_FWD[1], MC_BWD[1]),
];

/// Column order of the 9 middle decryption rounds (each applied three
/// times, between the 9·, D·, B· and E· terms of InvMixColumns).
const DEC_MC: [V; 9] = [
    MC_FWD[3], MC_FWD[2], MC_FWD[1], MC_FWD[0], MC_FWD[3], MC_FWD[2], MC_FWD[1], MC_FWD[0],
    MC_FWD[3],
];

/// ShiftRows power applied to encryption round keys 1..=9.
const ENC_KEY_SR: [V; 9] = [
    SR[3], SR[2], SR[1], SR[0], SR[3], SR[2], SR[1], SR[0], SR[3],
];

/// ShiftRows power applied to decryption round keys 9..=1 (in schedule
/// order, i.e. the order they are produced).
const DEC_KEY_SR: [V; 9] = [
    SR[1], SR[0], SR[3], SR[2], SR[1], SR[0], SR[3], SR[2], SR[1],
];

// ---------------------------------------------------------------------------
// The algorithm
// ---------------------------------------------------------------------------

/// Round keys in vpaes's form, in the order the rounds use them.
type RoundKeys = [[u8; 16]; 11];

/// The GF(2^8) inversion at the heart of SubBytes, through GF(2^4): returns
/// the two index vectors (`io`, `jo`) that the S-box output tables take.
#[inline(always)]
fn invert(x: V) -> (V, V) {
    let k = x.low_nibbles();
    let i = x.high_nibbles();
    let j = k ^ i;
    let ak = INV_A.swizzle(k);
    let iak = INV.swizzle(i) ^ ak;
    let jak = INV.swizzle(j) ^ ak;
    let io = INV.swizzle(iak) ^ j;
    let jo = INV.swizzle(jak) ^ i;
    (io, jo)
}

/// Encrypts `N` blocks side by side (with `N` > 1 the CPU can overlap the
/// dependency chains).
#[inline(always)]
fn encrypt_blocks<const N: usize>(rk: &RoundKeys, mut blocks: [V; N]) -> [V; N] {
    let [first, middle @ .., last] = rk;
    let key = V::load(first);
    for b in blocks.iter_mut() {
        *b = IPT.transform(*b) ^ key;
    }
    for (key, &(fwd, bwd)) in middle.iter().zip(ENC_MC.iter()) {
        let key = V::load(key);
        for b in blocks.iter_mut() {
            let (io, jo) = invert(*b);
            let a = SB1.at(io, jo) ^ key;
            let a2b = SB2.at(io, jo) ^ a.swizzle(fwd);
            *b = a2b ^ a.swizzle(bwd) ^ a2b.swizzle(fwd);
        }
    }
    let key = V::load(last);
    for b in blocks.iter_mut() {
        let (io, jo) = invert(*b);
        *b = (SBO.at(io, jo) ^ key).swizzle(SR[2]);
    }
    blocks
}

/// Decrypts `N` blocks side by side.
#[inline(always)]
fn decrypt_blocks<const N: usize>(rk: &RoundKeys, mut blocks: [V; N]) -> [V; N] {
    let [first, middle @ .., last] = rk;
    let key = V::load(first);
    for b in blocks.iter_mut() {
        *b = DIPT.transform(*b) ^ key;
    }
    for (key, &mc) in middle.iter().zip(DEC_MC.iter()) {
        let key = V::load(key);
        for b in blocks.iter_mut() {
            let (io, jo) = invert(*b);
            let mut t = key ^ DSB9.at(io, jo);
            t = t.swizzle(mc) ^ DSBD.at(io, jo);
            t = t.swizzle(mc) ^ DSBB.at(io, jo);
            *b = t.swizzle(mc) ^ DSBE.at(io, jo);
        }
    }
    let key = V::load(last);
    for b in blocks.iter_mut() {
        let (io, jo) = invert(*b);
        *b = (DSBO.at(io, jo) ^ key).swizzle(SR[2]);
    }
    blocks
}

/// One round of the AES-128 key expansion on the whole previous round key
/// `w` (in vpaes's basis): SubWord(RotWord(last word)) + Rcon, added into
/// the running XOR of the four words. Public shuffles only.
#[inline(always)]
fn expand_round(w: V, rcon: V) -> V {
    let mut t = w ^ rcon;
    t = t ^ t.swizzle(SHL4);
    t = t ^ t.swizzle(SHL8);
    t = t ^ S63;
    let (io, jo) = invert(w.swizzle(ROT_WORD));
    SB1.at(io, jo) ^ t
}

/// Encryption round keys: key 0 through the input transform, keys 1-9 times
/// the MixColumns circulant and ShiftRows-permuted, key 10 back in the AES
/// basis.
#[inline(never)] // once per key: one copy in the binary, whatever calls it
fn enc_key_schedule(key: &[u8; 16]) -> RoundKeys {
    let mut rk = [[0u8; 16]; 11];
    let [first, middle @ .., last] = &mut rk;
    let [rcons @ .., rcon_last] = &RCON;
    let mut w = IPT.transform(V::load(key));
    *first = w.to_bytes();
    for ((slot, &rcon), &sr) in middle.iter_mut().zip(rcons.iter()).zip(ENC_KEY_SR.iter()) {
        w = expand_round(w, rcon);
        let a = (w ^ S63).swizzle(MC_FWD[0]);
        let b = a.swizzle(MC_FWD[0]);
        let c = b.swizzle(MC_FWD[0]);
        *slot = (a ^ b ^ c).swizzle(sr).to_bytes();
    }
    w = expand_round(w, *rcon_last);
    *last = OPT.transform(w.swizzle(SR[2]) ^ S63).to_bytes();
    rk
}

/// Decryption round keys, in decryption order: the last expansion round
/// first (deskewed into the decryption input basis), then rounds 9-1 times
/// the InvMixColumns coefficients, then the cipher key itself (the final
/// AddRoundKey happens in the AES basis).
#[inline(never)] // once per key: one copy in the binary, whatever calls it
fn dec_key_schedule(key: &[u8; 16]) -> RoundKeys {
    let mut rk = [[0u8; 16]; 11];
    let [first, middle @ .., last] = &mut rk;
    let [rcons @ .., rcon_last] = &RCON;
    let raw = V::load(key);
    *last = raw.swizzle(SR[2]).to_bytes();
    let mut w = IPT.transform(raw);
    for ((slot, &rcon), &sr) in middle
        .iter_mut()
        .rev()
        .zip(rcons.iter())
        .zip(DEC_KEY_SR.iter())
    {
        w = expand_round(w, rcon);
        let lo = w.low_nibbles();
        let hi = w.high_nibbles();
        let mut t = DKSD.at(lo, hi).swizzle(MC_FWD[0]);
        t = (t ^ DKSB.at(lo, hi)).swizzle(MC_FWD[0]);
        t = (t ^ DKSE.at(lo, hi)).swizzle(MC_FWD[0]);
        *slot = (t ^ DKS9.at(lo, hi)).swizzle(sr).to_bytes();
    }
    w = expand_round(w, *rcon_last);
    *first = DESKEW.transform(w ^ S63).to_bytes();
    rk
}

// ---------------------------------------------------------------------------
// RustCrypto `cipher` 0.4 API, shaped like the `aes` crate's backends
// ---------------------------------------------------------------------------

/// AES-128 decryption by vector permutation (decrypt-only), for
/// `cbc::Decryptor<Vpaes128Dec>`. Round keys are wiped on drop.
#[derive(Clone)]
pub struct Vpaes128Dec {
    keys: RoundKeys,
}

/// The type the rest of the crate names: [`Vpaes128Dec`]. Decrypt-only, so
/// `cbc::Encryptor<Vpaes128>` does not compile; encryption is
/// [`Vpaes128Enc`].
pub type Vpaes128 = Vpaes128Dec;

/// AES-128 encryption by vector permutation (encrypt-only), for
/// `cbc::Encryptor<Vpaes128Enc>`. Round keys are wiped on drop.
#[derive(Clone)]
pub struct Vpaes128Enc {
    keys: RoundKeys,
}

macro_rules! common_impls {
    ($name:ident) => {
        impl KeySizeUser for $name {
            type KeySize = U16;
        }

        impl BlockSizeUser for $name {
            type BlockSize = U16;
        }

        impl BlockCipher for $name {}

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), " { .. }"))
            }
        }

        impl AlgorithmName for $name {
            fn write_alg_name(f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(stringify!($name))
            }
        }

        // Test: `keys_are_zeroized_on_drop_and_not_printed` (tests/vpaes_shared).
        impl Drop for $name {
            fn drop(&mut self) {
                self.keys.zeroize();
            }
        }

        impl ZeroizeOnDrop for $name {}
    };
}

common_impls!(Vpaes128Dec);
common_impls!(Vpaes128Enc);

impl KeyInit for Vpaes128Dec {
    #[inline]
    fn new(key: &Key<Self>) -> Self {
        Self {
            keys: dec_key_schedule(key.as_ref()),
        }
    }
}

impl KeyInit for Vpaes128Enc {
    #[inline]
    fn new(key: &Key<Self>) -> Self {
        Self {
            keys: enc_key_schedule(key.as_ref()),
        }
    }
}

impl BlockDecrypt for Vpaes128Dec {
    fn decrypt_with_backend(&self, f: impl BlockClosure<BlockSize = U16>) {
        f.call(&mut DecBackend(self));
    }
}

impl BlockEncrypt for Vpaes128Enc {
    fn encrypt_with_backend(&self, f: impl BlockClosure<BlockSize = U16>) {
        f.call(&mut EncBackend(self));
    }
}

/// An AES block as `cipher` passes it, and four of them.
type Block16 = GenericArray<u8, U16>;
type Block16x4 = GenericArray<Block16, U4>;

/// Runs `f` on one block in place of `block`'s output.
#[inline(always)]
fn one_block(mut block: InOut<'_, '_, Block16>, f: impl Fn(V) -> V) {
    let out = f(V::load(block.get_in().as_ref()));
    *block.get_out() = out.to_bytes().into();
}

/// Runs `f` on four blocks at once (the interleaved path `cbc` decryption
/// takes for every four blocks).
#[inline(always)]
fn four_blocks(mut blocks: InOut<'_, '_, Block16x4>, f: impl Fn([V; 4]) -> [V; 4]) {
    let input: &[Block16; 4] = blocks.get_in().as_ref();
    let out = f(core::array::from_fn(|i| {
        input
            .get(i)
            .map_or(V::new([0; 16]), |b| V::load(b.as_ref()))
    }));
    *blocks.get_out() = out.map(|x| x.to_bytes().into()).into();
}

/// The one copy of the decryption rounds in the binary: four blocks side by
/// side, four independent dependency chains for the CPU to overlap. A
/// shorter run of blocks fills the unused lanes with zero blocks, whose
/// results are dropped: the work per call is the same whatever the data.
/// Not inlined, so that the unrolled rounds exist once. Tests:
/// `fips_197_c1_one_and_two_blocks`, `cbc_decrypt_matches_the_block_api` and
/// tests/vpaes_shared (SP 800-38A F.2.2, and the `aes` crate on random
/// lengths of 0 to 40 blocks).
#[inline(never)]
fn decrypt_quad(rk: &RoundKeys, blocks: [V; 4]) -> [V; 4] {
    decrypt_blocks(rk, blocks)
}

/// A 16-byte slice as a block (`chunks_exact` gives only those; the zero
/// block for anything else keeps the code free of panics).
#[inline(always)]
fn load_slice(block: &[u8]) -> V {
    V::load(&<[u8; 16]>::try_from(block).unwrap_or([0; 16]))
}

/// AES-128-CBC decryption of `buf` in place (its length a multiple of 16;
/// else `false` and `buf` untouched), four blocks per call of the rounds:
/// the request path's decryption in the SIMD build (src/cipher.rs). The
/// number of calls depends only on the length, which is public.
#[cfg_attr(
    not(all(target_arch = "wasm32", target_feature = "simd128")),
    allow(dead_code)
)]
pub(crate) fn cbc_decrypt_in_place(cipher: &Vpaes128Dec, iv: &[u8; 16], buf: &mut [u8]) -> bool {
    if buf.len() % 16 != 0 {
        return false;
    }
    let mut chain = V::load(iv);
    for chunk in buf.chunks_mut(64) {
        let mut blocks = [V::new([0; 16]); 4];
        for (lane, block) in blocks.iter_mut().zip(chunk.chunks_exact(16)) {
            *lane = load_slice(block);
        }
        let plain = decrypt_quad(&cipher.keys, blocks);
        for ((block, p), c) in chunk.chunks_exact_mut(16).zip(plain).zip(blocks) {
            if let Ok(block) = <&mut [u8; 16]>::try_from(block) {
                *block = (p ^ chain).to_bytes();
            }
            chain = c;
        }
    }
    true
}

/// The one copy of the encryption rounds in the binary. One block at a
/// time: CBC encryption, the only mode this crate encrypts with, chains
/// every block to the previous one, so there is never a pair to overlap.
#[inline(never)]
fn encrypt_one(rk: &RoundKeys, block: V) -> V {
    let [out] = encrypt_blocks(rk, [block]);
    out
}

struct DecBackend<'a>(&'a Vpaes128Dec);

impl BlockSizeUser for DecBackend<'_> {
    type BlockSize = U16;
}

impl ParBlocksSizeUser for DecBackend<'_> {
    type ParBlocksSize = U4;
}

impl BlockBackend for DecBackend<'_> {
    #[inline(always)]
    fn proc_block(&mut self, block: InOut<'_, '_, Block<Self>>) {
        one_block(block, |x| {
            let [out, ..] = decrypt_quad(&self.0.keys, [x; 4]);
            out
        });
    }

    #[inline(always)]
    fn proc_par_blocks(&mut self, blocks: InOut<'_, '_, ParBlocks<Self>>) {
        four_blocks(blocks, |b| decrypt_quad(&self.0.keys, b));
    }
}

struct EncBackend<'a>(&'a Vpaes128Enc);

impl BlockSizeUser for EncBackend<'_> {
    type BlockSize = U16;
}

impl ParBlocksSizeUser for EncBackend<'_> {
    type ParBlocksSize = U1;
}

impl BlockBackend for EncBackend<'_> {
    #[inline(always)]
    fn proc_block(&mut self, block: InOut<'_, '_, Block<Self>>) {
        one_block(block, |x| encrypt_one(&self.0.keys, x));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex16(s: &str) -> [u8; 16] {
        let mut out = [0u8; 16];
        base16ct::mixed::decode(s, &mut out).unwrap();
        out
    }

    #[test]
    fn portable_swizzle_zeroes_out_of_range_indices() {
        let table = V::new(core::array::from_fn(|i| 0xA0 | i as u8));
        let idx = V::new([
            0, 15, 16, 0x80, 0x8f, 0xff, 0x7f, 0x10, 1, 2, 3, 0x20, 0x40, 14, 5, 0x0f,
        ]);
        assert_eq!(
            table.swizzle(idx).to_bytes(),
            [0xA0, 0xAF, 0, 0, 0, 0, 0, 0, 0xA1, 0xA2, 0xA3, 0, 0, 0xAE, 0xA5, 0xAF]
        );
    }

    /// The shuffles computed by `shuffle` equal the tables of Hamburg's code
    /// (as published in vpaes-x86_64.pl: `k_mc_forward`, `k_mc_backward`,
    /// `k_sr`), one row per table.
    #[test]
    fn shuffles_match_the_published_tables() {
        let published: [(V, u64, u64); 12] = [
            (MC_FWD[0], 0x0407060500030201, 0x0C0F0E0D080B0A09),
            (MC_FWD[1], 0x080B0A0904070605, 0x000302010C0F0E0D),
            (MC_FWD[2], 0x0C0F0E0D080B0A09, 0x0407060500030201),
            (MC_FWD[3], 0x000302010C0F0E0D, 0x080B0A0904070605),
            (MC_BWD[0], 0x0605040702010003, 0x0E0D0C0F0A09080B),
            (MC_BWD[1], 0x020100030E0D0C0F, 0x0A09080B06050407),
            (MC_BWD[2], 0x0E0D0C0F0A09080B, 0x0605040702010003),
            (MC_BWD[3], 0x0A09080B06050407, 0x020100030E0D0C0F),
            (SR[0], 0x0706050403020100, 0x0F0E0D0C0B0A0908),
            (SR[1], 0x030E09040F0A0500, 0x0B06010C07020D08),
            (SR[2], 0x0F060D040B020900, 0x070E050C030A0108),
            (SR[3], 0x0B0E0104070A0D00, 0x0306090C0F020508),
        ];
        for (n, (ours, lo, hi)) in published.into_iter().enumerate() {
            assert_eq!(ours.to_bytes(), q(lo, hi).to_bytes(), "row {n}");
        }
    }

    /// `RCON[r]` is the input transform of FIPS-197's Rcon[r+1] (§5.2).
    #[test]
    fn rcon_is_the_transformed_fips_rcon() {
        let fips = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36];
        for (ours, rcon) in RCON.iter().zip(fips) {
            let mut v = [0u8; 16];
            v[0] = rcon;
            assert_eq!(ours.to_bytes(), IPT.transform(V::new(v)).to_bytes());
        }
    }

    // FIPS-197 Appendix A.1: expansion of the key 2b7e1516 28aed2a6 abf71588
    // 09cf4f3c, round keys 1-10 (w[4i..4i+3]), one row per round.
    const A1_KEY: &str = "2b7e151628aed2a6abf7158809cf4f3c";
    const A1_ROUND_KEYS: [&str; 10] = [
        "a0fafe1788542cb123a339392a6c7605",
        "f2c295f27a96b9435935807a7359f67f",
        "3d80477d4716fe3e1e237e446d7a883b",
        "ef44a541a8525b7fb671253bdb0bad00",
        "d4d1c6f87c839d87caf2b8bc11f915bc",
        "6d88a37a110b3efddbf98641ca0093fd",
        "4e54f70e5f5fc9f384a64fb24ea6dc4f",
        "ead27321b58dbad2312bf5607f8d292f",
        "ac7766f319fadc2128d12941575c006e",
        "d014f9a8c9ee2589e13f0cc8b6630ca6",
    ];

    /// `k` with every byte XORed with 0x63, the S-box's affine constant
    /// (FIPS-197 §5.1.1): vpaes's S-box output tables leave it out and the
    /// round keys carry it instead.
    fn plus_63(k: [u8; 16]) -> V {
        V::new(k.map(|b| b ^ 0x63))
    }

    /// Every expansion round, mapped back to the AES basis with the encryption
    /// output transform, is FIPS-197's round key (plus 0x63); mapped with the
    /// decryption "deskew" it is that key in the decryption input basis.
    /// Guards `expand_round`, `RCON`, `IPT`, `OPT` and `DESKEW`.
    #[test]
    fn key_expansion_matches_fips_197_a1() {
        let mut w = IPT.transform(V::load(&hex16(A1_KEY)));
        for (round, expected) in A1_ROUND_KEYS.iter().enumerate() {
            w = expand_round(w, RCON[round]);
            let k = plus_63(hex16(expected));
            assert_eq!(
                OPT.transform(w ^ S63).to_bytes(),
                k.to_bytes(),
                "round {}",
                round + 1
            );
            assert_eq!(
                DESKEW.transform(w ^ S63).to_bytes(),
                DIPT.transform(k).to_bytes(),
                "round {} (decryption basis)",
                round + 1
            );
        }
    }

    /// The round keys at either end of both schedules are FIPS-197 A.1's,
    /// up to a basis change, the deferred ShiftRows and the 0x63.
    #[test]
    fn schedules_outer_keys_match_fips_197_a1() {
        let key = hex16(A1_KEY);
        let k10 = plus_63(hex16(A1_ROUND_KEYS[9]));
        let enc = enc_key_schedule(&key);
        assert_eq!(enc[0], IPT.transform(V::load(&key)).to_bytes());
        assert_eq!(enc[10], k10.swizzle(SR[2]).to_bytes());
        let dec = dec_key_schedule(&key);
        assert_eq!(dec[0], DIPT.transform(k10).to_bytes());
        assert_eq!(dec[10], V::load(&key).swizzle(SR[2]).to_bytes());
    }

    // FIPS-197 Appendix C.1 (AES-128): key, plaintext, ciphertext.
    const C1: (&str, &str, &str) = (
        "000102030405060708090a0b0c0d0e0f",
        "00112233445566778899aabbccddeeff",
        "69c4e0d86a7b0430d8cdb78070b4c55a",
    );

    #[test]
    fn fips_197_c1_one_and_two_blocks() {
        let (key, pt, ct) = (hex16(C1.0), hex16(C1.1), hex16(C1.2));
        let dec = dec_key_schedule(&key);
        let enc = enc_key_schedule(&key);
        let [p] = decrypt_blocks(&dec, [V::load(&ct)]);
        assert_eq!(p.to_bytes(), pt);
        let [c] = encrypt_blocks(&enc, [V::load(&pt)]);
        assert_eq!(c.to_bytes(), ct);
        // Both lanes of the interleaved path, in either position.
        let [p1, p2] = decrypt_blocks(&dec, [V::load(&ct), V::load(&pt)]);
        assert_eq!(p1.to_bytes(), pt);
        let [back] = encrypt_blocks(&enc, [p2]);
        assert_eq!(back.to_bytes(), pt);
        let [c1, c2] = encrypt_blocks(&enc, [V::load(&ct), V::load(&pt)]);
        assert_eq!(c2.to_bytes(), ct);
        let [again] = decrypt_blocks(&dec, [c1]);
        assert_eq!(again.to_bytes(), ct);
    }

    /// The request path's CBC loop (four blocks per call, zero-filled tail
    /// lanes) gives what `cbc` over the block API gives, on 0 to 13 blocks:
    /// every tail length and several whole groups of four.
    #[test]
    fn cbc_decrypt_matches_the_block_api() {
        use cbc::cipher::{block_padding::NoPadding, BlockDecryptMut, KeyIvInit};
        let key = hex16(C1.0);
        let iv = hex16(C1.1);
        let cipher = Vpaes128Dec::new(&key.into());
        for blocks in 0..14usize {
            let data: Vec<u8> = (0..blocks * 16).map(|i| (i * 31 + 7) as u8).collect();
            let mut ours = data.clone();
            assert!(cbc_decrypt_in_place(&cipher, &iv, &mut ours));
            let mut theirs = data.clone();
            cbc::Decryptor::<aes::Aes128>::new(&key.into(), &iv.into())
                .decrypt_padded_mut::<NoPadding>(&mut theirs)
                .unwrap();
            assert_eq!(ours, theirs, "{blocks} blocks");
        }
        let mut ragged = [0u8; 17];
        assert!(!cbc_decrypt_in_place(&cipher, &iv, &mut ragged));
        assert_eq!(ragged, [0u8; 17]);
    }

    #[test]
    fn debug_does_not_print_keys() {
        let key = [0x42u8; 16];
        assert_eq!(
            format!("{:?}", Vpaes128Dec::new(&key.into())),
            "Vpaes128Dec { .. }"
        );
        assert_eq!(
            format!("{:?}", Vpaes128Enc::new(&key.into())),
            "Vpaes128Enc { .. }"
        );
    }
}
