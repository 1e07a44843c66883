// Assembles the publishable npm package in pkg/ from the two wasm-pack builds
// (build/node: CommonJS for Node; build/web: ESM for browsers, bundlers, Deno,
// workers) and pkg-template/ (package.json, README, entry points, typings).
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'pkg');
/** Every file under `dir`, recursively. */
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

const FILES = ['wx_open_data.js', 'wx_open_data.d.ts', 'wx_open_data_bg.wasm', 'wx_open_data_bg.wasm.d.ts'];

rmSync(pkg, { recursive: true, force: true });
for (const target of ['node', 'web']) {
  mkdirSync(join(pkg, target), { recursive: true });
  for (const file of FILES) cpSync(join(root, 'build', target, file), join(pkg, target, file));
  // The binding's one JS snippet (src/wasm.rs: JSON.parse, JSON.stringify and
  // property reads behind a try/catch, so no exception enters wasm).
  cpSync(join(root, 'build', target, 'snippets'), join(pkg, target, 'snippets'), { recursive: true });
}

// wasm-pack's nodejs glue require()s its snippets, but wasm-bindgen writes
// them as ES modules, which Node 18-20.18 cannot require(). Our snippet is
// plain functions, so the node copy becomes CommonJS: `export function f` ->
// `function f` plus `exports.f = f`.
for (const file of walk(join(pkg, 'node', 'snippets'))) {
  const names = [];
  const body = readFileSync(file, 'utf8').replace(/^export function (\w+)/gm, (_, name) => {
    names.push(name);
    return `function ${name}`;
  });
  if (/^\s*(export|import)\b/m.test(body)) throw new Error(`${file}: only 'export function' snippets can be made CommonJS`);
  writeFileSync(file, `'use strict';\n${body}${names.map((n) => `exports.${n} = ${n};\n`).join('')}`);
}
cpSync(join(root, 'pkg-template'), pkg, { recursive: true });
cpSync(join(root, 'LICENSE'), join(pkg, 'LICENSE'));

// wasm-bindgen declares `[Symbol.dispose](): void` on classes, which only
// compiles with TypeScript's esnext.disposable lib: a consumer on lib es2022
// with skipLibCheck off would get an error from our typings. The method still
// exists at run time (where Symbol.dispose does); only the declaration goes.
for (const target of ['node', 'web']) {
  const file = join(pkg, target, 'wx_open_data.d.ts');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^\s*\[Symbol\.dispose\]\(\): void;\n/m, ''));
}

// The nodejs glue loads the snippet with require(String.raw`./snippets/…`),
// which bundlers (esbuild, webpack) do not follow: a plain string literal
// lets them bundle it. Same path, same meaning.
{
  const file = join(pkg, 'node', 'wx_open_data.js');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/require\(String\.raw`(\.\/snippets\/[^`'\\]+)`\)/g, "require('$1')"));
}

// One version: Cargo.toml's.
const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
const version = /^version\s*=\s*"([^"]+)"/m.exec(cargo)[1];
const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
manifest.version = version;
writeFileSync(join(pkg, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`assembled pkg/ (wx-open-data ${version})`);
