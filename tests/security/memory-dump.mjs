// Child process of secrets.test.mjs's key-residue check: loads the package
// fresh (its own wasm instance), runs one deterministic call sequence with the
// session key given in argv, and writes the whole wasm linear memory to the
// file given in argv. Runs differing only in the key must leave identical
// memory, except where a copy of the (public) ciphertext input lies.
import { writeFileSync } from 'node:fs';
import { loadWithInstance } from '../soak/wasm-instance.mjs';

const [, , scenario, sessionKey, encryptedData, iv, out] = process.argv;
const { api, memory } = await loadWithInstance();
const swallow = (fn) => { try { return fn(); } catch (e) { return e.code; } };
// The same warm-up in every run (no key material), then the call under test.
for (let i = 0; i < 3; i++) swallow(() => api.decryptPhone('AAAAAAAAAAAAAAAAAAAAAA==', 'AAAAAAAAAAAAAAAAAAAAAA==', 'AAAAAAAAAAAAAAAAAAAAAA=='));
const now = 1477314197;
const calls = {
  decryptPhone: () => api.decryptPhone(sessionKey, encryptedData, iv, { appId: 'wx4f4bc4dec97d474b', maxAgeSeconds: 300, now }),
  decryptData: () => api.decryptData(sessionKey, encryptedData, iv, { appId: 'wx4f4bc4dec97d474b', now }),
  'WXBizDataCrypt+free': () => { const c = new api.WXBizDataCrypt('wx4f4bc4dec97d474b', sessionKey); const r = c.decryptData(encryptedData, iv); c.free(); return r; },
  verifySignature: () => api.verifySignature('{"nickName":"x"}', '0'.repeat(40), sessionKey),
};
const result = swallow(calls[scenario]);
writeFileSync(out, new Uint8Array(memory.buffer));
process.stdout.write(JSON.stringify(typeof result === 'string' ? result : 'ok'));
