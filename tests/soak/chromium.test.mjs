// Short Chromium soak: 20,000 mixed calls of the web build in headless
// Chromium, page served on 127.0.0.1; every answer checked in the page;
// linear memory (memory.buffer.byteLength) must not grow after warm-up. The
// engine has no table and no imports, so memory is all there is to watch.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumSoak } from './chromium-soak.mjs';

describe('Chromium soak, 20,000 mixed calls of the web build', () => {
  it('every answer right; linear memory flat after warm-up; no imports, no table', async () => {
    const r = await chromiumSoak({ calls: 20_000, warmup: 5_000 });
    assert.deepEqual(r.wrong, []);
    assert.deepEqual(r.pageErrors, []);
    assert.ok(r.kinds >= 17, `${r.kinds} kinds`);
    assert.equal(r.build, 'simd');
    assert.equal(r.growth, 0, `linear memory ${r.afterWarmup} → ${r.end}`);
    assert.equal(r.imports, 0, 'the engine imports JS functions');
    assert.equal(r.tables, 0, 'the engine exports a table');
  });
});
