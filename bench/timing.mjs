// The timing loop shared by the interleaved rounds (run.mjs) and the
// own-process runs (solo.mjs): the same calibration and the same loop, so the
// two figures differ only in what else runs in the process.
import { APPID } from './payloads.mjs';

export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

/** Runs `impl` over the 64 rotating cases `iterations` times; returns ns per op. */
export async function round(impl, kind, cases, iterations) {
  const t0 = process.hrtime.bigint();
  if (impl.async) {
    for (let i = 0; i < iterations; i++) { const c = cases[i & 63]; await impl.decrypt(c.sessionKey, c.encryptedData, c.iv, APPID, kind); }
  } else {
    for (let i = 0; i < iterations; i++) { const c = cases[i & 63]; impl.decrypt(c.sessionKey, c.encryptedData, c.iv, APPID, kind); }
  }
  return Number(process.hrtime.bigint() - t0) / iterations;
}

/**
 * Iterations for a round of about `roundMs`. First `warmMs` of calls: V8
 * compiles wasm (and hot JS) with its optimising tier in the background, and
 * until that code is in place a call can cost many times its settled time
 * (a fresh process measured 300 µs per phone decrypt in its first
 * milliseconds), which would set the round length from the wrong speed.
 */
export async function calibrate(impl, kind, cases, roundMs, warmMs = 500) {
  const end = process.hrtime.bigint() + BigInt(Math.round(warmMs * 1e6));
  while (process.hrtime.bigint() < end) await round(impl, kind, cases, 64);
  let n = 64, ns;
  do { ns = await round(impl, kind, cases, n); n *= 2; } while (ns * n / 2 < 10e6);
  return Math.max(64, Math.round(roundMs * 1e6 / ns));
}
