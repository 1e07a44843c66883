#!/usr/bin/env bash
# Builds the .wasm files the npm package ships, into build/:
#   build/mvp.wasm       WebAssembly 1.0 (MVP) only: loads on every engine,
#       Node 10.15 included (no sign-ext, bulk memory, non-trapping
#       float-to-int, multi-value or reference types); AES is the `aes`
#       crate's constant-time fixslice. The request path only (no `tools`),
#       for engines without SIMD128 (the JS calls it the 'baseline' build).
#   build/baseline.wasm  the same MVP build with the `tools` feature: the
#       cold exports (encryptData, verifySignature, diagnose), loaded only
#       when one of them is called, on every engine.
#   build/simd.wasm      MVP + SIMD128, bulk memory, sign-ext, non-trapping
#       float-to-int, mutable globals (Node >= 16.4, current browsers, Deno,
#       Bun, workerd); AES decryption is src/vpaes.rs. The request path
#       only (no `tools`), so it stays small.
#   build/security.wasm  the security/ crate (WeChat's API security mode:
#       keys, certificates, the reply envelope, the SM suite), loaded only
#       when a client sets apiSecurity. Made exactly as the baseline is (MVP,
#       validated with --mvp-features: it loads on Node 10.15), at
#       opt-level "z" and wasm-opt -Oz: a cold path, where size matters more
#       than speed (measured: 260 KB against 281 KB at "s", SM2 signing and
#       SM4-GCM within noise of each other); its own target dir, so the two
#       request-path builds keep the workspace's opt-level 3 and their bytes.
# The JS surface picks one at load with WebAssembly.validate on a tiny SIMD
# probe. The last wasm-opt run below validates each file with only its
# build's features enabled (it fails on anything newer), and the runtime
# matrix (tests/runtimes/run.mjs) loads the baseline in Node 10.15.
#
# Why not `wasm-pack build`: Rust >= 1.82 enables reference-types,
# bulk-memory, sign-ext and more for wasm32 by default, and the precompiled
# std and compiler_builtins keep them even under `-C target-cpu=mvp`. Their
# `target_features` section then makes the wasm-bindgen CLI run its externref
# transform, which fails on an MVP module ("failed to find intrinsics to
# enable `clone_ref`"). So: cargo builds, wasm-opt strips that section (the
# ABI passes only numbers, so wasm-bindgen needs no externref), the
# wasm-bindgen CLI (the version wasm-pack would use) turns the exports into
# plain ones, and wasm-opt lowers what std brought in (memory.copy/fill,
# sign-ext, saturating float-to-int) to MVP instructions, optimizes, and
# validates the result with only the build's features enabled.
# wasm-pack still runs the wasm-bindgen tests (scripts/test-wasm.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

ALL_FEATURES="--enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals --enable-multivalue --enable-reference-types --enable-simd"

build() { # name, extra rustflags, wasm-opt feature flags of the result, lowering passes, cargo features[, package, opt-level, wasm-opt level]
  local name=$1 flags=$2 features=$3 lowering=$4 cargo_features=$5 package=${6:-wx-open-data} opt=${7:-3} wasm_opt=${8:--O3}
  local dir="target/wasm-$1" tmp="build/.$1.$$"
  local raw="$dir/wasm32-unknown-unknown/release/${package//-/_}.wasm"
  CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt RUSTFLAGS="-C target-cpu=mvp -C target-feature=-reference-types,-multivalue$flags" \
    cargo build --quiet --release --lib --target wasm32-unknown-unknown --target-dir "$dir" -p "$package" --features "$cargo_features"
  rm -rf "$tmp" && mkdir -p "$tmp"
  wasm-opt $ALL_FEATURES --strip-target-features "$raw" -o "$tmp/stripped.wasm"
  wasm-bindgen "$tmp/stripped.wasm" --out-dir "$tmp" --out-name glue --target web --no-typescript
  # shellcheck disable=SC2086
  wasm-opt $ALL_FEATURES $lowering "$wasm_opt" --strip-debug --strip-producers \
    "$tmp/glue_bg.wasm" -o "$tmp/out.wasm"
  # Validation with only this build's features: fails on anything newer.
  # shellcheck disable=SC2086
  wasm-opt $features "$tmp/out.wasm" -o "build/$name.wasm" 2>/dev/null
  rm -rf "$tmp"
  printf 'build-wasm: build/%s.wasm %s bytes\n' "$name" "$(wc -c < "build/$name.wasm")"
}

mkdir -p build
MVP_LOWERING="--llvm-memory-copy-fill-lowering --signext-lowering --llvm-nontrapping-fptoint-lowering"
case "${1:-all}" in
  baseline|all) build baseline "" "--mvp-features" "$MVP_LOWERING" tools ;;&
  mvp|all) build mvp "" "--mvp-features" "$MVP_LOWERING" "" ;;&
  # Every engine with SIMD128 (V8 9.1, Node 16.4) also has bulk memory,
  # sign-ext, non-trapping float-to-int and mutable globals; not reference
  # types (Node 17) or multi-value, which Node 16.13 lacks.
  simd|all) build simd ",+simd128,+bulk-memory,+sign-ext,+nontrapping-fptoint,+mutable-globals" \
    "--mvp-features --enable-simd --enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals" "" "" ;;&
  # The panic locations' crate paths are remapped to their registry-relative
  # form (base64-0.22.1/src/...): the build machine's directories stay out
  # of the shipped bytes (tests/js/security-engine.test.mjs), which are
  # smaller for it.
  # `cargo fetch` first: on a brand-new machine the registry directory the
  # loop below names does not exist until the crates are downloaded.
  security|all) cargo fetch --quiet && remap=""
    for d in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do remap+=" --remap-path-prefix=$d="; done
    build security "$remap" "--mvp-features" "$MVP_LOWERING" "" wx-open-data-security z -Oz ;;
esac
