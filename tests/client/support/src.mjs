// Loads modules of pkg-template/src (the package's ESM source) for the client
// tests, with the PhoneInfo rule of the built engine installed (pkg/, from
// `make pkg`): the code route is checked by the same Rust rule as
// decryptPhone. The security .wasm comes from the built package too
// (json-hook.mjs serves src/wasm-security.mjs from pkg/web/). The JSON hook must be registered before the first of them
// loads, so test files import this and then `await load('client.mjs')`.
import { register } from 'node:module';
import { existsSync } from 'node:fs';

const SRC = new URL('../../../pkg-template/src/', import.meta.url);
const PKG = new URL(`${process.env.WX_PKG_DIR ? `file://${process.env.WX_PKG_DIR}/` : '../../../pkg/'}`, import.meta.url);

register('./json-hook.mjs', import.meta.url, { data: { pkg: PKG.href } });
const entry = new URL('node/index.mjs', PKG);
if (!existsSync(entry)) throw new Error(`${entry.pathname} is missing: run \`make pkg\` first`);
const engine = await import(entry.href);
(await import(new URL('rules.mjs', SRC).href)).installPhoneRule(engine.phoneInfoFromJson);

/** import() of pkg-template/src/<name>. */
export function load(name) {
  return import(new URL(name, SRC).href);
}

/** The built package's Node entry (import). */
export const pkg = engine;

export const srcUrl = (name) => new URL(name, SRC).href;

/** The URL of a file of the built package (pkg/, or WX_PKG_DIR). */
export const pkgUrl = (name) => new URL(name, PKG).href;
