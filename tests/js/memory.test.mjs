// The request-path builds' memory, as CHANGELOG.md states it: the scratch
// buffer is a static array sized for the largest accepted call, so an
// instance starts with that memory ("about N MB") and imports nothing
// (no allocator or host functions to grow it through).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pkgDir } from './support/entries.mjs';

test("simd.wasm imports nothing and starts with the memory CHANGELOG.md gives it", () => {
  const changelog = readFileSync(join(pkgDir, 'CHANGELOG.md'), 'utf8').replace(/\s+/g, ' ');
  const claim = /An instance's initial memory is therefore the largest call's need, about (\d+) MB\./.exec(changelog);
  assert.ok(claim, 'CHANGELOG.md states the initial memory');
  const module = new WebAssembly.Module(readFileSync(join(pkgDir, 'wasm', 'simd.wasm')));
  assert.deepEqual(WebAssembly.Module.imports(module), []);
  const bytes = new WebAssembly.Instance(module, {}).exports.memory.buffer.byteLength;
  assert.ok(Math.abs(bytes / 1e6 - Number(claim[1])) < 1, `${bytes} B against "about ${claim[1]} MB"`);
});
