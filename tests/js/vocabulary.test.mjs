// src/vocabulary.json is the single source of the package's closed
// vocabularies: error codes, diagnosis causes, data kinds and option keys.
// What is generated from it is checked here for freshness; what cannot be
// generated is checked against it:
// - pkg-template/vocabulary.d.ts (the typings' unions) is what
//   scripts/vocabulary-types.mjs makes of it (`BLESS=1` rewrites it), the
//   generator refuses a vocabulary the unions would misstate, and no
//   hand-written declaration file carries a copy of a code, cause, kind or
//   option key;
// - every code is raised by real calls (a code nothing raises would be a
//   promise the package does not keep): the engine codes by the shared rows
//   of support/error-rows.mjs (which the suites run on every entry and
//   runtime), the client codes by WeChatClient against the mock;
// - the CLI has a flag for every diagnose option key.
// Rust has no copy (build.rs generates its side); the run-time entries read
// the file itself (errors.mjs, api.mjs, diagnose.mjs; their behaviour is
// tests/js/api.test.mjs's); the README tables are tests/js/readme.test.mjs's.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, TARGET } from '../../scripts/vocabulary-types.mjs';
import { app, pkgDir } from './support/entries.mjs';
import { errorRows } from './support/error-rows.mjs';
import { fixedCases } from './support/payloads.mjs';

const require = createRequire(import.meta.url);
const vocabulary = require('../../src/vocabulary.json');
const TEXT = readFileSync(new URL('../../src/vocabulary.json', import.meta.url), 'utf8');
const sorted = (list) => [...list].sort();
const clientCodes = vocabulary.errors.filter((row) => row.source === 'client').map((row) => row.code);

describe('the typings\' vocabulary', () => {
  it('pkg-template/vocabulary.d.ts is what src/vocabulary.json generates', () => {
    const fresh = generate();
    if (process.env.BLESS === '1') writeFileSync(TARGET, fresh);
    assert.equal(readFileSync(TARGET, 'utf8'), fresh, 'stale: run node scripts/vocabulary-types.mjs (or BLESS=1 node --test tests/js/vocabulary.test.mjs)');
  });

  it('the generator refuses duplicates, an unknown source and a client code with a status', () => {
    const doctored = (change) => { const v = JSON.parse(TEXT); change(v); return JSON.stringify(v); };
    assert.throws(() => generate(doctored((v) => v.errors.push({ ...v.errors[0] }))), /INVALID_ARGUMENT twice/);
    assert.throws(() => generate(doctored((v) => v.causes.push({ ...v.causes[0] }))), /causes\[\]\.code has OK twice/);
    assert.throws(() => generate(doctored((v) => v.options.decrypt.push('now'))), /options\.decrypt has now twice/);
    assert.throws(() => generate(doctored((v) => { v.errors[0].source = 'wasm'; })), /source "wasm"/);
    assert.throws(() => generate(doctored((v) => { v.errors.find((r) => r.source === 'client').status = 10; })), /has a status/);
  });

  it('no hand-written declaration file quotes a code, cause, kind or option key; the option interfaces pick by the generated keys', () => {
    const words = new Set([
      ...vocabulary.errors.map((r) => r.code), ...vocabulary.causes.map((c) => c.code), ...vocabulary.kinds.map((k) => k.kind),
      ...vocabulary.options.decrypt, ...vocabulary.options.diagnose,
    ]);
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    const declarations = manifest.files.filter((f) => /\.d\.m?ts$/.test(f) && f !== 'vocabulary.d.ts');
    assert.ok(manifest.files.includes('vocabulary.d.ts'), 'package.json "files" ships vocabulary.d.ts');
    for (const file of declarations) {
      const text = readFileSync(join(pkgDir, file), 'utf8');
      for (const [quoted, word] of text.matchAll(/['"](\w+)['"]/g)) assert.ok(!words.has(word), `${file} has its own copy of ${quoted}`);
    }
    const index = readFileSync(join(pkgDir, 'index.d.ts'), 'utf8');
    assert.match(index, /^export \* from '\.\/vocabulary\.js';$/m);
    assert.match(index, /interface DecryptOptions extends Pick<OptionValues, DecryptOptionKey> \{\}/);
    assert.match(index, /interface DiagnoseOptions extends Pick<OptionValues, DiagnoseOptionKey> \{\}/);
  });
});

it('the shared error rows reach every engine code but RANDOM_UNAVAILABLE (it needs globalThis.crypto hidden: api.test.mjs)', () => {
  const engineCodes = vocabulary.errors.filter((row) => row.source === 'engine').map((row) => row.code);
  const reached = new Set(errorRows(fixedCases()).map((row) => row[2]));
  assert.deepEqual(sorted(reached), sorted(engineCodes.filter((code) => code !== 'RANDOM_UNAVAILABLE')));
});

describe('every client code, from WeChatClient against wx-open-data/mock', () => {
  const APP_ID = 'wx4f4bc4dec97d474b';
  const APP_SECRET = 'vocabulary-test-secret-0123456789';
  let mock, api, client;
  before(async () => {
    api = app().require('wx-open-data');
    mock = await app().require('wx-open-data/mock').startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET });
    client = new api.WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, timeoutMs: 2000 });
  });
  after(() => mock && mock.close());

  /** One real call per client code. */
  const CALLS = {
    INVALID_CODE: async () => {
      const { code } = mock.client.login('vocabulary');
      await client.code2Session(code);
      return client.code2Session(code); // single-use: 40163
    },
    RATE_LIMITED: async () => {
      await client.getAccessToken();
      const fault = mock.fault('rateLimit', { path: '/wxa/business/getuserphonenumber', times: 1 });
      try { return await client.getPhoneNumber(mock.client.getPhoneNumber('vocabulary').code); } finally { fault.clear(); }
    },
    WECHAT_API_ERROR: async () => {
      mock.client.markRisky('risky');
      return client.code2Session(mock.client.login('risky').code); // 40226
    },
    WECHAT_UNAVAILABLE: async () => {
      const fault = mock.fault('http5xx', { path: '/sns/jscode2session', times: 1 });
      try { return await client.code2Session(mock.client.login('vocabulary').code); } finally { fault.clear(); }
    },
    STORE_UNAVAILABLE: async () => {
      const store = { get: async () => { throw new Error('redis is down'); }, set: async () => {}, delete: async () => {} };
      const viaToken = new api.WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, tokenEndpoint: 'token' });
      return viaToken.getAccessToken(); // /cgi-bin/token never bypasses the store
    },
    UNVERIFIED_REPLY: async () => {
      const secure = await app().require('wx-open-data/mock').startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, apiSecurity: true });
      try {
        const viaMode = new api.WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: secure.baseUrl, apiSecurity: secure.apiSecurity });
        secure.fault('tamperReply', { times: 1 }); // a ciphertext byte changed after WeChat signed the reply
        secure.client.login('vocabulary');
        return await viaMode.checkEncryptedData(secure.client.getPhoneNumber('vocabulary').encryptedData);
      } finally {
        await secure.close();
      }
    },
  };

  it('this test has a call for each client code of the vocabulary', () => {
    assert.deepEqual(sorted(Object.keys(CALLS)), sorted(clientCodes));
  });

  for (const code of clientCodes) {
    it(code, async () => {
      const error = await CALLS[code]().then(() => assert.fail(`expected ${code}`), (e) => e);
      assert.ok(error instanceof api.WxOpenDataError, String(error));
      assert.equal(error.code, code, error.message);
      assert.equal(error.wxErrCode, vocabulary.errors.find((row) => row.code === code).wxErrCode);
    });
  }
});

it('the CLI (bin/wx-open-data.cjs) has a flag for every diagnose option key, besides the three inputs', () => {
  const help = execFileSync(process.execPath, [join(pkgDir, 'bin', 'wx-open-data.cjs'), '--help'], { encoding: 'utf8' });
  const fields = [...help.matchAll(/^ {2}--[a-z-]+ .*\((\w+)\)$/gm)].map((m) => m[1]);
  assert.deepEqual(sorted(fields), sorted(['sessionKey', 'iv', 'encryptedData', ...vocabulary.options.diagnose]));
});
