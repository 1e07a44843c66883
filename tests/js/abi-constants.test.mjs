// pkg-template/src/abi-constants.mjs is generated from src/abi.json (the one
// definition of the wasm ABI's header words, flags and detail numbers; the
// Rust side is generated from it by build.rs). Checked in so the JS surface
// needs no build step: this test regenerates it and fails on any difference,
// showing the diff. `BLESS=1 node --test tests/js/abi-constants.test.mjs`
// rewrites it.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { generate, TARGET } from '../../scripts/abi-constants.mjs';

it('pkg-template/src/abi-constants.mjs is what src/abi.json generates', () => {
  const fresh = generate();
  if (process.env.BLESS === '1') writeFileSync(TARGET, fresh);
  assert.equal(readFileSync(TARGET, 'utf8'), fresh, 'stale: run BLESS=1 node --test tests/js/abi-constants.test.mjs');
});

it('the generated module exports src/abi.json\'s numbers', async () => {
  const abi = JSON.parse(readFileSync(new URL('../../src/abi.json', import.meta.url), 'utf8'));
  const constants = await import('../../pkg-template/src/abi-constants.mjs');
  assert.equal(constants.HEADER, abi.headerBytes);
  assert.deepEqual({ ...constants.DIAGNOSIS }, abi.words.diagnosis);
  assert.deepEqual(JSON.parse(JSON.stringify(constants.DETAILS)), abi.details);
});
