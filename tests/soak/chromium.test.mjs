// Short Chromium soak (issue 7, item 5): 20,000 mixed calls of the web build in
// headless Chromium, page served on 127.0.0.1; every answer checked in the
// page; linear memory and the externref table must not grow after warm-up.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumSoak } from './chromium-soak.mjs';

describe('Chromium soak, 20,000 mixed calls of the web build', () => {
  it('every answer right; linear memory and externref table flat after warm-up (no JS exception inside wasm)', async () => {
    const r = await chromiumSoak({ calls: 20_000, warmup: 5_000, skipThrowing: true });
    assert.deepEqual(r.wrong, []);
    assert.deepEqual(r.pageErrors, []);
    assert.ok(r.kinds >= 13, `${r.kinds} kinds`);
    assert.equal(r.growth, 0, `linear memory ${r.afterWarmup} → ${r.end}`);
    assert.equal(r.tableEnd, r.tableAfterWarmup, 'externref table grew');
  });

  it('with the JSON.parse-failure case too, the externref table stays flat', async () => {
    const r = await chromiumSoak({ calls: 20_000, warmup: 5_000 });
    assert.deepEqual(r.wrong, []);
    assert.equal(r.tableEnd, r.tableAfterWarmup, `externref table ${r.tableAfterWarmup} → ${r.tableEnd}`);
  });
});
