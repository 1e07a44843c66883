// The payloads every runtime decrypts, sealed here with node:crypto (the
// independent reference) from the seeded generator of the JS suite, and the
// parent's own check of what each runtime's encryptData produced.
import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { prng, seal, sha1hex, randomPayload, fixedCases } from '../js/support/payloads.mjs';
// The exports every entry has, no more, no less: the JS suite's list (importing
// it creates nothing).
import { API_NAMES } from '../js/support/entries.mjs';

const key16 = (n) => Buffer.alloc(16, n);
// The single source of the codes and their WXBizDataCrypt numbers; checks.mjs
// cannot read files in every runtime, so it gets the engine rows as data.
const vocabulary = JSON.parse(readFileSync(new URL('../../src/vocabulary.json', import.meta.url), 'utf8'));

/**
 * 40 random payloads (10 of each kind), the fixed cases the shared error rows
 * need (tests/js/support/error-rows.mjs), and every engine code of
 * src/vocabulary.json with its wxErrCode.
 */
export function makeFixtures(seed = 20261125) {
  const r = prng(seed);
  const payloads = Array.from({ length: 40 }, (_, i) => {
    const { data, phone } = randomPayload(r, i);
    // Expected value = what JSON round-trips to (e.g. -0 → 0), as WeChat's JSON would.
    return { ...seal(r.bytes(16), r.bytes(16), data), data: JSON.parse(JSON.stringify(data)), phone };
  });
  const rawData = JSON.stringify({ nickName: '微信用户😀', gender: 0 });
  const sigKey = key16(1).toString('base64');
  return {
    ...fixedCases(),
    exportNames: API_NAMES,
    engineErrors: vocabulary.errors.filter((row) => row.source === 'engine').map(({ code, wxErrCode }) => ({ code, wxErrCode })),
    signature: { rawData, sessionKey: sigKey, signature: sha1hex(rawData + sigKey) },
    encryptKey: key16(11).toString('base64'),
    payloads,
  };
}

/**
 * Decrypts what the runtime's encryptData returned with node:crypto. Returns
 * the number of checks passed; throws on the first mismatch.
 */
export function verifyArtifacts(artifacts) {
  const list = artifacts?.encrypted ?? [];
  if (list.length === 0) throw new Error('the runtime returned no encryptData output to verify');
  for (const { sessionKey, encryptedData, iv, plaintext } of list) {
    const decipher = createDecipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(iv, 'base64'));
    const text = Buffer.concat([decipher.update(Buffer.from(encryptedData, 'base64')), decipher.final()]).toString('utf8');
    if (text !== plaintext) throw new Error(`node:crypto decrypts the runtime's encryptData output to ${JSON.stringify(text)}`);
  }
  if (new Set(list.map((e) => e.iv)).size !== list.length) throw new Error('encryptData reused an IV');
  return 1;
}
