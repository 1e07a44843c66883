// Concurrency: worker_threads, each with its own instance of the package
// (require in a worker = its own wasm instance and scratch buffer), hammered
// in parallel with distinct session keys. Every answer is compared with what
// node:crypto computed in the main thread; encryptData output made in the
// workers is decrypted here with node:crypto.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { createDecipheriv } from 'node:crypto';
import { APPID, prng, seal, sha1hex, randomPayload } from '../js/support/payloads.mjs';

const WORKERS = 6;
const ROUNDS = 400;

function jobsFor(id) {
  const r = prng(0xbeef + id);
  const jobs = [];
  const keys = [];
  for (let i = 0; i < 12; i++) {
    const key = r.bytes(16);
    keys.push(key);
    const { data, phone } = randomPayload(r, i);
    const s = seal(key, r.bytes(16), data);
    const json = JSON.stringify(JSON.parse(JSON.stringify(data)));
    jobs.push({ name: `decryptData ${i}`, fn: 'decryptData', args: [s.sessionKey, s.encryptedData, s.iv, { appId: APPID }], json });
    jobs.push({ name: `WXBizDataCrypt ${i}`, fn: 'WXBizDataCrypt', args: [APPID, s.sessionKey, s.encryptedData, s.iv], json });
    if (phone) jobs.push({ name: `decryptPhone ${i}`, fn: 'decryptPhone', args: [s.sessionKey, s.encryptedData, s.iv, { appId: APPID }], json: JSON.stringify(phone) });
    else jobs.push({ name: `NOT_PHONE_DATA ${i}`, fn: 'decryptPhone', args: [s.sessionKey, s.encryptedData, s.iv], code: 'NOT_PHONE_DATA' });
    // Another worker's key on this ciphertext: must fail, never decrypt to the other's data.
    const other = prng(0xbeef + ((id + 1) % WORKERS)).bytes(16).toString('base64');
    jobs.push({ name: `foreign key ${i}`, fn: 'decryptData', args: [other, s.encryptedData, s.iv], code: 'DECRYPT_FAILED' });
    const raw = JSON.stringify({ worker: id, i });
    jobs.push({ name: `verifySignature ${i}`, fn: 'verifySignature', args: [raw, sha1hex(raw + s.sessionKey), s.sessionKey], json: 'true' });
    if (phone) {
      // The code route: the same phone JSON with countryCode a number.
      const info = { ...phone, countryCode: Number(phone.countryCode) };
      jobs.push({ name: `phoneInfoFromJson ${i}`, fn: 'phoneInfoFromJson', args: [JSON.stringify(info), { appId: APPID }], json: JSON.stringify(phone) });
    }
  }
  jobs.push({ name: 'encryptData', fn: 'encryptData', args: [keys[0].toString('base64'), { worker: id, phoneNumber: '13580006666' }] });
  jobs.push({ name: 'INVALID_IV', fn: 'decryptPhone', args: [keys[1].toString('base64'), jobs[0].args[1], 'AAAA'], code: 'INVALID_IV' });
  return { jobs, key0: keys[0] };
}

describe(`${WORKERS} worker_threads, each its own instance, in parallel`, () => {
  it('no wrong answer, no crash, encryptData output decrypts with node:crypto', async () => {
    const barrier = new SharedArrayBuffer(8);
    const gate = new Int32Array(barrier);
    const plans = Array.from({ length: WORKERS }, (_, id) => jobsFor(id));
    const results = plans.map(({ jobs }, id) => new Promise((resolve, reject) => {
      const w = new Worker(new URL('./hammer-worker.mjs', import.meta.url), { workerData: { jobs, rounds: ROUNDS, barrier, id } });
      w.once('message', resolve);
      w.once('error', reject);
      w.once('exit', (code) => { if (code !== 0) reject(new Error(`worker ${id} exited with ${code}`)); });
    }));
    // Release all workers at once, when every one has loaded its instance.
    while (Atomics.load(gate, 0) < WORKERS) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(gate, 1, 1);
    Atomics.notify(gate, 1);
    const done = await Promise.all(results);
    let calls = 0;
    for (const r of done) {
      assert.deepEqual(r.wrong, [], `worker ${r.id}`);
      assert.equal(r.calls, plans[r.id].jobs.length * ROUNDS);
      calls += r.calls;
      assert.ok(r.sealed.length > 0);
      for (const { encryptedData, iv } of r.sealed) {
        const d = createDecipheriv('aes-128-cbc', plans[r.id].key0, Buffer.from(iv, 'base64'));
        const text = Buffer.concat([d.update(Buffer.from(encryptedData, 'base64')), d.final()]).toString();
        assert.deepEqual(JSON.parse(text), { worker: r.id, phoneNumber: '13580006666' });
      }
      assert.equal(new Set(r.sealed.map((s) => s.iv)).size, r.sealed.length, 'IVs repeat');
    }
    assert.ok(calls >= WORKERS * ROUNDS * 60, `${calls} calls`);
  });
});
