// Short version of tests/soak/soak.mjs (issue 7, item 5): 50,000 mixed calls
// in this process; wasm linear memory must not grow after warm-up, RSS by at
// most 20 MiB, and every answer must be right (soak() throws otherwise).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { soak, attribute, THROWING_JS } from './soak.mjs';

const MiB = 1024 * 1024;

describe('soak, 50,000 mixed calls in one Node process', () => {
  it('linear memory flat after warm-up, RSS within 20 MiB, every answer right (every kind, throwing JS included)', async () => {
    const r = await soak({ calls: 50_000, warmup: 10_000 });
    assert.ok(Object.keys(r.counts).length >= 14, `kinds: ${Object.keys(r.counts)}`);
    assert.equal(r.wasmGrowth, 0, `linear memory ${r.afterWarmup.wasm} → ${r.end.wasm}`);
    assert.ok(r.rssGrowth <= 20 * MiB, `RSS grew ${(r.rssGrowth / MiB).toFixed(1)} MiB`);
    assert.ok(r.unfreedPeak - r.end.wasm <= 16 * MiB, `unfreed WXBizDataCrypt instances took ${r.unfreedPeak - r.end.wasm} bytes`);
  });

  it('a plaintext that is not JSON (a client can cause it) keeps no externref slot or memory', async () => {
    const growth = await attribute(5_000);
    assert.deepEqual(growth['DECRYPT_FAILED not JSON'], { wasm: 0, externrefs: 0 });
  });

  it('JS that throws while wasm calls it (throwing getter or proxy in options, encryptData of a cyclic object) keeps no externref slot or memory', async () => {
    const growth = await attribute(5_000);
    for (const name of THROWING_JS) assert.deepEqual(growth[name], { wasm: 0, externrefs: 0 }, name);
  });
});
