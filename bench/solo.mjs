// One implementation on one payload, alone in a fresh process (run.mjs starts
// one per implementation per payload per repetition): checks its result,
// calibrates, runs `rounds` rounds and prints the median ns/op as JSON. Alone,
// each implementation pays for its own garbage collection; interleaved in one
// process, node:crypto's Decipher objects are collected during the next
// implementation's round and are billed to it.
import assert from 'node:assert/strict';
import { implementations } from './implementations.mjs';
import { payloads, APPID } from './payloads.mjs';
import { round, calibrate, median } from './timing.mjs';

const [name, kind, rounds, roundMs] = process.argv.slice(2);
const impl = implementations.find((i) => i.name === name);
const { cases, expected } = payloads(64)[kind];
for (const c of cases) assert.deepEqual(await impl.decrypt(c.sessionKey, c.encryptedData, c.iv, APPID, kind), expected, `${name} on ${kind}`);
const iterations = await calibrate(impl, kind, cases, Number(roundMs));
const samples = [];
for (let r = 0; r < Number(rounds); r++) samples.push(await round(impl, kind, cases, iterations));
process.stdout.write(JSON.stringify({ ns: median(samples) }));
