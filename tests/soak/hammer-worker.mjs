// One worker of workers.test.mjs: loads the package with require (its own
// module registry, hence its own wasm instance and scratch buffer), waits at a shared barrier so
// that all workers start together, then runs its jobs `rounds` times and
// reports every answer that differs from the expectation computed with
// node:crypto in the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { entries } from '../js/support/entries.mjs';

const api = await entries[0][1]();
// Instantiate before the barrier, so that the workers start hammering together.
api.initSync();
const { jobs, rounds, barrier, id } = workerData;
const gate = new Int32Array(barrier);
Atomics.add(gate, 0, 1);
Atomics.notify(gate, 0);
while (Atomics.load(gate, 1) === 0) Atomics.wait(gate, 1, 0, 50);

let calls = 0;
const wrong = [];
const sealed = [];
for (let round = 0; round < rounds; round++) {
  for (const job of jobs) {
    let got;
    try {
      if (job.fn === 'decryptPhone') got = api.decryptPhone(...job.args);
      else if (job.fn === 'decryptData') got = api.decryptData(...job.args);
      else if (job.fn === 'WXBizDataCrypt') got = new api.WXBizDataCrypt(job.args[0], job.args[1]).decryptData(job.args[2], job.args[3]);
      else if (job.fn === 'verifySignature') got = api.verifySignature(...job.args);
      else if (job.fn === 'phoneInfoFromJson') got = api.phoneInfoFromJson(...job.args);
      else if (job.fn === 'encryptData') { got = api.encryptData(...job.args); if (round % 50 === 0) sealed.push(got); got = undefined; }
      got = got === undefined ? { code: null } : { json: JSON.stringify(got) };
    } catch (e) {
      got = { code: e.code ?? `untyped ${e}` };
    }
    calls++;
    const ok = job.code ? got.code === job.code : job.fn === 'encryptData' ? got.code === null : got.json === job.json;
    if (!ok && wrong.length < 10) wrong.push({ job: job.name, got });
  }
}
parentPort.postMessage({ id, calls, wrong, sealed });
