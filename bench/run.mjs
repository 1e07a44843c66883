// `make bench`: wx-open-data (the built ../pkg) against the official
// node:crypto sample and the other options. Throughput is measured twice:
// the headline with every implementation alone in a fresh process (solo.mjs,
// one child per implementation per payload per repetition, repetitions in
// rotating order, median), and interleaved in this one process (rounds in
// rotating order, median), kept and labelled because the two differ: in one
// process node:crypto's Decipher garbage is collected during the next
// implementation's round. Ratios are against the sample in the same mode.
// Prints tables and writes bench/RESULTS.md. Never asserts a speed: these
// machines are shared and noisy, so figures are for reading, not gating.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { implementations, ours, pkgDir, OfficialSample } from './implementations.mjs';
import { payloads, APPID } from './payloads.mjs';
import { round, calibrate, median } from './timing.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 40);
const quick = process.env.BENCH_QUICK === '1';
// Own-process runs: repetitions per implementation and payload, rounds in each.
const SOLO_REPS = Number(process.env.BENCH_SOLO_REPS ?? (quick ? 3 : 7));
const SOLO_ROUNDS = Number(process.env.BENCH_SOLO_ROUNDS ?? (quick ? 5 : 11));
const out = [];
const print = (line = '') => { console.log(line); out.push(line); };
const table = (head, rows) => {
  print(`| ${head.join(' | ')} |`);
  print(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const r of rows) print(`| ${r.join(' | ')} |`);
  print();
};

/** The CPU as /proc/cpuinfo names it (model name, family/model/stepping, MHz, AES-NI), else os.cpus(). */
function cpuName() {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8').split('\n\n')[0];
    const field = (k) => (new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(info) || [])[1];
    const aes = / aes( |$)/m.test(field('flags') || '') ? 'AES-NI' : 'no AES-NI';
    return `${field('model name')} (${field('vendor_id')} family ${field('cpu family')} model ${field('model')} stepping ${field('stepping')}, ${Math.round(Number(field('cpu MHz')))} MHz, ${aes})`;
  } catch (_) {
    return os.cpus()[0]?.model ?? 'unknown CPU';
  }
}
const CPU = cpuName();

const data = payloads(64);

// 1. Every implementation must return the same object before it is timed.
for (const [kind, { cases, expected }] of Object.entries(data)) {
  for (const impl of implementations) {
    for (const c of cases) {
      assert.deepEqual(await impl.decrypt(c.sessionKey, c.encryptedData, c.iv, APPID, kind), expected, `${impl.name} on ${kind}`);
    }
  }
}

print(`# wx-open-data benchmarks`);
print();
print(`Run ${new Date().toISOString()} on ${CPU}, ${os.availableParallelism()} cores, Node ${process.versions.node}, wx-open-data engine build: ${ours.engineBuild()}. ` +
  'The machine may be shared with other work; figures are medians, for reading, not gating.');
print();
print(`Throughput, two ways, 64 session keys rotating, ratio = ops/s ÷ the official sample's ops/s in the same mode (higher is better):`);
print(`- **own process** (the headline): each implementation alone in a fresh \`node\` (bench/solo.mjs), ${SOLO_REPS} repetitions per implementation and payload in rotating order, each the median of ${SOLO_ROUNDS} rounds of ~${ROUND_MS} ms; the median repetition is reported.`);
print(`- **interleaved**: all implementations in this one process, ${ROUNDS} rounds of ~${ROUND_MS} ms each in rotating order, median. Here node:crypto's Decipher garbage is collected during the next implementation's round, so the sample looks faster and whoever follows it slower than alone.`);
print();

const solo = (impl, kind) => {
  const r = spawnSync(process.execPath, [new URL('./solo.mjs', import.meta.url).pathname, impl.name, kind, String(SOLO_ROUNDS), String(ROUND_MS)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).ns;
};

const throughput = { own: {}, interleaved: {} };
for (const [kind, { cases, plaintextBytes }] of Object.entries(data)) {
  // Own process: repetitions in rotating order, so drift hits all alike.
  const own = new Map(implementations.map((i) => [i, []]));
  for (let r = 0; r < SOLO_REPS; r++) {
    for (let i = 0; i < implementations.length; i++) {
      const impl = implementations[(i + r) % implementations.length];
      own.get(impl).push(solo(impl, kind));
    }
  }
  // Interleaved: calibrate iterations per round from a short warm-up of each.
  const iters = new Map();
  for (const impl of implementations) iters.set(impl, await calibrate(impl, kind, cases, ROUND_MS));
  const samples = new Map(implementations.map((i) => [i, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = implementations.map((_, i) => implementations[(i + r) % implementations.length]);
    for (const impl of order) samples.get(impl).push(await round(impl, kind, cases, iters.get(impl)));
  }
  const sample = implementations.find((i) => i.baseline);
  const ownBase = median(own.get(sample)), interBase = median(samples.get(sample));
  const ctLen = Buffer.from(cases[0].encryptedData, 'base64').length;
  print(`## ${kind}: ${plaintextBytes} B JSON, ${ctLen} B ciphertext`);
  print();
  table(['implementation', 'version', 'own process µs/op', 'own process ops/s', 'vs official sample (own process)', 'interleaved µs/op', 'vs official sample (interleaved)'],
    implementations.map((impl) => {
      const ns = median(own.get(impl)), ins = median(samples.get(impl));
      throughput.own[`${kind}/${impl.name}`] = ownBase / ns;
      throughput.interleaved[`${kind}/${impl.name}`] = interBase / ins;
      return [impl.name, impl.version, (ns / 1000).toFixed(2), Math.round(1e9 / ns).toLocaleString('en'), `**${(ownBase / ns).toFixed(2)}×**`,
        (ins / 1000).toFixed(2), `${(interBase / ins).toFixed(2)}×`];
    }));
}

// 2. Sizes of what ships: each .wasm, and the unpacked npm package.
print('## Size of what ships');
print();
// Every build the package ships, raw (wasm/) or only as a base64 module (web/wasm-*.mjs).
const wasmFiles = readdirSync(`${pkgDir}web`).filter((f) => /^wasm-\w+\.mjs$/.test(f)).sort().map((f) => {
  const build = f.slice(5, -4);
  const raw = `${pkgDir}wasm/${build}.wasm`;
  const bytes = existsSync(raw) ? readFileSync(raw) : Buffer.from(/'([^']*)'/.exec(readFileSync(`${pkgDir}web/${f}`, 'utf8'))[1], 'base64');
  return [`${build}.wasm${existsSync(raw) ? '' : ' (shipped as base64 only)'}`, bytes];
});
const packed = JSON.parse(spawnSync('npm', ['pack', '--dry-run', '--json', pkgDir], { encoding: 'utf8' }).stdout)[0];
table(['file', 'raw bytes', 'gzip -9 bytes', 'target'], [
  ...wasmFiles.map(([name, bytes]) => [name, bytes.length.toLocaleString('en'), gzipSync(bytes, { level: 9 }).length.toLocaleString('en'),
    name.startsWith('baseline') && existsSync(`${pkgDir}web/wasm-mvp.mjs`) ? 'cold path (encryptData, verifySignature, diagnose)' : '≤ 32,768 / ≤ 12,288 (request path)']),
  ['npm package, unpacked', packed.unpackedSize.toLocaleString('en'), `${packed.size.toLocaleString('en')} (tarball)`, '≤ 150,000 unpacked'],
]);

// 3. Cold start: whole processes, paired (ours, sample) with alternating order.
const cold = { ours: [], sample: [], diff: [], oursIn: [], sampleIn: [], oursReq: [], sampleReq: [] };
const PAIRS = quick ? 6 : 30;
const phone = data.phone.cases[0];
const runChild = (which) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [new URL('./cold-start.cjs', import.meta.url).pathname, which], {
    env: { ...process.env, WX_CASE: JSON.stringify(phone), WX_APPID: APPID }, encoding: 'utf8',
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(r.status, 0, r.stderr);
  const [loaded, done] = r.stdout.trim().split(' ').map(Number);
  return [wall, done, loaded];
};
for (let i = 0; i < 3; i++) { runChild('ours'); runChild('sample'); }
for (let i = 0; i < PAIRS; i++) {
  const first = i % 2 ? 'sample' : 'ours';
  const a = runChild(first), b = runChild(first === 'ours' ? 'sample' : 'ours');
  const [o, s] = first === 'ours' ? [a, b] : [b, a];
  cold.ours.push(o[0]); cold.sample.push(s[0]); cold.diff.push(o[0] - s[0]);
  cold.oursIn.push(o[1]); cold.sampleIn.push(s[1]);
  cold.oursReq.push(o[2]); cold.sampleReq.push(s[2]);
}
print(`## Cold start: a fresh \`node\` process that loads the library and decrypts one phone payload (${PAIRS} paired runs)`);
print();
table(['measure', 'wx-open-data ms', 'official sample ms', 'median paired difference ms'], [
  ['whole process, wall clock (median)', median(cold.ours).toFixed(2), median(cold.sample).toFixed(2), median(cold.diff).toFixed(2)],
  ['require + first decrypt, inside the process (median)', median(cold.oursIn).toFixed(2), median(cold.sampleIn).toFixed(2), (median(cold.oursIn) - median(cold.sampleIn)).toFixed(2)],
  ['of which the require (median)', median(cold.oursReq).toFixed(2), median(cold.sampleReq).toFixed(2), (median(cold.oursReq) - median(cold.sampleReq)).toFixed(2)],
  ['of which the first decrypt, after the require (median)', median(cold.oursIn.map((t, i) => t - cold.oursReq[i])).toFixed(2), median(cold.sampleIn.map((t, i) => t - cold.sampleReq[i])).toFixed(2),
    (median(cold.oursIn.map((t, i) => t - cold.oursReq[i])) - median(cold.sampleIn.map((t, i) => t - cold.sampleReq[i]))).toFixed(2)],
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
// weRunData (241 blocks): JSON.parse, which both sides pay, against the whole call of each.
const run = data.weRunData.cases;
const runText = JSON.stringify(data.weRunData.expected);
const runSteps = [
  ['weRunData: JSON.parse of the 3.8 KB plaintext in JS', () => JSON.parse(runText)],
  ['weRunData: decryptData + appId', (i) => { const c = run[i & 63]; ours.decryptData(c.sessionKey, c.encryptedData, c.iv, { appId: APPID }); }],
  ['weRunData: official sample (node:crypto)', (i) => { const c = run[i & 63]; new OfficialSample(APPID, c.sessionKey).decryptData(c.encryptedData, c.iv); }],
];
print('## Per-step profile of one phone call, and of weRunData (median of rounds; differences between rows locate the cost)');
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
for (const [name, fn] of runSteps) {
  const xs = [];
  for (let r = 0; r < ROUNDS; r++) {
    const n = 500, t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
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

const OURS = 'wx-open-data (wasm)', NOBLE = '@noble/ciphers (pure JS)';
const KINDS = ['phone', 'userInfo', 'weRunData'];
const figures = (mode) => `vs the official node:crypto sample ${KINDS.map((k) => `${k} ${throughput[mode][`${k}/${OURS}`].toFixed(2)}×`).join(', ')}; ` +
  `vs @noble/ciphers ${KINDS.map((k) => `${(throughput[mode][`${k}/${OURS}`] / throughput[mode][`${k}/${NOBLE}`]).toFixed(2)}×`).join(' / ')}`;
const summary = `Summary (${CPU}): own process (headline) ${figures('own')} (targets: phone ≥ 3.0×, weRunData ≥ 1.0×, ≥ 2× noble on each); ` +
  `interleaved ${figures('interleaved')}; ` +
  `cold start +${median(cold.diff).toFixed(2)} ms whole process, +${(median(cold.oursIn) - median(cold.sampleIn)).toFixed(2)} ms require + first decrypt (target ≤ 1 ms); ` +
  `${wasmFiles.map(([name, bytes]) => `${name} ${bytes.length.toLocaleString('en')} B raw / ${gzipSync(bytes, { level: 9 }).length.toLocaleString('en')} B gzip`).join(', ')}; ` +
  `package ${packed.unpackedSize.toLocaleString('en')} B unpacked, ${packed.size.toLocaleString('en')} B tarball.`;
print(summary);
if (!quick) writeFileSync(new URL('./RESULTS.md', import.meta.url), out.join('\n') + '\n');
