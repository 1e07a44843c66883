//! vpaes (src/vpaes.rs) on wasm32 with wasm-bindgen-test: the checks of
//! tests/vpaes_shared, the same ones tests/vpaes.rs runs natively. Built with
//! `RUSTFLAGS='-C target-feature=+simd128'` this is the SIMD128 code that
//! ships (i8x16.swizzle); without it, the portable fallback.
//!
//! `RUSTFLAGS='-C target-feature=+simd128' VPAES_EXPECT_SIMD128=1 wasm-pack
//! test --node` also asserts that the SIMD build is what ran.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[macro_use]
mod common;
mod vpaes_shared;

everywhere! {
    fn built_with_simd128_when_expected() {
        let simd128 = if cfg!(target_feature = "simd128") { "on" } else { "off" };
        wasm_bindgen_test::console_log!("vpaes: simd128 {simd128}");
        if option_env!("VPAES_EXPECT_SIMD128").is_some() {
            assert_eq!(simd128, "on", "built without simd128");
        }
    }
}
