// Generates pkg-template/vocabulary.d.ts from src/vocabulary.json: the
// typings' unions of error codes, client codes, diagnosis causes, data kinds
// and option keys. index.d.ts re-exports them and builds DecryptOptions and
// DiagnoseOptions from the key unions, so no declaration file carries a copy
// of the vocabulary. The output is checked in (the package needs no build
// step for its typings); tests/js/vocabulary.test.mjs regenerates it and
// fails on any difference (`BLESS=1` rewrites it). Run directly
// (`node scripts/vocabulary-types.mjs`) it rewrites the file.
//
// Also refuses a vocabulary the unions would misstate, before anything is
// written: a duplicate code, cause, kind or option key, a row whose source
// is neither 'engine' nor 'client', a client row with a status. (build.rs
// refuses engine statuses out of order.)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
export const TARGET = fileURLToPath(new URL('pkg-template/vocabulary.d.ts', root));

/** Throws unless `list` is non-empty strings, each once. */
function distinct(list, what) {
  if (!Array.isArray(list) || list.length === 0) throw new Error(`src/vocabulary.json: ${what} is not a non-empty list`);
  const seen = new Set();
  for (const item of list) {
    if (typeof item !== 'string' || !/^\w+$/.test(item)) throw new Error(`src/vocabulary.json: ${what} has ${JSON.stringify(item)}, not a word`);
    if (seen.has(item)) throw new Error(`src/vocabulary.json: ${what} has ${item} twice`);
    seen.add(item);
  }
  return list;
}

/** A union, one member a line (diffs show the code that came or went). */
const union = (list) => list.map((item) => `\n  | '${item}'`).join('');

/** The declaration file's text for the src/vocabulary.json text `json`. */
export function generate(json = readFileSync(new URL('src/vocabulary.json', root), 'utf8')) {
  const vocabulary = JSON.parse(json);
  for (const row of vocabulary.errors) {
    if (row.source !== 'engine' && row.source !== 'client') throw new Error(`src/vocabulary.json: ${row.code} has source ${JSON.stringify(row.source)}`);
    if (row.source === 'client' && row.status !== null) throw new Error(`src/vocabulary.json: client code ${row.code} has a status`);
  }
  const codes = distinct(vocabulary.errors.map((row) => row.code), 'errors[].code');
  const client = codes.filter((code, i) => vocabulary.errors[i].source === 'client');
  const others = codes.filter((code) => !client.includes(code));
  const causes = distinct(vocabulary.causes.map((row) => row.code), 'causes[].code');
  const kinds = distinct(vocabulary.kinds.map((row) => row.kind), 'kinds[].kind');
  const decrypt = distinct(vocabulary.options.decrypt, 'options.decrypt');
  const diagnose = distinct(vocabulary.options.diagnose, 'options.diagnose');
  return [
    '// Generated from src/vocabulary.json by scripts/vocabulary-types.mjs; do not edit.',
    '// tests/js/vocabulary.test.mjs fails when this differs from a fresh',
    '// generation (BLESS=1 rewrites it). index.d.ts re-exports these types.',
    '',
    '/** The codes only the WeChat server client throws (it also throws INVALID_ARGUMENT, and for phone data NOT_PHONE_DATA, APPID_MISMATCH, EXPIRED). */',
    `export type WeChatClientErrorCode =${union(client)};`,
    '',
    '/** Stable error codes; messages may improve between releases, codes never change. */',
    `export type WxOpenDataErrorCode =${union(others)}\n  | WeChatClientErrorCode;`,
    '',
    '/** Stable codes of diagnose() findings; messages may improve, codes never change. */',
    `export type DiagnosisCause =${union(causes)};`,
    '',
    '/** What decrypted open data is (Diagnosis.kind). */',
    `export type OpenDataKind =${union(kinds)};`,
    '',
    '/** The keys DecryptOptions has (decryptPhone, decryptData, phoneInfoFromJson). */',
    `export type DecryptOptionKey =${union(decrypt)};`,
    '',
    '/** The keys DiagnoseOptions has. */',
    `export type DiagnoseOptionKey =${union(diagnose)};`,
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(TARGET, generate());
}
