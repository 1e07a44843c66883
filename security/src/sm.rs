//! The SM suite of WeChat's security mode when the account picks the
//! national algorithms: SM4-GCM for the bodies, SM2withSM3 for the
//! signatures, SM3. Node's OpenSSL has no SM4-GCM and cannot set SM2's
//! distinguishing ID, WebCrypto has neither, so they are here on every
//! runtime (RustCrypto's sm2/sm3/sm4, GCM from the aes-gcm crate's generic
//! `AesGcm<Sm4, U12>`). Randomness comes from the host as bytes (the .wasm
//! imports nothing): [`HostRng`] stretches them with SM3.
//!
//! SM2 signatures leave [`sm2_sign`] DER-encoded, `SEQUENCE { r INTEGER,
//! s INTEGER }` (GM/T 0009), the form BouncyCastle's SM3withSM2 signer
//! returns and WeChat SDKs send (SKIT.FlurlHttpClient.Wechat's
//! SM2Utility.SignWithSM3, asn1Encoding defaults to true); [`sm2_verify`]
//! takes that form and the raw 64-byte `r || s`.
//! Tested in security/tests/sm.rs (GB/T and RFC 8998 vectors).

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::AesGcm;
use der::asn1::UintRef;
use der::{Decode, Encode};
use sm2::dsa::signature::hazmat::{PrehashVerifier, RandomizedPrehashSigner};
use sm2::elliptic_curve::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey,
};
use sm2::elliptic_curve::rand_core::{CryptoRng, RngCore};
use sm2::elliptic_curve::sec1::ToEncodedPoint;
use sm3::{Digest, Sm3};
use zeroize::{Zeroize, Zeroizing};

/// SM4 in GCM mode with the 96-bit nonce (RFC 8998's AEAD_SM4_GCM).
pub type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// Why an SM call was refused (the numbers are the ABI's status words).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// The SM4 key is not 16 bytes.
    KeyLength = 32,
    /// The GCM iv is not 12 bytes.
    IvLength = 33,
    /// Not a PKCS#8 SM2 private key.
    NotSm2PrivateKey = 34,
    /// Not an SM2 SubjectPublicKeyInfo.
    NotSm2PublicKey = 35,
    /// The distinguishing ID is longer than 8191 bytes (its bit length must fit 16 bits).
    IdTooLong = 36,
    /// Fewer random bytes than the call needs.
    RandomTooShort = 37,
    /// The ciphertext is shorter than its tag.
    CiphertextTooShort = 38,
}

/// SM4-GCM encryption: ciphertext || 16-byte tag.
pub fn sm4_gcm_seal(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Invalid> {
    let cipher = Sm4Gcm::new_from_slice(key).map_err(|_| Invalid::KeyLength)?;
    let iv: &[u8; 12] = iv.try_into().map_err(|_| Invalid::IvLength)?;
    cipher
        .encrypt(
            iv.into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| Invalid::CiphertextTooShort)
}

/// SM4-GCM decryption: `Ok(None)` when the tag does not match.
pub fn sm4_gcm_open(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, Invalid> {
    let cipher = Sm4Gcm::new_from_slice(key).map_err(|_| Invalid::KeyLength)?;
    let iv: &[u8; 12] = iv.try_into().map_err(|_| Invalid::IvLength)?;
    if ciphertext_and_tag.len() < 16 {
        return Err(Invalid::CiphertextTooShort);
    }
    Ok(cipher
        .decrypt(
            iv.into(),
            Payload {
                msg: ciphertext_and_tag,
                aad,
            },
        )
        .ok()
        .map(Zeroizing::new))
}

/// SM3 (GB/T 32905).
pub fn sm3(message: &[u8]) -> [u8; 32] {
    Sm3::digest(message).into()
}

/// A deterministic generator over host-supplied random bytes: block `i` is
/// SM3(seed || i). The host passes fresh bytes from its CSPRNG for each call.
pub struct HostRng {
    seed: Zeroizing<Vec<u8>>,
    counter: u64,
    block: Zeroizing<[u8; 32]>,
    used: usize,
}

impl HostRng {
    /// At least 32 bytes of host randomness.
    pub fn new(seed: &[u8]) -> Result<Self, Invalid> {
        if seed.len() < 32 {
            return Err(Invalid::RandomTooShort);
        }
        Ok(Self {
            seed: Zeroizing::new(seed.to_vec()),
            counter: 0,
            block: Zeroizing::new([0; 32]),
            used: 32,
        })
    }
}

impl RngCore for HostRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest.iter_mut() {
            if self.used == 32 {
                let mut h = Sm3::new();
                h.update(self.seed.as_slice());
                h.update(self.counter.to_be_bytes());
                self.block.copy_from_slice(&h.finalize());
                self.counter += 1;
                self.used = 0;
            }
            *byte = self.block.get(self.used).copied().unwrap_or_default();
            self.used += 1;
        }
    }

    fn try_fill_bytes(
        &mut self,
        dest: &mut [u8],
    ) -> Result<(), sm2::elliptic_curve::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for HostRng {}

/// The curve constants of Z (GB/T 32918.5 parameters, as GB/T 32918.2 §5.5
/// orders them): a, b, xG, yG, 32 bytes each.
#[rustfmt::skip]
const CURVE: [u8; 128] = [
    0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc,
    0x28, 0xe9, 0xfa, 0x9e, 0x9d, 0x9f, 0x5e, 0x34, 0x4d, 0x5a, 0x9e, 0x4b, 0xcf, 0x65, 0x09, 0xa7,
    0xf3, 0x97, 0x89, 0xf5, 0x15, 0xab, 0x8f, 0x92, 0xdd, 0xbc, 0xbd, 0x41, 0x4d, 0x94, 0x0e, 0x93,
    0x32, 0xc4, 0xae, 0x2c, 0x1f, 0x19, 0x81, 0x19, 0x5f, 0x99, 0x04, 0x46, 0x6a, 0x39, 0xc9, 0x94,
    0x8f, 0xe3, 0x0b, 0xbf, 0xf2, 0x66, 0x0b, 0xe1, 0x71, 0x5a, 0x45, 0x89, 0x33, 0x4c, 0x74, 0xc7,
    0xbc, 0x37, 0x36, 0xa2, 0xf4, 0xf6, 0x77, 0x9c, 0x59, 0xbd, 0xce, 0xe3, 0x6b, 0x69, 0x21, 0x53,
    0xd0, 0xa9, 0x87, 0x7c, 0xc6, 0x2a, 0x47, 0x40, 0x02, 0xdf, 0x32, 0xe5, 0x21, 0x39, 0xf0, 0xa0,
];

/// Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), the ID taken as bytes.
pub fn hash_z(id: &[u8], public_key: &sm2::PublicKey) -> Result<[u8; 32], Invalid> {
    let entl = u16::try_from(id.len() * 8).map_err(|_| Invalid::IdTooLong)?;
    let point = public_key.to_encoded_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        return Err(Invalid::NotSm2PublicKey);
    };
    let mut h = Sm3::new();
    h.update(entl.to_be_bytes());
    h.update(id);
    h.update(CURVE);
    h.update(x);
    h.update(y);
    Ok(h.finalize().into())
}

/// e = SM3(Z || M), the digest SM2 signs.
fn prehash(id: &[u8], public_key: &sm2::PublicKey, message: &[u8]) -> Result<[u8; 32], Invalid> {
    let mut h = Sm3::new();
    h.update(hash_z(id, public_key)?);
    h.update(message);
    Ok(h.finalize().into())
}

#[derive(der::Sequence)]
struct DerSignature<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// SM2withSM3 signature of `message` with distinguishing ID `id`, DER
/// encoded; `random` (32+ host bytes) hedges RFC 6979's nonce.
pub fn sm2_sign(
    pkcs8: &[u8],
    id: &[u8],
    message: &[u8],
    random: &[u8],
) -> Result<Vec<u8>, Invalid> {
    let secret = sm2::SecretKey::from_pkcs8_der(pkcs8).map_err(|_| Invalid::NotSm2PrivateKey)?;
    let mut rng = HostRng::new(random)?;
    // The distinguishing ID inside SigningKey only serves its own
    // Signer::sign (Z from a &str); the prehash path below uses ours. Its
    // public key (one scalar multiplication, made once) gives Z.
    let key = sm2::dsa::SigningKey::new("", &secret).map_err(|_| Invalid::NotSm2PrivateKey)?;
    let public = sm2::PublicKey::from_affine(*key.verifying_key().as_affine())
        .map_err(|_| Invalid::NotSm2PrivateKey)?;
    let e = prehash(id, &public, message)?;
    let signature: sm2::dsa::Signature = key
        .sign_prehash_with_rng(&mut rng, &e)
        .map_err(|_| Invalid::NotSm2PrivateKey)?;
    let (r, s) = (signature.r_bytes(), signature.s_bytes());
    let encoded = DerSignature {
        r: UintRef::new(&r).map_err(|_| Invalid::NotSm2PrivateKey)?,
        s: UintRef::new(&s).map_err(|_| Invalid::NotSm2PrivateKey)?,
    };
    encoded.to_der().map_err(|_| Invalid::NotSm2PrivateKey)
}

/// Left-pads a big-endian integer of at most 32 bytes to 32.
fn field_bytes(v: &[u8]) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    out.get_mut(32usize.checked_sub(v.len())?..)?
        .copy_from_slice(v);
    Some(out)
}

/// The signatures `signature` may be: raw `r || s` if 64 bytes, DER if it parses.
fn candidates(signature: &[u8]) -> Vec<sm2::dsa::Signature> {
    let mut out = Vec::new();
    if signature.len() == 64 {
        if let Ok(s) = sm2::dsa::Signature::from_slice(signature) {
            out.push(s);
        }
    }
    if let Ok(d) = DerSignature::from_der(signature) {
        if let (Some(r), Some(s)) = (field_bytes(d.r.as_bytes()), field_bytes(d.s.as_bytes())) {
            if let Ok(s) = sm2::dsa::Signature::from_scalars(r, s) {
                out.push(s);
            }
        }
    }
    out
}

/// Verifies an SM2withSM3 signature (DER or raw `r || s`) over `message`
/// with distinguishing ID `id` against an SM2 SubjectPublicKeyInfo.
pub fn sm2_verify(
    spki: &[u8],
    id: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<bool, Invalid> {
    let public = sm2::PublicKey::from_public_key_der(spki).map_err(|_| Invalid::NotSm2PublicKey)?;
    let e = prehash(id, &public, message)?;
    let key = sm2::dsa::VerifyingKey::new("", public).map_err(|_| Invalid::NotSm2PublicKey)?;
    Ok(candidates(signature)
        .iter()
        .any(|s| key.verify_prehash(&e, s).is_ok()))
}

/// A fresh SM2 key pair from 32+ host random bytes: (PKCS#8, SPKI) DER.
pub fn sm2_generate_key_pair(random: &[u8]) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), Invalid> {
    let mut rng = HostRng::new(random)?;
    let secret = sm2::SecretKey::random(&mut rng);
    let pkcs8 = secret.to_pkcs8_der().map_err(|_| Invalid::RandomTooShort)?;
    let spki = secret
        .public_key()
        .to_public_key_der()
        .map_err(|_| Invalid::RandomTooShort)?;
    let mut pkcs8_bytes = pkcs8.as_bytes().to_vec();
    let out = Zeroizing::new(core::mem::take(&mut pkcs8_bytes));
    pkcs8_bytes.zeroize();
    Ok((out, spki.into_vec()))
}
