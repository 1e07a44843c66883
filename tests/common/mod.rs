//! Shared by the test files: the vector table and a macro that registers one
//! test body for both native `cargo test` and wasm-bindgen-test (Node and
//! headless Chromium), so the shipping wasm code runs the same checks.
#![allow(dead_code)]

pub mod vectors;

/// Declares `fn`s as `#[test]` natively and `#[wasm_bindgen_test]` on wasm32.
#[macro_export]
macro_rules! everywhere {
    ($($(#[$meta:meta])* fn $name:ident() $body:block)*) => {$(
        $(#[$meta])*
        #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
        #[cfg_attr(not(target_arch = "wasm32"), test)]
        fn $name() $body
    )*};
}
