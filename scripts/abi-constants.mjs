// Generates pkg-template/src/abi-constants.mjs from src/abi.json, the one
// definition of the wasm ABI's numbers (build.rs generates the Rust side
// from the same file). The output is checked in; tests/js/abi-constants.test.mjs
// regenerates it and fails on any difference (`BLESS=1` rewrites it).
// Run directly (`node scripts/abi-constants.mjs`) it rewrites the file.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
export const TARGET = fileURLToPath(new URL('pkg-template/src/abi-constants.mjs', root));

const upper = (name) => name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
const object = (table) => `Object.freeze({ ${Object.entries(table).map(([k, v]) => `${k}: ${v}`).join(', ')} })`;

/** The module's text for the src/abi.json text `json`. */
export function generate(json = readFileSync(new URL('src/abi.json', root), 'utf8')) {
  const abi = JSON.parse(json);
  const lines = [
    '// Generated from src/abi.json by scripts/abi-constants.mjs; do not edit.',
    '// tests/js/abi-constants.test.mjs fails when this differs from a fresh',
    '// generation (BLESS=1 rewrites it).',
    '',
  ];
  for (const key of ['headerBytes', 'absent', 'maxPreviousKeys', 'noKey', 'statusSubShift', 'spanCount']) {
    lines.push(`export const ${key === 'headerBytes' ? 'HEADER' : upper(key)} = ${abi[key]};`);
  }
  lines.push('', '/** Header words, one table per meaning (src/abi.json `words`). */');
  for (const [table, words] of Object.entries(abi.words)) {
    lines.push(`export const ${upper(table)} = ${object(words)};`);
  }
  lines.push('', '/** Bits of OPENED.FLAGS. */', `export const FLAG = ${object(abi.flags)};`);
  lines.push('', '/** How DIAGNOSIS.FINDING packs the kind and the matched key above the cause. */', `export const FINDING_SHIFT = ${object(abi.finding)};`);
  lines.push('', '/** Detail numbers (the sub of a status word), by code. */', 'export const DETAILS = Object.freeze({');
  for (const [code, details] of Object.entries(abi.details)) lines.push(`  ${code}: ${object(details)},`);
  lines.push('});', '');
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(TARGET, generate());
}
