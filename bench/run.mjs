// `make bench`: wx-open-data (the built ../pkg) against the official
// node:crypto sample and the other options, in one Node process, rounds
// interleaved, medians reported; ratios are against the sample in this run.
// Prints tables and writes bench/RESULTS.md. Never asserts a speed: these
// machines are shared and noisy, so figures are for reading, not gating.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { implementations, ours, pkgDir } from './implementations.mjs';
import { payloads, APPID } from './payloads.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 40);
const quick = process.env.BENCH_QUICK === '1';
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const out = [];
const print = (line = '') => { console.log(line); out.push(line); };
const table = (head, rows) => {
  print(`| ${head.join(' | ')} |`);
  print(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const r of rows) print(`| ${r.join(' | ')} |`);
  print();
};

const data = payloads(64);

// 1. Every implementation must return the same object before it is timed.
for (const [kind, { cases, expected }] of Object.entries(data)) {
  for (const impl of implementations) {
    for (const c of cases) {
      assert.deepEqual(await impl.decrypt(c.sessionKey, c.encryptedData, c.iv, APPID, kind), expected, `${impl.name} on ${kind}`);
    }
  }
}

/** Runs `impl` over the rotating cases for about ROUND_MS; returns ns per op. */
async function round(impl, kind, cases, iterations) {
  const t0 = process.hrtime.bigint();
  if (impl.async) {
    for (let i = 0; i < iterations; i++) { const c = cases[i & 63]; await impl.decrypt(c.sessionKey, c.encryptedData, c.iv, APPID, kind); }
  } else {
    for (let i = 0; i < iterations; i++) { const c = cases[i & 63]; impl.decrypt(c.sessionKey, c.encryptedData, c.iv, APPID, kind); }
  }
  return Number(process.hrtime.bigint() - t0) / iterations;
}

print(`# wx-open-data benchmarks`);
print();
print(`Run ${new Date().toISOString()} on ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.availableParallelism()} cores), Node ${process.versions.node}, wx-open-data engine build: ${ours.engineBuild()}. ` +
  `Throughput: ${ROUNDS} interleaved rounds of ~${ROUND_MS} ms per implementation, 64 session keys rotating, median reported; ratio = ops/s ÷ the official sample's ops/s in the same run (higher is better).`);
print();

const throughput = {};
for (const [kind, { cases, plaintextBytes }] of Object.entries(data)) {
  // Calibrate iterations per round from a short warm-up of each implementation.
  const iters = new Map();
  for (const impl of implementations) {
    let n = 64, ns;
    do { ns = await round(impl, kind, cases, n); n *= 2; } while (ns * n / 2 < 10e6);
    iters.set(impl, Math.max(64, Math.round(ROUND_MS * 1e6 / ns)));
  }
  const samples = new Map(implementations.map((i) => [i, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = implementations.map((_, i) => implementations[(i + r) % implementations.length]);
    for (const impl of order) samples.get(impl).push(await round(impl, kind, cases, iters.get(impl)));
  }
  const baseline = median(samples.get(implementations.find((i) => i.baseline)));
  const ctLen = Buffer.from(cases[0].encryptedData, 'base64').length;
  print(`## ${kind}: ${plaintextBytes} B JSON, ${ctLen} B ciphertext`);
  print();
  table(['implementation', 'version', 'µs/op (median)', 'ops/s', 'vs official sample'],
    implementations.map((impl) => {
      const ns = median(samples.get(impl));
      throughput[`${kind}/${impl.name}`] = baseline / ns;
      return [impl.name, impl.version, (ns / 1000).toFixed(2), Math.round(1e9 / ns).toLocaleString('en'), `${(baseline / ns).toFixed(2)}×`];
    }));
}

// 2. Sizes of what ships: each .wasm, and the unpacked npm package.
print('## Size of what ships');
print();
const wasmFiles = ['simd', 'baseline'].map((b) => [`pkg/wasm/${b}.wasm`, readFileSync(`${pkgDir}wasm/${b}.wasm`)]);
const packed = JSON.parse(spawnSync('npm', ['pack', '--dry-run', '--json', pkgDir], { encoding: 'utf8' }).stdout)[0];
table(['file', 'raw bytes', 'gzip -9 bytes', 'target'], [
  ...wasmFiles.map(([name, bytes]) => [name, bytes.length.toLocaleString('en'), gzipSync(bytes, { level: 9 }).length.toLocaleString('en'), '≤ 32,768 / ≤ 12,288']),
  ['npm package, unpacked', packed.unpackedSize.toLocaleString('en'), `${packed.size.toLocaleString('en')} (tarball)`, '≤ 150,000 unpacked'],
]);

// 3. Cold start: whole processes, paired (ours, sample) with alternating order.
const cold = { ours: [], sample: [], diff: [], oursIn: [], sampleIn: [] };
const PAIRS = quick ? 6 : 30;
const phone = data.phone.cases[0];
const runChild = (which) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [new URL('./cold-start.cjs', import.meta.url).pathname, which], {
    env: { ...process.env, WX_CASE: JSON.stringify(phone), WX_APPID: APPID }, encoding: 'utf8',
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(r.status, 0, r.stderr);
  return [wall, Number(r.stdout.trim())];
};
for (let i = 0; i < 3; i++) { runChild('ours'); runChild('sample'); }
for (let i = 0; i < PAIRS; i++) {
  const first = i % 2 ? 'sample' : 'ours';
  const a = runChild(first), b = runChild(first === 'ours' ? 'sample' : 'ours');
  const [o, s] = first === 'ours' ? [a, b] : [b, a];
  cold.ours.push(o[0]); cold.sample.push(s[0]); cold.diff.push(o[0] - s[0]);
  cold.oursIn.push(o[1]); cold.sampleIn.push(s[1]);
}
print(`## Cold start: a fresh \`node\` process that loads the library and decrypts one phone payload (${PAIRS} paired runs)`);
print();
table(['measure', 'wx-open-data ms', 'official sample ms', 'median paired difference ms'], [
  ['whole process, wall clock (median)', median(cold.ours).toFixed(2), median(cold.sample).toFixed(2), median(cold.diff).toFixed(2)],
  ['require + first decrypt, inside the process (median)', median(cold.oursIn).toFixed(2), median(cold.sampleIn).toFixed(2), (median(cold.oursIn) - median(cold.sampleIn)).toFixed(2)],
]);

// 4. worker_threads: one worker, then one per core, each with its own instance.
async function workers(n, impl, ms) {
  const ws = Array.from({ length: n }, () => new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { impl, ms } }));
  const results = await Promise.all(ws.map((w) => new Promise((res, rej) => { w.once('message', res); w.once('error', rej); })));
  await Promise.all(ws.map((w) => w.terminate()));
  return results.reduce((a, r) => a + r.opsPerSecond, 0);
}
const cores = os.availableParallelism();
const WMS = quick ? 300 : 1500;
print(`## worker_threads: ${cores} workers (one per core) vs one, phone payload, ${WMS} ms each`);
print();
const scaleRows = [];
for (const impl of ['ours', 'sample']) {
  const one = median([await workers(1, impl, WMS), await workers(1, impl, WMS), await workers(1, impl, WMS)]);
  const all = median([await workers(cores, impl, WMS), await workers(cores, impl, WMS), await workers(cores, impl, WMS)]);
  scaleRows.push([impl === 'ours' ? 'wx-open-data' : 'official sample', Math.round(one).toLocaleString('en'), Math.round(all).toLocaleString('en'), (all / one / cores).toFixed(2)]);
}
table(['implementation', '1 worker ops/s', `${cores} workers ops/s`, 'scaling per core'], scaleRows);

// 5. Where one decryptPhone call's time goes, from the JS side (differences of
// calls that do more or less of the work), for the next optimisation.
const c0 = data.phone.cases;
const plain = JSON.stringify(data.phone.expected);
const wrong = { ...c0[0], sessionKey: c0[1].sessionKey };
const steps = [
  ['JSON.parse of the plaintext in JS', () => JSON.parse(plain)],
  ['decryptData, no options (strings in, base64, AES, UTF-8, JSON.parse)', (c) => ours.decryptData(c.sessionKey, c.encryptedData, c.iv)],
  ['decryptData + appId (adds options + watermark check)', (c) => ours.decryptData(c.sessionKey, c.encryptedData, c.iv, { appId: APPID })],
  ['decryptPhone + appId (adds the typed phone shape check)', (c) => ours.decryptPhone(c.sessionKey, c.encryptedData, c.iv, { appId: APPID })],
  ['decryptPhone with a stale key (all crypto, then a WxOpenDataError)', () => { try { ours.decryptPhone(wrong.sessionKey, wrong.encryptedData, wrong.iv); } catch {} }],
  ['verifySignature of a 400 B rawData', () => ours.verifySignature(JSON.stringify(data.userInfo.expected), '0'.repeat(40), c0[0].sessionKey)],
];
print('## Per-step profile of one phone call (median of rounds; differences between rows locate the cost)');
print();
const stepRows = [];
for (const [name, fn] of steps) {
  const xs = [];
  for (let r = 0; r < ROUNDS; r++) {
    const n = 20000, t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(c0[i & 63]);
    xs.push(Number(process.hrtime.bigint() - t0) / n);
  }
  stepRows.push([name, (median(xs) / 1000).toFixed(3)]);
}
table(['step', 'µs/op'], stepRows);

// 6. Timing side channel (dudect): valid padding + bad JSON vs bad padding.
// Both are one DECRYPT_FAILED; a time difference would be a padding oracle.
const TIMING_SAMPLES = quick ? 50_000 : 300_000;
const timingLines = [];
// Each build: SIMD (vpaes) as most engines load it, and the MVP baseline
// (fixslice AES) that Node 10-16.3 load; the sample and the control once.
for (const build of ['simd', 'baseline']) {
  const timing = spawnSync(process.execPath, [new URL('../tests/security/timing.mjs', import.meta.url).pathname], {
    env: { ...process.env, TIMING_SAMPLES: String(TIMING_SAMPLES), TIMING_BUILD: build, ...(build === 'baseline' ? { TIMING_ONLY_OURS: '1' } : {}) },
    encoding: 'utf8',
  });
  assert.equal(timing.status, 0, timing.stderr);
  timingLines.push(...timing.stdout.split('\n').filter((l) => /^timing(-[a-z]+)?: /.test(l)));
}
print(`## Timing side channel: dudect, ${TIMING_SAMPLES.toLocaleString('en')} samples per line (tests/security/timing.mjs)`);
print();
print('Welch t of decryptPhone time, class 0 = valid padding + bad JSON, class 1 = bad padding, classes interleaved at random, largest |t| over dudect\'s crops; |t| > 4.5 means a difference. A figure, not a gate.');
print();
print('```');
for (const line of timingLines) print(line);
print('```');
print();

const ratio = (kind, name) => throughput[`${kind}/${name}`];
const vsNoble = (kind) => ratio(kind, 'wx-open-data (wasm)') / ratio(kind, '@noble/ciphers (pure JS)');
const summary = `Summary (${os.cpus()[0]?.model ?? 'unknown CPU'}): decryptPhone+appId ${ratio('phone', 'wx-open-data (wasm)').toFixed(2)}× the official node:crypto sample (target ≥ 2.0×); ` +
  `userInfo ${ratio('userInfo', 'wx-open-data (wasm)').toFixed(2)}×, weRunData ${ratio('weRunData', 'wx-open-data (wasm)').toFixed(2)}×; ` +
  `vs @noble/ciphers ${['phone', 'userInfo', 'weRunData'].map((k) => `${vsNoble(k).toFixed(2)}×`).join(' / ')} (target ≥ 2×); ` +
  `cold start +${median(cold.diff).toFixed(2)} ms (target ≤ 1 ms); ` +
  `${wasmFiles.map(([name, bytes]) => `${name} ${bytes.length.toLocaleString('en')} B raw / ${gzipSync(bytes, { level: 9 }).length.toLocaleString('en')} B gzip`).join(', ')}; ` +
  `package ${packed.unpackedSize.toLocaleString('en')} B unpacked.`;
print(summary);
if (!quick) writeFileSync(new URL('./RESULTS.md', import.meta.url), out.join('\n') + '\n');
