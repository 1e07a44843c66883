#!/usr/bin/env node
// dudect-style timing test (Reparaz, Balasch, Verbauwhede, "Dude, is my code
// constant time?", DATE 2017) for decryptPhone: does a
// ciphertext with VALID padding (but bad JSON) take a different time than one
// with INVALID padding? Both give the same DECRYPT_FAILED error; a timing
// difference would still be a padding oracle.
//
// Method, as in dudect: the two classes are interleaved in random order (one
// coin flip per measurement, so drift and noise hit both alike); each call is
// timed alone with process.hrtime.bigint(); measurements are cropped at
// several percentiles of the pooled distribution (dudect's answer to the long
// tail of interrupts and GC pauses), and Welch's t-test is computed for the
// uncropped set and each crop. |t| > 4.5 is dudect's "definitely not constant
// time" threshold; the largest |t| over the crops is reported.
//
// A figure, never an assertion (the machine is shared and noisy). Run:
//   node tests/security/timing.mjs            (TIMING_SAMPLES=n, default 400000)
// Prints `timing: t = …, n = …` for ours, then `timing-sample:` (the official
// sample, same inputs) and `timing-control:` (ours, two invalid-padding inputs).
import { createCipheriv, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const OfficialSample = require('../js/support/official-sample.cjs');
const SAMPLES = Number(process.env.TIMING_SAMPLES ?? 400_000);

/** AES-128-CBC without automatic padding: we write the last block ourselves. */
function sealRaw(key, iv, plaintext) {
  const c = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  return Buffer.concat([c.update(plaintext), c.final()]);
}

/**
 * Two ciphertexts of the same length (160 bytes, a phone payload's size) and
 * the same valid-UTF-8 non-JSON text; they differ only in the last byte of
 * the plaintext: 0x01 (valid PKCS#7) or 0x00 (invalid).
 */
export function classes(key, iv) {
  const body = Buffer.alloc(160, 0x7d); // '}' x 160: UTF-8, never JSON
  const valid = Buffer.from(body); valid[159] = 0x01;
  const invalid = Buffer.from(body); invalid[159] = 0x00;
  return [sealRaw(key, iv, valid).toString('base64'), sealRaw(key, iv, invalid).toString('base64')];
}

function welch(a, b) {
  const stats = (xs) => {
    let mean = 0;
    for (const x of xs) mean += x;
    mean /= xs.length;
    let v = 0;
    for (const x of xs) v += (x - mean) ** 2;
    return { n: xs.length, mean, var: v / (xs.length - 1) };
  };
  const s0 = stats(a), s1 = stats(b);
  return { t: (s0.mean - s1.mean) / Math.sqrt(s0.var / s0.n + s1.var / s1.n), mean0: s0.mean, mean1: s1.mean, n: s0.n + s1.n };
}

/** Interleaved measurements of call(input[class]); returns dudect's summary. */
export function measure(call, inputs, samples = SAMPLES) {
  const warm = Math.min(20_000, samples);
  for (let i = 0; i < warm; i++) call(inputs[i & 1]);
  const cls = new Uint8Array(samples);
  const ns = new Float64Array(samples);
  const coin = randomBytes(samples);
  for (let i = 0; i < samples; i++) {
    const c = coin[i] & 1;
    const input = inputs[c];
    const t0 = process.hrtime.bigint();
    call(input);
    const t1 = process.hrtime.bigint();
    cls[i] = c;
    ns[i] = Number(t1 - t0);
  }
  const sorted = Float64Array.from(ns).sort();
  const crops = [1, 0.99, 0.95, 0.9, 0.75, 0.5];
  const rows = crops.map((p) => {
    const limit = p === 1 ? Infinity : sorted[Math.floor(p * (samples - 1))];
    const a = [], b = [];
    for (let i = 0; i < samples; i++) if (ns[i] <= limit) (cls[i] ? b : a).push(ns[i]);
    return { crop: p, ...welch(a, b) };
  });
  const worst = rows.reduce((m, r) => (Math.abs(r.t) > Math.abs(m.t) ? r : m));
  return { rows, worst, median: sorted[samples >> 1] };
}

function report(label, result, prefix = 'timing') {
  const w = result.worst;
  console.log(`${prefix}: t = ${w.t.toFixed(2)}, n = ${w.n}  [${label}; crop ${w.crop === 1 ? 'none' : 'p' + w.crop * 100}; mean class 0 ${w.mean0.toFixed(0)} ns vs class 1 ${w.mean1.toFixed(0)} ns; median ${result.median} ns]`);
  console.log(`   per crop: ${result.rows.map((r) => `${r.crop === 1 ? 'all' : 'p' + r.crop * 100}: t=${r.t.toFixed(2)} (${(r.mean0 - r.mean1).toFixed(0)} ns)`).join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { entries } = await import(pathToFileURL(join(here, '../js/support/entries.mjs')));
  // TIMING_BUILD=baseline measures the MVP build (the one engines without
  // SIMD128 load): the Node entry picks its build with WebAssembly.validate
  // on a SIMD probe, so the probe is refused while the package loads.
  const validate = WebAssembly.validate;
  if (process.env.TIMING_BUILD === 'baseline') WebAssembly.validate = () => false;
  const api = await entries[0][1]();
  api.initSync();
  WebAssembly.validate = validate;
  const build = api.engineBuild();
  if (process.env.TIMING_BUILD && build !== process.env.TIMING_BUILD) throw new Error(`asked for the ${process.env.TIMING_BUILD} build, got ${build}`);
  const key = randomBytes(16), iv = randomBytes(16);
  const sk = key.toString('base64'), ivb = iv.toString('base64');
  const [validPad, invalidPad] = classes(key, iv);
  // Sanity: both classes give the same error, so only time could tell them apart.
  for (const d of [validPad, invalidPad]) {
    try { api.decryptPhone(sk, d, ivb); throw new Error('decrypted?'); } catch (e) { if (e.code !== 'DECRYPT_FAILED') throw e; }
  }
  const swallow = (fn) => (d) => { try { fn(d); } catch { /* the error is the expected outcome */ } };
  console.log(`dudect: decryptPhone, class 0 = valid padding + bad JSON, class 1 = invalid padding; 160-byte ciphertexts; ${SAMPLES} samples each line; |t| > 4.5 means a timing difference`);
  report(`ours: decryptPhone, ${build} build`, measure(swallow((d) => api.decryptPhone(sk, d, ivb)), [validPad, invalidPad]));
  if (!process.env.TIMING_ONLY_OURS) {
    const sample = new OfficialSample('wx4f4bc4dec97d474b', sk);
    report('official sample (node:crypto), same inputs', measure(swallow((d) => sample.decryptData(d, ivb)), [validPad, invalidPad]), 'timing-sample');
    // Control: two ciphertexts of the SAME class (both invalid padding, different bytes): t should stay small.
    const invalid2 = sealRaw(key, iv, Buffer.concat([Buffer.alloc(159, 0x7d), Buffer.from([0x11])])).toString('base64');
    report('control: ours, invalid vs invalid padding', measure(swallow((d) => api.decryptPhone(sk, d, ivb)), [invalid2, invalidPad]), 'timing-control');
  }
}
