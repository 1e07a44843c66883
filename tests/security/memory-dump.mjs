// Child process of secrets.test.mjs's key-residue check: loads the package
// fresh (its own wasm instance), runs one deterministic call sequence with the
// session key given in argv, and writes the whole wasm linear memory to the
// file given in argv. Runs differing only in the key must leave identical
// memory: every input, the (public) ciphertext included, is wiped.
import { writeFileSync } from 'node:fs';
import { loadWithInstance } from '../soak/wasm-instance.mjs';

const [, , scenario, sessionKey, encryptedData, iv, out] = process.argv;
// A fixed clock: calls without options.now (WXBizDataCrypt, a bare appId)
// pass Date.now() to the engine, which leaves it in wasm memory; two runs a
// second apart would then differ in two bytes that are not key-dependent.
Date.now = () => 1477314197000;
const { api, memory } = await loadWithInstance();
const swallow = (fn) => { try { return fn(); } catch (e) { return e.code; } };
// The same warm-up in every run (no key material), then the call under test.
for (let i = 0; i < 3; i++) swallow(() => api.decryptPhone('AAAAAAAAAAAAAAAAAAAAAA==', 'AAAAAAAAAAAAAAAAAAAAAA==', 'AAAAAAAAAAAAAAAAAAAAAA=='));
const now = 1477314197000;
const calls = {
  decryptPhone: () => api.decryptPhone(sessionKey, encryptedData, iv, { appId: 'wx4f4bc4dec97d474b', maxAgeSeconds: 300, now }),
  decryptData: () => api.decryptData(sessionKey, encryptedData, iv, { appId: 'wx4f4bc4dec97d474b', now }),
  'decryptPhone, wrong appid': () => api.decryptPhone(sessionKey, encryptedData, iv, { appId: 'wx0000000000000000' }),
  // A plain JS class in 0.2: the key stays a JS string, nothing to free.
  WXBizDataCrypt: () => new api.WXBizDataCrypt('wx4f4bc4dec97d474b', sessionKey).decryptData(encryptedData, iv),
  verifySignature: () => api.verifySignature('{"nickName":"x"}', '0'.repeat(40), sessionKey),
  // Fails on the key after JS wrote the (random) iv and the plaintext: a
  // random byte left behind would show as run-to-run noise.
  'encryptData, bad key': () => api.encryptData(sessionKey.slice(0, 20), '{"phoneNumber":"13580006666"}'),
};
if (!(scenario in calls)) throw new Error(`unknown scenario ${scenario}`);
const result = swallow(calls[scenario]);
writeFileSync(out, new Uint8Array(memory.buffer));
process.stdout.write(JSON.stringify(typeof result === 'string' ? result : 'ok'));
