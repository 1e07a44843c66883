// One worker of the worker_threads scaling run: its own wasm instance (or the
// sample), decrypting rotating phone payloads for `ms`, checking each result.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { payloads, APPID } from './payloads.mjs';

const require = createRequire(import.meta.url);
const cases = payloads(64).phone.cases;
const decrypt = workerData.impl === 'ours'
  ? ((api) => (c) => api.decryptPhone(c.sessionKey, c.encryptedData, c.iv, { appId: APPID }))(require('../pkg'))
  : ((S) => (c) => new S(APPID, c.sessionKey).decryptData(c.encryptedData, c.iv))(require('../tests/js/support/official-sample.cjs'));
for (let i = 0; i < 2000; i++) decrypt(cases[i & 63]);
const end = performance.now() + workerData.ms;
let ops = 0;
const t0 = performance.now();
while (performance.now() < end) {
  for (let i = 0; i < 256; i++) if (decrypt(cases[i & 63]).phoneNumber !== '13580006666') throw new Error('wrong result');
  ops += 256;
}
parentPort.postMessage({ opsPerSecond: ops / ((performance.now() - t0) / 1000) });
