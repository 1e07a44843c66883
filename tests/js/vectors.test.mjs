// The committed node:crypto vectors (tests/vectors/vectors.json, written by
// tests/vectors/generate.mjs; the Rust suites read the same file through
// tests/common/vectors.rs) through every entry point of the package:
// decryptData gives the plaintext's JSON, decryptPhone the phone fields (or
// NOT_PHONE_DATA for other open data) with and without the watermark checks,
// phoneInfoFromJson the same from the plaintext, and WXBizDataCrypt what
// decryptData gives (APPID_MISMATCH for the cases without a watermark).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { entries } from './support/entries.mjs';

const vectors = JSON.parse(readFileSync(new URL('../vectors/vectors.json', import.meta.url), 'utf8'));

describe('tests/vectors/vectors.json', () => {
  it('names its source and holds phone and other open data', () => {
    assert.match(vectors.source, /node:crypto/);
    assert.match(vectors.source, /AES-128-CBC/);
    assert.ok(vectors.cases.some((c) => c.phone) && vectors.cases.some((c) => !c.phone));
    assert.equal(new Set(vectors.cases.map((c) => c.name)).size, vectors.cases.length, 'case names are unique');
  });
});

for (const [label, load] of entries) {
  describe(`every vector: ${label}`, () => {
    let api;
    before(async () => { api = await load(); });

    for (const v of vectors.cases) {
      it(v.name, () => {
        const data = JSON.parse(v.plaintext);
        assert.deepEqual(api.decryptData(v.sessionKey, v.encryptedData, v.iv), data);
        // WXBizDataCrypt always checks the watermark appid, as WeChat's sample does.
        const crypt = new api.WXBizDataCrypt(vectors.appId, v.sessionKey);
        if (data.watermark?.appid === vectors.appId) assert.deepEqual(crypt.decryptData(v.encryptedData, v.iv), data);
        else assert.throws(() => crypt.decryptData(v.encryptedData, v.iv), { code: 'APPID_MISMATCH' });
        if (v.phone) {
          const ts = v.phone.watermark.timestamp;
          const checked = { appId: vectors.appId, maxAgeSeconds: 300, now: (ts + 10) * 1000 };
          const phone = api.decryptPhone(v.sessionKey, v.encryptedData, v.iv, checked);
          // The PhoneInfo fields as the vector states them; the package keeps
          // any other member of the payload as it is.
          assert.deepEqual(phone, { ...data, ...v.phone });
          assert.deepEqual(api.decryptPhone(v.sessionKey, v.encryptedData, v.iv), phone);
          assert.deepEqual(api.phoneInfoFromJson(v.plaintext, checked), phone);
        } else {
          assert.throws(() => api.decryptPhone(v.sessionKey, v.encryptedData, v.iv), { code: 'NOT_PHONE_DATA' });
        }
      });
    }
  });
}
