// Assembles the publishable npm package in pkg/ from the two wasm-pack builds
// (build/node: CommonJS for Node; build/web: ESM for browsers, bundlers, Deno,
// workers) and pkg-template/ (package.json, README, entry points, typings).
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'pkg');
const FILES = ['wx_open_data.js', 'wx_open_data.d.ts', 'wx_open_data_bg.wasm', 'wx_open_data_bg.wasm.d.ts'];

rmSync(pkg, { recursive: true, force: true });
for (const target of ['node', 'web']) {
  mkdirSync(join(pkg, target), { recursive: true });
  for (const file of FILES) cpSync(join(root, 'build', target, file), join(pkg, target, file));
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

// One version: Cargo.toml's.
const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
const version = /^version\s*=\s*"([^"]+)"/m.exec(cargo)[1];
const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
manifest.version = version;
writeFileSync(join(pkg, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`assembled pkg/ (wx-open-data ${version})`);
