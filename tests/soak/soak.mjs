#!/usr/bin/env node
// Soak: N mixed calls in one Node process against the package's require
// entry: valid decrypts of every kind, every error kind, hostile caller code
// (throwing getters and proxies, cyclic objects), phoneInfoFromJson,
// encryptData, verifySignature, WXBizDataCrypt instances (left to the GC, as
// users do: a plain JS class, nothing to free). Every result is checked. The
// wasm linear memory (captured from the entry's own instance) and the process
// RSS are sampled after warm-up and at the end: linear memory must not grow
// after warm-up, RSS by at most SOAK_RSS_MIB (default 20).
//
// The engine imports nothing and exports no table (src/abi.rs): no JS value
// or exception can enter wasm, so linear memory is the only state a call can
// leave behind, and memory.buffer.byteLength is what is held flat.
//
//   node tests/soak/soak.mjs            (SOAK_CALLS=n, default 1,000,000;
//                                        SOAK_SKIP_THROWING=1: without THROWING_JS)
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { loadWithInstance } from './wasm-instance.mjs';
import { APPID, prng, seal, sha1hex, randomPayload } from '../js/support/payloads.mjs';

const MiB = 1024 * 1024;

/** A fixed set of cases, each a function that throws if the answer is wrong. */
export function makeCases(api) {
  const r = prng(0x50a4);
  const cases = [];
  const code = (fn, expected) => () => {
    try { fn(); } catch (e) {
      if (e.code !== expected) throw new Error(`expected ${expected}, got ${e.code}: ${e.message}`);
      return;
    }
    throw new Error(`expected ${expected}, got a result`);
  };
  // Valid payloads of every kind (phone, userInfo, weRun, arbitrary).
  for (let i = 0; i < 16; i++) {
    const { data, phone } = randomPayload(r, i);
    const s = seal(r.bytes(16), r.bytes(16), data);
    const expected = JSON.stringify(JSON.parse(JSON.stringify(data)));
    cases.push(['decryptData', () => {
      const got = api.decryptData(s.sessionKey, s.encryptedData, s.iv, { appId: APPID });
      if (JSON.stringify(got) !== expected) throw new Error('decryptData: wrong result');
    }]);
    if (phone) {
      cases.push(['decryptPhone', () => {
        const got = api.decryptPhone(s.sessionKey, s.encryptedData, s.iv, { appId: APPID });
        if (got.phoneNumber !== phone.phoneNumber || got.countryCode !== phone.countryCode) throw new Error('decryptPhone: wrong result');
      }]);
    } else {
      cases.push(['NOT_PHONE_DATA', code(() => api.decryptPhone(s.sessionKey, s.encryptedData, s.iv), 'NOT_PHONE_DATA')]);
    }
    cases.push(['WXBizDataCrypt', () => {
      const crypt = new api.WXBizDataCrypt(APPID, s.sessionKey);
      const got = crypt.decryptData(s.encryptedData, s.iv);
      if (JSON.stringify(got) !== expected) throw new Error('WXBizDataCrypt: wrong result');
    }]);
  }
  const phone = { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: { timestamp: 1477314187, appid: APPID } };
  const g = seal(Buffer.alloc(16, 1), Buffer.alloc(16, 2), phone);
  const b64 = (n) => Buffer.alloc(n, 7).toString('base64');
  const wrongKey = seal(Buffer.alloc(16, 3), Buffer.alloc(16, 2), phone).sessionKey;
  const notJson = seal(Buffer.alloc(16, 1), Buffer.alloc(16, 2), 'not json at all');
  // The code route's phone_info: countryCode a number.
  const phoneInfoJson = JSON.stringify({ ...phone, countryCode: 86 });
  // Refused by wx_reserve before any memory is reserved for it.
  const huge = 'QUFB'.repeat(1 << 19);
  cases.push(
    ['INVALID_ARGUMENT', code(() => api.decryptPhone(1, g.encryptedData, g.iv), 'INVALID_ARGUMENT')],
    ['INVALID_ARGUMENT options', code(() => api.decryptPhone(g.sessionKey, g.encryptedData, g.iv, { appid: APPID }), 'INVALID_ARGUMENT')],
    ['INVALID_SESSION_KEY', code(() => api.decryptPhone(b64(15), g.encryptedData, g.iv), 'INVALID_SESSION_KEY')],
    ['INVALID_IV', code(() => api.decryptPhone(g.sessionKey, g.encryptedData, b64(8)), 'INVALID_IV')],
    ['INVALID_ENCRYPTED_DATA', code(() => api.decryptPhone(g.sessionKey, b64(17), g.iv), 'INVALID_ENCRYPTED_DATA')],
    ['DECRYPT_FAILED stale key', code(() => api.decryptPhone(wrongKey, g.encryptedData, g.iv), 'DECRYPT_FAILED')],
    ['DECRYPT_FAILED not JSON', code(() => api.decryptData(notJson.sessionKey, notJson.encryptedData, notJson.iv), 'DECRYPT_FAILED')],
    ['INVALID_ARGUMENT throwing getter', code(() => api.decryptPhone(g.sessionKey, g.encryptedData, g.iv, { get appId() { throw new Error('hostile'); } }), 'INVALID_ARGUMENT')],
    ['INVALID_ARGUMENT throwing proxy', code(() => api.decryptPhone(g.sessionKey, g.encryptedData, g.iv, new Proxy({}, { ownKeys() { throw new Error('hostile'); } })), 'INVALID_ARGUMENT')],
    ['INVALID_ARGUMENT encryptData of a cyclic object', code(() => { const o = {}; o.o = o; api.encryptData(g.sessionKey, o); }, 'INVALID_ARGUMENT')],
    ['INVALID_ARGUMENT appId undefined', code(() => api.decryptPhone(g.sessionKey, g.encryptedData, g.iv, { appId: undefined }), 'INVALID_ARGUMENT')],
    ['INVALID_ENCRYPTED_DATA over 1 MiB', code(() => api.decryptPhone(g.sessionKey, huge, g.iv), 'INVALID_ENCRYPTED_DATA')],
    ['APPID_MISMATCH', code(() => api.decryptPhone(g.sessionKey, g.encryptedData, g.iv, { appId: 'wx0000000000000000' }), 'APPID_MISMATCH')],
    ['phoneInfoFromJson', () => {
      const got = api.phoneInfoFromJson(phoneInfoJson, { appId: APPID });
      if (got.countryCode !== '86' || got.phoneNumber !== phone.phoneNumber) throw new Error('phoneInfoFromJson: wrong result');
    }],
    ['phoneInfoFromJson NOT_PHONE_DATA', code(() => api.phoneInfoFromJson(phoneInfoJson.slice(1)), 'NOT_PHONE_DATA')],
    ['EXPIRED', code(() => api.decryptPhone(g.sessionKey, g.encryptedData, g.iv, { maxAgeSeconds: 60 }), 'EXPIRED')],
    ['encryptData', () => {
      const e = api.encryptData(g.sessionKey, phone);
      if (api.decryptPhone(g.sessionKey, e.encryptedData, e.iv).phoneNumber !== phone.phoneNumber) throw new Error('encryptData: no round trip');
    }],
    ['verifySignature', () => {
      const raw = '{"nickName":"微信用户","gender":0}';
      if (api.verifySignature(raw, sha1hex(raw + g.sessionKey), g.sessionKey) !== true) throw new Error('verifySignature: false negative');
      if (api.verifySignature(raw + ' ', sha1hex(raw + g.sessionKey), g.sessionKey) !== false) throw new Error('verifySignature: false positive');
    }],
  );
  return cases;
}

// The cases where caller code throws (options getters or proxy traps,
// encryptData data JSON.stringify cannot serialise). Such JS runs before any
// wasm call, so a throw can leave nothing behind in the instance; these cases
// are held to "flat" like the rest and kept as a list, so that a regression
// (JS running while wasm calls it) is attributed to them.
export const THROWING_JS = ['INVALID_ARGUMENT throwing getter', 'INVALID_ARGUMENT throwing proxy', 'INVALID_ARGUMENT encryptData of a cyclic object'];

/**
 * Growth of linear memory (bytes) over `n` calls of each case alone, in this
 * process, in order (`names`: only these cases). Memory grows in 64 KiB
 * pages, so a case run after a growing one can hide in the slack it left:
 * for exact figures run one case per process (attributeIsolated).
 */
export async function attribute(n = 50_000, names) {
  const { api, memory } = await loadWithInstance();
  const byName = {};
  for (const [name, run] of makeCases(api)) if (!names || names.includes(name)) (byName[name] ??= []).push(run);
  const out = {};
  for (const [name, runs] of Object.entries(byName)) {
    for (let i = 0; i < 2000; i++) runs[i % runs.length]();
    const m0 = memory.buffer.byteLength;
    for (let i = 1; i <= n; i++) { runs[i % runs.length](); if (i % 1000 === 0) await new Promise(setImmediate); }
    out[name] = { wasm: memory.buffer.byteLength - m0 };
  }
  return out;
}

/** attribute() with every case in a fresh process of its own. */
export function attributeIsolated(n = 50_000) {
  const names = [...new Set(makeCases(new Proxy({}, { get: () => () => {} })).map(([name]) => name))];
  const out = {};
  for (const name of names) {
    const json = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--attribute-one', name, String(n)], { encoding: 'utf8' });
    out[name] = JSON.parse(json);
  }
  return out;
}

/** Runs `calls` mixed calls; returns the figures. Throws on any wrong answer. */
export async function soak({ calls = 1_000_000, warmup = Math.min(50_000, Math.floor(calls / 5)), exclude = [], log = () => {} } = {}) {
  const { api, memory } = await loadWithInstance();
  const cases = makeCases(api).filter(([name]) => !exclude.includes(name));
  const r = prng(0x50a5);
  const counts = {};
  const sample = (at) => ({ at, wasm: memory.buffer.byteLength, rss: process.memoryUsage().rss });
  const samples = [sample(0)];
  let afterWarmup;
  const every = Math.max(1, Math.floor(calls / 10));
  for (let i = 1; i <= calls; i++) {
    // A server yields to the event loop between requests; so do we, every
    // 1000 calls.
    if (i % 1000 === 0) await new Promise(setImmediate);
    const [name, run] = cases[r.int(cases.length)];
    run();
    counts[name] = (counts[name] ?? 0) + 1;
    if (i === warmup) { afterWarmup = sample(i); samples.push(afterWarmup); log(afterWarmup); }
    else if (i % every === 0) { const s = sample(i); samples.push(s); log(s); }
  }
  const end = sample(calls);
  if (samples.at(-1).at !== calls) samples.push(end);

  // Phase 2: WXBizDataCrypt instances made and dropped, as most callers do.
  // Instances hold JS strings only (no key kept in linear memory until a
  // FinalizationRegistry callback frees it), so linear memory must not move
  // at all (unfreedPeak == end.wasm).
  const unfreed = Math.floor(calls / 4);
  const s0 = seal(Buffer.alloc(16, 4), Buffer.alloc(16, 5), { a: 1, watermark: { timestamp: 1, appid: APPID } });
  let unfreedPeak = end.wasm;
  for (let i = 1; i <= unfreed; i++) {
    if (i % 1000 === 0) { await new Promise(setImmediate); unfreedPeak = Math.max(unfreedPeak, memory.buffer.byteLength); }
    if (new api.WXBizDataCrypt(APPID, s0.sessionKey).decryptData(s0.encryptedData, s0.iv).a !== 1) throw new Error('WXBizDataCrypt: wrong result');
  }
  unfreedPeak = Math.max(unfreedPeak, memory.buffer.byteLength);
  return {
    calls, warmup, counts, samples, afterWarmup, end,
    wasmGrowth: end.wasm - afterWarmup.wasm,
    rssGrowth: end.rss - afterWarmup.rss,
    unfreed, unfreedPeak,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--attribute-one') {
  const [name, n] = process.argv.slice(3);
  process.stdout.write(JSON.stringify((await attribute(Number(n), [name]))[name]));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const calls = Number(process.env.SOAK_CALLS ?? 1_000_000);
  const rssLimit = Number(process.env.SOAK_RSS_MIB ?? 20) * MiB;
  const t0 = Date.now();
  const fmt = (s) => `after ${s.at} calls: wasm linear memory ${s.wasm} bytes (${(s.wasm / MiB).toFixed(2)} MiB), RSS ${(s.rss / MiB).toFixed(1)} MiB`;
  // SOAK_SKIP_THROWING=1 leaves out the cases of THROWING_JS (to bisect a regression).
  const exclude = process.env.SOAK_SKIP_THROWING ? THROWING_JS : [];
  const result = await soak({ calls, exclude, log: (s) => console.log('  ' + fmt(s)) });
  console.log(`soak: ${calls} mixed calls in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${Object.keys(result.counts).length} kinds: ${Object.entries(result.counts).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log(`soak: wasm memory ${result.afterWarmup.wasm} → ${result.end.wasm} bytes after warm-up (growth ${result.wasmGrowth}); RSS ${(result.afterWarmup.rss / MiB).toFixed(1)} → ${(result.end.rss / MiB).toFixed(1)} MiB (growth ${(result.rssGrowth / MiB).toFixed(1)} MiB, limit ${rssLimit / MiB})`);
  console.log(`soak: then ${result.unfreed} WXBizDataCrypt instances made and dropped: wasm memory peak ${result.unfreedPeak} bytes (${result.unfreedPeak - result.end.wasm} above the soak's end, limit 0)`);
  const ok = result.wasmGrowth === 0 && result.rssGrowth <= rssLimit && result.unfreedPeak === result.end.wasm;
  console.log(ok ? 'soak: flat' : 'soak: FAILED (memory grew after warm-up)');
  if (!ok || process.env.SOAK_ATTRIBUTE) {
    console.log('soak: growth per kind, 50000 calls of each alone, each in a fresh process (linear memory bytes):');
    const growth = attributeIsolated();
    for (const [name, g] of Object.entries(growth)) console.log(`  ${name}: +${g.wasm} bytes${g.wasm ? '   <-- grows' : ''}`);
  }
  process.exitCode = ok ? 0 : 1;
}
