// phoneInfoFromJson, the rule decryptPhone applies after decryption (the
// Rust engine's, src/open_data.rs), which getPhoneNumber and the cloud
// helpers reuse through pkg-template/src/rules.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './support/src.mjs';

const { phoneInfoFromJson } = await load('rules.mjs');

const wm = { timestamp: 1700000000, appid: 'wx0123456789abcdef' };
const phone = { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: wm };
const code = (fn) => { try { fn(); return 'OK'; } catch (e) { return e.code; } };

test('shape: as decryptPhone returns it, countryCode a string (a non-negative integer becomes its decimal string), other fields kept', () => {
  const out = phoneInfoFromJson(JSON.stringify({ ...phone, countryCode: 86, extra: 1, watermark: { ...wm, more: true } }));
  assert.deepEqual(out, { ...phone, extra: 1, watermark: { ...wm, more: true } });
  assert.deepEqual(Object.keys(out), ['phoneNumber', 'purePhoneNumber', 'countryCode', 'watermark', 'extra']);
});

test('NOT_PHONE_DATA for anything that is not phone data', () => {
  for (const bad of ['null', '[]', '"x"', '{', JSON.stringify({ ...phone, countryCode: -1 }), JSON.stringify({ ...phone, countryCode: 1.5 }),
    JSON.stringify({ ...phone, countryCode: null }), JSON.stringify({ ...phone, phoneNumber: 13580006666 }), JSON.stringify({ ...phone, watermark: undefined }),
    JSON.stringify({ ...phone, watermark: [1700000000, 'wx'] }), JSON.stringify({ ...phone, watermark: { appid: 'wx' } }),
    JSON.stringify({ ...phone, watermark: { timestamp: -1, appid: 'wx' } }), JSON.stringify({ ...phone, watermark: { timestamp: 2 ** 53, appid: 'wx' } }),
    JSON.stringify({ ...phone, watermark: { timestamp: 1, appid: 1 } })]) {
    assert.equal(code(() => phoneInfoFromJson(bad)), 'NOT_PHONE_DATA', bad);
  }
});

test('appId and maxAgeSeconds checks (60 s of clock skew allowed ahead), unknown option keys refused', () => {
  const text = JSON.stringify(phone);
  assert.equal(code(() => phoneInfoFromJson(text, { appId: wm.appid })), 'OK');
  assert.equal(code(() => phoneInfoFromJson(text, { appId: 'wx1' })), 'APPID_MISMATCH');
  assert.equal(code(() => phoneInfoFromJson(JSON.stringify({ ...phone, watermark: { ...wm, appid: '' } }), { appId: wm.appid })), 'APPID_MISMATCH');
  assert.equal(code(() => phoneInfoFromJson(text, { maxAgeSeconds: 300, now: (wm.timestamp + 300) * 1000 })), 'OK');
  assert.equal(code(() => phoneInfoFromJson(text, { maxAgeSeconds: 300, now: (wm.timestamp + 301) * 1000 })), 'EXPIRED');
  assert.equal(code(() => phoneInfoFromJson(text, { maxAgeSeconds: 300, now: (wm.timestamp - 60) * 1000 })), 'OK');
  assert.equal(code(() => phoneInfoFromJson(text, { maxAgeSeconds: 300, now: (wm.timestamp - 61) * 1000 })), 'EXPIRED');
  assert.equal(code(() => phoneInfoFromJson(text, { appid: 'x' })), 'INVALID_ARGUMENT');
  assert.equal(code(() => phoneInfoFromJson(text, { maxAgeSeconds: -1 })), 'INVALID_ARGUMENT');
  assert.equal(code(() => phoneInfoFromJson(42)), 'INVALID_ARGUMENT');
});
