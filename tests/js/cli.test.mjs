// The `wx-open-data` CLI of the package under test (pkg/, or the copy
// test-pack.sh installed from the tarball): spawned as a real process with
// flags and with JSON on stdin, checking its output, its exit codes (0 OK,
// 1 a finding, 2 usage) and that it never prints an input back. One test
// goes through npm's own bin link (npm install of the package into a fresh
// project, then node_modules/.bin/wx-open-data and npx).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pkgDir } from './support/entries.mjs';
import { APPID, seal, sha1hex } from './support/payloads.mjs';

const BIN = join(pkgDir, 'bin', 'wx-open-data.cjs');
const TS = 1_700_000_000;
const key16 = (n) => Buffer.alloc(16, n);
const PHONE = { phoneNumber: '13580006666', purePhoneNumber: '13580006666', countryCode: '86', watermark: { timestamp: TS, appid: APPID } };
const good = seal(key16(1), key16(2), PHONE);
const otherRequest = seal(key16(1), key16(3), PHONE);
const rotated = key16(4).toString('base64');
const raw = '{"nickName":"Band"}';
const SECRETS = [good.sessionKey, good.iv, good.encryptedData, otherRequest.iv, rotated, raw, sha1hex(raw + good.sessionKey), '13580006666', 'SECRETVALUE-1234'];

/** Runs `command` and returns {status, stdout, stderr}; checks no input is printed back. */
function run(command, args, { input, cwd } = {}) {
  const result = spawnSync(command, args, { input: input ?? '', cwd, encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.error, undefined, String(result.error));
  const shown = result.stdout + result.stderr;
  for (const secret of SECRETS) {
    for (let i = 0; i + 8 <= secret.length; i++) {
      const piece = secret.slice(i, i + 8);
      assert.ok(!shown.includes(piece), `CLI output repeats ${JSON.stringify(piece)} of an input:\n${shown}`);
    }
  }
  return result;
}
const cli = (args, options) => run(process.execPath, [BIN, ...args], options);
/** Node 10.15, the oldest Node the package supports, where the runtime or client suites installed it. */
const tests = join(dirname(fileURLToPath(import.meta.url)), '..');
const NODE10 = ['runtimes', 'client'].map((dir) => join(tests, dir, 'node_modules', 'node10', 'bin', 'node')).find(existsSync);
const flags = ({ sessionKey, encryptedData, iv }) => ['--session-key', sessionKey, '--data', encryptedData, '--iv', iv];

describe('wx-open-data CLI', () => {
  it('is in the package: executable file named by package.json "bin" and "files"', () => {
    const manifest = JSON.parse(spawnSync(process.execPath, ['-p', `JSON.stringify(require(${JSON.stringify(join(pkgDir, 'package.json'))}))`], { encoding: 'utf8' }).stdout);
    assert.deepEqual(manifest.bin, { 'wx-open-data': 'bin/wx-open-data.cjs' });
    assert.ok(manifest.files.includes('bin/wx-open-data.cjs'));
    assert.ok(existsSync(BIN));
  });

  it('flags, untouched data: prints OK, exit 0', () => {
    const r = cli(['diagnose', ...flags(good), '--app-id', APPID, '--max-age', '300', '--now', String((TS + 5) * 1000)]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^OK: It decrypts to phone data.*\.\n$/);
    assert.equal(r.stderr, '');
  });

  it('flags, rotated key with the old one repeated in --previous-session-key: STALE_SESSION_KEY, exit 1', () => {
    const r = cli(['diagnose', '--session-key', rotated, '--data', good.encryptedData, '--iv', good.iv,
      '--previous-session-key', key16(9).toString('base64'), '--previous-session-key', good.sessionKey,
      '--raw-data', raw, '--signature', sha1hex(raw + good.sessionKey), '--json']);
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual({ cause: out.cause, kind: out.kind, matchedPreviousKey: out.matchedPreviousKey },
      { cause: 'STALE_SESSION_KEY', kind: 'phone', matchedPreviousKey: 1 });
    assert.match(out.message, /previousSessionKeys\[1\].*signature fails/);
  });

  it("flags with '+' turned into spaces, --flag=value form: PLUS_BECAME_SPACE, exit 1", () => {
    let sealed;
    for (let n = 0; !sealed?.encryptedData.includes('+'); n++) sealed = seal(key16(5), key16(n), PHONE);
    const r = cli(['diagnose', `--session-key=${sealed.sessionKey}`, `--iv=${sealed.iv}`, `--data=${sealed.encryptedData.replaceAll('+', ' ')}`]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^PLUS_BECAME_SPACE: '\+' turned into spaces/);
  });

  it('stdin JSON (no --data): the iv of another request is IV_MISMATCH, exit 1', () => {
    const input = JSON.stringify({ ...good, iv: otherRequest.iv });
    const r = cli(['diagnose', '--json'], { input });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(JSON.parse(r.stdout).cause, 'IV_MISMATCH');
  });

  it("stdin with '-' and flags that override it: APPID_MISMATCH / EXPIRED", () => {
    const input = JSON.stringify({ ...good, appId: APPID, maxAgeSeconds: 300, now: (TS + 5) * 1000 });
    let r = cli(['diagnose', '-'], { input });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    r = cli(['diagnose', '-', '--app-id', 'wx0000000000000000'], { input });
    assert.equal(r.status, 1);
    assert.match(r.stdout, new RegExp(`^APPID_MISMATCH: .*${APPID}, not wx0000000000000000`));
    r = cli(['diagnose', '-', '--now', String((TS + 4000) * 1000)], { input });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^EXPIRED: .*4000 seconds old/);
  });

  it('a malformed input is a finding (INVALID_INPUT, exit 1), not a usage error', () => {
    const r = cli(['diagnose', '--session-key', 'AAAA', '--data', good.encryptedData, '--iv', good.iv]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^INVALID_INPUT: sessionKey .*3 bytes/);
  });

  it('usage errors exit 2 and name the option, never its value', () => {
    const cases = [
      [[], ''],
      [['decrypt'], ''],
      [['diagnose', '--session-key'], ''],
      [['diagnose', '--sesion-key=SECRETVALUE-1234', ...flags(good)], ''],
      [['diagnose', 'SECRETVALUE-1234', ...flags(good)], ''],
      [['diagnose', ...flags(good), '--iv', good.iv], ''],
      [['diagnose', '--max-age', 'SECRETVALUE-1234', ...flags(good)], ''],
      [['diagnose'], 'not json SECRETVALUE-1234'],
      [['diagnose'], '["SECRETVALUE-1234"]'],
      [['diagnose'], JSON.stringify({ ...good, sessionkey: 'SECRETVALUE-1234' })],
      [['diagnose'], JSON.stringify({ sessionKey: good.sessionKey, encryptedData: good.encryptedData })],
      [['diagnose'], JSON.stringify({ ...good, previousSessionKeys: 'SECRETVALUE-1234' })],
    ];
    for (const [args, input] of cases) {
      const r = cli(args, { input });
      assert.equal(r.status, 2, `${args.join(' ')} → ${r.status}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^wx-open-data: .+\nRun "wx-open-data --help" for usage\.\n$/);
    }
    assert.match(cli(['diagnose', '--sesion-key=SECRETVALUE-1234']).stderr, /unknown option "--sesion-key" \(did you mean --session-key\?\)\n/);
  });

  it('runs on Node 10.15 (the package supports it): a finding and --json', { skip: NODE10 === undefined && 'no Node 10 binary (npm ci in tests/runtimes installs one)' }, () => {
    const r = run(NODE10, [BIN, 'diagnose', '--json', '--session-key', rotated, '--data', good.encryptedData, '--iv', good.iv,
      '--previous-session-key', good.sessionKey, '--previous-session-key', key16(9).toString('base64')]);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(cli(['diagnose', '--json', '--session-key', rotated, '--data', good.encryptedData, '--iv', good.iv,
      '--previous-session-key', good.sessionKey, '--previous-session-key', key16(9).toString('base64')]).stdout));
    assert.equal(JSON.parse(r.stdout).matchedPreviousKey, 0);
    const stdin = run(NODE10, [BIN, 'diagnose'], { input: JSON.stringify({ ...good, now: TS * 1000 }) });
    assert.equal(stdin.status, 0, stdin.stderr);
    assert.match(stdin.stdout, /^OK: /);
  });

  it('--version and -v print the package version and exit 0', () => {
    const { version } = JSON.parse(spawnSync(process.execPath, ['-p', `JSON.stringify(require(${JSON.stringify(join(pkgDir, 'package.json'))}))`], { encoding: 'utf8' }).stdout);
    assert.match(version, /^\d+\.\d+\.\d+/);
    for (const flag of ['--version', '-v']) {
      const r = cli([flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${version}\n`);
      assert.equal(r.stderr, '');
    }
    assert.match(cli(['--help']).stdout, /-v, --version +the package version/);
  });

  it("stdin with WeChat's own field names: the unknown field is named with the nearest known one (never its value)", () => {
    for (const [field, near] of [['session_key', 'sessionKey'], ['encrypted_data', 'encryptedData'], ['appid', 'appId'], ['max_age', 'maxAgeSeconds']]) {
      const { sessionKey, ...rest } = good;
      const r = cli(['diagnose'], { input: JSON.stringify({ ...rest, [field]: sessionKey, sessionKey }) });
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(`^wx-open-data: stdin has an unknown field "${field}" \\(did you mean ${near}\\?\\); known: sessionKey, `));
    }
    const long = cli(['diagnose'], { input: JSON.stringify({ ...good, ['x'.repeat(80)]: 1 }) });
    assert.match(long.stderr, new RegExp(`unknown field "${'x'.repeat(40)}…"; known`));
    assert.match(cli(['diagnose', '--app_id', APPID, ...flags(good)]).stderr, /unknown option "--app_id" \(did you mean --app-id\?\)/);
  });

  it('--now is milliseconds since the epoch (like Date.now()); seconds are a usage error naming the unit', () => {
    const r = cli(['diagnose', ...flags(good), '--max-age', '300', '--now', String(TS + 5)]);
    assert.equal(r.status, 2, r.stdout);
    assert.match(r.stderr, /options\.now must be milliseconds since the epoch, like Date\.now\(\); \d+ is before 1973 in milliseconds, so it looks like seconds: multiply by 1000/);
    assert.match(cli(['--help']).stdout, /--now MILLISECONDS +current time in milliseconds since the/);
  });

  it('encryptedData still URL-encoded: URL_ENCODED, exit 1, saying to decode it once', () => {
    const r = cli(['diagnose', '--session-key', good.sessionKey, '--iv', good.iv, '--data', encodeURIComponent(good.encryptedData)]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^URL_ENCODED: encryptedData: still URL-encoded .*decodeURIComponent/);
  });

  it('--help prints usage and exits 0', () => {
    const r = cli(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: wx-open-data diagnose/);
    assert.match(r.stdout, /--previous-session-key/);
  });

  describe('through npm', () => {
    let app;
    before(() => {
      app = mkdtempSync(join(tmpdir(), 'wx-open-data-cli-'));
      writeFileSync(join(app, 'package.json'), '{ "name": "cli-app", "private": true }');
      const npm = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', realpathSync(pkgDir)], { cwd: app, encoding: 'utf8', timeout: 120_000 });
      assert.equal(npm.status, 0, npm.stderr);
    });

    it('node_modules/.bin/wx-open-data runs (npm bin link, shebang)', () => {
      const r = run(join(app, 'node_modules', '.bin', 'wx-open-data'), ['diagnose', '--session-key', rotated, '--iv', good.iv, '--data', good.encryptedData]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, /^STALE_SESSION_KEY: Every block decrypts to garbage/);
    });

    it('npx wx-open-data reads stdin', () => {
      const r = run('npx', ['--offline', '--no', 'wx-open-data', 'diagnose', '--json'], { cwd: app, input: JSON.stringify({ sessionKey: good.iv, encryptedData: good.encryptedData, iv: good.sessionKey }) });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(JSON.parse(r.stdout).cause, 'KEY_IV_SWAPPED');
    });
  });
});
