//! The security .wasm of wx-open-data (build/security.wasm): what WeChat's
//! server API security mode (服务端 API 签名加密) needs beyond the runtime's
//! own RSA-PSS and AES-256-GCM. Loaded only when a client sets
//! `apiSecurity`, through pkg-template/src/security-engine.mjs, so the
//! request-path builds never carry it.
//!
//! - [`keys`]: PEM/DER private keys (PKCS#1, PKCS#8, SEC1) and X.509
//!   certificates for both algorithms, with every refusal named.
//! - [`envelope`]: the strict reader of WeChat's encrypted reply body.
//! - [`sm`]: SM4-GCM, SM2withSM3 with a distinguishing ID, SM3.
//! - [`cert`]: the mock server's self-signed certificates.
//! - `abi` (wasm32 only): numeric exports over one input and one output
//!   buffer; no JsValue, no imports.

pub mod cert;
pub mod envelope;
pub mod keys;
mod pem;
pub mod sm;
pub mod x509;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod abi;
