# The build's fixed points: `make pkg`, `make test`, `make demo`; and
# `make check`, the quick loop. Every target first runs scripts/setup.sh,
# which installs what is missing (`setup.sh build`, without Chromium and
# wasm-pack, for the targets that only build).
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

WASM_PACK := wasm-pack --quiet --log-level warn
RUST_SOURCES := Cargo.toml Cargo.lock build.rs $(wildcard src/*.rs) src/vocabulary.json src/abi.json
SECURITY_SOURCES := Cargo.toml Cargo.lock security/Cargo.toml $(wildcard security/src/*.rs)
TEMPLATE := $(shell find pkg-template -type f) README.md docs/client.md docs/diagnose.md docs/security.md docs/performance.md CHANGELOG.md

.PHONY: help setup setup-build check pkg test demo bench test-deps test-fresh-deps test-rust test-wasm test-js test-security test-types test-pack test-runtimes test-example test-client test-fuzz fuzz vectors-check lint clean

help:
	@echo "make demo   - build if needed, run the terminal demo"
	@echo "make check  - the quick loop: lint, Rust tests, pkg, the JS API tests (a minute or two)"
	@echo "make test   - every test: dependency licences/sources, Rust (native + soft AES), wasm in Node and Chromium, JS, types, npm pack, runtimes, example, security, 30 s fuzz"
	@echo "make pkg    - assemble the publishable npm package in pkg/"
	@echo "make bench  - benchmarks vs the node:crypto sample; writes bench/RESULTS.md"
	@echo "make fuzz   - long cargo-fuzz run of every target (FUZZ_SECONDS per target, default 1800)"

setup:
	@bash scripts/setup.sh

setup-build:
	@bash scripts/setup.sh build

# The request-path and tools .wasm builds (SIMD128, MVP, MVP with the cold
# tools), see scripts/build-wasm.sh.
build/simd.wasm build/baseline.wasm build/mvp.wasm &: $(RUST_SOURCES) scripts/build-wasm.sh | setup-build
	bash scripts/build-wasm.sh baseline
	bash scripts/build-wasm.sh mvp
	bash scripts/build-wasm.sh simd

# The security .wasm (security/, WeChat's API security mode), loaded only
# when a client sets apiSecurity.
build/security.wasm: $(SECURITY_SOURCES) scripts/build-wasm.sh | setup-build
	bash scripts/build-wasm.sh security

pkg/package.json: build/simd.wasm build/baseline.wasm build/mvp.wasm build/security.wasm $(TEMPLATE) LICENSE scripts/assemble-pkg.mjs
	node scripts/assemble-pkg.mjs

pkg: pkg/package.json

demo: pkg
	@bash scripts/npm-ci.sh www-example
	node www-example/demo.mjs

# For the edit-test loop; `make test` stays what CI runs.
check: setup-build lint
	cargo test --quiet
	$(MAKE) --no-print-directory pkg
	@bash scripts/npm-ci.sh tests/client
	node --test tests/js/
	@echo "make check: ok"

test: setup lint test-deps test-fresh-deps test-rust vectors-check test-wasm pkg test-js test-security test-types test-pack test-runtimes test-example test-client test-fuzz
	@echo "make test: all suites passed"

lint:
	cargo fmt --check
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown --all-targets -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown --features tools --all-targets -- -D warnings
	cargo clippy --quiet -p wx-open-data-security --all-targets -- -D warnings
	cargo clippy --quiet -p wx-open-data-security --target wasm32-unknown-unknown --all-targets -- -D warnings

# Licences, banned crates and crate sources of Cargo.lock (cargo-deny,
# deny.toml); offline. Advisories cannot be fetched here: docs/dependencies.md.
test-deps:
	bash scripts/deps-check.sh

# The same check as a brand-new machine runs it: an empty CARGO_HOME (no
# registry cache; the installed tools stay on PATH), so a crate that only a
# warm cache holds fails here rather than on the first fresh CI machine.
test-fresh-deps:
	@home=$$(mktemp -d) && trap 'rm -rf "$$home"' EXIT && CARGO_HOME="$$home" bash scripts/deps-check.sh && echo "test-fresh-deps: ok with an empty CARGO_HOME"

# Native, with AES-NI where present, then with the constant-time software AES
# that ships in the .wasm (its own target dir, so the two builds do not thrash).
test-rust:
	cargo test
	RUSTFLAGS='--cfg aes_backend="soft"' CARGO_TARGET_DIR=target/soft cargo test
	cargo test -p wx-open-data-security

vectors-check:
	@node tests/vectors/generate.mjs | diff -u tests/vectors/vectors.json - \
		&& echo "vectors-check: tests/vectors/vectors.json matches node:crypto"

# The same wasm-bindgen tests in Node and in headless Chromium; fails if
# either ran zero tests (wasm-pack exits 0 when the browser run skips all).
test-wasm: setup
	bash scripts/test-wasm.sh

# tests/js/security-engine.test.mjs uses tests/client's sm-crypto and Node 10.
test-js: pkg
	@bash scripts/npm-ci.sh tests/client
	node --test tests/js/

# Padding-oracle probe (ours vs the official sample), short soaks (Node and
# Chromium: memory and externref table flat) and worker_threads hammering.
test-security: pkg
	node --test tests/security/ tests/soak/

# The npm tarball in every runtime the README names (Node 10.15-24, Bun, Deno,
# Chromium, esbuild bundles, workerd), one shared check body.
test-runtimes: pkg
	bash scripts/test-runtimes.sh

# www-example: mock WeChat API, backend, web page in Chromium, Mini Program,
# cloud function, and the demo, against real servers on 127.0.0.1.
test-example: pkg
	bash www-example/test/run.sh

# The WeChat server client, its Redis store (against a redis-server the tests
# start on 127.0.0.1) and wx-open-data/mock, with the built engine's phone
# rule (pkg/). Its typings are checked by test-types (client-consumer.ts).
test-client: pkg
	bash scripts/install-redis.sh
	@bash scripts/npm-ci.sh tools tests/client
	node --test tests/client/

# 30 s of cargo-fuzz per target (installs nightly + cargo-fuzz if missing).
test-fuzz:
	bash scripts/fuzz.sh short

# The long run, niced: make fuzz FUZZ_SECONDS=1800 (per target).
FUZZ_SECONDS ?= 1800
fuzz:
	nice -n 19 bash scripts/fuzz.sh long $(FUZZ_SECONDS)

test-types: pkg
	bash scripts/test-types.sh

test-pack: pkg
	bash scripts/test-pack.sh

# Figures, never assertions: prints tables and writes bench/RESULTS.md.
# BENCH_QUICK=1 for a short run that does not overwrite RESULTS.md.
bench: pkg
	@bash scripts/npm-ci.sh bench
	node bench/run.mjs

clean:
	rm -rf build pkg target
