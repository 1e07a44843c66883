// Short version of tests/soak/soak.mjs: 50,000 mixed calls in this process;
// wasm linear memory (memory.buffer.byteLength) must not grow after warm-up,
// RSS by at most 20 MiB, and every answer must be right (soak() throws
// otherwise). There is no externref table to watch: the engine imports
// nothing and exports only its memory and numeric functions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { soak, attribute, THROWING_JS } from './soak.mjs';
import { loadWithInstance } from './wasm-instance.mjs';

const MiB = 1024 * 1024;

describe('soak, 50,000 mixed calls in one Node process', () => {
  it('the engine has nothing but linear memory that a call could leave state in', async () => {
    const { instance, module } = await loadWithInstance();
    const exports = Object.entries(instance.exports);
    assert.deepEqual(exports.filter(([, v]) => v instanceof WebAssembly.Table).map(([k]) => k), [], 'a table is exported');
    assert.deepEqual(exports.filter(([, v]) => v instanceof WebAssembly.Memory).map(([k]) => k), ['memory']);
    // No imports: no JS function, and so no JS exception, can be reached from wasm.
    assert.deepEqual(WebAssembly.Module.imports(module), []);
  });

  it('linear memory flat after warm-up, RSS within 20 MiB, every answer right (every kind, throwing caller code included)', async () => {
    const r = await soak({ calls: 50_000, warmup: 10_000 });
    assert.ok(Object.keys(r.counts).length >= 18, `kinds: ${Object.keys(r.counts)}`);
    assert.equal(r.wasmGrowth, 0, `linear memory ${r.afterWarmup.wasm} → ${r.end.wasm}`);
    assert.ok(r.rssGrowth <= 20 * MiB, `RSS grew ${(r.rssGrowth / MiB).toFixed(1)} MiB`);
    assert.equal(r.unfreedPeak, r.end.wasm, `dropped WXBizDataCrypt instances took ${r.unfreedPeak - r.end.wasm} bytes of linear memory`);
  });

  it('a plaintext that is not JSON (a client can cause it) keeps no memory', async () => {
    const growth = await attribute(5_000);
    assert.deepEqual(growth['DECRYPT_FAILED not JSON'], { wasm: 0 });
  });

  it('caller code that throws (getter, proxy, cyclic object for encryptData) keeps no memory', async () => {
    const growth = await attribute(5_000);
    for (const name of THROWING_JS) assert.deepEqual(growth[name], { wasm: 0 }, name);
  });
});
