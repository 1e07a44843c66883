// `npx wx-open-data diagnose …`: the package's diagnose() for a terminal.
// Prints the cause and one sentence (or JSON with --json). Exit codes: 0 OK,
// 1 a finding, 2 a usage error. It never prints its inputs back: errors name
// the option, never its value, because the values are session keys and
// encrypted personal data.
//
// scripts/assemble-pkg.mjs bundles this file into bin/wx-open-data.cjs
// (CommonJS lowered to Node 10, like the Node entry: tests/js/cli.test.mjs
// runs it on Node 10.15). The bundle carries the package's own rule for
// naming the known key a typo meant (options.mjs nearestKey) and the
// vocabulary's diagnose option keys; it loads diagnose() from the installed
// Node entry (node/index.cjs) at run time, so the engine ships once.
import { readFileSync } from 'fs';
import vocabulary from '../../src/vocabulary.json';
import { nearestKey, showKey } from './options.mjs';

const HELP = `Usage: wx-open-data diagnose --session-key KEY --iv IV --data ENCRYPTED_DATA [options]
       wx-open-data diagnose [-] [options] < input.json
       wx-open-data --version

Explains why WeChat open data does not decrypt: a stale session_key, the iv
of another request, key and iv swapped, '+' turned into spaces in transit,
input still URL-encoded (%2B, %2F, %3D), truncation, userInfo instead of
phone data, another Mini Program's appid, or a watermark that is too old. For operators and logs; it prints the cause and
one sentence, never the inputs.

Inputs (flags, or a JSON object on stdin when --data is missing or '-' is given;
flags win over stdin fields):
  --session-key KEY            session_key from jscode2session         (sessionKey)
  --iv IV                      iv from the same callback                (iv)
  --data ENCRYPTED_DATA        encryptedData from the callback          (encryptedData)
  --previous-session-key KEY   an older session_key; repeatable         (previousSessionKeys)
  --raw-data TEXT              rawData from the callback                (rawData)
  --signature HEX              its signature                            (signature)
  --app-id APPID               expected watermark appid                 (appId)
  --max-age SECONDS            maximum watermark age                    (maxAgeSeconds)
  --now MILLISECONDS           current time in milliseconds since the   (now)
                               epoch, like Date.now() (default: the clock)

Output:
  --json                       print {cause, message, kind, matchedPreviousKey}
  -h, --help                   this text
  -v, --version                the package version

Exit status: 0 OK, 1 a finding (any other cause), 2 usage error.
`;

const VALUE_FLAGS = {
  '--session-key': 'sessionKey',
  '--iv': 'iv',
  '--data': 'encryptedData',
  '--previous-session-key': 'previousSessionKeys',
  '--raw-data': 'rawData',
  '--signature': 'signature',
  '--app-id': 'appId',
  '--max-age': 'maxAgeSeconds',
  '--now': 'now',
};
const INPUTS = ['sessionKey', 'iv', 'encryptedData'];
/** The stdin fields: the three inputs and diagnose()'s option keys (tests/js/vocabulary.test.mjs checks each has a flag above). */
const FIELDS = INPUTS.concat(vocabulary.options.diagnose);
const NUMBER_FIELDS = ['maxAgeSeconds', 'now'];

class UsageError extends Error {}

/** Parses argv without ever echoing a value (only option names). */
function parseArgs(argv) {
  const flags = {};
  const parsed = { command: null, stdin: false, json: false, help: false, version: false, flags };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') parsed.help = true;
    else if (arg === '-v' || arg === '--version') parsed.version = true;
    else if (arg === '--json') parsed.json = true;
    else if (arg === '-') parsed.stdin = true;
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg : arg.slice(0, eq);
      const field = VALUE_FLAGS[name];
      if (!field) {
        const near = nearestKey(name.slice(2), Object.keys(VALUE_FLAGS).map((flag) => flag.slice(2)).concat(['json', 'help', 'version']));
        throw new UsageError(`unknown option ${showKey(name)}${near === null ? '' : ` (did you mean --${near}?)`}`);
      }
      let value;
      if (eq !== -1) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new UsageError(`${name} needs a value`);
      if (field === 'previousSessionKeys') (flags.previousSessionKeys = flags.previousSessionKeys || []).push(value);
      else if (field in flags) throw new UsageError(`${name} given twice`);
      else flags[field] = value;
    } else if (parsed.command === null) {
      if (arg !== 'diagnose') throw new UsageError('the only command is "diagnose"');
      parsed.command = arg;
    } else {
      throw new UsageError(`unexpected argument #${i + 1} (options start with --)`);
    }
  }
  return parsed;
}

function readStdin() {
  if (process.stdin.isTTY) throw new UsageError('no --data given and nothing piped on stdin');
  let text;
  try {
    text = readFileSync(0, 'utf8');
  } catch {
    throw new UsageError('could not read stdin');
  }
  let input;
  try {
    input = JSON.parse(text);
  } catch {
    throw new UsageError('stdin is not JSON; expected an object like {"sessionKey": …, "encryptedData": …, "iv": …}');
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new UsageError('stdin must be a JSON object like {"sessionKey": …, "encryptedData": …, "iv": …}');
  }
  for (const key of Object.keys(input)) {
    if (!FIELDS.includes(key)) {
      const near = nearestKey(key, FIELDS);
      throw new UsageError(`stdin has an unknown field ${showKey(key)}${near === null ? '' : ` (did you mean ${near}?)`}; known: ${FIELDS.join(', ')}`);
    }
  }
  return input;
}

function toNumber(field, value) {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d{1,16}$/.test(value)) return Number(value);
  throw new UsageError(`${field} must be a non-negative integer`);
}

function main(argv) {
  const args = parseArgs(argv);
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`${require('../package.json').version}\n`);
    return 0;
  }
  if (args.command !== 'diagnose') throw new UsageError('missing command: wx-open-data diagnose …');
  const fromStdin = args.stdin || args.flags.encryptedData === undefined ? readStdin() : {};
  const input = { ...fromStdin, ...args.flags };
  for (const field of ['sessionKey', 'encryptedData', 'iv']) {
    if (typeof input[field] !== 'string') throw new UsageError(`${field} is missing (flag or stdin field) or not a string`);
  }
  const options = {};
  for (const field of vocabulary.options.diagnose) {
    if (input[field] === undefined) continue;
    options[field] = NUMBER_FIELDS.includes(field) ? toNumber(field, input[field]) : input[field];
  }

  const { diagnose } = require('../node/index.cjs');
  let result;
  try {
    result = diagnose(input.sessionKey, input.encryptedData, input.iv, options);
  } catch (error) {
    // Wrong types in stdin fields: the package's message never contains inputs.
    if (error && error.name === 'WxOpenDataError') throw new UsageError(error.message);
    throw error;
  }
  if (args.json) process.stdout.write(JSON.stringify(result) + '\n');
  else process.stdout.write(`${result.cause}: ${result.message}\n`);
  return result.cause === 'OK' ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`wx-open-data: ${error.message}\nRun "wx-open-data --help" for usage.\n`);
  process.exitCode = 2;
}
